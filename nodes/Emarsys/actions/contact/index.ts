import type { INodeProperties } from 'n8n-workflow';

import * as del from './delete.operation';
import * as get from './get.operation';
import * as getWithChoiceLabels from './getWithChoiceLabels.operation';
import * as search from './search.operation';
import * as upsert from './upsert.operation';

export { del as delete, get, getWithChoiceLabels, search, upsert };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['contact'] } },
		options: [
			{
				name: 'Create or Update',
				value: 'upsert',
				description: 'Create a new record, or update the current one if it already exists (upsert)',
				action: 'Create or update a contact',
			},
			{
				name: 'Delete',
				value: 'delete',
				description: 'Delete a contact and all its data for good (cannot be undone)',
				action: 'Delete a contact',
			},
			{
				name: 'Get',
				value: 'get',
				description: 'Get the data of a contact',
				action: 'Get contact data',
			},
			{
				name: 'Get With Choice Labels',
				value: 'getWithChoiceLabels',
				description: 'Get the data of a contact with single- and multi-choice values as their labels',
				action: 'Get contact data with choice labels',
			},
			{
				name: 'Search',
				value: 'search',
				description: 'Find the contacts whose field has a given value, with their internal IDs',
				action: 'Search contacts by a field value',
			},
		],
		default: 'get',
	},
	...get.description,
	...getWithChoiceLabels.description,
	...upsert.description,
	...del.description,
	...search.description,
];
