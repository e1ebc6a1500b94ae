import type { ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Emarsys API credentials of the OpenID Connect generation.
 *
 * Extends n8n's own `oAuth2Api`, fixed to the client-credentials grant with the client
 * authenticated in a Basic header: n8n fetches the access token, stores it, and fetches
 * a new one when Emarsys answers 401 (token expired).
 */
export class EmarsysOAuth2Api implements ICredentialType {
	name = 'emarsysOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Emarsys OpenID Connect OAuth2 API';

	// The n8n-nodes-base rule asks for a camelCase slug, which only resolves inside n8n's own docs;
	// a community credential links to the vendor's page (as @n8n/community-nodes requires).
	// eslint-disable-next-line n8n-nodes-base/cred-class-field-documentation-url-miscased
	documentationUrl = 'https://dev.emarsys.com/docs/emarsys-core-api-guides/b3c3a1eba8515-authentication';

	icon: Icon = { light: 'file:../nodes/Emarsys/emarsys.svg', dark: 'file:../nodes/Emarsys/emarsys.dark.svg' };

	properties: INodeProperties[] = [
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'hidden',
			default: 'clientCredentials',
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'string',
			default: 'https://auth.emarsys.net/oauth2/token',
			required: true,
			description:
				'Token endpoint of the OpenID Connect client. SAP Cloud Identity tenants have their own token URL.',
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			default: 'header',
		},
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.emarsys.net/api/v3',
			required: true,
			description: 'Emarsys API base URL for OpenID Connect credentials, without a trailing slash',
		},
	];

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
						'Emarsys rejected the access token: check the client ID, client secret and access token URL',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'The OpenID Connect client is valid but lacks permission: in Emarsys, grant it the API permissions it needs (Contacts, Fields, External Events)',
				},
			},
		],
	};
}
