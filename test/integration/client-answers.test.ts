/**
 * How the client reads answers and the API Base URL. Emarsys's documented answers are JSON
 * `{replyCode, replyText, data}` (the sandbox's, too); a plain HTTP server on loopback stands in
 * for what sits between n8n and Emarsys on some networks: a proxy's error page, a server that
 * answers an HTTP error with a body saying OK, a clock that is off.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INodeParameters } from 'n8n-workflow';

import { apiCalls, credentialsFor, run, startEnv, storeCredentials, type Env } from './setup';

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

/**
 * A plain HTTP server on loopback: `answer` answers each request (the first is number 0). It
 * records the requests and how many were under way at once.
 */
async function loopback(answer: (response: ServerResponse, request: IncomingMessage, index: number) => void) {
	const requests: IncomingMessage[] = [];
	let underWay = 0;
	let mostUnderWay = 0;
	const server = createServer((request, response) => {
		requests.push(request);
		underWay++;
		mostUnderWay = Math.max(mostUnderWay, underWay);
		response.on('close', () => underWay--);
		answer(response, request, requests.length - 1);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		requests,
		mostUnderWay: () => mostUnderWay,
		close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

/** Writes an Emarsys reply (JSON) with this status and headers. */
function reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	response.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Runs the node (WSSE) against a loopback server answering as `answer` does; returns the run and the requests it got. */
async function runAgainst(
	answer: (response: ServerResponse, request: IncomingMessage, index: number) => void,
	options: INodeParameters = {},
	parameters: INodeParameters = getAda,
) {
	const server = await loopback(answer);
	try {
		env.harness.clearCredentials();
		const result = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', ...parameters, options },
			credentials: { emarsysApi: { username: 'u', secret: 's', baseUrl: `${server.url}/api/v2` } },
		});
		return { ...result, requests: server.requests };
	} finally {
		await server.close();
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

describe('lists a run reads', () => {
	const singleChoices = (fieldIds: string[]) => ({
		parameters: { resource: 'field', operation: 'getSingleChoices', fieldId: '={{ $json.fieldId }}' },
		items: fieldIds.map((fieldId) => ({ fieldId })),
	});
	const choiceCalls = async () => (await apiCalls(env.sandbox)).filter((call) => call.endpoint === 'field/5/choice/translate/en');

	it('a choice list two items ask for is fetched once', async () => {
		const { parameters, items } = singleChoices(['5', '5']);
		const { error, runData } = await run(env, 'wsse', parameters, items);
		expect(error).toBeUndefined();
		// The sandbox's field 5 (Gender) has two choices: both items get them.
		expect(runData.Node[0].data!.main[0]!.map((item) => [item.pairedItem, item.json.choice])).toEqual([
			[{ item: 0 }, 'Male'],
			[{ item: 0 }, 'Female'],
			[{ item: 1 }, 'Male'],
			[{ item: 1 }, 'Female'],
		]);
		expect(await choiceCalls()).toHaveLength(1);
	});

	it('a choice list whose fetch failed for one item is fetched again for the next', async () => {
		await env.sandbox.setFaults({ malformedJsonCount: 1 });
		const { parameters, items } = singleChoices(['5', '5']);
		const { error, items: out } = await run(env, 'wsse', { ...parameters, options: { maxRetries: 0 } }, items, { continueOnFail: true });
		expect(error).toBeUndefined();
		expect(out[0].json.error).toMatch(/not a valid Emarsys reply/);
		expect(out.slice(1).map((item) => item.json.choice)).toEqual(['Male', 'Female']);
		expect(await choiceCalls()).toHaveLength(2);
	});

	it('a field list whose fetch failed is not kept for the next execution', async () => {
		await storeCredentials(env, 'wsse');
		await env.sandbox.setFaults({ lostAnswer: { count: 1, endpoint: 'field/translate/en' } });
		const labels = { authentication: 'wsse', resource: 'contact', operation: 'getWithChoiceLabels', keyId: '3', contactId: 'ada@example.com', fields: ['5'], options: { maxRetries: 0 } };
		const first = await env.harness.runNode({ nodeType: 'emarsys', parameters: labels });
		expect(first.error?.message).toMatch(/Could not reach Emarsys/);
		const second = await env.harness.runNode({ nodeType: 'emarsys', parameters: labels });
		expect(second.error).toBeUndefined();
		// Ada's Gender as its label: the field list said field 5 is a single-choice field.
		expect(second.items[0].json).toMatchObject({ '5': 'Female' });
		expect((await apiCalls(env.sandbox)).filter((call) => call.endpoint === 'field/translate/en')).toHaveLength(2);
	});
});

describe('429 answers in a row', () => {
	const choices = { resource: 'field', operation: 'getSingleChoices', fieldId: '5' };
	const ok = { replyCode: 0, replyText: 'OK', data: [{ id: '1', choice: 'Male' }] };
	/** A 429 whose X-RateLimit-Reset is the next second: a wait of 1 to 2 s. */
	const tooMany = (response: ServerResponse) =>
		reply(response, 429, { replyCode: 429, replyText: 'Too many requests', data: '' }, {
			'X-RateLimit-Limit': '1000',
			'X-RateLimit-Remaining': '0',
			'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + 1),
		});

	it('Max Rate-Limit Wait counts every wait of the call: a second 429 past it fails the call', async () => {
		const { error, requests } = await runAgainst((response, _request, index) => (index < 2 ? tooMany(response) : reply(response, 200, ok)), { maxRateLimitWait: 2 }, choices);
		expect(error?.message).toMatch(/\(replyCode 429, HTTP 429\)/);
		expect(error?.description).toMatch(/rate limit .* was still exceeded after waiting/);
		expect(requests).toHaveLength(2);
	}, 15_000);

	it('only waits for the rate limit count towards it, not the backoff after a 500', async () => {
		const serverError = (response: ServerResponse) => reply(response, 500, { replyCode: 500, replyText: 'Internal error', data: '' });
		// Backoff waits at least 1 s and then 2 s: with them, the 429's wait would pass 2 s.
		const { error, items, requests } = await runAgainst(
			(response, _request, index) => (index < 2 ? serverError(response) : index === 2 ? tooMany(response) : reply(response, 200, ok)),
			{ maxRateLimitWait: 2 },
			choices,
		);
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.choice)).toEqual(['Male']);
		expect(requests).toHaveLength(4);
	}, 20_000);
});

it("lanes keep that many calls under way while the window's budget is known and wide", async () => {
	const server = await loopback((response) => {
		const headers = { 'X-RateLimit-Limit': '1000', 'X-RateLimit-Remaining': '900', 'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + 60) };
		setTimeout(() => reply(response, 200, { replyCode: 0, replyText: 'OK', data: { result: [], errors: [] } }, headers), 100);
	});
	try {
		env.harness.clearCredentials();
		const { items } = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', resource: 'contact', operation: 'get', keyId: '3', contactId: '={{ $json.email }}', fields: ['1'], options: { concurrentRequests: 4 } },
			inputItems: Array.from({ length: 9000 }, (_, i) => ({ email: `nobody${i}@example.com` })),
			credentials: { emarsysApi: { username: 'u', secret: 's', baseUrl: `${server.url}/api/v2` } },
			continueOnFail: true,
		});
		expect(items).toHaveLength(9000);
		expect(server.requests).toHaveLength(9);
		// The first call goes alone (it finds out the budget); then four at a time.
		expect(server.mostUnderWay()).toBe(4);
	} finally {
		await server.close();
	}
});

