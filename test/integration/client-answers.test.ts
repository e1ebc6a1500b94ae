/**
 * How the client reads answers and the API Base URL. Emarsys's documented answers are JSON
 * `{replyCode, replyText, data}` (the sandbox's, too); a plain HTTP server on loopback stands in
 * for what sits between n8n and Emarsys on some networks: a proxy's error page, a server that
 * answers an HTTP error with a body saying OK, a clock that is off.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INodeParameters } from 'n8n-workflow';

import { apiCalls, credentialsFor, run, startEnv, type Env } from './setup';

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

/** Runs Get Contact (WSSE) against a loopback server answering every request with `answer`; returns the run and the requests it got. */
async function runAgainst(answer: (response: ServerResponse) => void, options: INodeParameters = {}) {
	const requests: IncomingMessage[] = [];
	const server = createServer((request, response) => {
		requests.push(request);
		answer(response);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	try {
		env.harness.clearCredentials();
		const result = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', ...getAda, options },
			credentials: { emarsysApi: { username: 'u', secret: 's', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2` } },
		});
		return { ...result, requests };
	} finally {
		server.close();
	}
}

describe('answers that are not what Emarsys documents', () => {
	it('an HTTP error whose body says replyCode 0 is still an error', async () => {
		const { error, items, requests } = await runAgainst(
			(response) => response.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ replyCode: 0, replyText: 'OK', data: {} })),
			{ maxRetries: 0 },
		);
		expect(items).toEqual([]);
		expect(error?.message).toMatch(/HTTP 500/);
		expect(requests).toHaveLength(1);
	});

	it('a 4xx answer that is not JSON (a proxy page) is not retried and is reported by its status', async () => {
		const { error, requests } = await runAgainst((response) => response.writeHead(404, { 'Content-Type': 'text/html' }).end('<html>Not Found</html>'));
		expect(error?.message).toMatch(/\(HTTP 404\)$/);
		// Only a 2xx answer without an Emarsys reply is called "not a valid Emarsys reply": a 404 page is an HTTP error.
		expect(error?.message).not.toMatch(/not a valid Emarsys reply/);
		expect(requests).toHaveLength(1);
	});

	it('an HTTP 200 that is not an Emarsys reply is reported as such once retries are used up', async () => {
		await env.sandbox.setFaults({ malformedJsonCount: 1 });
		const { error } = await run(env, 'wsse', { ...getAda, options: { maxRetries: 0 } });
		expect(error?.message).toMatch(/not a valid Emarsys reply.*\(HTTP 200\)/);
		expect((await apiCalls(env.sandbox)).filter((call) => call.endpoint === 'contact/getdata')).toHaveLength(1);
	});

	it('names a clock 10 minutes off for a refused signature (401) only, not for a server error', async () => {
		const tenMinutesAgo = new Date(Date.now() - 10 * 60_000).toUTCString();
		const answer = (status: number) => (response: ServerResponse) =>
			response.writeHead(status, { 'Content-Type': 'application/json', Date: tenMinutesAgo }).end(JSON.stringify({ replyCode: 1, replyText: 'Refused', data: '' }));
		const refused = await runAgainst(answer(401), { maxRetries: 0 });
		expect(refused.error?.message).toMatch(/the clock of this machine is about 10 minutes ahead of the Emarsys server clock/);
		const serverError = await runAgainst(answer(500), { maxRetries: 0 });
		expect(serverError.error?.message).toMatch(/HTTP 500/);
		expect(serverError.error?.message).not.toMatch(/clock/);
	});
});

describe('the API Base URL', () => {
	it('as pasted, with spaces around it and a trailing slash or two, reaches the API', async () => {
		const { emarsysApi } = credentialsFor(env.sandbox, 'wsse');
		env.harness.clearCredentials();
		const { items, error } = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', ...getAda },
			credentials: { emarsysApi: { ...emarsysApi, baseUrl: `  ${env.sandbox.v2}//  ` } },
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json['1'])).toEqual(['Ada']);
		expect((await env.sandbox.getLog()).map((entry) => entry.path)).toEqual(['/api/v2/contact/getdata']);
	});

	it('pointing at a port where nothing listens: "Could not reach Emarsys (the connection was refused)"', async () => {
		const closed = createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const { port } = closed.address() as AddressInfo;
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		env.harness.clearCredentials();
		const { error } = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', ...getAda, options: { maxRetries: 0 } },
			credentials: { emarsysApi: { username: 'u', secret: 's', baseUrl: `http://127.0.0.1:${port}/api/v2` } },
		});
		expect(error?.message).toMatch(/Could not reach Emarsys \(the connection was refused\)/);
		expect(error?.description).toMatch(/API Base URL/);
	});

	it('one n8n can parse but not send to (ftp://) is reported as a call that could not be sent, not as a token problem', async () => {
		env.harness.clearCredentials();
		const { error } = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', ...getAda },
			credentials: { emarsysApi: { username: 'u', secret: 's', baseUrl: 'ftp://127.0.0.1/api/v2' } },
		});
		expect(error?.message).toMatch(/could not be sent/);
		expect(error?.message).not.toMatch(/access token/);
	});
});

