import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { readPages, wantedCount } from '../../helpers/paging';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { optionalContactId, requireFieldId } from '../../helpers/validation';
import type { EmarsysClient } from '../../transport';
import { optionsCollection, returnAllProperties } from '../common.descriptions';

const properties: INodeProperties[] = [
	{
		displayName: 'Search Field Name or ID',
		name: 'searchFieldId',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getFields' },
		default: '3',
		required: true,
		description:
			'The field to search by. Emarsys searches only indexed fields (E-Mail, and custom fields Emarsys support has indexed). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Search Value',
		name: 'searchValue',
		type: 'string',
		default: '',
		placeholder: 'e.g. jane.doe@example.com',
		description: 'The value the search field must have (text compares case-insensitively). Leave empty to find the contacts that have no value in the field.',
	},
	{
		displayName: 'Field to Return Name or ID',
		name: 'returnFieldId',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getFields' },
		default: '3',
		required: true,
		description:
			'The field whose value is returned with each contact’s internal ID. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	...returnAllProperties(),
	optionsCollection([
		{
			displayName: 'Exclude Empty',
			name: 'excludeEmpty',
			type: 'boolean',
			default: false,
			description: 'Whether to leave out contacts whose returned field has no value',
		},
	]),
];

export const description = updateDisplayOptions({ show: { resource: ['contact'], operation: ['search'] } }, properties);

/** Emarsys returns at most this many contacts per `contact/query` call. */
export const SEARCH_PAGE_SIZE = 10_000;

/**
 * contact.search: the contacts whose search field has the given value, one output item each:
 * `{id, <return field ID>: value}` (`GET contact/query/?return=…&{fieldId}=…`, paged by offset /
 * limit, asking only for what Limit still wants).
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	for (let i = 0; i < items.length; i++) {
		await results.run(i, async () => {
			const searchFieldId = requireFieldId(results.node, i, 'searchFieldId', params.get('searchFieldId', i));
			const returnFieldId = requireFieldId(results.node, i, 'returnFieldId', params.get('returnFieldId', i));
			const searchValue = optionalContactId(results.node, i, params.get('searchValue', i, ''), 'searchValue');
			const excludeEmpty = params.get<IDataObject>('options', i, {}).excludeEmpty === true;
			const query: IDataObject = { return: returnFieldId, [searchFieldId]: searchValue, ...(excludeEmpty ? { excludeempty: 'true' } : {}) };
			const rows = await readPages(wantedCount(params, i), SEARCH_PAGE_SIZE, async (offset, limit) => {
				const reply = await client.request<{ result?: IDataObject[] | false }>({ method: 'GET', endpoint: 'contact/query/', qs: { ...query, offset, limit }, retryable: true, itemIndex: i });
				return Array.isArray(reply.data?.result) ? reply.data.result : [];
			});
			results.add(i, rows.map((row) => ({ ...row, id: String(row.id) })));
		});
	}
	return results.toItems();
}
