import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { wantedCount } from '../../helpers/paging';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { requireContactListId } from '../../helpers/validation';
import type { EmarsysClient } from '../../transport';
import { optionsCollection, returnAllProperties } from '../common.descriptions';
import { contactListIdProperty } from './common';

const properties: INodeProperties[] = [
	contactListIdProperty('The contact list whose contacts to return'),
	...returnAllProperties(),
	optionsCollection([]),
];

export const description = updateDisplayOptions({ show: { resource: ['contactList'], operation: ['getContacts'] } }, properties);

/** Contact IDs per call when all are wanted: Emarsys's default chunk (`$top` may go up to 100,000). */
const PAGE_SIZE = 10_000;

interface ContactIdsPage {
	value?: unknown[];
	/** The path of the next chunk (`/contactlist/1/contactIds?$skiptoken=750&$top=1000`), null on the last. */
	next?: string | null;
}

/**
 * contactList.getContacts: the Emarsys contact IDs of a list, one output item each
 * (`{id, contactListId}`), following `GET contactlist/{id}/contactIds` chunk by chunk until the
 * last one or the Limit: no call asks for more IDs than the Limit still needs.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	for (let i = 0; i < items.length; i++) {
		await results.run(i, async () => {
			const listId = requireContactListId(results.node, i, params.get('contactListId', i, undefined, { extractValue: true }));
			const limit = wantedCount(params, i) ?? Infinity;
			const ids = await contactIdsOf(client, listId, limit, i);
			results.add(i, ids.map((id) => ({ id, contactListId: listId })));
		});
	}
	return results.toItems();
}

async function contactIdsOf(client: EmarsysClient, listId: string, limit: number, itemIndex: number): Promise<string[]> {
	const ids: string[] = [];
	let skiptoken: string | undefined;
	do {
		const top = Math.min(PAGE_SIZE, limit - ids.length);
		const reply = await client.request<ContactIdsPage>({
			method: 'GET',
			endpoint: `contactlist/${listId}/contactIds`,
			qs: { $top: top, ...(skiptoken !== undefined ? { $skiptoken: skiptoken } : {}) },
			retryable: true,
			itemIndex,
		});
		const page = Array.isArray(reply.data?.value) ? reply.data.value : [];
		ids.push(...page.slice(0, limit - ids.length).map(String));
		const next = skiptokenOf(reply.data?.next);
		// A token that does not move on would repeat the same chunk forever.
		skiptoken = next !== undefined && next !== skiptoken && page.length > 0 ? next : undefined;
	} while (skiptoken !== undefined && ids.length < limit);
	return ids;
}

/** The `$skiptoken` of a `next` path, or undefined when there is no next chunk. */
function skiptokenOf(next: unknown): string | undefined {
	if (typeof next !== 'string' || next === '') return undefined;
	const query = next.includes('?') ? next.slice(next.indexOf('?') + 1) : '';
	return new URLSearchParams(query).get('$skiptoken') ?? undefined;
}
