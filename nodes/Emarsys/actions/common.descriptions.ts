import type { INodeProperties } from 'n8n-workflow';

/** Options that tune how the node talks to Emarsys, shared by every operation's "Options". */
export const requestOptions: INodeProperties[] = [
	{
		displayName: 'Max Retries',
		name: 'maxRetries',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 10 },
		default: 5,
		description:
			'How often a call is retried after Emarsys answers 429 (rate limit; the node waits until the limit resets) or, for calls that are safe to repeat, a server error, timeout or network error',
	},
	{
		displayName: 'Timeout',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1000 },
		default: 30000,
		description: 'Milliseconds to wait for Emarsys to answer one call before giving up (or retrying)',
	},
];

/** The "Options" collection of an operation: its own options, then the request options. */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [...options, ...requestOptions],
	};
}

export const languageOption: INodeProperties = {
	displayName: 'Language',
	name: 'language',
	type: 'string',
	default: 'en',
	placeholder: 'en',
	description: 'Two-letter language code of the field names and choice labels, e.g. en, de, fr',
};

export function keyIdProperty(operations: string[], resource: string): INodeProperties {
	return {
		displayName: 'Key Field Name or ID',
		name: 'keyId',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getKeyFields' },
		default: '3',
		required: true,
		description:
			'The field that identifies the contact, usually Email (3). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show: { resource: [resource], operation: operations } },
	};
}

export function contactIdProperty(operations: string[], resource: string): INodeProperties {
	return {
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. jane.doe@example.com',
		description: 'The value of the key field for this contact, e.g. the email address when the key field is Email',
		displayOptions: { show: { resource: [resource], operation: operations } },
	};
}
