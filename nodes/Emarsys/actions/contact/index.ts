import type { INodeProperties } from 'n8n-workflow';

import * as get from './get.operation';
import * as getWithChoiceLabels from './getWithChoiceLabels.operation';
import * as upsert from './upsert.operation';

export { get, getWithChoiceLabels, upsert };

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
		],
		default: 'get',
	},
	...get.description,
	...getWithChoiceLabels.description,
	...upsert.description,
];
