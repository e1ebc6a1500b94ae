import { RateLimiter } from '../../sandbox/ratelimit';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { client, rawRequest, signWsse, v2 } from './util';

describe('sandbox limits: batch size, payload size, rate limit', () => {
	let sb: TestSandbox;

	beforeAll(async () => {
		sb = await startTestSandbox();
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	const contacts = (n: number, prefix = 'bulk') =>
		Array.from({ length: n }, (_, i) => ({ '3': `${prefix}${i}@example.com`, '1': `Bulk ${i}` }));

	it('accepts 1000 contacts in one PUT and rejects 1001 with 400 / 1000', async () => {
		const okRes = await v2(sb.url, sb.credentials, 'PUT', 'contact/?create_if_not_exists=1', { key_id: 3, contacts: contacts(1000) });
		expect(okRes.status).toBe(200);
		expect(okRes.data.data.ids).toHaveLength(1000);
		expect((await sb.getContacts()).length).toBe(1006);
		const tooMany = await v2(sb.url, sb.credentials, 'PUT', 'contact/?create_if_not_exists=1', { key_id: 3, contacts: contacts(1001, 'more') });
		expect(tooMany.status).toBe(400);
		expect(tooMany.data).toEqual({ replyCode: 1000, replyText: 'The request exceeded the maximum batch size of 1,000', data: '' });
		expect((await sb.getContacts()).length).toBe(1006);
	});

	it('rejects more than 1000 events in one trigger call with 400 / 1000', async () => {
		const list = Array.from({ length: 1001 }, () => ({ external_id: 'ada@example.com' }));
		const res = await v2(sb.url, sb.credentials, 'POST', 'event/1001/trigger', { key_id: 3, contacts: list });
		expect(res.status).toBe(400);
		expect(res.data.replyCode).toBe(1000);
		expect(await sb.getTriggers()).toEqual([]);
	});

	it('rejects more than 1000 keyValues in getdata (400 / 10001 "Max. number of contacts: 1000")', async () => {
		const keys = Array.from({ length: 1001 }, (_, i) => `k${i}@example.com`);
		const res = await v2(sb.url, sb.credentials, 'POST', 'contact/getdata', { keyId: 3, keyValues: keys, fields: [1] });
		expect(res.status).toBe(400);
		expect(res.data).toEqual({ replyCode: 10001, replyText: 'Max. number of contacts: 1000', data: '' });
		const ok = await v2(sb.url, sb.credentials, 'POST', 'contact/getdata', { keyId: 3, keyValues: keys.slice(0, 1000), fields: [1] });
		expect(ok.status).toBe(200);
		expect(ok.data.data.errors).toHaveLength(1000);
	});

	it('rejects a payload over 10 MB and keeps serving', async () => {
		const big = JSON.stringify({ key_id: 3, contacts: [{ '3': 'a@example.com', '1': 'x'.repeat(10 * 1024 * 1024) }] });
		const res = await client(`${sb.v2}/`).put('contact', big, {
			headers: { 'X-WSSE': signWsse(sb.credentials.wsseUser, sb.credentials.wsseSecret), 'Content-Type': 'application/json' },
			maxBodyLength: Infinity,
		});
		expect(res.status).toBe(413);
		expect(res.data.replyCode).not.toBe(0);
		const after = await v2(sb.url, sb.credentials, 'GET', 'settings');
		expect(after.status).toBe(200);
		const entry = (await sb.getLog()).find((e) => e.status === 413);
		expect(entry?.body).toMatchObject({ tooLarge: true });
	});

	it('sends X-RateLimit-Limit, X-Ratelimit-Remaining, X-RateLimit-Reset with these spellings', async () => {
		const res = await rawRequest(`${sb.v2}/settings`, { headers: { 'X-WSSE': signWsse(sb.credentials.wsseUser, sb.credentials.wsseSecret) } });
		expect(res.status).toBe(200);
		const names = res.rawHeaders.filter((_, i) => i % 2 === 0);
		expect(names).toEqual(expect.arrayContaining(['X-RateLimit-Limit', 'X-Ratelimit-Remaining', 'X-RateLimit-Reset']));
		const value = (n: string) => res.rawHeaders[res.rawHeaders.indexOf(n) + 1];
		expect(value('X-RateLimit-Limit')).toBe('1000');
		expect(value('X-Ratelimit-Remaining')).toBe('999');
		const reset = Number(value('X-RateLimit-Reset'));
		const nowSec = Date.now() / 1000;
		expect(reset).toBeGreaterThan(nowSec);
		expect(reset).toBeLessThanOrEqual(nowSec + 61);
		// also on error answers
		const denied = await rawRequest(`${sb.v2}/settings`);
		expect(denied.status).toBe(401);
		expect(denied.rawHeaders).toContain('X-Ratelimit-Remaining');
	});

	it('answers 429 past the per-user limit, per user, until the window resets', async () => {
		await sb.setConfig({ rateLimitPerMinute: 3 });
		const statuses: number[] = [];
		const remaining: string[] = [];
		for (let i = 0; i < 5; i++) {
			const r = await v2(sb.url, sb.credentials, 'GET', 'event');
			statuses.push(r.status);
			remaining.push(r.headers['x-ratelimit-remaining'] as string);
		}
		expect(statuses).toEqual([200, 200, 200, 429, 429]);
		expect(remaining).toEqual(['2', '1', '0', '0', '0']);
		const limited = await v2(sb.url, sb.credentials, 'GET', 'event');
		// Emarsys documents no Retry-After: clients must use X-RateLimit-Reset
		expect(limited.headers['retry-after']).toBeUndefined();
		expect(limited.data).toEqual({
			replyCode: 7003,
			replyText: 'Too many requests for this account and resource within the last minute.',
			data: '',
		});
		// the OIDC client is another API user with its own budget
		const token = await sb.getAccessToken();
		const v3 = await client(`${sb.v3}/`).get('event', { headers: { Authorization: `Bearer ${token}` } });
		expect(v3.status).toBe(200);
		// a minute later (server clock) the window has reset
		await sb.setFaults({ clockSkewSeconds: 61 });
		expect((await v2(sb.url, sb.credentials, 'GET', 'event')).status).toBe(200);
	});

	it('honours rateLimitPerMinute given at start', async () => {
		const small = await startTestSandbox({ rateLimitPerMinute: 1 });
		try {
			expect((await v2(small.url, small.credentials, 'GET', 'event')).status).toBe(200);
			const second = await v2(small.url, small.credentials, 'GET', 'event');
			expect(second.status).toBe(429);
			expect(second.headers['x-ratelimit-limit']).toBe('1');
		} finally {
			await small.stop();
		}
	});

	it('X-RateLimit-Reset is the window end in whole seconds, rounded down: at the stamp itself the window still refuses', () => {
		let now = 1_700_000_000_700; // the first call of the window, 0.7 s past a whole second
		const limiter = new RateLimiter(1, () => now);
		const first = limiter.hit('user');
		expect(first.limited).toBe(false);
		expect(first.reset).toBe(1_700_000_060);
		now = first.reset * 1000;
		expect(limiter.hit('user').limited).toBe(true);
		now = first.reset * 1000 + 1000;
		expect(limiter.hit('user').limited).toBe(false);
	});
});
