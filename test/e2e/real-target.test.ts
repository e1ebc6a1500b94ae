/**
 * "Point the same setup at a real Emarsys account": npm start reads the account from the
 * environment (EMARSYS_WSSE_*, EMARSYS_OIDC_*), starts no sandbox of its own, and the demo workflow
 * talks to that account. Here the "account" is a second sandbox with credentials of its own, so
 * every request it receives shows which login n8n used.
 */
import { startSandbox, type RunningSandbox } from '../../sandbox/index';
import { DEMO_WEBHOOK_PATH, ENDPOINT_CREDENTIALS, OIDC_WEBHOOK_PATH, REAL_CREDENTIAL_NAMES, realTargetFromEnv } from '../../scripts/n8n-stack';
import { processesMentioning, restLogin, sandboxLog, startE2eStack, type E2eStack } from './stack';

const account = {
	wsseUser: 'acme_api_user',
	wsseSecret: 'acme-wsse-secret-for-this-test',
	oidcClientId: 'acme_oidc_client',
	oidcClientSecret: 'acme-oidc-secret-for-this-test',
};

let emarsys: RunningSandbox;
let stack: E2eStack | undefined;

beforeAll(async () => {
	emarsys = await startSandbox({ port: 0, quiet: true, ...account });
});

afterAll(async () => {
	await stack?.teardown();
	await emarsys?.stop();
});

test('reading the account from the environment: both halves of a login are required', () => {
	expect(realTargetFromEnv({})).toBeUndefined();
	expect(() => realTargetFromEnv({ EMARSYS_WSSE_USERNAME: 'someone' })).toThrow(/EMARSYS_WSSE_SECRET/);
	expect(() => realTargetFromEnv({ EMARSYS_OIDC_CLIENT_SECRET: 'x' })).toThrow(/EMARSYS_OIDC_CLIENT_ID/);
	expect(realTargetFromEnv({ EMARSYS_WSSE_USERNAME: 'u', EMARSYS_WSSE_SECRET: 's' })).toEqual({
		wsse: { username: 'u', secret: 's', baseUrl: 'https://api.emarsys.net/api/v2' },
	});
});

test('the demo workflow talks to the account given in the environment, with both credential kinds', async () => {
	const target = realTargetFromEnv({
		EMARSYS_WSSE_USERNAME: account.wsseUser,
		EMARSYS_WSSE_SECRET: account.wsseSecret,
		EMARSYS_API_BASE_URL: `${emarsys.url}/api/v2`,
		EMARSYS_OIDC_CLIENT_ID: account.oidcClientId,
		EMARSYS_OIDC_CLIENT_SECRET: account.oidcClientSecret,
		EMARSYS_OIDC_TOKEN_URL: `${emarsys.url}/oauth2/token`,
		EMARSYS_OIDC_API_BASE_URL: `${emarsys.url}/api/v3`,
	});
	stack = await startE2eStack({ target });
	expect(stack.sandbox).toBeUndefined();

	// The credentials carry the account's names, not the sandbox's.
	const cookie = await restLogin(stack.n8nUrl);
	const credentials = (await (await fetch(`${stack.n8nUrl}/rest/credentials`, { headers: { cookie } })).json()) as {
		data: Array<{ name: string }>;
	};
	const expected = [REAL_CREDENTIAL_NAMES.oidc, REAL_CREDENTIAL_NAMES.wsse, ENDPOINT_CREDENTIALS.chatbot.name, ENDPOINT_CREDENTIALS.mcp.name];
	expect(credentials.data.map((c) => c.name).sort()).toEqual(expected.sort());

	for (const [webhookPath, user] of [
		[DEMO_WEBHOOK_PATH, account.wsseUser],
		[OIDC_WEBHOOK_PATH, account.oidcClientId],
	] as const) {
		const email = `account.${webhookPath}.${Date.now()}@example.com`;
		const response = await fetch(stack.webhookUrl(webhookPath), {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...stack.authHeaders.chatbot },
			body: JSON.stringify({ email, firstName: 'Ann', emailFormat: '1' }),
		});
		expect(response.status).toBe(200);
		expect(((await response.json()) as { contact: Record<string, string> }).contact['E-Mail']).toBe(email);
		const calls = (await sandboxLog(emarsys.url)).filter((e) => JSON.stringify(e.body ?? '').includes(email));
		expect(calls.length).toBeGreaterThanOrEqual(3); // upsert, trigger, getdata
		for (const call of calls) {
			expect(call.user).toBe(user);
			expect(call.status).toBe(200);
		}
	}

	await stack.stop();
	expect(processesMentioning(stack.userFolder)).toEqual([]);
});
