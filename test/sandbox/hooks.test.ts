import axios from 'axios';

import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { client, signWsse, v2 } from './util';

describe('sandbox test hooks: request log, reset, contacts, config', () => {
	let sb: TestSandbox;

	beforeAll(async () => {
		sb = await startTestSandbox();
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	it('logs method, path, query, body, auth scheme, user, status and replyCode', async () => {
		await v2(sb.url, sb.credentials, 'PUT', 'contact/?create_if_not_exists=1', { key_id: 3, '3': 'log@example.com' });
		await v2(sb.url, sb.credentials, 'GET', 'field/choices?fields=10500&language=en');
		const log = await sb.getLog();
		expect(log).toHaveLength(2);
		expect(log[0]).toMatchObject({
			seq: expect.any(Number),
			time: expect.any(String),
			method: 'PUT',
			path: '/api/v2/contact/',
			query: { create_if_not_exists: '1' },
			body: { key_id: 3, '3': 'log@example.com' },
			auth: 'wsse',
			user: sb.credentials.wsseUser,
			status: 200,
			replyCode: 0,
		});
		expect(log[1]).toMatchObject({ method: 'GET', path: '/api/v2/field/choices', query: { fields: '10500', language: 'en' }, body: null });
		expect(log[1].seq).toBeGreaterThan(log[0].seq);
	});

	it('filters with since=SEQ and omits bodies with bodies=0', async () => {
		await v2(sb.url, sb.credentials, 'POST', 'contact/getdata', { keyId: 3, keyValues: ['ada@example.com'] });
		const mark = await sb.lastSeq();
		await v2(sb.url, sb.credentials, 'POST', 'contact/getdata', { keyId: 3, keyValues: ['alan@example.com'] });
		const after = await sb.getLog(mark);
		expect(after).toHaveLength(1);
		expect(after[0].body).toMatchObject({ keyValues: ['alan@example.com'] });
		const lean = await sb.getLog(0, { bodies: false });
		expect(lean).toHaveLength(2);
		expect(lean.every((e) => e.body === undefined)).toBe(true);
		expect(lean[0].path).toBe('/api/v2/contact/getdata');
	});

	it('never holds the WSSE secret, a PasswordDigest, an access token or a client secret', async () => {
		const c = sb.credentials;
		const headers: string[] = [];
		const wsse = signWsse(c.wsseUser, c.wsseSecret);
		headers.push(wsse);
		await client(`${sb.v2}/`).get('settings', { headers: { 'X-WSSE': wsse } });
		const bad = signWsse(c.wsseUser, 'guess');
		headers.push(bad);
		await client(`${sb.v2}/`).get('settings', { headers: { 'X-WSSE': bad } });
		const token = await sb.getAccessToken();
		await client(`${sb.v3}/`).get('settings', { headers: { Authorization: `Bearer ${token}` } });
		// secret sent the wrong way (in the body) must be redacted too
		await client(sb.url).post('/oauth2/token', `grant_type=client_credentials&client_id=${c.oidcClientId}&client_secret=${c.oidcClientSecret}`, {
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		});
		await client(sb.url).post('/oauth2/token', 'grant_type=client_credentials', {
			headers: { Authorization: `Basic ${Buffer.from(`${c.oidcClientId}:wrong-${c.oidcClientSecret}`).toString('base64')}` },
		});
		const json = JSON.stringify(await sb.getLog());
		const digests = headers.map((h) => /PasswordDigest="([^"]+)"/.exec(h)![1]);
		const basic = Buffer.from(`${c.oidcClientId}:${c.oidcClientSecret}`).toString('base64');
		for (const secret of [c.wsseSecret, c.oidcClientSecret, token, basic, ...digests]) {
			expect(json).not.toContain(secret);
		}
		expect(json).toContain(c.wsseUser);
		expect(json).toContain(c.oidcClientId);
		expect(json).toContain('[redacted]');
	});

	it('reset brings the seed back and clears log, faults and tokens', async () => {
		await v2(sb.url, sb.credentials, 'PUT', 'contact/?create_if_not_exists=1', { key_id: 3, '3': 'temp@example.com', '1': 'Temp' });
		await v2(sb.url, sb.credentials, 'PUT', 'contact', { key_id: 3, '3': 'ada@example.com', '1': 'Changed' });
		const token = await sb.getAccessToken();
		await sb.setFaults({ latencyMs: 1 });
		expect(await sb.findContacts(3, 'temp@example.com')).toHaveLength(1);
		await sb.resetSandbox();
		expect(await sb.findContacts(3, 'temp@example.com')).toHaveLength(0);
		expect((await sb.findContacts(3, 'ada@example.com'))[0].fields['1']).toBe('Ada');
		expect(await sb.getLog()).toEqual([]);
		expect(await sb.getFaults()).toEqual({});
		const res = await client(`${sb.v3}/`).get('settings', { headers: { Authorization: `Bearer ${token}` } });
		expect(res.status).toBe(401);
	});

	it('GET /__sandbox/contacts renders values the way getdata does', async () => {
		const contacts = await sb.getContacts();
		const ada = contacts.find((c) => c.id === 100001)!;
		const res = await v2(sb.url, sb.credentials, 'POST', 'contact/getdata', { keyId: 'id', keyValues: [100001], fields: [1, 5, 10500, 10501] });
		const row = res.data.data.result[0];
		for (const f of ['1', '5', '10500', '10501']) expect(ada.fields[f]).toBe(row[f]);
		expect(ada.uid).toBe(row.uid);
	});

	it('config and faults reject bad input; unknown hooks are 404', async () => {
		const hooks = axios.create({ baseURL: `${sb.url}/__sandbox/`, validateStatus: () => true });
		expect((await hooks.put('config', { rateLimitPerMinute: -1 })).status).toBe(400);
		expect((await hooks.put('faults', { errorRate: { status: 200, rate: 1 } })).status).toBe(400);
		expect((await hooks.put('faults', { latencyMs: 'slow' })).status).toBe(400);
		expect((await hooks.put('faults', '{not json', { headers: { 'Content-Type': 'application/json' } })).status).toBe(400);
		expect((await hooks.get('nothing')).status).toBe(404);
		expect((await hooks.get('reset')).status).toBe(405);
		const config = await hooks.put('config', { tokenTtlSeconds: 60 });
		expect(config.data).toEqual({ rateLimitPerMinute: 1000, tokenTtlSeconds: 60, rateLimitWindowSeconds: 60 });
		const token = await client(sb.url).post('/oauth2/token', 'grant_type=client_credentials', {
			headers: { Authorization: `Basic ${Buffer.from(`${sb.credentials.oidcClientId}:${sb.credentials.oidcClientSecret}`).toString('base64')}` },
		});
		expect(token.data.expires_in).toBe(60);
	});
});