it('Create If Missing sends the query Emarsys creates a contact on', async () => {
	const { error, items } = await run(env, 'wsse', {
		resource: 'contact', operation: 'upsert', keyId: '3', contactId: 'new.contact@example.com', createIfMissing: true,
		columns: { mappingMode: 'defineBelow', value: { '1': 'New' }, matchingColumns: [], schema: [] },
	});
	expect(error).toBeUndefined();
	expect(items).toHaveLength(1);
	expect((await env.sandbox.findContacts('3', 'new.contact@example.com'))[0].fields['1']).toBe('New');
});

/** A WSSE API user of the sandbox with these permissions; its secret is its name + "-secret". */
async function addUser(name: string, permissions: string[]): Promise<void> {
	const response = await fetch(`${env.sandbox.url}/__sandbox/users`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ scheme: 'wsse', name, secret: `${name}-secret`, permissions }),
	});
	expect(response.ok).toBe(true);
}

describe('the rate-limit budget', () => {
	it('parallel calls never outrun what the window has left: 5 calls at 4 lanes through a limit of 3 get no 429', async () => {
		await env.sandbox.setConfig({ rateLimitPerMinute: 3, rateLimitWindowSeconds: 3 });
		// An API user of its own: the process's dispatcher for the seeded user still knows the budget
		// of a window from before the sandbox's reset (Emarsys never resets a window early).
		await addUser('lanes_user', ['contacts']);
		env.harness.clearCredentials();
		const { items } = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', resource: 'contact', operation: 'get', keyId: '3', contactId: '={{ $json.email }}', fields: ['1'], options: { concurrentRequests: 4 } },
			inputItems: Array.from({ length: 5000 }, (_, i) => ({ email: `nobody${i}@example.com` })),
			credentials: { emarsysApi: { username: 'lanes_user', secret: 'lanes_user-secret', baseUrl: env.sandbox.v2 } },
			continueOnFail: true,
		});
		expect(items).toHaveLength(5000);
		const calls = (await apiCalls(env.sandbox)).filter((call) => call.endpoint === 'contact/getdata');
		expect(calls.map((call) => call.status)).toEqual([200, 200, 200, 200, 200]);
	}, 20_000);

	it("is each API user's own: a user whose window is used up does not hold back another user's calls", async () => {
		const windowMs = 4000;
		await env.sandbox.setConfig({ rateLimitPerMinute: 2, rateLimitWindowSeconds: windowMs / 1000 });
		await addUser('second_user', ['fields']);
		const choices = { resource: 'field', operation: 'getSingleChoices', fieldId: '={{ $json.fieldId }}' };
		// The first user's two calls use up its window: its next call would wait for the window's end.
		const first = await run(env, 'wsse', choices, [{ fieldId: '5' }, { fieldId: '6' }]);
		expect(first.error).toBeUndefined();
		env.harness.clearCredentials();
		const started = Date.now();
		const second = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', ...choices },
			inputItems: [{ fieldId: '5' }],
			credentials: { emarsysApi: { username: 'second_user', secret: 'second_user-secret', baseUrl: env.sandbox.v2 } },
		});
		expect(second.error).toBeUndefined();
		expect(Date.now() - started).toBeLessThan(windowMs / 2);
		const calls = await apiCalls(env.sandbox);
		expect(calls.map((call) => [call.user, call.status])).toEqual([
			[env.sandbox.credentials.wsseUser, 200],
			[env.sandbox.credentials.wsseUser, 200],
			['second_user', 200],
		]);
	});
});

it('an OpenID Connect access token that expires twice is renewed twice', async () => {
	expect((await run(env, 'oAuth2', getAda)).error).toBeUndefined();
	for (const expiry of [1, 2]) {
		await env.sandbox.expireTokens();
		// The stored credential keeps its (now expired) token: run with it.
		const again = await env.harness.runNode({ nodeType: 'emarsys', parameters: { authentication: 'oAuth2', ...getAda } });
		expect([expiry, again.error]).toEqual([expiry, undefined]);
	}
	expect((await env.sandbox.getLog()).filter((entry) => entry.path === '/oauth2/token')).toHaveLength(3);
});
