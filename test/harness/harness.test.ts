/**
 * Self-tests of the in-process n8n-core harness (test/helpers/n8n-harness.ts).
 *
 * Toy node and credential types (defined here, test-only) talk to a tiny HTTP server on
 * 127.0.0.1 that records every request and issues OAuth2 client-credentials tokens. Nothing
 * of n8n is mocked: runs go through n8n-core's WorkflowExecute / LoadOptionsContext and
 * requests through `httpRequestWithAuthentication` (n8n-core's requestOAuth2 for OAuth2).
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { NodeApiError } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestHelper,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INodeExecutionData,
	INodeListSearchResult,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
	JsonObject,
	ResourceMapperFields,
} from 'n8n-workflow';

import { createHarness, HARNESS_INPUT_NODE_NAME } from '../helpers/n8n-harness';
import type { N8nHarness } from '../helpers/n8n-harness';

// ---------------------------------------------------------------------------------------------
// Toy HTTP server
// ---------------------------------------------------------------------------------------------

interface RecordedRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, string | undefined>;
	body: string;
	status: number;
}

const CLIENT_ID = 'toy-client';
const CLIENT_SECRET = 'toy-client-secret-Zq8';
const SIGNING_SECRET = 'toy-signing-secret-Hh3';
const SESSION_PASSWORD = 'toy-session-password-Pp5';

/** The toy "signed" scheme: HMAC-SHA256 over `METHOD PATH` keyed with the user's secret. */
function toySignature(secret: string, method: string, path: string): string {
	return createHmac('sha256', secret).update(`${method.toUpperCase()} ${path}`).digest('hex');
}

class ToyServer {
	requests: RecordedRequest[] = [];
	private tokenCounter = 0;
	private validTokens = new Set<string>();
	private sessionCounter = 0;
	private validSessions = new Set<string>();
	private server?: Server;
	url = '';

