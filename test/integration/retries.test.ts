/** Transport: rate limits, retries, timeouts, malformed answers, auth errors — through the sandbox's fault hooks. */
import { createServer, type AddressInfo, type Socket } from 'node:net';

import { AUTHS, apiCalls, run, startEnv, type Env } from './setup';

let env: Env;
beforeAll(async () => {
	env = await startEnv();
});
afterAll(async () => {
	await env.sandbox.stop();
});
beforeEach(async () => {
	await env.sandbox.reset();
});

const getAda = { resource: 'contact', operation: 'get', keyId: '3', contactId: 'ada@example.com', fields: ['1'] };
const timeOf = (entry: { time: string }) => Date.parse(entry.time);

describe.each(AUTHS)('with %s credentials', (auth) => {
	it('after a 429 waits for the next rate-limit window (one second past X-RateLimit-Reset) and sends the same call once more', async () => {
		// The forced window ends 1.5 s from now, mid-second; its reset header is rounded down.
		await env.sandbox.setFaults({ rateLimitForSeconds: 1.5 });
		const { items, error } = await run(env, auth, getAda);
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ '1': 'Ada' });
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata');
		// Waiting only until the stamp would land inside the same window and be refused again.
		expect(calls.map((c) => c.status)).toEqual([429, 200]);
		expect(calls[0].body).toEqual(calls[1].body);
		expect(timeOf(calls[1]) - timeOf(calls[0])).toBeGreaterThanOrEqual(1000);
	});

	it('reports the rate limit once waiting would pass Max Rate-Limit Wait, with a hint', async () => {
		// Short, as the wait it leaves holds the next test's calls too (the API user's window is used up).
		await env.sandbox.setFaults({ rateLimitForSeconds: 3 });
		const { error } = await run(env, auth, { ...getAda, options: { maxRateLimitWait: 1 } });
		expect(error?.message).toMatch(/HTTP 429/);
		expect(error?.description).toMatch(/rate limit.*Max Rate-Limit Wait/);
		expect((await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata')).toHaveLength(1);
	});

	it('retries idempotent calls after 5xx, up to Max Retries, waiting longer each time', async () => {
		await env.sandbox.setFaults({ errorRate: { status: 503, rate: 1 } });
		const { error } = await run(env, auth, { ...getAda, options: { maxRetries: 2 } });
		expect(error?.message).toMatch(/HTTP 503/);
		expect(error?.description).toMatch(/server problem/);
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata');
		expect(calls).toHaveLength(3);
		const gaps = [timeOf(calls[1]) - timeOf(calls[0]), timeOf(calls[2]) - timeOf(calls[1])];
		expect(gaps[0]).toBeGreaterThanOrEqual(1000);
		expect(gaps[1]).toBeGreaterThanOrEqual(2000);
	});

	it('retries a trigger after 5xx with the same trigger_id, so Emarsys deduplicates it', async () => {
		await env.sandbox.setFaults({ errorRate: { status: 500, rate: 1 } });
		const { error } = await run(env, auth, {
			resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: 'ada@example.com', eventData: '{}',
			options: { maxRetries: 1 },
		});
		expect(error?.message).toMatch(/HTTP 500/);
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'event/1001/trigger');
		expect(calls).toHaveLength(2);
		const triggerIds = calls.map((c) => (c.body as { contacts: Array<{ trigger_id: string }> }).contacts[0].trigger_id);
		expect(new Set(triggerIds).size).toBe(1);
		expect(triggerIds[0]).toMatch(/^n8n-/);
	});

	it('does not retry other 4xx answers', async () => {
		const { error } = await run(env, auth, { resource: 'field', operation: 'getAll', options: { language: 'xx' } });
		expect(error?.message).toMatch(/Invalid language code.*replyCode 1002, HTTP 400/);
		expect(await apiCalls(env.sandbox)).toHaveLength(1);
	});

	it('treats HTTP 200 with a non-zero replyCode as an error, without retrying', async () => {
		const { error } = await run(env, auth, { ...getAda, keyId: '99999' });
		expect(error?.message).toMatch(/Invalid key field id: 99999.*replyCode 2004, HTTP 200/);
		// (A custom key field's type comes from the field list, fetched first.)
		expect((await apiCalls(env.sandbox)).filter((call) => call.endpoint === 'contact/getdata')).toHaveLength(1);
	});

	it('retries after a truncated JSON answer', async () => {
		await env.sandbox.setFaults({ malformedJsonCount: 1 });
		const { items, error } = await run(env, auth, { resource: 'field', operation: 'getSingleChoices', fieldId: '5' });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.choice)).toEqual(['Male', 'Female']);
		expect((await apiCalls(env.sandbox)).filter((c) => c.endpoint.startsWith('field/5/'))).toHaveLength(2);
	});

	it('gives up on a call that does not answer within Timeout, then retries it', async () => {
		await env.sandbox.setFaults({ hangCount: 1 });
		const { items, error } = await run(env, auth, { resource: 'field', operation: 'getSingleChoices', fieldId: '5', options: { timeout: 1000 } });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(2);
		expect((await apiCalls(env.sandbox)).filter((c) => c.endpoint.startsWith('field/5/')).length).toBeGreaterThanOrEqual(2);
	});

	it('reports a timeout clearly when retries are exhausted', async () => {
		await env.sandbox.setFaults({ hangCount: 2 });
		const { error } = await run(env, auth, { resource: 'field', operation: 'getSingleChoices', fieldId: '5', options: { timeout: 1000, maxRetries: 1 } });
		expect(error?.message).toMatch(/No answer within 1000 ms/);
		expect(error?.description).toMatch(/Timeout/);
	});
});

