import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { client, rawRequest, signWsse, v2 } from './util';

describe('sandbox fault injection', () => {
	let sb: TestSandbox;
	const settings = () => v2(sb.url, sb.credentials, 'GET', 'settings');

	beforeAll(async () => {
		sb = await startTestSandbox();
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	it('errorRate answers the chosen status with an Emarsys body; rate 0 answers normally', async () => {
		await sb.setFaults({ errorRate: { status: 503, rate: 1 } });
		const res = await settings();
		expect(res.status).toBe(503);
		expect(res.data).toEqual({ replyCode: 1, replyText: 'The system is overloaded for this resource.', data: '' });
		await sb.setFaults({ errorRate: { status: 500, rate: 1 } });
		const five = await settings();
		expect(five.status).toBe(500);
		expect(five.data.replyCode).toBe(1003);
		await sb.setFaults({ errorRate: { status: 500, rate: 0 } });
		expect((await settings()).status).toBe(200);
		const log = await sb.getLog();
		expect(log.map((e) => [e.status, e.fault])).toEqual([
			[503, 'error'],
			[500, 'error'],
			[200, undefined],
		]);
	});

	it('refuseBodyWith refuses a request whose body holds the text as a whole (400, 1010), changing nothing; others go through', async () => {
		await sb.setFaults({ refuseBodyWith: 'spoiled' });
		const write = async (emails: string[]) =>
			await v2(sb.url, sb.credentials, 'PUT', 'contact/?create_if_not_exists=1', { key_id: '3', contacts: emails.map((email) => ({ '3': email, '1': 'Test' })) });
		const refused = await write(['fine@example.com', 'spoiled@example.com']);
		expect([refused.status, refused.data]).toEqual([400, { replyCode: 1010, replyText: 'Invalid request payload.', data: '' }]);
		expect((await sb.findContacts('3', 'fine@example.com'))).toEqual([]);
		expect((await write(['fine@example.com'])).status).toBe(200);
		expect((await sb.findContacts('3', 'fine@example.com'))).toHaveLength(1);
		expect((await sb.getLog()).map((e) => [e.status, e.fault])).toEqual([
			[400, 'refuseBodyWith'],
			[200, undefined],
		]);
		const bad = await fetch(`${sb.url}/__sandbox/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refuseBodyWith: '' }) });
		expect(bad.status).toBe(400);
	});

	it('rateLimitForSeconds answers 429 for every API call with X-RateLimit-Reset at the window end', async () => {
		const before = Math.floor(Date.now() / 1000);
		await sb.setFaults({ rateLimitForSeconds: 30 });
		const res = await settings();
		expect(res.status).toBe(429);
		expect(res.data.replyCode).toBe(7003);
		expect(res.headers['x-ratelimit-remaining']).toBe('0');
		const reset = Number(res.headers['x-ratelimit-reset']);
		expect(reset).toBeGreaterThanOrEqual(before + 30);
		expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 30);
		// v3 too
		const token = await sb.getAccessToken();
		expect((await client(`${sb.v3}/`).get('field', { headers: { Authorization: `Bearer ${token}` } })).status).toBe(429);
		// once the window has passed (server clock), requests go through again
		await sb.setFaults({ clockSkewSeconds: 31 });
		expect((await settings()).status).toBe(200);
	});

	it('malformedJsonCount truncates the next N answers', async () => {
		await sb.setFaults({ malformedJsonCount: 1 });
		const broken = await rawRequest(`${sb.v2}/field`, { headers: { 'X-WSSE': signWsse(sb.credentials.wsseUser, sb.credentials.wsseSecret) } });
		expect(broken.status).toBe(200);
		expect(() => JSON.parse(broken.body)).toThrow();
		expect(broken.body.startsWith('{"replyCode":0')).toBe(true);
		const next = await settings();
		expect(next.data.replyCode).toBe(0);
		expect((await sb.getFaults()).malformedJsonCount).toBe(0);
	});

	it('hangCount holds the next request open until the client gives up, then serves again', async () => {
		await sb.setFaults({ hangCount: 1 });
		const hung = client(`${sb.v2}/`).get('settings', {
			headers: { 'X-WSSE': signWsse(sb.credentials.wsseUser, sb.credentials.wsseSecret) },
			timeout: 300,
		});
		await expect(hung).rejects.toMatchObject({ code: 'ECONNABORTED' });
		expect((await settings()).status).toBe(200);
		const log = await sb.getLog();
		expect(log[0]).toMatchObject({ fault: 'hang', status: 0 });
	});

	it('latencyMs and slowMs still deliver complete answers and are marked in the log', async () => {
		await sb.setFaults({ latencyMs: 20 });
		expect((await settings()).data.replyCode).toBe(0);
		await sb.setFaults({ latencyMs: 0, slowMs: 50 });
		const slow = await v2(sb.url, sb.credentials, 'GET', 'field');
		expect(slow.status).toBe(200);
		expect(slow.data.data.length).toBeGreaterThan(50);
		const log = await sb.getLog();
		expect(log.map((e) => e.fault)).toEqual(['latency', 'slow']);
	});

	it('faults do not touch the hooks or the token endpoint; DELETE clears them', async () => {
		await sb.setFaults({ errorRate: { status: 500, rate: 1 }, hangCount: 5 });
		expect((await sb.getContacts()).length).toBe(6);
		const token = await sb.getAccessToken();
		expect(token).toEqual(expect.any(String));
		await sb.clearFaults();
		expect(await sb.getFaults()).toEqual({});
		expect((await settings()).status).toBe(200);
	});
});