	async start(): Promise<void> {
		this.server = createServer((req, res) => this.handle(req, res));
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	async stop(): Promise<void> {
		this.server?.closeAllConnections();
		await new Promise<void>((resolve) => this.server?.close(() => resolve()));
	}

	/** Clears the request log only (issued tokens stay valid). */
	reset(): void {
		this.requests = [];
	}

	/** Clears the log and forgets all tokens; numbering restarts at tok-1. */
	resetAll(): void {
		this.reset();
		this.tokenCounter = 0;
		this.validTokens.clear();
		this.sessionCounter = 0;
		this.validSessions.clear();
	}

	/** Every session issued so far is rejected from now on. */
	expireSessions(): void {
		this.validSessions.clear();
	}

	loginRequests(): RecordedRequest[] {
		return this.requests.filter((r) => r.path === '/session/login');
	}

	/** Every token issued so far is rejected from now on (as an expired token would be). */
	expireTokens(): void {
		this.validTokens.clear();
	}

	apiRequests(): RecordedRequest[] {
		return this.requests.filter((r) => r.path.startsWith('/api/'));
	}

	tokenRequests(): RecordedRequest[] {
		return this.requests.filter((r) => r.path === '/oauth/token');
	}

	private handle(req: IncomingMessage, res: ServerResponse): void {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const url = new URL(req.url ?? '/', 'http://localhost');
			const record: RecordedRequest = {
				method: req.method ?? 'GET',
				path: url.pathname,
				query: Object.fromEntries(url.searchParams),
				headers: {
					authorization: req.headers.authorization,
					'x-api-key': req.headers['x-api-key'] as string | undefined,
					'x-toy-user': req.headers['x-toy-user'] as string | undefined,
					'x-toy-signature': req.headers['x-toy-signature'] as string | undefined,
					'x-session': req.headers['x-session'] as string | undefined,
					'content-type': req.headers['content-type'],
				},
				body: Buffer.concat(chunks).toString('utf8'),
				status: 0,
			};
			this.requests.push(record);
			const send = (status: number, body: unknown) => {
				record.status = status;
				res.writeHead(status, { 'content-type': 'application/json' });
				res.end(JSON.stringify(body));
			};
			this.route(record, send);
		});
	}

	private route(r: RecordedRequest, send: (status: number, body: unknown) => void): void {
		if (r.path === '/oauth/token' && r.method === 'POST') {
			const expected = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
			const form = new URLSearchParams(r.body);
			if (r.headers.authorization !== expected) return send(401, { error: 'invalid_client' });
			if (form.get('grant_type') !== 'client_credentials') return send(400, { error: 'unsupported_grant_type' });
			const token = `tok-${++this.tokenCounter}`;
			this.validTokens.add(token);
			return send(200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
		}
		if (r.path === '/session/login' && r.method === 'POST') {
			const { username, password } = JSON.parse(r.body || '{}') as IDataObject;
			if (username !== 'sess-user' || password !== SESSION_PASSWORD) return send(401, { error: 'bad login' });
			const token = `sess-${++this.sessionCounter}`;
			this.validSessions.add(token);
			return send(200, { token });
		}
		if (!r.path.startsWith('/api/')) return send(404, { error: 'not found' });

		// Authentication of API routes: any one of the three toy schemes.
		const auth = r.headers.authorization ?? '';
		let principal: string | undefined;
		if (auth.startsWith('Bearer ')) {
			const token = auth.slice('Bearer '.length);
			if (!this.validTokens.has(token)) return send(401, { error: 'invalid_token', message: 'Token expired' });
			principal = `bearer:${token}`;
		} else if (r.headers['x-session'] !== undefined) {
			if (!this.validSessions.has(r.headers['x-session'])) return send(401, { error: 'session expired' });
			principal = `session:${r.headers['x-session']}`;
		} else if (r.headers['x-api-key'] !== undefined) {
			principal = `key:${r.headers['x-api-key']}`;
		} else if (r.headers['x-toy-signature'] !== undefined) {
			const expected = toySignature(SIGNING_SECRET, r.method, r.path);
			if (r.headers['x-toy-user'] !== 'signer' || r.headers['x-toy-signature'] !== expected) {
				return send(401, { error: 'bad signature' });
			}
			principal = 'signed:signer';
		} else {
			return send(401, { error: 'no credentials' });
		}

		if (r.path.endsWith('/echo')) return send(200, { principal, value: r.query.value ?? null });
		if (r.path.endsWith('/fail')) return send(500, { error: 'toy failure', message: 'The toy API failed on purpose' });
		if (r.path.endsWith('/colors')) {
			const colors = ['red', 'green', 'blue'].filter((c) => !r.query.filter || c.includes(r.query.filter));
			return send(200, { colors, principal });
		}
		if (r.path.endsWith('/columns')) {
			return send(200, { columns: [{ id: 'email', required: true }, { id: 'name', required: false }], principal });
		}
		return send(404, { error: 'unknown api route' });
	}
}

// ---------------------------------------------------------------------------------------------
// Toy credential types
// ---------------------------------------------------------------------------------------------

/** Generic authenticate: an API key header (and a query parameter from a defaulted property). */
class ToyApiKeyApi implements ICredentialType {
	name = 'toyApiKeyApi';
	displayName = 'Toy API Key';
	properties: ICredentialType['properties'] = [
		{ displayName: 'API Key', name: 'apiKey', type: 'string', typeOptions: { password: true }, default: '' },
		{ displayName: 'Region', name: 'region', type: 'string', default: 'eu-default' },
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: 'http://127.0.0.1:9' },
	];
	authenticate: ICredentialType['authenticate'] = {
		type: 'generic',
		properties: {
			headers: { 'X-Api-Key': '={{$credentials.apiKey}}' },
			qs: { region: '={{$credentials.region}}' },
		},
	};
}

/** A parent type: only contributes an inherited property with a default. */
class ToyBaseApi implements ICredentialType {
	name = 'toyBaseApi';
	displayName = 'Toy Base';
	properties: ICredentialType['properties'] = [
		{ displayName: 'API Version', name: 'apiVersion', type: 'string', default: 'v7' },
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: 'http://127.0.0.1:9' },
	];
}