describe('pacing and permissions', () => {
	it('paces 10 calls through a limit of 4 per 2-second window: no 429, gaps read from the sandbox log', async () => {
		const limit = 4;
		const windowMs = 2000;
		await env.sandbox.setConfig({ rateLimitPerMinute: limit, rateLimitWindowSeconds: windowMs / 1000 });
		// Ten single-choice fields: one call each, more than two windows' worth of calls.
		const fieldIds = ['5', '6', '7', '8', '9', '14', '17', '19', '20', '23'];
		const { items, error } = await run(
			env,
			'wsse',
			{ resource: 'field', operation: 'getSingleChoices', fieldId: '={{ $json.fieldId }}' },
			fieldIds.map((fieldId) => ({ fieldId })),
		);
		expect(error).toBeUndefined();
		expect(items.length).toBeGreaterThanOrEqual(fieldIds.length);

		const calls = await apiCalls(env.sandbox);
		expect(calls).toHaveLength(fieldIds.length);
		// The limit was never hit: not one 429 in the sandbox's log.
		expect(calls.map((c) => c.status)).toEqual(fieldIds.map(() => 200));
		// The spacing itself, from the sandbox's own timestamps: 10 calls at 4 per window span
		// at least two full windows, and no window of the limiter held more than 4 of them.
		const times = calls.map((c) => Date.parse(c.time));
		expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(2 * windowMs - 100);
		const gaps = times.slice(1).map((t, i) => t - times[i]);
		// Paced calls: the transport spreads the last calls of a window over its rest, so several
		// gaps are long (a burst without pacing would show gaps of a few ms, then a 429).
		expect(gaps.filter((gap) => gap >= windowMs / (limit + 2)).length).toBeGreaterThanOrEqual(4);
	}, 30_000);

	it('an API user without the external-events permission gets 403 on a trigger, and the hint names the permission', async () => {
		await fetch(`${env.sandbox.url}/__sandbox/users`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ scheme: 'wsse', name: 'contacts_only', secret: 'contacts-only-secret', permissions: ['contacts', 'fields'] }),
		});
		env.harness.clearCredentials();
		const { error } = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: 'ada@example.com', eventData: '{}' },
			credentials: { emarsysApi: { username: 'contacts_only', secret: 'contacts-only-secret', baseUrl: env.sandbox.v2 } },
		});
		expect(error?.message).toMatch(/Forbidden \(replyCode 1, HTTP 403\)/);
		expect(error?.description).toMatch(/lacks the permission "external events: trigger an external event"/);
		expect(await apiCalls(env.sandbox)).toHaveLength(1);
	});

	it('a 403 is not retried and says which permission to grant', async () => {
		await env.sandbox.setFaults({ errorRate: { status: 403, rate: 1 } });
		const { error } = await run(env, 'oAuth2', { resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: 'ada@example.com', eventData: '{}' });
		expect(error?.message).toMatch(/HTTP 403/);
		expect(error?.description).toMatch(/lacks the permission "external events: trigger an external event"/);
		expect(await apiCalls(env.sandbox)).toHaveLength(1);
	});
});

