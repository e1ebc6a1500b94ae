import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { resolveContactIds, type ContactName } from '../../helpers/contactIds';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { requireContactId, requireKeyId, requireSegmentId } from '../../helpers/validation';
import type { EmarsysClient } from '../../transport';
import { contactIdProperty, keyIdProperty, optionsCollection } from '../common.descriptions';
import { segmentProperty } from './segment.descriptions';

const properties: INodeProperties[] = [
	segmentProperty('The segment to look the contact up in'),
	keyIdProperty,
	contactIdProperty,
	optionsCollection([]),
];

export const description = updateDisplayOptions({ show: { resource: ['segment'], operation: ['containsContact'] } }, properties);

/**
 * One output item per input item: `inSegment` true or false. Emarsys looks contacts up in a
 * segment by their internal ID, so the contacts are first found by their key values
 * (`POST contact/getdata`, batched; an unknown contact fails its item), then each is looked up
 * (`GET filter/{id}/contacts/{contactId}`, one call per item).
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	const segments = new Map<number, string>();
	const names: ContactName[] = [];
	for (let i = 0; i < items.length; i++) {
		results.check(i, () => {
			segments.set(i, requireSegmentId(results.node, i, params.get('segmentId', i, undefined, { extractValue: true })));
			names.push({ itemIndex: i, keyId: requireKeyId(results.node, i, params.get('keyId', i)), contactId: requireContactId(results.node, i, params.get('contactId', i)) });
		});
	}
	const ids = await resolveContactIds(client, results, names);
	for (const { itemIndex: i, keyId, contactId } of names) {
		const id = ids.get(i);
		const segmentId = segments.get(i);
		if (id === undefined || segmentId === undefined) continue;
		await results.run(i, async () => {
			const reply = await client.request<unknown>({ method: 'GET', endpoint: `filter/${segmentId}/contacts/${id}`, retryable: true, itemIndex: i });
			results.mapOutputs(i, () => ({ segmentId, keyId, contactId, id, inSegment: reply.data === true }));
		});
	}
	return results.toItems();
}