/** Function-style authenticate computing a signature header per request. Extends ToyBaseApi. */
class ToySignedApi implements ICredentialType {
	name = 'toySignedApi';
	displayName = 'Toy Signed';
	extends = ['toyBaseApi'];
	properties: ICredentialType['properties'] = [
		{ displayName: 'User', name: 'user', type: 'string', default: '' },
		{ displayName: 'Secret', name: 'secret', type: 'string', typeOptions: { password: true }, default: '' },
	];
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions) {
		const path = new URL(requestOptions.url).pathname;
		return {
			...requestOptions,
			headers: {
				...requestOptions.headers,
				'X-Toy-User': credentials.user as string,
				'X-Toy-Signature': toySignature(credentials.secret as string, requestOptions.method ?? 'GET', path),
			},
		};
	}
}

/** A session token fetched by `preAuthentication` into an expirable hidden property. */
class ToySessionApi implements ICredentialType {
	name = 'toySessionApi';
	displayName = 'Toy Session';
	properties: ICredentialType['properties'] = [
		{ displayName: 'Username', name: 'username', type: 'string', default: '' },
		{ displayName: 'Password', name: 'password', type: 'string', typeOptions: { password: true }, default: '' },
		{ displayName: 'Session Token', name: 'sessionToken', type: 'hidden', typeOptions: { expirable: true }, default: '' },
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: 'http://127.0.0.1:9' },
	];
	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		const { token } = (await this.helpers.httpRequest({
			method: 'POST',
			url: `${credentials.baseUrl as string}/session/login`,
			body: { username: credentials.username, password: credentials.password },
			json: true,
		})) as { token: string };
		return { sessionToken: token };
	}
	authenticate: ICredentialType['authenticate'] = {
		type: 'generic',
		properties: { headers: { 'X-Session': '={{$credentials.sessionToken}}' } },
	};
}

/** OAuth2 client credentials, the way Emarsys' OIDC credential is built. */
class ToyOAuth2Api implements ICredentialType {
	name = 'toyOAuth2Api';
	displayName = 'Toy OAuth2';
	extends = ['oAuth2Api'];
	properties: ICredentialType['properties'] = [
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'clientCredentials' },
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'header' },
		{ displayName: 'Access Token URL', name: 'accessTokenUrl', type: 'string', default: 'https://auth.toy.invalid/oauth/token' },
		{ displayName: 'Scope', name: 'scope', type: 'hidden', default: '' },
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: 'http://127.0.0.1:9' },
	];
}

// ---------------------------------------------------------------------------------------------
// Toy node
// ---------------------------------------------------------------------------------------------

const AUTH_TO_CREDENTIAL: Record<string, string> = {
	apiKey: 'toyApiKeyApi',
	signed: 'toySignedApi',
	oAuth2: 'toyOAuth2Api',
	session: 'toySessionApi',
};

async function toyRequest(
	ctx: IExecuteFunctions | ILoadOptionsFunctions,
	path: string,
	qs: IDataObject = {},
): Promise<IDataObject> {
	const authentication = ctx.getNodeParameter('authentication', 0) as string;
	const credentialType = AUTH_TO_CREDENTIAL[authentication];
	const credentials = await ctx.getCredentials(credentialType);
	const prefix = credentialType === 'toySignedApi' ? `/api/${credentials.apiVersion as string}` : '/api';
	return (await ctx.helpers.httpRequestWithAuthentication.call(ctx, credentialType, {
		method: 'GET',
		url: `${credentials.baseUrl as string}${prefix}${path}`,
		qs,
		json: true,
	})) as IDataObject;
}

