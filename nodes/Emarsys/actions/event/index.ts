import type { INodeProperties } from 'n8n-workflow';

import * as trigger from './trigger.operation';

export { trigger };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['event'] } },
		options: [
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
];
