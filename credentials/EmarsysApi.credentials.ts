import type {
	IAuthenticate,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { createWsseHeader } from '../nodes/Emarsys/helpers/wsse';

export class EmarsysApi implements ICredentialType {
	name = 'emarsysApi';

	displayName = 'Emarsys WSSE API';

	// The n8n-nodes-base rule asks for a camelCase slug, which only resolves inside n8n's own docs;
	// a community credential links to the vendor's page (as @n8n/community-nodes requires).
	// eslint-disable-next-line n8n-nodes-base/cred-class-field-documentation-url-miscased
	documentationUrl = 'https://dev.emarsys.com/docs/emarsys-core-api-guides/b3c3a1eba8515-authentication';

	icon: Icon = { light: 'file:../nodes/Emarsys/emarsys.svg', dark: 'file:../nodes/Emarsys/emarsys.dark.svg' };

	properties: INodeProperties[] = [
		{
			displayName:
				'SAP is retiring WSSE authentication. For new setups, prefer the "Emarsys OAuth2 API (OpenID Connect)" credential.',
			name: 'notice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'mycompany001',
			description: 'The API username shown in Emarsys under Management > Security Settings > API Users',
		},
		{
			displayName: 'Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The secret of the API user',
		},
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.emarsys.net/api/v2',
			required: true,
			description: 'Emarsys API v2 base URL, without a trailing slash',
		},
	];

	/** Signs every request with a fresh X-WSSE header (new nonce, current UTC time). */
	authenticate: IAuthenticate = async (
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> => {
		requestOptions.headers = {
			...(requestOptions.headers ?? {}),
			'X-WSSE': createWsseHeader(String(credentials.username ?? ''), String(credentials.secret ?? '')),
		};
		return requestOptions;
	};

	// The field list: a call the node needs anyway. (GET settings is restricted: an API user must
	// ask Emarsys for it, so testing with it would fail credentials that work.)
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/field/translate/en',
			method: 'GET',
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'Emarsys rejected the signature: check the username and secret, and that this server\'s clock is correct (WSSE tokens older than 5 minutes are refused)',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'The API user is valid but lacks permission: in Emarsys, grant it the API permissions it needs (Contacts, Fields, External Events)',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message: 'No Emarsys API at this base URL: it should end in /api/v2',
				},
			},
		],
	};
}
