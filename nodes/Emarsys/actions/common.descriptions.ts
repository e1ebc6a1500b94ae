import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { ClientSettings } from '../transport';

/** Options that tune how the node talks to Emarsys, in every operation's "Options". */
export const requestOptions: INodeProperties[] = [
	{
		displayName: 'Combine Calls Across Executions',
		name: 'combineCalls',
		type: 'boolean',
		default: true, // DEFAULT_SETTINGS.combineCalls
		description:
			'Whether calls of executions running at the same time with the same credential (e.g. one chatbot message each) may go to Emarsys as one call. Each execution still gets only its own results. Saves rate limit; when the limit runs short, calls wait up to 1 second to be combined.',
	},
	{
		displayName: 'Concurrent Requests',
		name: 'concurrentRequests',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10 },
		default: 6, // DEFAULT_SETTINGS.concurrentRequests
		description:
			'How many batch calls of one run may be under way at a time (1: one after the other). A contact in a call under way keeps its order: a later call naming it waits.',
	},
	{
		displayName: 'Max Rate-Limit Wait',
		name: 'maxRateLimitWait',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 120, // DEFAULT_SETTINGS.maxRateLimitWaitMs in seconds (n8n's linter wants a literal)
		description:
			'Seconds one call may wait for the Emarsys rate limit (about 1000 calls a minute per API user) before the node reports it as the error. Emarsys answers 429 when the limit is used up; the node then waits for the next one-minute window.',
	},
	{
		displayName: 'Max Retries',
		name: 'maxRetries',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 10 },
		default: 5, // DEFAULT_SETTINGS.maxRetries
		description:
			'How often a call that is safe to repeat is sent again after a server error, a network error or a timeout (waiting about 1, 2, 4 … seconds in between)',
	},
	{
		displayName: 'Timeout',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1000 },
		default: 30000, // DEFAULT_SETTINGS.timeout
		description: 'Milliseconds to wait for Emarsys to answer one call before giving up (or retrying)',
	},
];

/** How long the field list and choice lists are kept for later executions (not shown by the Field operations: they always read fresh). */
export const fieldListCacheOption: INodeProperties = {
	displayName: 'Field List Cache (Seconds)',
	name: 'metadataCacheSeconds',
	type: 'number',
	typeOptions: { minValue: 0 },
	default: 60, // DEFAULT_SETTINGS.metadataCacheMs in seconds
	description:
		'How long the account\'s field list and choice lists are kept for later executions with the same credential (0: fetched in every execution). Dropdowns always load them fresh.',
};

/**
 * The "Options" collection of an operation: its own options, then the request options (with the
 * field list cache, unless `fieldListCache` is false).
 */
export function optionsCollection(options: INodeProperties[], fieldListCache = true): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [...options, ...requestOptions, ...(fieldListCache ? [fieldListCacheOption] : [])],
	};
}

/** The client settings the request options of a run ask for (unset ones keep their defaults). */
export function clientSettingsOf(options: IDataObject): Partial<ClientSettings> {
	const seconds = options.maxRateLimitWait;
	const cacheSeconds = options.metadataCacheSeconds;
	return {
		maxRetries: typeof options.maxRetries === 'number' ? Math.max(0, Math.floor(options.maxRetries)) : undefined,
		timeout: typeof options.timeout === 'number' && options.timeout > 0 ? Math.floor(options.timeout) : undefined,
		maxRateLimitWaitMs: typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined,
		concurrentRequests: typeof options.concurrentRequests === 'number' ? Math.min(10, Math.max(1, Math.floor(options.concurrentRequests))) : undefined,
		combineCalls: typeof options.combineCalls === 'boolean' ? options.combineCalls : undefined,
		metadataCacheMs: typeof cacheSeconds === 'number' && cacheSeconds >= 0 ? cacheSeconds * 1000 : undefined,
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

export const keyIdProperty: INodeProperties = {
	displayName: 'Key Field Name or ID',
	name: 'keyId',
	type: 'options',
	typeOptions: { loadOptionsMethod: 'getKeyFields' },
	default: '3',
	required: true,
	description:
		'The field that identifies the contact, usually E-Mail (3); a custom field only when Emarsys has indexed it. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
};

export const contactIdProperty: INodeProperties = {
	displayName: 'Contact ID',
	name: 'contactId',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. jane.doe@example.com',
	description: 'The value of the key field for this contact, e.g. the email address when the key field is Email',
};

/** A resource picked From list (searchable, loaded from the account) or By ID. */
export function resourceLocatorProperty(
	property: Pick<INodeProperties, 'displayName' | 'name' | 'description'>,
	searchListMethod: string,
	idExample: string,
): INodeProperties {
	return {
		...property,
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select…',
				typeOptions: { searchListMethod, searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: `e.g. ${idExample}`,
				validation: [{ type: 'regex', properties: { regex: '^\\s*\\d+\\s*$', errorMessage: 'Not a valid ID (a whole number)' } }],
			},
		],
	};
}

/** n8n's list convention: Return All, or at most Limit results (shown when Return All is off). */
export function returnAllProperties(): INodeProperties[] {
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			displayOptions: { show: { returnAll: [false] } },
			description: 'Max number of results to return',
		},
	];
}
