import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { wantedCount } from '../../helpers/paging';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import type { EmarsysClient } from '../../transport';
import { optionsCollection, returnAllProperties } from '../common.descriptions';
import { type ContactListRow } from './common';

const properties: INodeProperties[] = [...returnAllProperties(), optionsCollection([])];

export const description = updateDisplayOptions({ show: { resource: ['contactList'], operation: ['getAll'] } }, properties);

/** The account's contact lists (`GET contactlist`, one call per run: Emarsys lists them all at once). */
export async function listContactLists(client: EmarsysClient): Promise<ContactListRow[]> {
	return await client.cached('contactlists', async () => {
		const reply = await client.request<ContactListRow[]>({ method: 'GET', endpoint: 'contactlist', retryable: true });
		return Array.isArray(reply.data) ? reply.data : [];
	});
}

/** contactList.getAll: one output item per contact list (`id`, `name`, `created`), up to Limit per input item. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	for (let i = 0; i < items.length; i++) {
		await results.run(i, async () => {
			const limit = wantedCount(params, i) ?? Infinity;
			const lists = await listContactLists(client);
			results.add(
				i,
				lists.slice(0, limit).map((list) => ({ id: String(list.id), name: list.name, created: list.created ?? '' })),
			);
		});
	}
	return results.toItems();
}
