/**
 * Fault suite: the node at scale against the sandbox's fault hooks, through real n8n-core.
 * Every test checks items in = items out (or a clear run error) and takes the sandbox's request
 * log as evidence of what went over the wire. The last test greps everything the suite produced
 * (outputs, errors, the executions as n8n saves them, sandbox logs, and everything printed with
 * n8n's logger at debug level) for the WSSE secret, the OIDC client secret and every OIDC access
 * token the sandbox issued.
 */
import { DEFAULT_SETTINGS } from '../../nodes/Emarsys/transport';
import type { TriggerRecord } from '../helpers/sandbox';
import {
	apiCalls,
	capturePrinted,
	collectSandboxLog,
	email,
	errorOf,
	evidence,
	getParameters,
	inputIndexOf,
	keysInBody,
	range,
	restoreLogLevel,
	runNode,
	seedContacts,
	startEnv,
	triggerParameters,
	upsertParameters,
	waitFor,
	type Env,
} from './setup';
import { v2 } from '../sandbox/util';

let env: Env;
let restorePrinted: () => void;

beforeAll(async () => {
	restorePrinted = capturePrinted();
	env = await startEnv();
});
afterAll(async () => {
	restorePrinted();
	restoreLogLevel();
	await env.sandbox.stop();
});
beforeEach(async () => {
	await env.sandbox.reset();
});
afterEach(async () => {
	await collectSandboxLog(env.sandbox);
});

/** Non-duplicate triggers per trigger_id: every item's event must be processed exactly once. */
function processedOncePerTriggerId(triggers: TriggerRecord[]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const t of triggers as Array<TriggerRecord & { duplicate?: boolean; triggerId?: string }>) {
		if (t.duplicate) continue;
		counts.set(String(t.triggerId), (counts.get(String(t.triggerId)) ?? 0) + 1);
	}
	return counts;
}


/**
 * One call of `calls` met the fault; exactly one later call carried the same body (its retry), and
 * no other call did. (With parallel lanes the retry need not be the next call in the log.)
 */
function expectSentAgainOnce(calls: Array<{ seq: number; fault?: string; body?: unknown }>, fault: string): void {
	const faulty = calls.filter((call) => call.fault === fault);
	expect(faulty).toHaveLength(1);
	const same = calls.filter((call) => call !== faulty[0] && JSON.stringify(call.body) === JSON.stringify(faulty[0].body));
	expect(same).toHaveLength(1);
	expect(same[0].seq).toBeGreaterThan(faulty[0].seq);
}

describe('rate limit storm', () => {
	it('a 10-second 429 storm during a 5,000-item upsert: all delivered, none twice', async () => {
		const items = range(5000).map((i) => ({ email: email('storm', i), first: `Storm${i}` }));
		// Slow calls so that the storm starts while the run is in flight.
		await env.sandbox.setFaults({ latencyMs: 250 });
		const running = runNode(env, upsertParameters(), items);
		await waitFor(async () => (await apiCalls(env.sandbox)).some((c) => c.endpoint === 'contact' && c.status === 200));
		// Long enough for a node that retried with backoff (1, 2, 4 s…) to be refused again and again.
		await env.sandbox.setFaults({ rateLimitForSeconds: 10 });
		const { items: out, errorItems, error } = await running;

		expect(error).toBeUndefined();
		expect(out).toHaveLength(5000);
		expect(errorItems).toHaveLength(0);
		expect(out.map((item) => item.json.contactId)).toEqual(items.map((item) => item.email));

		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact');
		const ok = calls.filter((c) => c.status === 200);
		const limited = calls.filter((c) => c.status === 429);
		// The storm hit the run, and the node waited for X-RateLimit-Reset instead of retrying into
		// the window: the calls under way when the storm began were refused (at most one per lane,
		// Concurrent Requests) and none of them twice, as each retry went out after the window (a
		// node retrying every few seconds would have a batch refused again and again in the 10 s).
		expect(limited.length).toBeGreaterThanOrEqual(1);
		expect(limited.length).toBeLessThanOrEqual(DEFAULT_SETTINGS.concurrentRequests);
		expect(new Set(limited.map((c) => JSON.stringify(c.body))).size).toBe(limited.length);
		expect(ok).toHaveLength(5);
		// Each delivered batch carried distinct contacts; together exactly the 5,000 items, none twice.
		const delivered = ok.flatMap((c) => keysInBody(c.body));
		expect(delivered).toHaveLength(5000);
		expect(new Set(delivered).size).toBe(5000);
		// A refused batch was sent again unchanged.
		for (const refused of limited) {
			expect(ok.some((c) => c.seq > refused.seq && JSON.stringify(c.body) === JSON.stringify(refused.body))).toBe(true);
		}
		// The sandbox holds each contact exactly once.
		const stored = (await env.sandbox.getContacts()).filter((c) => String(c.fields['3'] ?? '').startsWith('storm-'));
		expect(stored).toHaveLength(5000);
	}, 120_000);
});

