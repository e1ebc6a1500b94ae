import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { inputError } from '../../helpers/validation';
import type { EmarsysClient } from '../../transport';
import { optionsCollection } from '../common.descriptions';

const properties: INodeProperties[] = [
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. cart_abandoned',
		description:
			'The name of the new external event; no other event of the account may have it. Triggering it starts something only once an Automation Center program or an email uses it.',
	},
	optionsCollection([]),
];

export const description = updateDisplayOptions({ show: { resource: ['event'], operation: ['create'] } }, properties);

/** One external event per item (`POST event`); outputs `{id, name}`, the ID to trigger it by. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	for (let i = 0; i < items.length; i++) {
		await results.run(i, async () => {
			const name = String(params.get('name', i, '') ?? '').trim();
			if (name === '') throw inputError(results.node, i, 'name', 'is empty', 'Give the new event a name.');
			// Not retried: a repeated call would fail with "An external event with this name already exists".
			const reply = await client.request<{ id?: unknown; name?: unknown }>({ method: 'POST', endpoint: 'event', body: { name }, retryable: false, itemIndex: i });
			results.add(i, { id: String(reply.data?.id ?? ''), name: String(reply.data?.name ?? name) });
		});
	}
	return results.toItems();
}
