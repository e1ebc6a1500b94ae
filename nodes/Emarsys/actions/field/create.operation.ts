import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { inputError } from '../../helpers/validation';
import type { EmarsysClient } from '../../transport';
import { optionsCollection } from '../common.descriptions';

/** The field types Emarsys creates through the API (no single- or multi-choice fields). */
const FIELD_TYPES = [
	{ name: 'Short Text (Up to 60 Characters)', value: 'shorttext' },
	{ name: 'Long Text (Up to 255 Characters)', value: 'longtext' },
	{ name: 'Large Text (No Limit)', value: 'largetext' },
	{ name: 'Date', value: 'date' },
	{ name: 'URL', value: 'url' },
	{ name: 'Numeric (Up to 24 Digits)', value: 'numeric' },
];

const properties: INodeProperties[] = [
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. Shoe Size',
		description: 'The name of the new contact field; no other field of the account may have it',
	},
	{
		displayName: 'Type',
		name: 'applicationType',
		type: 'options',
		options: FIELD_TYPES,
		default: 'shorttext',
		description: 'The type of the new field. Single- and multi-choice fields cannot be created through the API.',
	},
	optionsCollection([], false),
];

export const description = updateDisplayOptions({ show: { resource: ['field'], operation: ['create'] } }, properties);

/** One field per item (`POST field`: Emarsys creates one at a time); outputs `{id, name, application_type}`. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	for (let i = 0; i < items.length; i++) {
		await results.run(i, async () => {
			const name = String(params.get('name', i, '') ?? '').trim();
			if (name === '') throw inputError(results.node, i, 'name', 'is empty', 'Give the new field a name.');
			const type = params.get<string>('applicationType', i, 'shorttext');
			if (!FIELD_TYPES.some((option) => option.value === type)) {
				throw inputError(results.node, i, 'applicationType', `"${type}" is not a type Emarsys creates (${FIELD_TYPES.map((o) => o.value).join(', ')})`);
			}
			// Not retried: a repeated call would fail with "A field with this name already exists".
			const reply = await client.request<{ id?: unknown }>({ method: 'POST', endpoint: 'field', body: { name, application_type: type }, retryable: false, itemIndex: i });
			results.add(i, { id: reply.data?.id as number, name, application_type: type });
		});
	}
	return results.toItems();
}