describe('a rate-limit window already used up (issue: retries after a 429 burnt out within a second)', () => {
	it('a 2,500-contact upsert and a 2,500-event trigger wait for the next window: every contact written once, every event once, no error', async () => {
		// 4 calls a window, all used up by another process of the same API user; the window ends
		// mid-second and its reset header is rounded down to whole seconds (sandbox/ratelimit.ts).
		// Emarsys's window is a minute; 3 s here, so that the run waits for two windows in seconds.
		await env.sandbox.setConfig({ rateLimitPerMinute: 4, rateLimitWindowSeconds: 3 });
		for (let i = 0; i < 4; i++) expect((await v2(env.sandbox.url, env.sandbox.credentials, 'GET', 'event')).status).toBe(200);
		const items = range(2500).map((i) => ({ email: email('window', i), first: `Window${i}`, n: i }));

		const upsert = await runNode(env, upsertParameters(), items);
		expect(upsert.error).toBeUndefined();
		expect(upsert.errorItems).toHaveLength(0);
		expect(upsert.items.map((item) => item.json.contactId)).toEqual(items.map((item) => item.email));
		const trigger = await runNode(env, triggerParameters(), items);
		expect(trigger.error).toBeUndefined();
		expect(trigger.errorItems).toHaveLength(0);
		expect(trigger.items).toHaveLength(2500);

		const calls = await apiCalls(env.sandbox);
		const puts = calls.filter((c) => c.endpoint === 'contact');
		const posts = calls.filter((c) => c.endpoint === 'event/1001/trigger');
		// Each batch answered 200 once; a refused one was sent again only in the next window.
		expect(puts.filter((c) => c.status === 200)).toHaveLength(3);
		expect(posts.filter((c) => c.status === 200)).toHaveLength(3);
		// The window was used up by calls this process did not see: what its last answer said (an earlier
		// test's) lets the lanes under way meet the empty window once each (4 by default, here at most
		// the upsert's 3 calls); after that first 429 every lane waits for the next window.
		expect(calls.filter((c) => c.status === 429).length).toBeLessThanOrEqual(DEFAULT_SETTINGS.concurrentRequests);
		const stored = (await env.sandbox.getContacts()).filter((c) => String(c.fields['3'] ?? '').startsWith('window-'));
		expect(stored).toHaveLength(2500);
		expect(processedOncePerTriggerId(await env.sandbox.getTriggers()).size).toBe(2500);
	}, 300_000);
});

