import type { INodeProperties } from 'n8n-workflow';

import * as create from './create.operation';
import * as getAll from './getAll.operation';
import * as trigger from './trigger.operation';

export { create, getAll, trigger };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['event'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description: 'Create an external event, to be used by programs and emails and then triggered',
				action: 'Create an external event',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List the external events of the account (ID and name)',
				action: 'List external events',
			},
			{
				name: 'Trigger',
				value: 'trigger',
				description: 'Trigger an external event for a contact',
				action: 'Trigger an external event',
			},
		],
		default: 'trigger',
	},
	...trigger.description,
	...create.description,
	...getAll.description,
];
