import type { INodeProperties } from 'n8n-workflow';

import * as containsContact from './containsContact.operation';
import * as getAll from './getAll.operation';
import * as getContacts from './getContacts.operation';

export { containsContact, getAll, getContacts };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['segment'] } },
		options: [
			{
				name: 'Contains Contact',
				value: 'containsContact',
				description: 'Check whether a segment includes a contact: inSegment is true or false',
				action: 'Check whether a segment includes a contact',
			},
			{
				name: 'Get Contacts',
				value: 'getContacts',
				description: 'List the internal contact IDs of the contacts in a segment',
				action: 'List the contacts of a segment',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List the segments of the account (ID and name)',
				action: 'List segments',
			},
		],
		default: 'getAll',
	},
	...getAll.description,
	...getContacts.description,
	...containsContact.description,
];