describe('server errors', () => {
	it('20 % of calls answer 500: upsert, get and trigger of 40,000 items all complete, each item exactly once', async () => {
		await seedContacts(env.sandbox, 'seed', 20000);
		const since = await env.sandbox.lastSeq();
		await env.sandbox.setFaults({ errorRate: { status: 500, rate: 0.2 } });
		const options = { maxRetries: 10 };

		const upsertItems = range(10000).map((i) => ({ email: email('five', i), first: `Five${i}` }));
		const upsert = await runNode(env, upsertParameters({}, options), upsertItems);
		const getItems = range(20000).map((i) => ({ email: email('seed', i) }));
		const get = await runNode(env, getParameters(options), getItems);
		const triggerItems = range(10000).map((i) => ({ email: email('seed', i), n: i }));
		const trigger = await runNode(env, triggerParameters(options), triggerItems);

		for (const [run, n] of [[upsert, 10000], [get, 20000], [trigger, 10000]] as const) {
			expect(run.error).toBeUndefined();
			expect(run.items).toHaveLength(n);
			expect(run.errorItems).toHaveLength(0);
		}
		expect(get.items.map((item) => item.json['3'])).toEqual(getItems.map((item) => item.email));

		const calls = await apiCalls(env.sandbox, since);
		const failed = calls.filter((c) => c.status === 500);
		// 40 batches at 20 %: the faults did happen (P(no 500 at all) = 0.8^40 ≈ 0.01 %) and were retried.
		expect(failed.length).toBeGreaterThan(0);
		const ok = calls.filter((c) => c.status === 200);
		expect(ok.filter((c) => c.endpoint === 'contact')).toHaveLength(10);
		expect(ok.filter((c) => c.endpoint === 'contact/getdata')).toHaveLength(20);
		expect(ok.filter((c) => c.endpoint === 'event/1001/trigger')).toHaveLength(10);
		for (const f of failed) {
			// The failed batch was sent again, unchanged (same contacts, same trigger_ids).
			expect(ok.some((c) => c.seq > f.seq && JSON.stringify(c.body) === JSON.stringify(f.body))).toBe(true);
		}
		const upserted = ok.filter((c) => c.endpoint === 'contact').flatMap((c) => keysInBody(c.body));
		expect(new Set(upserted).size).toBe(10000);
		expect(upserted).toHaveLength(10000);

		const triggers = await env.sandbox.getTriggers();
		const once = processedOncePerTriggerId(triggers);
		expect(once.size).toBe(10000);
		expect([...once.values()].every((count) => count === 1)).toBe(true);
	}, 120_000);
});

describe('hanging answers', () => {
	it('a call that never answers times out and is retried: 3,000 items delivered', async () => {
		await seedContacts(env.sandbox, 'hang', 3000);
		await env.sandbox.setFaults({ hangCount: 1 });
		const items = range(3000).map((i) => ({ email: email('hang', i) }));
		const { items: out, errorItems, error } = await runNode(env, getParameters({ timeout: 1000 }), items);
		expect(error).toBeUndefined();
		expect(out).toHaveLength(3000);
		expect(errorItems).toHaveLength(0);
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata');
		const hung = calls.filter((c) => c.fault === 'hang');
		expect(hung).toHaveLength(1);
		expect(calls.filter((c) => c.status === 200)).toHaveLength(3);
		expect(calls.some((c) => c.seq > hung[0].seq && c.status === 200 && JSON.stringify(c.body) === JSON.stringify(hung[0].body))).toBe(true);
	}, 60_000);

	it('calls that keep hanging end in a clear timeout error for every item, never in a hang', async () => {
		await seedContacts(env.sandbox, 'hang', 2000);
		await env.sandbox.setFaults({ hangCount: 1000 });
		const items = range(2000).map((i) => ({ email: email('hang', i) }));
		const { items: out, errorItems } = await runNode(env, getParameters({ timeout: 1000, maxRetries: 1 }), items, { continueOnFail: true });
		expect(out).toHaveLength(2000);
		expect(errorItems).toHaveLength(2000);
		expect(errorOf(errorItems[0]).message).toMatch(/No answer within 1000 ms/);
		expect(errorOf(errorItems[0]).description).toMatch(/Timeout/);
		// Two batches, each tried twice (first attempt + one retry), each attempt logged as hung.
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata');
		expect(calls).toHaveLength(4);
		expect(calls.every((c) => c.fault === 'hang')).toBe(true);

		// Without continue-on-fail the run stops with the same clear error.
		const stopped = await runNode(env, getParameters({ timeout: 1000, maxRetries: 0 }), items.slice(0, 10));
		expect(stopped.error?.message).toMatch(/No answer within 1000 ms/);
	}, 60_000);
});

