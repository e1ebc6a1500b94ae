import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { emarsysErrorForItem } from '../transport';

/**
 * Collects each input item's outputs (or its error) and hands them back in input order,
 * every output item paired with the input item it came from.
 *
 * Without "Continue On Fail" the first error stops the node (it is thrown).
 * With it, every failed input item yields exactly one error item; nothing is dropped.
 */
export class ItemResults {
	/** Per input item: its outputs (none yet: undefined). */
	private readonly outputs: Array<IDataObject[] | undefined>;

	private readonly errors: Array<NodeApiError | NodeOperationError | undefined>;

	/** Whether the node continues on fail: without it, the first failed item stops the node. */
	readonly continueOnFail: boolean;

	/** The node (n8n's getNode() copies it on every call). */
	readonly node: INode;

	constructor(
		ctx: IExecuteFunctions,
		readonly count: number,
	) {
		// Stryker disable next-line ArrayDeclaration: a list made to its size up front holds the same entries as one that grows.
		this.outputs = new Array(count);
		// Stryker disable next-line ArrayDeclaration: an empty list reads undefined at every index, as this one does.
		this.errors = new Array(count).fill(undefined);
		this.continueOnFail = ctx.continueOnFail();
		this.node = ctx.getNode();
	}

	add(itemIndex: number, json: IDataObject | IDataObject[]): void {
		// Stryker disable next-line ConditionalExpression: outputs of a failed item are never handed on (toItems gives its error only; callers ask failed() first): only memory is saved. This also hides `true`, which every test catches.
		if (this.errors[itemIndex]) return;
		const outputs = this.outputs[itemIndex];
		// A new list is made to the size it needs (most items have one output; a list grown from empty
		// by push reserves room for 17).
		if (outputs === undefined) this.outputs[itemIndex] = Array.isArray(json) ? [...json] : [json];
		else if (Array.isArray(json)) outputs.push(...json);
		else outputs.push(json);
	}

	/** The outputs recorded for an item so far. */
	outputsOf(itemIndex: number): readonly IDataObject[] {
		return this.outputs[itemIndex] ?? [];
	}

	/** Replaces each output of an item by what `transform` makes of it. */
	mapOutputs(itemIndex: number, transform: (json: IDataObject) => IDataObject): void {
		const outputs = this.outputs[itemIndex];
		if (outputs) for (let n = 0; n < outputs.length; n++) outputs[n] = transform(outputs[n]);
	}

	failed(itemIndex: number): boolean {
		return this.errors[itemIndex] !== undefined;
	}

	/** Records the error of an item; throws it when the node does not continue on fail. */
	fail(itemIndex: number, error: unknown): void {
		const wrapped = toNodeError(this.node, error, itemIndex);
		if (!this.continueOnFail) throw wrapped;
		this.errors[itemIndex] = wrapped;
		this.outputs[itemIndex] = undefined;
	}

	/** Runs synchronous `work` for one item (its checks), recording any error it throws as that item's error. */
	check(itemIndex: number, work: () => void): void {
		if (this.failed(itemIndex)) return;
		try {
			work();
		} catch (error) {
			this.fail(itemIndex, error);
		}
	}

	/** Runs `work` for one item, recording any error it throws as that item's error. */
	async run(itemIndex: number, work: () => Promise<void> | void): Promise<void> {
		if (this.failed(itemIndex)) return;
		try {
			await work();
		} catch (error) {
			this.fail(itemIndex, error);
		}
	}

	toItems(): INodeExecutionData[] {
		const items: INodeExecutionData[] = [];
		// Stryker disable next-line EqualityOperator: at index count there is neither an error nor outputs: nothing more is added. This also hides `>=`, which every test catches.
		for (let index = 0; index < this.count; index++) {
			const error = this.errors[index];
			if (error) {
				// n8n-core keeps only the message in an error item's json (normalizeNodeErrors); the
				// description, HTTP status and reply code travel with `error`.
				// Stryker disable next-line ObjectLiteral: n8n-core sets an error item's json to { error: message } itself (normalizeNodeErrors).
				items.push({ json: { error: error.message }, error, pairedItem: { item: index } });
				continue;
			}
			for (const json of this.outputs[index] ?? []) items.push({ json, pairedItem: { item: index } });
		}
		return items;
	}
}

/** The error of one item: each failed item gets its own error object, with its own item index. */
function toNodeError(node: INode, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	const emarsysError = emarsysErrorForItem(node, error, itemIndex);
	if (emarsysError) return emarsysError;
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		// No path records one item's node error for another: Emarsys and transport errors carry their
		// failure and are rebuilt per item above, and checks fail their own item. Kept so that an
		// error item never names another item's index.
		// Stryker disable next-line EqualityOperator: unreachable with another index (see above); `!==` only rebuilds an error that already names this item
		if (error.context.itemIndex === itemIndex) return error;
		// Stryker disable next-line ObjectLiteral: unreachable (see above)
		return new NodeOperationError(node, error.message, { itemIndex, description: error.description ?? undefined });
	}
	// n8n's own errors say what is wrong in `description` (an ExpressionError for a value its
	// checks refuse: "Invalid input for '26' [item 0]" / "'26' expects one of the following
	// values: [1, 2, 3] but we got '4'"). Error items keep only the message: it gets both.
	const description = (error as { description?: unknown } | undefined)?.description;
	// An empty description needs no check of its own: every message includes ''.
	const message =
		error instanceof Error && typeof description === 'string' && !error.message.includes(description)
			? `${error.message}: ${description}`
			: undefined;
	const wrapped = new NodeOperationError(node, error as Error, { itemIndex, ...(message ? { message } : {}) });
	// Stryker disable next-line ConditionalExpression: `true` also clears a description the message already holds (n8n copies it unless the two are equal): the same words, shown once instead of twice
	if (message) wrapped.description = undefined; // it is in the message now
	return wrapped;
}