describe('failures without an answer', () => {
	it('retries a connection that is cut, then reports that Emarsys could not be reached', async () => {
		const sockets: Socket[] = [];
		const server = createServer((socket) => {
			sockets.push(socket);
			socket.destroy();
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		try {
			env.harness.clearCredentials();
			const { error } = await env.harness.runNode({
				nodeType: 'emarsys',
				parameters: { authentication: 'wsse', ...getAda, options: { maxRetries: 2 } },
				credentials: { emarsysApi: { username: 'u', secret: 's', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2` } },
			});
			expect(error?.message).toMatch(/Could not reach Emarsys \(the connection was cut\)/);
			expect(error?.description).toMatch(/API Base URL/);
		} finally {
			server.close();
		}
		expect(sockets).toHaveLength(3);
	});

	it('does not retry a request that cannot be sent (invalid base URL)', async () => {
		env.harness.clearCredentials();
		const started = Date.now();
		const { error } = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', ...getAda },
			credentials: { emarsysApi: { username: 'u', secret: 's', baseUrl: 'not a url' } },
		});
		expect(error?.message).toMatch(/could not be sent/);
		// No backoff wait (the first is a second).
		expect(Date.now() - started).toBeLessThan(1000);
	});
});

describe('authentication errors', () => {
	it('a wrong WSSE secret gives a 401 error that points at credentials and clock, without the secret', async () => {
		env.harness.clearCredentials();
		const secret = 'definitely-wrong-secret-123';
		const { error } = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', ...getAda },
			credentials: { emarsysApi: { username: env.sandbox.credentials.wsseUser, secret, baseUrl: env.sandbox.v2 } },
		});
		expect(error?.message).toMatch(/HTTP 401/);
		expect(error?.description).toMatch(/server clock/);
		expect(JSON.stringify(error)).not.toContain(secret);
		expect(JSON.stringify(error)).not.toContain(env.sandbox.credentials.wsseSecret);
		// The node does not retry a 401 (n8n-core itself re-signs and retries a 401 once).
		expect((await apiCalls(env.sandbox)).length).toBeLessThanOrEqual(2);
	});

	it('a server clock more than 5 minutes off is refused with the same hint', async () => {
		await env.sandbox.setFaults({ clockSkewSeconds: 600 });
		const { error } = await run(env, 'wsse', getAda);
		expect(error?.message).toMatch(/HTTP 401/);
		expect(error?.description).toMatch(/clock/);
	});

	it('a wrong OAuth2 client secret fails without leaking it', async () => {
		env.harness.clearCredentials();
		const clientSecret = 'wrong-client-secret-456';
		const { error } = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'oAuth2', ...getAda },
			credentials: {
				emarsysOAuth2Api: {
					clientId: env.sandbox.credentials.oidcClientId,
					clientSecret,
					accessTokenUrl: env.sandbox.tokenUrl,
					baseUrl: env.sandbox.v3,
				},
			},
		});
		expect(error).toBeDefined();
		expect(error?.message).toMatch(/access token/);
		expect(error?.description).toMatch(/client ID, the client secret and the Access Token URL/);
		const tokenCalls = (await env.sandbox.getLog()).filter((entry) => entry.path === '/oauth2/token');
		expect(tokenCalls).toHaveLength(1);
		expect(JSON.stringify(error)).not.toContain(clientSecret);
		expect((await apiCalls(env.sandbox))).toHaveLength(0);
	});

	it('an expired OAuth2 token is fetched again by n8n and the call succeeds', async () => {
		const first = await run(env, 'oAuth2', getAda);
		expect(first.error).toBeUndefined();
		await env.sandbox.expireTokens();
		// Keep the stored token: run with the harness's stored credentials.
		const second = await env.harness.runNode({ nodeType: 'emarsys', parameters: { authentication: 'oAuth2', ...getAda } });
		expect(second.error).toBeUndefined();
		expect(second.items[0].json).toMatchObject({ '1': 'Ada' });
		const tokenCalls = (await env.sandbox.getLog()).filter((entry) => entry.path === '/oauth2/token');
		expect(tokenCalls.length).toBe(2);
		// The expired token's 401 comes back as an answer; sent once more as an error, n8n renews the token.
		const statuses = (await apiCalls(env.sandbox)).map((c) => c.status);
		expect(statuses).toEqual([200, 401, 401, 200]);
	});
});