describe('malformed answers', () => {
	it('truncated JSON answers are retried: 3,000 gets delivered', async () => {
		await seedContacts(env.sandbox, 'mal', 3000);
		await env.sandbox.setFaults({ malformedJsonCount: 2 });
		const items = range(3000).map((i) => ({ email: email('mal', i) }));
		const { items: out, errorItems, error } = await runNode(env, getParameters(), items);
		expect(error).toBeUndefined();
		expect(out).toHaveLength(3000);
		expect(errorItems).toHaveLength(0);
		expect(out.map((item) => item.json['3'])).toEqual(items.map((item) => item.email));
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata');
		expect(calls.filter((c) => c.fault === 'malformedJson')).toHaveLength(2);
		expect(calls).toHaveLength(5);
	});

	it('a trigger whose answer was lost after Emarsys processed it is retried with the same trigger_ids: each event counted once', async () => {
		await seedContacts(env.sandbox, 'mal', 2000);
		await env.sandbox.setFaults({ malformedJsonCount: 1 });
		const items = range(2000).map((i) => ({ email: email('mal', i), n: i }));
		const { items: out, errorItems, error } = await runNode(env, triggerParameters(), items);
		expect(error).toBeUndefined();
		expect(out).toHaveLength(2000);
		expect(errorItems).toHaveLength(0);
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'event/1001/trigger');
		expect(calls).toHaveLength(3);
		expectSentAgainOnce(calls, 'malformedJson');
		const triggers = await env.sandbox.getTriggers();
		// The first batch reached Emarsys twice; the second time it was recognised as a duplicate.
		expect(triggers).toHaveLength(3000);
		expect(triggers.filter((t) => (t as { duplicate?: boolean }).duplicate)).toHaveLength(1000);
		const once = processedOncePerTriggerId(triggers);
		expect(once.size).toBe(2000);
		expect(out.map((item) => item.json.triggerId).every((id) => once.get(String(id)) === 1)).toBe(true);
	});

	it('a contact write whose answer was lost after Emarsys processed it is retried: 2,000 contacts, each stored once', async () => {
		await env.sandbox.setFaults({ lostAnswer: { count: 1, endpoint: 'contact' } });
		const items = range(2000).map((i) => ({ email: email('lost', i), first: `Lost${i}` }));
		const { items: out, errorItems, error } = await runNode(env, upsertParameters(), items);
		expect(error).toBeUndefined();
		expect(out).toHaveLength(2000);
		expect(errorItems).toHaveLength(0);
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact');
		// The first batch reached Emarsys (created 1,000 contacts), its answer was lost; the retry
		// sent the same batch, which now updates those contacts instead of creating them again.
		expect(calls).toHaveLength(3);
		expectSentAgainOnce(calls, 'lostAnswer');
		const stored = (await env.sandbox.getContacts()).filter((c) => String(c.fields['3'] ?? '').startsWith('lost-'));
		expect(stored).toHaveLength(2000);
		expect(new Set(stored.map((c) => c.fields['3'])).size).toBe(2000);
		expect(stored.every((c) => c.fields['1'] === `Lost${Number(/lost-(\d+)@/.exec(String(c.fields['3']))![1])}`)).toBe(true);
	});

	it('a contact-list add whose answer was lost after Emarsys processed it is retried: 1,500 contacts, each on the list once', async () => {
		await seedContacts(env.sandbox, 'listed', 1500);
		await env.sandbox.setFaults({ lostAnswer: { count: 1, endpoint: 'contactlist/900001/add' } });
		const items = range(1500).map((i) => ({ email: email('listed', i) }));
		const parameters = { resource: 'contactList', operation: 'addContacts', contactListId: { __rl: true, mode: 'id', value: '900001' }, keyId: '3', contactId: '={{ $json.email }}' };
		const { items: out, errorItems, error } = await runNode(env, parameters, items);
		expect(error).toBeUndefined();
		expect(out).toHaveLength(1500);
		expect(errorItems).toHaveLength(0);
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contactlist/900001/add');
		// The first batch reached Emarsys (put 1,000 contacts on the list), its answer was lost; the
		// retry sent the same batch, which finds them on the list already and changes nothing.
		expect(calls).toHaveLength(3);
		expectSentAgainOnce(calls, 'lostAnswer');
		const lists = (await (await fetch(`${env.sandbox.url}/__sandbox/contactlists`)).json()) as { contactLists: Array<{ id: number; contactIds: number[] }> };
		const members = lists.contactLists.find((list) => list.id === 900001)?.contactIds ?? [];
		expect(members).toHaveLength(1500);
		expect(new Set(members).size).toBe(1500);
	});

	it('with retries off, a malformed answer is a clear error on the items of that batch only', async () => {
		await seedContacts(env.sandbox, 'mal', 2000);
		await env.sandbox.setFaults({ malformedJsonCount: 1 });
		const items = range(2000).map((i) => ({ email: email('mal', i) }));
		const { items: out, errorItems } = await runNode(env, getParameters({ maxRetries: 0 }), items, { continueOnFail: true });
		expect(out).toHaveLength(2000);
		expect(errorItems).toHaveLength(1000);
		expect(errorItems.every((item) => inputIndexOf(item) < 1000)).toBe(true);
		expect(errorOf(errorItems[0]).message).toMatch(/not a valid Emarsys reply/);
		expect((await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata')).toHaveLength(2);
	});
});

describe('partial batch errors', () => {
	const badIndexes = (n: number) => range(n).filter((i) => i % 100 === 7);

	function upsertItems(n: number) {
		const bad = new Set(badIndexes(n));
		return range(n).map((i) => ({ email: email('part', i), first: `Part${i}`, ...(bad.has(i) ? { birth: 'not-a-date' } : {}) }));
	}

	it('continue on fail: only the failing contacts of a 2,000-item upsert carry errors', async () => {
		const items = upsertItems(2000);
		const { items: out, errorItems, error } = await runNode(env, upsertParameters({ '4': '={{ $json.birth }}' }), items, { continueOnFail: true });
		expect(error).toBeUndefined();
		expect(out).toHaveLength(2000);
		expect(errorItems.map((item) => inputIndexOf(item))).toEqual(badIndexes(2000));
		expect(errorOf(errorItems[0]).message).toMatch(/Invalid date format for field id: 4/);
		expect(errorOf(errorItems[0]).replyCode).toBe(2007);
		expect(errorItems.map((item) => errorOf(item).itemIndex)).toEqual(badIndexes(2000));
		const good = out.filter((item) => item.json.error === undefined);
		expect(good).toHaveLength(1980);
		expect(good.every((item) => typeof item.json.id === 'string')).toBe(true);
		// One call per batch, no retry of a batch with per-contact errors.
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact');
		expect(calls).toHaveLength(2);
		expect(calls.every((c) => c.status === 200)).toBe(true);
		const stored = (await env.sandbox.getContacts()).filter((c) => String(c.fields['3'] ?? '').startsWith('part-'));
		expect(stored).toHaveLength(1980);
	});

	it('continue on fail off: the run stops with the first failing item named, nothing retried', async () => {
		const items = upsertItems(2000);
		const { items: out, error } = await runNode(env, upsertParameters({ '4': '={{ $json.birth }}' }), items);
		expect(out).toHaveLength(0);
		expect(error?.message).toMatch(/Invalid date format for field id: 4/);
		expect((error as { context?: { itemIndex?: number } }).context?.itemIndex).toBe(7);
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact');
		expect(calls.length).toBeGreaterThanOrEqual(1);
		expect(new Set(calls.map((c) => JSON.stringify(c.body))).size).toBe(calls.length);
	});

	it('get and trigger: unknown contacts fail alone, the rest of the batch is delivered', async () => {
		await seedContacts(env.sandbox, 'part', 3000);
		const unknown = new Set(badIndexes(3000));
		const items = range(3000).map((i) => ({ email: unknown.has(i) ? email('nobody', i) : email('part', i), n: i }));
		const get = await runNode(env, getParameters(), items, { continueOnFail: true });
		expect(get.items).toHaveLength(3000);
		expect(get.errorItems.map((item) => inputIndexOf(item))).toEqual([...unknown]);
		expect(get.errorItems.every((item) => errorOf(item).replyCode === 2008)).toBe(true);
		const trigger = await runNode(env, triggerParameters(), items, { continueOnFail: true });
		expect(trigger.items).toHaveLength(3000);
		expect(trigger.errorItems.map((item) => inputIndexOf(item))).toEqual([...unknown]);
		const calls = await apiCalls(env.sandbox);
		expect(calls.filter((c) => c.endpoint === 'contact/getdata')).toHaveLength(3);
		expect(calls.filter((c) => c.endpoint === 'event/1001/trigger')).toHaveLength(3);
		expect((await env.sandbox.getTriggers()).filter((t) => !(t as { duplicate?: boolean }).duplicate)).toHaveLength(3000 - unknown.size);
	});
});

describe('OpenID Connect token expiry', () => {
	it('a token expiring mid-run is refreshed once and the 5,000-item run continues', async () => {
		await seedContacts(env.sandbox, 'oidc', 5000);
		await env.sandbox.setFaults({ latencyMs: 200 });
		const items = range(5000).map((i) => ({ email: email('oidc', i) }));
		const running = runNode(env, getParameters(), items, { auth: 'oAuth2' });
		await waitFor(async () => (await apiCalls(env.sandbox)).some((c) => c.endpoint === 'contact/getdata' && c.status === 200));
		await env.sandbox.expireTokens();
		const { items: out, errorItems, error } = await running;
		expect(error).toBeUndefined();
		expect(out).toHaveLength(5000);
		expect(errorItems).toHaveLength(0);
		const log = await env.sandbox.getLog();
		expect(log.filter((entry) => entry.path === '/oauth2/token' && entry.status === 200)).toHaveLength(2);
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata');
		// The expired token's 401 comes back as an answer; the call is sent once more as an error, so
		// that n8n renews the token: one renewal (above). Besides that call's 401, each lane under way
		// when the token expired met it once (default Concurrent Requests), then waited for the renewal.
		const refused = calls.filter((c) => c.status === 401).length;
		expect(refused).toBeGreaterThanOrEqual(2);
		expect(refused).toBeLessThanOrEqual(1 + DEFAULT_SETTINGS.concurrentRequests);
		expect(calls.filter((c) => c.status === 200)).toHaveLength(5);
		expect(calls.every((c) => c.auth === 'bearer')).toBe(true);
	}, 60_000);
});

describe('clock skew', () => {
	it('WSSE refused because the clocks differ by 10 minutes is reported as a clock problem, for every item', async () => {
		await env.sandbox.setFaults({ clockSkewSeconds: 600 });
		const items = range(1500).map((i) => ({ email: email('seed', i) }));
		const { items: out, errorItems } = await runNode(env, getParameters(), items, { continueOnFail: true });
		expect(out).toHaveLength(1500);
		expect(errorItems).toHaveLength(1500);
		for (const item of errorItems) {
			expect(errorOf(item).message).toMatch(/HTTP 401.*clock of this machine is about 10 minutes behind the Emarsys server clock/);
			expect(errorOf(item).description).toMatch(/more than 5 minutes off its own clock/);
		}
		const calls = await apiCalls(env.sandbox);
		expect(calls.length).toBeGreaterThan(0);
		expect(calls.every((c) => c.status === 401 && c.authError !== undefined)).toBe(true);
	});

	it('clocks 10 minutes apart the other way round are reported as this machine being ahead', async () => {
		await env.sandbox.setFaults({ clockSkewSeconds: -600 });
		const { error } = await runNode(env, getParameters(), [{ email: email('seed', 0) }]);
		expect(error?.message).toMatch(/about 10 minutes ahead of the Emarsys server clock/);
	});

	it('a wrong secret with clocks in sync is not blamed on the clock', async () => {
		env.harness.clearCredentials();
		const result = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', ...getParameters() },
			credentials: { emarsysApi: { username: env.sandbox.credentials.wsseUser, secret: 'not-the-secret', baseUrl: env.sandbox.v2 } },
			inputItems: [{ email: email('seed', 0) }],
		});
		expect(result.error?.message).toMatch(/HTTP 401/);
		expect(result.error?.message).not.toMatch(/clock of this machine/);
		expect((await apiCalls(env.sandbox)).every((c) => c.status === 401)).toBe(true);
	});
});

