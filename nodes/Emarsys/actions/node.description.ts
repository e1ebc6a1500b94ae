import type { INodeProperties } from 'n8n-workflow';

import * as contact from './contact';
import * as contactList from './contactList';
import * as event from './event';
import * as field from './field';
import * as segment from './segment';

/** The node's parameters (resources, operations and each operation's fields). */
export const properties: INodeProperties[] = [
	{
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		options: [
			{ name: 'WSSE (API User)', value: 'wsse' },
			{ name: 'OAuth2 (OpenID Connect)', value: 'oAuth2' },
		],
		default: 'wsse',
	},
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Contact', value: 'contact' },
			{ name: 'Contact List', value: 'contactList' },
			{ name: 'External Event', value: 'event' },
			{ name: 'Field', value: 'field' },
			{ name: 'Segment', value: 'segment' },
		],
		default: 'contact',
	},
	...contact.description,
	...contactList.description,
	...event.description,
	...field.description,
	...segment.description,
];
