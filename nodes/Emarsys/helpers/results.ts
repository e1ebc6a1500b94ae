import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/**
 * Collects each input item's outputs (or its error) and hands them back in input order,
 * every output item paired with the input item it came from.
 *
 * Without "Continue On Fail" the first error stops the node (it is thrown).
 * With it, every failed input item yields exactly one error item; nothing is dropped.
 */
export class ItemResults {
	/** Per input item: nothing yet, its one output, or its outputs (most items have one: no array). */
	private readonly outputs: Array<IDataObject | IDataObject[] | undefined>;

	private readonly errors: Array<NodeApiError | NodeOperationError | undefined>;

	private readonly continueOnFail: boolean;

	constructor(
		private readonly ctx: IExecuteFunctions,
		readonly count: number,
	) {
		this.outputs = new Array(count).fill(undefined);
		this.errors = new Array(count).fill(undefined);
		this.continueOnFail = ctx.continueOnFail();
	}

	add(itemIndex: number, json: IDataObject | IDataObject[]): void {
		if (this.errors[itemIndex]) return;
		if (Array.isArray(json)) {
			for (const one of json) this.add(itemIndex, one);
			return;
		}
		const current = this.outputs[itemIndex];
		if (current === undefined) this.outputs[itemIndex] = json;
		else if (Array.isArray(current)) current.push(json);
		else this.outputs[itemIndex] = [current, json];
	}

	failed(itemIndex: number): boolean {
		return this.errors[itemIndex] !== undefined;
	}

	/** Records the error of an item; throws it when the node does not continue on fail. */
	fail(itemIndex: number, error: unknown): void {
		const wrapped = toNodeError(this.ctx, error, itemIndex);
		if (!this.continueOnFail) throw wrapped;
		this.errors[itemIndex] = wrapped;
		this.outputs[itemIndex] = undefined;
	}

	/** `run` for synchronous work: no promise per item (they add up over 100,000 items). */
	runSync(itemIndex: number, work: () => void): void {
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
		for (let index = 0; index < this.count; index++) {
			const error = this.errors[index];
			if (error) {
				// n8n-core keeps only the message in an error item's json (normalizeNodeErrors); the
				// description, HTTP status and reply code travel with `error`.
				items.push({ json: { error: error.message }, error, pairedItem: { item: index } });
				continue;
			}
			const outputs = this.outputs[index];
			if (outputs === undefined) continue;
			if (!Array.isArray(outputs)) items.push({ json: outputs, pairedItem: { item: index } });
			else for (const json of outputs) items.push({ json, pairedItem: { item: index } });
		}
		return items;
	}
}

function toNodeError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if (error.context.itemIndex === undefined) error.context.itemIndex = itemIndex;
		return error;
	}
	// n8n's own errors say what is wrong in `description` (an ExpressionError for a value its
	// checks refuse: "Invalid input for '26' [item 0]" / "'26' expects one of the following
	// values: [1, 2, 3] but we got '4'"). Error items keep only the message: it gets both.
	const description = (error as { description?: unknown } | undefined)?.description;
	const message =
		error instanceof Error && typeof description === 'string' && description !== '' && !error.message.includes(description)
			? `${error.message}: ${description}`
			: undefined;
	const wrapped = new NodeOperationError(ctx.getNode(), error as Error, { itemIndex, ...(message ? { message } : {}) });
	if (message) wrapped.description = undefined; // it is in the message now
	return wrapped;
}