describe('bad inputs are rejected before any call', () => {
	async function expectNoCalls(): Promise<void> {
		expect(await apiCalls(env.sandbox)).toHaveLength(0);
	}

	it('non-numeric field IDs (get fields, upsert columns)', async () => {
		const items = range(1000).map((i) => ({ email: email('seed', i), first: 'x' }));
		const get = await runNode(env, getParameters({}, ['1', 'abc']), items);
		expect(get.error?.message).toMatch(/"abc" is not a field ID/);
		const upsert = await runNode(env, upsertParameters({ 'first name': '={{ $json.first }}' }), items);
		expect(upsert.error?.message).toMatch(/"first name" is not a field ID/);
		await expectNoCalls();
	});

	it('an empty contact ID in item 500 of 1,000 stops the run before any call; with continue on fail only item 500 fails', async () => {
		const items = range(1000).map((i) => ({ email: i === 500 ? '' : email('seed', i) }));
		const stopped = await runNode(env, getParameters(), items);
		expect(stopped.error?.message).toMatch(/Parameter "contactId": is empty.*\[item 500\]/);
		const stoppedTrigger = await runNode(env, triggerParameters(), items);
		expect(stoppedTrigger.error?.message).toMatch(/Parameter "contactId": is empty.*\[item 500\]/);
		await expectNoCalls();

		await seedContacts(env.sandbox, 'seed', 1000);
		const since = await env.sandbox.lastSeq();
		const partial = await runNode(env, getParameters(), items, { continueOnFail: true });
		expect(partial.items).toHaveLength(1000);
		expect(partial.errorItems.map((item) => inputIndexOf(item))).toEqual([500]);
		const calls = await apiCalls(env.sandbox, since);
		expect(calls).toHaveLength(1);
		expect(keysInBody(calls[0].body)).toHaveLength(999);
		expect(keysInBody(calls[0].body)).not.toContain('');
	});

	it('event data that is not a JSON object, and a non-numeric event ID', async () => {
		const items = range(1000).map((i) => ({ email: email('seed', i), n: i }));
		for (const data of ['[1, 2]', '"text"', '42', 'null-ish{']) {
			const run = await runNode(env, triggerParameters({}, data), items);
			expect(run.error?.message).toMatch(/Parameter "eventData": (must be a JSON object|is not valid JSON)/);
		}
		const badEvent = await runNode(env, { ...triggerParameters(), eventId: 'order_confirmation' }, items);
		expect(badEvent.error?.message).toMatch(/Parameter "eventId": "order_confirmation" is not an external event ID/);
		await expectNoCalls();
	});

	it('data over the endpoint limits (8 MB per contact update, 100 kB of event data) is rejected before any call', async () => {
		const huge = 'x'.repeat(11 * 1024 * 1024);
		const items = [{ email: email('seed', 0), n: 0, big: huge }];
		const trigger = await runNode(env, triggerParameters({}, '={{ JSON.stringify({ big: $json.big }) }}'), items);
		expect(trigger.error?.message).toMatch(/Parameter "eventData": is \d+ bytes of JSON; Emarsys passes at most 100 kB of event data on \[item 0\]/);
		const upsert = await runNode(env, upsertParameters({ '2': '={{ $json.big }}' }), [{ email: email('seed', 0), first: 'x', big: huge }]);
		expect(upsert.error?.message).toMatch(/at most 8 MB per call/);
		await expectNoCalls();
	});
});

