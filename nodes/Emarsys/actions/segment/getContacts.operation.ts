import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeApiError, sleep, updateDisplayOptions } from 'n8n-workflow';

import { readPages, wantedCount } from '../../helpers/paging';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { requireSegmentId } from '../../helpers/validation';
import type { EmarsysClient, EmarsysFailure } from '../../transport';
import { backoffMs } from '../../transport/waits';
import { optionsCollection, returnAllProperties } from '../common.descriptions';
import { segmentProperty } from './segment.descriptions';

const properties: INodeProperties[] = [segmentProperty('The segment whose contacts to list'), ...returnAllProperties(), optionsCollection([])];

export const description = updateDisplayOptions({ show: { resource: ['segment'], operation: ['getContacts'] } }, properties);

/**
 * Contact IDs per call. Emarsys allows up to 999,999; 10,000 IDs (about 120 kB of answer) keeps
 * each call quick while a segment of a million contacts still takes only 100 calls.
 */
export const SEGMENT_PAGE_SIZE = 10_000;

/**
 * One output item per contact of the segment: `{segmentId, id}` with the internal contact ID
 * (`GET filter/{id}/contacts`, paged by offset / limit, asking only for what Limit still wants).
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	for (let i = 0; i < items.length; i++) {
		await results.run(i, async () => {
			const segmentId = requireSegmentId(results.node, i, params.get('segmentId', i, undefined, { extractValue: true }));
			const ids = await readPages(wantedCount(params, i), SEGMENT_PAGE_SIZE, async (offset, limit) => {
				const reply = await requestEvaluated(() =>
					client.request<unknown[]>({ method: 'GET', endpoint: `filter/${segmentId}/contacts`, qs: { offset, limit }, retryable: true, itemIndex: i }),
				);
				return Array.isArray(reply.data) ? reply.data : [];
			});
			results.add(i, ids.map((id) => ({ segmentId, id: String(id) })));
		});
	}
	return results.toItems();
}

/** Calls made while Emarsys evaluates a segment before the node gives up (waits of about 1, 2, 4 … 60 s: some 3 minutes in all). */
const MAX_EVALUATION_CALLS = 9;

/**
 * Emarsys evaluates a segment before it lists its contacts, and meanwhile answers HTTP 202,
 * replyCode 10001 "The segment is currently evaluated." — to be called again until the result
 * comes (API reference, "List Contacts in a Segment"). Any other answer, or the last 202, ends it.
 */
async function requestEvaluated<T>(call: () => Promise<T>): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		const outcome = await call().then(
			(value) => ({ value }),
			(error: unknown) => ({ error }),
		);
		if ('value' in outcome) return outcome.value;
		const { error } = outcome;
		const failure = error instanceof NodeApiError ? (error.context.failure as EmarsysFailure | undefined) : undefined;
		// Only the client's own errors reach here: they already carry the item and a hint.
		if (failure?.status !== 202 || failure.replyCode !== 10001 || attempt >= MAX_EVALUATION_CALLS) throw error as NodeApiError;
		await sleep(backoffMs(attempt - 1));
	}
}