class ToyNode implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Toy',
		name: 'toy',
		group: ['transform'],
		version: [1, 2],
		defaultVersion: 2,
		description: 'Test-only node for the harness self-tests',
		defaults: { name: 'Toy' },
		inputs: ['main'] as INodeTypeDescription['inputs'],
		outputs: ['main'] as INodeTypeDescription['outputs'],
		credentials: [
			{ name: 'toyApiKeyApi', required: true, displayOptions: { show: { authentication: ['apiKey'] } } },
			{ name: 'toySignedApi', required: true, displayOptions: { show: { authentication: ['signed'] } } },
			{ name: 'toyOAuth2Api', required: true, displayOptions: { show: { authentication: ['oAuth2'] } } },
			{ name: 'toySessionApi', required: true, displayOptions: { show: { authentication: ['session'] } } },
		],
		properties: [
			{
				displayName: 'Authentication',
				name: 'authentication',
				type: 'options',
				options: [
					{ name: 'API Key', value: 'apiKey' },
					{ name: 'Signed', value: 'signed' },
					{ name: 'OAuth2', value: 'oAuth2' },
					{ name: 'Session', value: 'session' },
				],
				default: 'apiKey',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Echo', value: 'echo' },
					{ name: 'Fail', value: 'fail' },
					{ name: 'To Binary', value: 'toBinary' },
				],
				default: 'echo',
			},
			{ displayName: 'Value', name: 'value', type: 'string', default: 'default-value' },
			{
				displayName: 'Color',
				name: 'color',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getColors' },
				default: '',
			},
		],
	};

	methods = {
		loadOptions: {
			async getColors(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				const { colors } = await toyRequest(this, '/colors');
				return (colors as string[]).map((c) => ({ name: c.toUpperCase(), value: c }));
			},
		},
		listSearch: {
			async searchColors(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
				const { colors } = await toyRequest(this, '/colors', filter ? { filter } : {});
				return { results: (colors as string[]).map((c) => ({ name: c, value: c })) };
			},
		},
		resourceMapping: {
			async getColumns(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
				const { columns } = await toyRequest(this, '/columns');
				return {
					fields: (columns as Array<{ id: string; required: boolean }>).map((c) => ({
						id: c.id,
						displayName: c.id,
						required: c.required,
						defaultMatch: c.id === 'email',
						display: true,
						type: 'string',
					})),
				};
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const out: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			try {
				const operation = this.getNodeParameter('operation', i) as string;
				const value = this.getNodeParameter('value', i) as string;
				if (operation === 'toBinary') {
					// No request: stores the value as binary data through n8n-core's BinaryDataService.
					const binary = await this.helpers.prepareBinaryData(Buffer.from(value, 'utf8'), 'value.txt', 'text/plain');
					out.push({ json: {}, binary: { data: binary }, pairedItem: { item: i } });
					continue;
				}
				const response = await toyRequest(this, operation === 'fail' ? '/fail' : '/echo', { value });
				out.push({ json: { ...response, input: items[i].json, version: this.getNode().typeVersion }, pairedItem: { item: i } });
			} catch (error) {
				if (this.continueOnFail()) {
					out.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				if (error instanceof NodeApiError) throw error;
				throw new NodeApiError(this.getNode(), error as JsonObject, { itemIndex: i });
			}
		}
		return [out];
	}
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

const server = new ToyServer();
let harness: N8nHarness;

const apiKeyCredentials = () => ({ toyApiKeyApi: { apiKey: 'key-abc', baseUrl: server.url } });
const signedCredentials = () => ({ toySignedApi: { user: 'signer', secret: SIGNING_SECRET, baseUrl: server.url } });
const oauthCredentials = () => ({
	toyOAuth2Api: {
		clientId: CLIENT_ID,
		clientSecret: CLIENT_SECRET,
		accessTokenUrl: `${server.url}/oauth/token`,
		baseUrl: server.url,
	},
});

beforeAll(async () => {
	await server.start();
});

afterAll(async () => {
	await server.stop();
});

beforeEach(() => {
	server.resetAll();
	harness = createHarness({
		nodeTypes: [new ToyNode()],
		credentialTypes: [new ToyApiKeyApi(), new ToyBaseApi(), new ToySignedApi(), new ToyOAuth2Api(), new ToySessionApi()],
	});
});

describe('runNode: items through WorkflowExecute', () => {
	it('feeds the input items to the node and returns its output with pairedItem', async () => {
		const result = await harness.runNode({
			nodeType: 'toy',
			parameters: { value: 'hello' },
			credentials: apiKeyCredentials(),
			inputItems: [{ n: 1 }, { n: 2 }, { json: { n: 3 } }],
		});

		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.input)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.items.every((item) => item.json.value === 'hello')).toBe(true);
		expect(result.output).toHaveLength(1);
		// The run really went through both nodes of the workflow.
		expect(Object.keys(result.runData).sort()).toEqual([HARNESS_INPUT_NODE_NAME, 'Node'].sort());
		expect(server.apiRequests()).toHaveLength(3);
	});

	it('applies parameter defaults, the default type version, and resolves parameter expressions per item', async () => {
		const result = await harness.runNode({
			nodeType: 'toy',
			parameters: { value: '={{ "v-" + $json.n * 10 }}' },
			credentials: apiKeyCredentials(),
			inputItems: [{ n: 1 }, { n: 2 }],
		});
		expect(result.items.map((item) => item.json.value)).toEqual(['v-10', 'v-20']);
		expect(result.items[0].json.version).toBe(2);

		const v1 = await harness.runNode({ nodeType: 'toy', typeVersion: 1, credentials: apiKeyCredentials() });
		expect(v1.items[0].json.version).toBe(1);
		expect(v1.items[0].json.value).toBe('default-value');
	});

	it('keeps binary data inline (in-memory binary data mode)', async () => {
		const result = await harness.runNode({ nodeType: 'toy', parameters: { operation: 'toBinary', value: 'héllo binary' } });
		expect(result.error).toBeUndefined();
		const binary = result.items[0].binary?.data;
		expect(binary?.mimeType).toBe('text/plain');
		expect(binary?.fileName).toBe('value.txt');
		expect(Buffer.from(binary?.data ?? '', 'base64').toString('utf8')).toBe('héllo binary');
		expect(server.requests).toHaveLength(0);
	});

	it('emits one empty item when no input items are given', async () => {
		const result = await harness.runNode({ nodeType: 'toy', credentials: apiKeyCredentials() });
		expect(result.items).toHaveLength(1);
		expect(result.items[0].json.input).toEqual({});
	});

	it('returns the node error when the node fails', async () => {
		const result = await harness.runNode({
			nodeType: 'toy',
			parameters: { operation: 'fail' },
			credentials: apiKeyCredentials(),
			inputItems: [{ n: 1 }, { n: 2 }],
		});
		expect(result.error).toBeDefined();
		// n8n-core wraps the HTTP failure in a NodeApiError carrying the server's answer.
		expect(result.error?.name).toBe('NodeApiError');
		expect((result.error as NodeApiError).httpCode).toBe('500');
		expect(result.error?.description).toBe('The toy API failed on purpose');
		expect((result.error as NodeApiError).node.name).toBe('Node');
		expect(result.items).toEqual([]);
		// The first failing item stops the node.
		expect(server.apiRequests()).toHaveLength(1);
	});

	it('continueOnFail turns failures into error items and keeps going', async () => {
		const result = await harness.runNode({
			nodeType: 'toy',
			parameters: { operation: 'fail' },
			credentials: apiKeyCredentials(),
			inputItems: [{ n: 1 }, { n: 2 }],
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(2);
		for (const [index, item] of result.items.entries()) {
			expect(typeof item.json.error).toBe('string');
			expect(item.pairedItem).toEqual({ item: index });
		}
		expect(server.apiRequests()).toHaveLength(2);
	});

	it('fails like n8n when the node has no credentials stored for the selected authentication', async () => {
		const result = await harness.runNode({ nodeType: 'toy', parameters: { authentication: 'signed' } });
		expect(result.error?.message).toMatch(/credentials/i);
		expect(server.apiRequests()).toHaveLength(0);
	});
});

describe('credentials', () => {
	it('generic authenticate: resolves $credentials expressions into headers and query on every request', async () => {
		await harness.runNode({
			nodeType: 'toy',
			credentials: apiKeyCredentials(),
			inputItems: [{}, {}, {}],
		});
		const requests = server.apiRequests();
		expect(requests).toHaveLength(3);
		for (const request of requests) {
			expect(request.headers['x-api-key']).toBe('key-abc');
			// `region` was not given: the credential type's default applies.
			expect(request.query.region).toBe('eu-default');
		}
	});

	it('resolves expressions stored in credential data, as n8n does', async () => {
		await harness.runNode({
			nodeType: 'toy',
			credentials: { toyApiKeyApi: { apiKey: '={{ "key-" + (40 + 2) }}', region: 'us', baseUrl: server.url } },
		});
		const [request] = server.apiRequests();
		expect(request.headers['x-api-key']).toBe('key-42');
		expect(request.query.region).toBe('us');
	});

	it('function-style authenticate signs every request; inherited defaults (extends) apply', async () => {
		const result = await harness.runNode({
			nodeType: 'toy',
			parameters: { authentication: 'signed' },
			credentials: signedCredentials(),
			inputItems: [{}, {}],
		});
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.principal)).toEqual(['signed:signer', 'signed:signer']);
		const requests = server.apiRequests();
		expect(requests).toHaveLength(2);
		for (const request of requests) {
			// apiVersion comes from the parent type's default ('v7').
			expect(request.path).toBe('/api/v7/echo');
			expect(request.headers['x-toy-signature']).toBe(toySignature(SIGNING_SECRET, 'GET', '/api/v7/echo'));
		}
	});

	it('stores credential data encrypted with n8n-core Credentials', async () => {
		await harness.setCredentials('toySignedApi', { user: 'signer', secret: SIGNING_SECRET, baseUrl: server.url });
		const helper = harness.credentialsHelper;
		const stored = await helper.getCredentials(helper.reference('toySignedApi'), 'toySignedApi');
		const ciphertext = stored.getDataToSave().data as string;
		expect(ciphertext).not.toContain(SIGNING_SECRET);
		expect(ciphertext).not.toContain('signer');
		expect(await harness.getStoredCredentials('toySignedApi')).toEqual({
			user: 'signer',
			secret: SIGNING_SECRET,
			baseUrl: server.url,
		});
	});

	it('reports the parent types of a credential via extends (oAuth2 detection in n8n-core)', () => {
		expect(harness.credentialsHelper.getParentTypes('toyOAuth2Api')).toEqual(['oAuth2Api']);
		expect(harness.credentialsHelper.getParentTypes('toySignedApi')).toEqual(['toyBaseApi']);
		expect(harness.credentialsHelper.getParentTypes('toyApiKeyApi')).toEqual([]);
	});
});

