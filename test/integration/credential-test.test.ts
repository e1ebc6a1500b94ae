/**
 * The credentials' own test requests (`test` property, GET field/translate/en), run the way n8n's credential
 * tester runs them: as a declarative node whose only parameter routes to the test request.
 */
import type { ICredentialType, INodeType } from 'n8n-workflow';

import { EmarsysApi } from '../../credentials/EmarsysApi.credentials';
import { EmarsysOAuth2Api } from '../../credentials/EmarsysOAuth2Api.credentials';
import { createHarness, type N8nHarness } from '../helpers/n8n-harness';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

function credentialTestNode(credential: ICredentialType): INodeType {
	return {
		description: {
			displayName: `Test ${credential.name}`,
			name: `test_${credential.name}`,
			group: ['transform'],
			version: 1,
			description: 'Runs the credential test request',
			defaults: { name: 'Test' },
			inputs: ['main'],
			outputs: ['main'],
			credentials: [{ name: credential.name, required: true }],
			requestDefaults: {},
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					default: '',
					routing: { request: credential.test!.request },
				},
			],
		},
	};
}

let sandbox: TestSandbox;
let harness: N8nHarness;
const wsse = new EmarsysApi();
const oidc = new EmarsysOAuth2Api();

beforeAll(async () => {
	sandbox = await startTestSandbox();
	harness = createHarness({ nodeTypes: [credentialTestNode(wsse), credentialTestNode(oidc)], credentialTypes: [wsse, oidc] });
});
afterAll(async () => {
	await sandbox.stop();
});
beforeEach(async () => {
	await sandbox.reset();
	harness.clearCredentials();
});

function ruleMessage(credential: ICredentialType, status: number): string | undefined {
	const rule = (credential.test?.rules ?? []).find(
		(r) => r.type === 'responseCode' && (r.properties as { value: number }).value === status,
	);
	return (rule?.properties as { message?: string } | undefined)?.message;
}

describe('WSSE credential test', () => {
	it('passes with the right secret: GET field/translate/en, signed', async () => {
		const { items, error } = await harness.runNode({
			nodeType: 'test_emarsysApi',
			credentials: { emarsysApi: { username: sandbox.credentials.wsseUser, secret: sandbox.credentials.wsseSecret, baseUrl: `${sandbox.v2}/` } },
		});
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ replyCode: 0 });
		const log = await sandbox.getLog();
		expect(log.map((e) => [e.method, e.path, e.auth, e.status])).toEqual([['GET', '/api/v2/field/translate/en', 'wsse', 200]]);
	});

	it('fails with 401 for a wrong secret or a wrong clock, and the rule for 401 names both causes', async () => {
		const { error } = await harness.runNode({
			nodeType: 'test_emarsysApi',
			credentials: { emarsysApi: { username: sandbox.credentials.wsseUser, secret: 'wrong', baseUrl: sandbox.v2 } },
		});
		expect(String((error as { httpCode?: unknown }).httpCode)).toBe('401');
		expect(ruleMessage(wsse, 401)).toMatch(/username and secret/);
		expect(ruleMessage(wsse, 401)).toMatch(/clock/);
		expect(ruleMessage(wsse, 403)).toMatch(/permission/);
	});
});

describe('OpenID Connect credential test', () => {
	it('passes with the right client: token fetched by n8n, then GET field/translate/en with the bearer token', async () => {
		const { error } = await harness.runNode({
			nodeType: 'test_emarsysOAuth2Api',
			credentials: {
				emarsysOAuth2Api: {
					clientId: sandbox.credentials.oidcClientId,
					clientSecret: sandbox.credentials.oidcClientSecret,
					accessTokenUrl: sandbox.tokenUrl,
					baseUrl: sandbox.v3,
				},
			},
		});
		expect(error).toBeUndefined();
		const log = await sandbox.getLog();
		expect(log.map((e) => [e.method, e.path, e.auth, e.status])).toEqual([
			['POST', '/oauth2/token', 'basic', 200],
			['GET', '/api/v3/field/translate/en', 'bearer', 200],
		]);
		expect(ruleMessage(oidc, 401)).toMatch(/client ID/);
	});
});

describe('an API user with only some permissions', () => {
	it('passes the credential test with the fields permission alone (the test does not need GET settings)', async () => {
		const res = await fetch(`${sandbox.url}/__sandbox/users`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ scheme: 'wsse', name: 'fields_only', secret: 'fields-only-secret', permissions: ['fields'] }),
		});
		expect(res.status).toBeLessThan(300);
		const { error } = await harness.runNode({
			nodeType: 'test_emarsysApi',
			credentials: { emarsysApi: { username: 'fields_only', secret: 'fields-only-secret', baseUrl: sandbox.v2 } },
		});
		expect(error).toBeUndefined();
		expect((await sandbox.getLog()).map((e) => [e.path, e.user, e.status])).toEqual([['/api/v2/field/translate/en', 'fields_only', 200]]);
	});
});