describe('secrets', () => {
	it('no output, error, saved execution, printed (debug) log line or sandbox log contains a secret or an access token', () => {
		const text = evidence.text();
		const { wsseSecret, oidcClientSecret, wsseUser, oidcClientId } = env.sandbox.credentials;
		// The evidence is real: it holds the suite's outputs, saved executions and logs (user names are not secret).
		expect(text.length).toBeGreaterThan(1_000_000);
		expect(text).toContain(wsseUser);
		expect(text).toContain(oidcClientId);
		expect(text).toContain('No answer within 1000 ms');
		// n8n's log at debug level is in (n8n-core logs each node it starts at debug) …
		expect(text).toMatch(/n8n log debug: \{"message":"Start executing node/);
		// … the saved executions are in (run data with the error items) …
		expect(text).toMatch(/saved execution: .*"runData"/);
		// … and the OIDC test issued access tokens, which must not appear either.
		expect(evidence.accessTokens.size).toBeGreaterThanOrEqual(2);
		for (const token of evidence.accessTokens) expect(text.split(token).length - 1).toBe(0);
		for (const secret of [wsseSecret, oidcClientSecret]) {
			expect(text.split(secret).length - 1).toBe(0);
			// Nor in base64 (e.g. a Basic header) or URL-encoded form.
			expect(text).not.toContain(Buffer.from(secret).toString('base64'));
			expect(text).not.toContain(Buffer.from(`${oidcClientId}:${secret}`).toString('base64'));
			expect(text).not.toContain(encodeURIComponent(secret));
		}
	});
});