describe('OAuth2 client credentials through n8n-core requestOAuth2', () => {
	it('fetches the token once for several requests and stores it', async () => {
		const result = await harness.runNode({
			nodeType: 'toy',
			parameters: { authentication: 'oAuth2' },
			credentials: oauthCredentials(),
			inputItems: [{}, {}, {}],
		});
		expect(result.error).toBeUndefined();

		const tokenRequests = server.tokenRequests();
		expect(tokenRequests).toHaveLength(1);
		// Client authentication in the Basic header (hidden `authentication: header`), grant from the hidden grantType.
		expect(tokenRequests[0].headers.authorization).toBe(
			`Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
		);
		expect(new URLSearchParams(tokenRequests[0].body).get('grant_type')).toBe('client_credentials');

		const api = server.apiRequests();
		expect(api).toHaveLength(3);
		expect(api.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
		// The token endpoint was called before the first API request.
		expect(server.requests[0].path).toBe('/oauth/token');

		const stored = await harness.getStoredCredentials('toyOAuth2Api');
		expect((stored?.oauthTokenData as IDataObject).access_token).toBe('tok-1');
		expect(harness.getCredentialUpdateCount('toyOAuth2Api')).toBe(1);
	});

	it('reuses the stored token in the next run and refreshes it after the server rejects it as expired', async () => {
		await harness.runNode({ nodeType: 'toy', parameters: { authentication: 'oAuth2' }, credentials: oauthCredentials() });
		expect(server.tokenRequests()).toHaveLength(1);

		// Second run with the stored credential: no new token.
		server.reset();
		const second = await harness.runNode({ nodeType: 'toy', parameters: { authentication: 'oAuth2' }, inputItems: [{}, {}] });
		expect(second.error).toBeUndefined();
		expect(server.tokenRequests()).toHaveLength(0);
		expect(server.apiRequests().map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1']);

		// The server now rejects tok-1 (401): n8n fetches a new client-credentials token and retries.
		server.reset();
		server.expireTokens();
		const third = await harness.runNode({ nodeType: 'toy', parameters: { authentication: 'oAuth2' }, inputItems: [{}, {}] });
		expect(third.error).toBeUndefined();
		expect(third.items.map((item) => item.json.principal)).toEqual(['bearer:tok-2', 'bearer:tok-2']);
		expect(server.tokenRequests()).toHaveLength(1);
		expect(server.requests.map((r) => `${r.path} ${r.headers.authorization?.split(' ')[0]} ${r.status}`)).toEqual([
			'/api/echo Bearer 401',
			'/oauth/token Basic 200',
			'/api/echo Bearer 200',
			'/api/echo Bearer 200',
		]);
		expect(server.apiRequests().map((r) => r.headers.authorization)).toEqual([
			'Bearer tok-1',
			'Bearer tok-2',
			'Bearer tok-2',
		]);
		const stored = await harness.getStoredCredentials('toyOAuth2Api');
		expect((stored?.oauthTokenData as IDataObject).access_token).toBe('tok-2');
		expect(harness.getCredentialUpdateCount('toyOAuth2Api')).toBe(2);
	});

	it('passing credentials again replaces the stored ones (token data included)', async () => {
		await harness.runNode({ nodeType: 'toy', parameters: { authentication: 'oAuth2' }, credentials: oauthCredentials() });
		await harness.runNode({ nodeType: 'toy', parameters: { authentication: 'oAuth2' }, credentials: oauthCredentials() });
		expect(server.tokenRequests()).toHaveLength(2);
	});

	it('surfaces a token endpoint refusal as the node error', async () => {
		const result = await harness.runNode({
			nodeType: 'toy',
			parameters: { authentication: 'oAuth2' },
			credentials: { toyOAuth2Api: { ...oauthCredentials().toyOAuth2Api, clientSecret: 'wrong' } },
		});
		expect(result.error).toBeDefined();
		expect(server.apiRequests()).toHaveLength(0);
		expect(await harness.getStoredCredentials('toyOAuth2Api')).not.toHaveProperty('oauthTokenData');
	});

	it('applies the OAuth2 defaults of oAuth2Api and the child type when decrypting', async () => {
		await harness.setCredentials('toyOAuth2Api', { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, grantType: 'authorizationCode' });
		const helper = harness.credentialsHelper;
		const decrypted = await helper.getDecrypted(
			{} as never,
			helper.reference('toyOAuth2Api'),
			'toyOAuth2Api',
			'manual',
		);
		// Hidden grantType is owned by the type: a stored value does not override it.
		expect(decrypted.grantType).toBe('clientCredentials');
		expect(decrypted.authentication).toBe('header');
		expect(decrypted.accessTokenUrl).toBe('https://auth.toy.invalid/oauth/token');
		expect(decrypted.baseUrl).toBe('http://127.0.0.1:9');
		// Inherited from oAuth2Api (not doNotInherit), default applies.
		expect(decrypted.useDynamicClientRegistration).toBe(false);
		// authUrl is only shown for the authorization-code grant: not part of the data.
		expect(decrypted).not.toHaveProperty('authUrl');
		// doNotInherit properties of oAuth2Api do not reach the child type.
		expect(decrypted).not.toHaveProperty('tokenExpiredStatusCode');
	});
});

describe('preAuthentication (expirable session token)', () => {
	it('logs in once, persists the session token, and logs in again after the server rejects it', async () => {
		const credentials = { toySessionApi: { username: 'sess-user', password: SESSION_PASSWORD, baseUrl: server.url } };
		const first = await harness.runNode({
			nodeType: 'toy',
			parameters: { authentication: 'session' },
			credentials,
			inputItems: [{}, {}],
		});
		expect(first.error).toBeUndefined();
		expect(server.loginRequests()).toHaveLength(1);
		expect(server.apiRequests().map((r) => r.headers['x-session'])).toEqual(['sess-1', 'sess-1']);
		expect((await harness.getStoredCredentials('toySessionApi'))?.sessionToken).toBe('sess-1');

		server.reset();
		server.expireSessions();
		const second = await harness.runNode({ nodeType: 'toy', parameters: { authentication: 'session' }, inputItems: [{}, {}] });
		expect(second.error).toBeUndefined();
		expect(second.items.map((item) => item.json.principal)).toEqual(['session:sess-2', 'session:sess-2']);
		expect(server.requests.map((r) => `${r.path} ${r.status}`)).toEqual([
			'/api/echo 401',
			'/session/login 200',
			'/api/echo 200',
			'/api/echo 200',
		]);
		expect((await harness.getStoredCredentials('toySessionApi'))?.sessionToken).toBe('sess-2');
	});
});

describe('node methods through LoadOptionsContext', () => {
	it('loadOptions calls the method with authenticated requests', async () => {
		const options = await harness.loadOptions({
			nodeType: 'toy',
			method: 'getColors',
			credentials: apiKeyCredentials(),
		});
		expect(options).toEqual([
			{ name: 'RED', value: 'red' },
			{ name: 'GREEN', value: 'green' },
			{ name: 'BLUE', value: 'blue' },
		]);
		expect(server.apiRequests()).toHaveLength(1);
		expect(server.apiRequests()[0].headers['x-api-key']).toBe('key-abc');
	});

	it('listSearch passes the filter', async () => {
		const result = await harness.listSearch({
			nodeType: 'toy',
			method: 'searchColors',
			parameters: { authentication: 'signed' },
			credentials: signedCredentials(),
			filter: 're',
		});
		expect(result.results.map((r) => r.value)).toEqual(['red', 'green']);
		expect(server.apiRequests()[0].query.filter).toBe('re');
	});

	it('resourceMapping works with OAuth2 credentials (token fetched, then reused by a run)', async () => {
		const mapping = await harness.resourceMapping({
			nodeType: 'toy',
			method: 'getColumns',
			parameters: { authentication: 'oAuth2' },
			credentials: oauthCredentials(),
		});
		expect(mapping.fields.map((f) => [f.id, f.required])).toEqual([
			['email', true],
			['name', false],
		]);
		expect(server.tokenRequests()).toHaveLength(1);
		expect(server.apiRequests()[0].headers.authorization).toBe('Bearer tok-1');

		await harness.runNode({ nodeType: 'toy', parameters: { authentication: 'oAuth2' } });
		expect(server.tokenRequests()).toHaveLength(1);
		expect(server.apiRequests()[1].headers.authorization).toBe('Bearer tok-1');
	});

	it('rejects an unknown method', async () => {
		await expect(
			harness.loadOptions({ nodeType: 'toy', method: 'nope', credentials: apiKeyCredentials() }),
		).rejects.toThrow(/no loadOptions method "nope"/);
	});
});

describe('runWorkflow', () => {
	it('runs a multi-node workflow of our node types, with expressions across nodes and shared credentials', async () => {
		const workflow = {
			nodes: [
				{
					id: 'a',
					name: 'First',
					type: 'n8n-nodes-emarsys.toy',
					typeVersion: 2,
					position: [0, 0] as [number, number],
					parameters: { authentication: 'oAuth2', value: '={{ $json.seed }}' },
				},
				{
					id: 'b',
					name: 'Second',
					type: 'toy',
					typeVersion: 2,
					position: [200, 0] as [number, number],
					parameters: { authentication: 'oAuth2', value: '={{ $json.value + "-again" }}' },
				},
			],
			connections: { First: { main: [[{ node: 'Second', type: 'main' as const, index: 0 }]] } },
		};
		const result = await harness.runWorkflow(workflow, {
			credentials: oauthCredentials(),
			inputItems: [{ seed: 's1' }, { seed: 's2' }],
		});

		expect(result.error).toBeUndefined();
		expect(result.executionOrder).toEqual(['First', 'Second']);
		expect(result.nodes.First.items.map((item) => item.json.value)).toEqual(['s1', 's2']);
		expect(result.nodes.Second.items.map((item) => item.json.value)).toEqual(['s1-again', 's2-again']);
		expect(result.nodes.Second.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		// One token for all four requests of both nodes.
		expect(server.tokenRequests()).toHaveLength(1);
		expect(server.apiRequests()).toHaveLength(4);
	});

	it('reports the failing node and stops the run there', async () => {
		const result = await harness.runWorkflow(
			{
				nodes: [
					{ id: 'a', name: 'Breaks', type: 'toy', typeVersion: 2, position: [0, 0], parameters: { operation: 'fail' } },
					{ id: 'b', name: 'After', type: 'toy', typeVersion: 2, position: [200, 0], parameters: {} },
				],
				connections: { Breaks: { main: [[{ node: 'After', type: 'main', index: 0 }]] } },
			},
			{ credentials: apiKeyCredentials() },
		);
		expect(result.error).toBeDefined();
		expect(result.nodes.Breaks.error).toBeDefined();
		expect(result.nodes.After).toBeUndefined();
	});
});
