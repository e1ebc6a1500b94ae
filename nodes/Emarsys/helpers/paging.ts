import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { deepCopy } from 'n8n-workflow';

import { ParameterReader } from './parameters';
import { ItemResults } from './results';

/** How many results an item asks for: undefined for all of them (Return All), else its Limit. */
export function wantedCount(params: ParameterReader, itemIndex: number): number | undefined {
	// Stryker disable next-line BooleanLiteral: Return All has a default (false) in the node's description, which n8n hands back: this fallback is never used.
	if (params.get<boolean>('returnAll', itemIndex, false)) return undefined;
	return Math.max(1, Math.floor(params.get<number>('limit', itemIndex, 50)));
}

/**
 * Reads a list that Emarsys serves in offset / limit pages: page after page until a page comes
 * back short (the end) or `wanted` results are in. Each call asks only for what is still wanted,
 * so a Limit of 5 costs one call for 5 results.
 */
export async function readPages<T>(wanted: number | undefined, pageSize: number, readPage: (offset: number, limit: number) => Promise<T[]>): Promise<T[]> {
	const results: T[] = [];
	for (;;) {
		const limit = wanted === undefined ? pageSize : Math.min(pageSize, wanted - results.length);
		const page = await readPage(results.length, limit);
		results.push(...page.slice(0, limit));
		if (page.length < limit || results.length === wanted) return results;
	}
}

/**
 * Get Many of a list Emarsys sends whole (no paging): loaded once per run, each item gets the first
 * Limit entries, or all of them, as its own copies (a later node changing one must not change another).
 */
export async function listForEachItem(ctx: IExecuteFunctions, items: INodeExecutionData[], load: () => Promise<IDataObject[]>): Promise<INodeExecutionData[]> {
	const results = new ItemResults(ctx, items.length);
	const params = new ParameterReader(ctx);
	// Stryker disable next-line EqualityOperator: a pass for an index past the input reads the list kept for the run (client.cached: no call) and records outputs that toItems never hands out. This also hides `>=`, which the tests catch.
	for (let i = 0; i < items.length; i++) {
		await results.run(i, async () => {
			const wanted = wantedCount(params, i);
			const list = await load();
			results.add(i, deepCopy(list.slice(0, wanted))); // all of it when wanted is undefined
		});
	}
	return results.toItems();
}