describe('OpenID Connect tokens and parallel executions', () => {
	const choices = { authentication: 'oAuth2', resource: 'field', operation: 'getSingleChoices', fieldId: '5' };
	const burst = async (runs: number, parameters: INodeParameters = choices) =>
		await Promise.all(Array.from({ length: runs }, async () => await env.harness.runNode({ nodeType: 'emarsys', parameters })));
	const tokenRequests = async () => (await env.sandbox.getLog()).filter((entry) => entry.path === '/oauth2/token');

	it('executions that start together with no token stored fetch one, each time the credential has none', async () => {
		for (const round of [1, 2]) {
			await storeCredentials(env, 'oAuth2');
			const runs = await burst(4);
			expect([round, runs.map((r) => r.error)]).toEqual([round, [undefined, undefined, undefined, undefined]]);
			expect([round, await tokenRequests()]).toEqual([round, Array.from({ length: round }, () => expect.anything())]);
		}
	});

	it('executions that meet an expired token together renew it once', async () => {
		// A token server that takes 300 ms per token: the three refused calls all come back while the first renewal is under way.
		let issued = 0;
		let valid: string | undefined;
		const server = await loopback((response, request) => {
			if (request.url === '/oauth2/token') {
				valid = `token-${++issued}`;
				const token = { access_token: valid, token_type: 'Bearer', expires_in: 3600 };
				setTimeout(() => reply(response, 200, token), 300);
			} else if (request.headers.authorization === `Bearer ${valid}`) {
				reply(response, 200, { replyCode: 0, replyText: 'OK', data: [{ id: '1', choice: 'Male' }] });
			} else {
				reply(response, 401, { replyCode: 1, replyText: 'Unauthorized', data: '' });
			}
		});
		try {
			env.harness.clearCredentials();
			const credential = { clientId: 'c', clientSecret: 's', accessTokenUrl: `${server.url}/oauth2/token`, baseUrl: `${server.url}/api/v3` };
			await env.harness.setCredentials('emarsysOAuth2Api', credential);
			expect((await burst(1))[0].error).toBeUndefined();
			valid = undefined; // the token expires
			const runs = await burst(3);
			expect(runs.map((r) => r.items.map((item) => item.json.choice))).toEqual([['Male'], ['Male'], ['Male']]);
			// The first token (the run before), then one renewal for the three.
			expect(issued).toBe(2);
		} finally {
			await server.close();
		}
	});

	it('a renewal whose token URL refuses the connection is reported as a failure to connect', async () => {
		await storeCredentials(env, 'oAuth2');
		expect((await burst(1))[0].error).toBeUndefined();
		await env.sandbox.expireTokens();
		const closed = await loopback(() => undefined);
		await closed.close();
		const stored = await env.harness.getStoredCredentials('emarsysOAuth2Api');
		await env.harness.setCredentials('emarsysOAuth2Api', { ...stored, accessTokenUrl: `${closed.url}/oauth2/token` });
		const { error } = (await burst(1, { ...choices, options: { maxRetries: 0 } }))[0];
		expect(error?.message).toMatch(/^Emarsys: Could not reach Emarsys \(the connection was refused\)$/);
	});

	it('a renewal the token URL refuses (the secret changed) is reported as the access token failing', async () => {
		await storeCredentials(env, 'oAuth2');
		expect((await burst(1))[0].error).toBeUndefined();
		await env.sandbox.expireTokens();
		const stored = await env.harness.getStoredCredentials('emarsysOAuth2Api');
		await env.harness.setCredentials('emarsysOAuth2Api', { ...stored, clientSecret: 'not-the-secret' });
		const { error } = (await burst(1))[0];
		expect(error?.message).toMatch(/Could not get an access token from the token URL/);
		expect(error?.description).toMatch(/Check the client ID, the client secret and the Access Token URL/);
	});

	it('a call refused with 401, sent again through the token renewal and answered 500, is retried as any 500 is', async () => {
		const answers = [401, 500, 200];
		const server = await loopback((response, request) => {
			if (request.url === '/oauth2/token') return reply(response, 200, { access_token: 'token', token_type: 'Bearer', expires_in: 3600 });
			const status = answers.shift()!;
			reply(response, status, { replyCode: status === 200 ? 0 : status, replyText: status === 200 ? 'OK' : 'Refused', data: [{ id: '1', choice: 'Male' }] });
		});
		try {
			env.harness.clearCredentials();
			const credential = { clientId: 'c', clientSecret: 's', accessTokenUrl: `${server.url}/oauth2/token`, baseUrl: `${server.url}/api/v3` };
			await env.harness.setCredentials('emarsysOAuth2Api', credential);
			const { error, items } = (await burst(1))[0];
			expect(error).toBeUndefined();
			expect(items.map((item) => item.json.choice)).toEqual(['Male']);
			expect(server.requests.map((request) => request.url)).toEqual([
				'/oauth2/token',
				'/api/v3/field/5/choice/translate/en',
				'/api/v3/field/5/choice/translate/en',
				'/api/v3/field/5/choice/translate/en',
			]);
		} finally {
			await server.close();
		}
	});

	it.each(['wsse', 'oAuth2'])('calls of executions that run together go side by side (%s, with a token stored)', async (authentication) => {
		const server = await loopback((response, request) => {
			if (request.url === '/oauth2/token') return reply(response, 200, { access_token: 'token', token_type: 'Bearer', expires_in: 3600 });
			setTimeout(() => reply(response, 200, { replyCode: 0, replyText: 'OK', data: [{ id: '1', choice: 'Male' }] }), 200);
		});
		try {
			env.harness.clearCredentials();
			await env.harness.setCredentials('emarsysApi', { username: 'u', secret: 's', baseUrl: `${server.url}/api/v2` });
			await env.harness.setCredentials('emarsysOAuth2Api', { clientId: 'c', clientSecret: 's', accessTokenUrl: `${server.url}/oauth2/token`, baseUrl: `${server.url}/api/v3` });
			// The OpenID Connect credential gets its token first.
			if (authentication === 'oAuth2') expect((await burst(1))[0].error).toBeUndefined();
			const before = server.requests.length;
			const runs = await burst(3, { ...choices, authentication });
			expect(runs.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
			expect(server.requests.length - before).toBe(3);
			expect(server.mostUnderWay()).toBe(3);
		} finally {
			await server.close();
		}
	});
});

describe('what executions share', () => {
	it("a shared field-list fetch that fails for one execution (Max Retries 0) is fetched again for another, under that one's own retries", async () => {
		await storeCredentials(env, 'wsse');
		// The first field-list answer is cut short; every answer takes 300 ms, so the second execution finds the first one's fetch under way.
		await env.sandbox.setFaults({ latencyMs: 300, malformedJsonCount: 1 });
		const labels = (maxRetries: number) => ({
			authentication: 'wsse', resource: 'contact', operation: 'getWithChoiceLabels', keyId: '3', contactId: 'ada@example.com', fields: ['5'], options: { maxRetries },
		});
		const impatient = env.harness.runNode({ nodeType: 'emarsys', parameters: labels(0) });
		await new Promise((resolve) => setTimeout(resolve, 100));
		const patient = env.harness.runNode({ nodeType: 'emarsys', parameters: labels(2) });
		const [first, second] = await Promise.all([impatient, patient]);
		expect(first.error?.message).toMatch(/not a valid Emarsys reply/);
		expect(second.error).toBeUndefined();
		expect(second.items[0].json).toMatchObject({ '5': 'Female' });
	});

	it('a shared field-list fetch whose execution is cancelled is fetched again for another execution waiting for it', async () => {
		await storeCredentials(env, 'wsse');
		await env.sandbox.setFaults({ latencyMs: 400 });
		const labels = { authentication: 'wsse', resource: 'contact', operation: 'getWithChoiceLabels', keyId: '3', contactId: 'ada@example.com', fields: ['5'] };
		const stop = new AbortController();
		const cancelled = env.harness.runNode({ nodeType: 'emarsys', parameters: labels, signal: stop.signal });
		await new Promise((resolve) => setTimeout(resolve, 100));
		const waiting = env.harness.runNode({ nodeType: 'emarsys', parameters: labels });
		setTimeout(() => stop.abort(), 200);
		const run = await waiting;
		await Promise.race([cancelled.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 3000))]);
		expect(run.error).toBeUndefined();
		expect(run.items[0].json).toMatchObject({ '5': 'Female' });
	});

	it('calls of executions that ask for different fields are not combined', async () => {
		await storeCredentials(env, 'wsse');
		await env.sandbox.setFaults({ latencyMs: 400 });
		const read = async (email: string, field: string) =>
			await env.harness.runNode({ nodeType: 'emarsys', parameters: { authentication: 'wsse', resource: 'contact', operation: 'get', keyId: '3', contactId: email, fields: [field] } });
		const opener = read('ada@example.com', '1');
		await new Promise((resolve) => setTimeout(resolve, 100));
		// Both wait for the opener's call: calls for the same fields would go as one.
		const [first, alan, grace] = await Promise.all([opener, read('alan@example.com', '2'), read('grace@example.com', '1')]);
		expect([first, alan, grace].map((r) => r.error)).toEqual([undefined, undefined, undefined]);
		expect(Object.keys(alan.items[0].json)).toContain('2');
		expect(Object.keys(alan.items[0].json)).not.toContain('1');
		expect(Object.keys(grace.items[0].json)).toContain('1');
		expect(Object.keys(grace.items[0].json)).not.toContain('2');
	});

	it("lists kept for one account's credential are not used for another's", async () => {
		// Another account, where choice 1 of field 5 reads "Mann".
		const other = await loopback((response, request) => {
			const data: Record<string, unknown> = {
				'/api/v2/contact/getdata': { errors: [], result: [{ '3': 'alan@example.com', '5': '1', id: '7', uid: 'u7' }] },
				'/api/v2/field/translate/en': [
					{ id: 3, name: 'E-Mail', application_type: 'email', string_id: 'email' },
					{ id: 5, name: 'Gender', application_type: 'singlechoice', string_id: 'gender' },
				],
				'/api/v2/field/5/choice/translate/en': [{ id: '1', choice: 'Mann' }],
			};
			reply(response, 200, { replyCode: 0, replyText: 'OK', data: data[request.url!.split('?')[0]] });
		});
		try {
			const labels = { authentication: 'wsse', resource: 'contact', operation: 'getWithChoiceLabels', keyId: '3', contactId: 'alan@example.com', fields: ['5'] };
			// The sandbox's account first: its lists are kept (Keep Lists: 60 s by default).
			const here = await run(env, 'wsse', labels);
			expect(here.items[0].json['5']).toBe('Male');
			env.harness.clearCredentials();
			const there = await env.harness.runNode({
				nodeType: 'emarsys',
				parameters: labels,
				credentials: { emarsysApi: { username: env.sandbox.credentials.wsseUser, secret: 's', baseUrl: `${other.url}/api/v2` } },
			});
			expect(there.error).toBeUndefined();
			expect(there.items[0].json['5']).toBe('Mann');
		} finally {
			await other.close();
		}
	});

	it("lists kept for one API user are not used for another's behind the same credential (edited to another user)", async () => {
		// One API base URL, two API users of different accounts: choice 1 of field 5 reads "Male" for one, "Mann" for the other.
		const choiceFor = (wsse: string | string[] | undefined) => (/Username="other_user"/.test(String(wsse)) ? 'Mann' : 'Male');
		const server = await loopback((response, request) => {
			const data: Record<string, unknown> = {
				'/api/v2/contact/getdata': { errors: [], result: [{ '3': 'alan@example.com', '5': '1', id: '7', uid: 'u7' }] },
				'/api/v2/field/translate/en': [
					{ id: 3, name: 'E-Mail', application_type: 'email', string_id: 'email' },
					{ id: 5, name: 'Gender', application_type: 'singlechoice', string_id: 'gender' },
				],
				'/api/v2/field/5/choice/translate/en': [{ id: '1', choice: choiceFor(request.headers['x-wsse']) }],
			};
			reply(response, 200, { replyCode: 0, replyText: 'OK', data: data[request.url!.split('?')[0]] });
		});
		try {
			const labels = { authentication: 'wsse', resource: 'contact', operation: 'getWithChoiceLabels', keyId: '3', contactId: 'alan@example.com', fields: ['5'] };
			const runAs = async (username: string) =>
				await env.harness.runNode({ nodeType: 'emarsys', parameters: labels, credentials: { emarsysApi: { username, secret: 's', baseUrl: `${server.url}/api/v2` } } });
			expect((await runAs('first_user')).items[0].json['5']).toBe('Male');
			const other = await runAs('other_user');
			expect(other.error).toBeUndefined();
			expect(other.items[0].json['5']).toBe('Mann');
		} finally {
			await server.close();
		}
	});
});
