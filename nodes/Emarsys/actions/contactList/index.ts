import type { INodeProperties } from 'n8n-workflow';

import * as addContacts from './addContacts.operation';
import * as create from './create.operation';
import * as getAll from './getAll.operation';
import * as getContacts from './getContacts.operation';
import * as removeContacts from './removeContacts.operation';

export { addContacts, create, getAll, getContacts, removeContacts };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['contactList'] } },
		options: [
			{
				name: 'Add Contacts',
				value: 'addContacts',
				description: 'Add a contact, named by its key field value (e.g. email), to a contact list',
				action: 'Add contacts to a contact list',
			},
			{
				name: 'Create',
				value: 'create',
				description: 'Create a contact list, optionally with initial contacts',
				action: 'Create a contact list',
			},
			{
				name: 'Get Contacts',
				value: 'getContacts',
				description: 'List the Emarsys contact IDs of the contacts on a contact list',
				action: 'Get the contacts of a contact list',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List the contact lists of the account (ID and name)',
				action: 'Get many contact lists',
			},
			{
				name: 'Remove Contacts',
				value: 'removeContacts',
				description: 'Remove a contact from a contact list; the contact itself stays in Emarsys',
				action: 'Remove contacts from a contact list',
			},
		],
		default: 'addContacts',
	},
	...addContacts.description,
	...create.description,
	...getAll.description,
	...getContacts.description,
	...removeContacts.description,
];
