/**
 * Emarsys behaviours a client meets on real accounts (sources cited in the route files):
 * events that start nothing (5005), key fields that must be identifiers (2004), API users with a
 * subset of permissions (403), per-endpoint payload limits, answer shapes (ids, 2012) and the
 * "processed, but the answer was lost" fault.
 */
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { client, rawRequest, signWsse, v2 } from './util';

let sb: TestSandbox;
beforeAll(async () => {
	sb = await startTestSandbox();
});
afterAll(() => sb.stop());
beforeEach(() => sb.reset());

const trigger = (eventId: number, body: unknown) => v2(sb.url, sb.credentials, 'POST', `event/${eventId}/trigger`, body);
const getdata = (body: unknown) => v2(sb.url, sb.credentials, 'POST', 'contact/getdata', body);
const put = (body: unknown, create = false) =>
	v2(sb.url, sb.credentials, 'PUT', `contact/${create ? '?create_if_not_exists=1' : ''}`, body);

describe('an external event that no program or campaign uses', () => {
	it('answers 400 / 5005 "No program or campaign is triggered." in both forms and records nothing', async () => {
		const single = await trigger(1003, { key_id: 3, external_id: 'ada@example.com' });
		expect(single.status).toBe(400);
		expect(single.data).toEqual({ replyCode: 5005, replyText: 'No program or campaign is triggered.', data: '' });
		const batch = await trigger(1003, { key_id: 3, contacts: [{ external_id: 'ada@example.com', trigger_id: 't-1' }] });
		expect(batch.status).toBe(400);
		expect(batch.data.replyCode).toBe(5005);
		expect(await sb.getTriggers()).toEqual([]);
	});

	it('is listed like any other event; events 1001 and 1002 still trigger', async () => {
		const list = await v2(sb.url, sb.credentials, 'GET', 'event');
		expect(list.data.data).toContainEqual({ id: '1003', name: 'back_in_stock', created: expect.any(String) });
		for (const id of [1001, 1002]) {
			const res = await trigger(id, { key_id: 3, external_id: 'ada@example.com' });
			expect(res.status).toBe(200);
		}
		expect(await sb.getTriggers()).toHaveLength(2);
	});

	it('request errors come first: a bad key_id on event 1003 is still 2004', async () => {
		const res = await trigger(1003, { key_id: 1, external_id: 'Ada' });
		expect(res.data.replyCode).toBe(2004);
	});
});

describe('key fields must be identifiers', () => {
	it('getdata refuses first name, a date, a choice and a multi-choice field as keyId (HTTP 200, 2004)', async () => {
		for (const keyId of [1, 'first_name', 4, 5, 10500, 10504]) {
			const res = await getdata({ keyId, keyValues: ['x'], fields: [3] });
			expect(res.status).toBe(200);
			expect(res.data).toEqual({ replyCode: 2004, replyText: `Invalid key field id: ${keyId}`, data: '' });
		}
	});

	it('PUT contact and trigger refuse a non-indexed key_id with HTTP 400 / 2004 and change nothing', async () => {
		const before = await sb.getContacts();
		const single = await put({ key_id: 1, '1': 'Ada', '2': 'Byron' });
		expect(single.status).toBe(400);
		expect(single.data).toEqual({ replyCode: 2004, replyText: 'Invalid key field id: 1', data: '' });
		const batch = await put({ key_id: 'last_name', contacts: [{ '2': 'Lovelace', '1': 'Augusta' }] }, true);
		expect(batch.status).toBe(400);
		expect(batch.data.replyCode).toBe(2004);
		expect(await sb.getContacts()).toEqual(before);
		const ev = await trigger(1001, { key_id: 10501, contacts: [{ external_id: '1200' }] });
		expect(ev.status).toBe(400);
		expect(ev.data).toEqual({ replyCode: 2004, replyText: 'Invalid key field id: 10501', data: '' });
		expect(await sb.getTriggers()).toEqual([]);
	});

	it('accepts email (3 / "email"), the indexed custom field 10502, id and uid as keys', async () => {
		for (const keyId of [3, 'email', 10502, 'customer_id']) {
			const value = String(keyId).startsWith('c') || keyId === 10502 ? 'C-1001' : 'ada@example.com';
			const res = await getdata({ keyId, keyValues: [value], fields: [1] });
			expect(res.data.replyCode).toBe(0);
			expect(res.data.data.result[0]).toMatchObject({ '1': 'Ada', id: '100001' });
		}
		expect((await getdata({ keyId: 'id', keyValues: [100001], fields: [1] })).data.data.result[0]['1']).toBe('Ada');
		expect((await getdata({ keyId: 'uid', keyValues: ['aLq3Xc9Tn1'], fields: [1] })).data.data.result[0]['1']).toBe('Ada');
	});
});

describe('API users with a subset of permissions', () => {
	const addUser = async (body: unknown) => client(sb.url).post('/__sandbox/users', body);

	it('a WSSE user with "contacts" only reads contacts; fields, events and settings answer 403 Forbidden', async () => {
		const created = await addUser({ scheme: 'wsse', name: 'contacts_only', secret: 'contacts-secret-1', permissions: ['contacts'] });
		expect(created.status).toBe(201);
		expect(created.data).toEqual({ scheme: 'wsse', name: 'contacts_only', permissions: ['contact.delete', 'contact.getdata', 'contact.query', 'contact.update'] });
		expect(JSON.stringify(created.data)).not.toContain('contacts-secret-1');
		const creds = { wsseUser: 'contacts_only', wsseSecret: 'contacts-secret-1' };
		const read = await v2(sb.url, creds, 'POST', 'contact/getdata', { keyId: 3, keyValues: ['ada@example.com'], fields: [1] });
		expect(read.status).toBe(200);
		for (const [method, path] of [['GET', 'field/translate/en'], ['GET', 'settings'], ['GET', 'event'], ['POST', 'event/1001/trigger']] as const) {
			const res = await v2(sb.url, creds, method, path, method === 'POST' ? { key_id: 3, external_id: 'ada@example.com' } : undefined);
			expect(res.status).toBe(403);
			expect(res.data).toEqual({ replyCode: 1, replyText: 'Forbidden', data: '' });
		}
		expect(await sb.getTriggers()).toEqual([]);
		const log = await sb.getLog();
		// The four refused calls are in the log, each under the user who made it.
		expect(log.filter((e) => e.status === 403).map((e) => e.user)).toEqual(Array(4).fill('contacts_only'));
		expect(JSON.stringify(log)).not.toContain('contacts-secret-1');
	});

	it('single permissions: field.list without field.choices; settings needs "settings"', async () => {
		await addUser({ scheme: 'wsse', name: 'field_lister', secret: 'lister-secret-22', permissions: ['field.list', 'event.trigger'] });
		const creds = { wsseUser: 'field_lister', wsseSecret: 'lister-secret-22' };
		expect((await v2(sb.url, creds, 'GET', 'field/translate/en')).status).toBe(200);
		expect((await v2(sb.url, creds, 'GET', 'field/5/choice/translate/en')).status).toBe(403);
		expect((await v2(sb.url, creds, 'GET', 'field/choices?fields=10500')).status).toBe(403);
		expect((await v2(sb.url, creds, 'GET', 'settings')).status).toBe(403);
		expect((await v2(sb.url, creds, 'POST', 'event/1001/trigger', { key_id: 3, external_id: 'ada@example.com' })).status).toBe(200);
		// The seeded user keeps every permission, settings included.
		expect((await v2(sb.url, sb.credentials, 'GET', 'settings')).status).toBe(200);
	});

	it('an OIDC client with "fields" gets a token and lists fields; contacts and settings answer 403', async () => {
		await addUser({ scheme: 'oidc', name: 'fields_client', secret: 'fields-client-secret', permissions: ['fields'] });
		const basic = Buffer.from('fields_client:fields-client-secret').toString('base64');
		const token = await client(sb.url).post('/oauth2/token', 'grant_type=client_credentials', {
			headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
		});
		expect(token.status).toBe(200);
		const api = client(`${sb.v3}/`);
		const headers = { Authorization: `Bearer ${token.data.access_token}` };
		expect((await api.get('field/translate/en', { headers })).status).toBe(200);
		expect((await api.get('settings', { headers })).status).toBe(403);
		expect((await api.post('contact/getdata', { keyId: 3, keyValues: ['ada@example.com'] }, { headers })).status).toBe(403);
	});

	it('authentication comes first: a wrong secret of a limited user is 401, not 403', async () => {
		await addUser({ scheme: 'wsse', name: 'limited', secret: 'limited-secret-3', permissions: [] });
		const wrong = await client(`${sb.v2}/`).get('settings', { headers: { 'X-WSSE': signWsse('limited', 'not-the-secret') } });
		expect(wrong.status).toBe(401);
		const right = await client(`${sb.v2}/`).get('settings', { headers: { 'X-WSSE': signWsse('limited', 'limited-secret-3') } });
		expect(right.status).toBe(403);
	});

	it('validates the hook input; a reset removes added users', async () => {
		expect((await addUser({ scheme: 'wsse', name: 'x', secret: 'long-enough', permissions: ['contact.merge'] })).status).toBe(400);
		expect((await addUser({ scheme: 'basic', name: 'x', secret: 'long-enough', permissions: [] })).status).toBe(400);
		expect((await addUser({ scheme: 'wsse', name: sb.credentials.wsseUser, secret: 'long-enough', permissions: [] })).status).toBe(409);
		const gone = { wsseUser: 'gone_after_reset', wsseSecret: 'gone-secret-4' };
		expect((await addUser({ scheme: 'wsse', name: gone.wsseUser, secret: gone.wsseSecret, permissions: ['settings'] })).status).toBe(201);
		expect((await v2(sb.url, gone, 'GET', 'settings')).status).toBe(200);
		await sb.reset();
		expect((await v2(sb.url, gone, 'GET', 'settings')).status).toBe(401);
	});
});

describe('payload limits per endpoint', () => {
	const MB = 1024 * 1024;
	const bodyOf = (bytes: number, wrap: (filler: string) => unknown): string => {
		const empty = JSON.stringify(wrap(''));
		return JSON.stringify(wrap('x'.repeat(bytes - Buffer.byteLength(empty))));
	};
	const send = (method: string, path: string, body: string) =>
		rawRequest(`${sb.v2}/${path}`, {
			method,
			headers: { 'X-WSSE': sb.wsseHeader(), 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
			body,
		});

	it('PUT contact: 8 MB passes, 8 MB + 1 byte answers 413 and writes nothing', async () => {
		const contact = (filler: string) => ({ key_id: 3, '3': 'ada@example.com', '10': filler });
		const atLimit = await send('PUT', 'contact', bodyOf(8 * MB, contact));
		expect(atLimit.status).toBe(200);
		const over = await send('PUT', 'contact', bodyOf(8 * MB + 1, (f) => ({ key_id: 3, '3': 'ada@example.com', '11': f })));
		expect(over.status).toBe(413);
		expect(JSON.parse(over.body)).toMatchObject({ replyText: expect.stringContaining('8 MB') });
		expect((await sb.findContacts(3, 'ada@example.com'))[0].fields['11'] ?? null).toBeNull();
	});

	it('getdata keeps the general 10 MB limit (a 9 MB body is read, not refused for size)', async () => {
		const res = await send('POST', 'contact/getdata', bodyOf(9 * MB, (f) => ({ keyId: 3, keyValues: ['ada@example.com'], fields: [1], pad: f })));
		expect(res.status).toBe(200);
	});

	it('event trigger: a request over 1 MB answers 413 and triggers nothing', async () => {
		const body = bodyOf(MB + 1, (f) => ({ key_id: 3, contacts: Array.from({ length: 20 }, (_, i) => ({ external_id: 'ada@example.com', data: { i, f: f.slice(0, Math.ceil(f.length / 20)) } })) }));
		const res = await send('POST', 'event/1001/trigger', body);
		expect(res.status).toBe(413);
		expect(JSON.parse(res.body).replyText).toContain('1 MB');
		expect(await sb.getTriggers()).toEqual([]);
	});

	it('event data over 100 kB: 400 / 5008 in the single form, a per-contact 5008 in a batch; not recorded', async () => {
		const big = { text: 'y'.repeat(100 * 1024) };
		const fits = { text: 'y'.repeat(100 * 1024 - 20) };
		const single = await trigger(1001, { key_id: 3, external_id: 'ada@example.com', data: big });
		expect(single.status).toBe(400);
		expect(single.data).toEqual({ replyCode: 5008, replyText: 'Event data size above limit for interactions program triggering.', data: '' });
		const batch = await trigger(1001, { key_id: 3, contacts: [{ external_id: 'ada@example.com', data: big }, { external_id: 'alan@example.com', data: fits }] });
		expect(batch.status).toBe(200);
		expect(batch.data.data).toEqual({
			ids: ['100002'],
			errors: { 'ada@example.com': { '5008': 'Event data size above limit for interactions program triggering.' } },
		});
		expect((await sb.getTriggers()).map((t) => t.contactId)).toEqual([100002]);
	});
});

describe('answer shapes', () => {
	it('PUT contact batch: a created contact id is an integer, an updated one a string', async () => {
		const res = await put({ key_id: 3, contacts: [{ '3': 'ada@example.com', '1': 'Ada' }, { '3': 'new@example.com', '1': 'New' }] }, true);
		const created = (await sb.findContacts(3, 'new@example.com'))[0];
		expect(res.data.data.ids).toEqual(['100001', created.id]);
		expect(typeof res.data.data.ids[1]).toBe('number');
	});

	it('trigger by key_id "id" for a contact id that does not exist: 2012 "Invalid contact id for customer."', async () => {
		const single = await trigger(1001, { key_id: 'id', external_id: '999999' });
		expect(single.status).toBe(400);
		expect(single.data).toEqual({ replyCode: 2012, replyText: 'Invalid contact id for customer.', data: '' });
		const batch = await trigger(1001, { key_id: 'id', contacts: [{ external_id: '999999' }, { external_id: '100001' }] });
		expect(batch.data.data).toEqual({ ids: ['100001'], errors: { '999999': { '2012': 'Invalid contact id for customer.' } } });
		// uid and field keys keep 2008; getdata by id keeps the 2008 per-key error.
		expect((await trigger(1001, { key_id: 'uid', external_id: 'nope' })).data.replyCode).toBe(2008);
		const gd = await getdata({ keyId: 'id', keyValues: [999999], fields: [1] });
		expect(gd.data.data).toEqual({ errors: [{ key: 999999, errorCode: '2008', errorMsg: 'No contact found with the external id: id' }], result: false });
	});
});

describe('fault: processed, but the answer was lost', () => {
	it('PUT contact is written, then the connection closes without an answer; the log says so', async () => {
		await sb.setFaults({ lostAnswer: { count: 1, endpoint: 'contact' } });
		// getdata is not the chosen endpoint: answered normally.
		expect((await getdata({ keyId: 3, keyValues: ['ada@example.com'], fields: [1] })).status).toBe(200);
		await expect(put({ key_id: 3, contacts: [{ '3': 'lost@example.com', '1': 'Lost' }] }, true)).rejects.toThrow(/socket hang up|ECONNRESET/);
		expect(await sb.findContacts(3, 'lost@example.com')).toHaveLength(1);
		const entry = (await sb.getLog()).find((e) => e.method === 'PUT');
		expect(entry).toMatchObject({ fault: 'lostAnswer', status: 200, replyCode: 0 });
		// Only once: the retry is answered, and finds the contact instead of creating a second one.
		const retry = await put({ key_id: 3, contacts: [{ '3': 'lost@example.com', '1': 'Lost' }] }, true);
		expect(retry.data.data.ids).toEqual([String((await sb.findContacts(3, 'lost@example.com'))[0].id)]);
		expect(await sb.findContacts(3, 'lost@example.com')).toHaveLength(1);
	});

	it('rejects bad settings', async () => {
		const res = await client(sb.url).put('/__sandbox/faults', { lostAnswer: { count: -1 } });
		expect(res.status).toBe(400);
	});
});

describe('rate-limit window length (test config)', () => {
	it('a 1-second window opens again after a second; the reset header names its end', async () => {
		await client(sb.url).put('/__sandbox/config', { rateLimitPerMinute: 2, rateLimitWindowSeconds: 1 });
		const get = () => v2(sb.url, sb.credentials, 'GET', 'event');
		const sent = Date.now();
		const first = await get();
		const answered = Date.now();
		expect([first.status, (await get()).status, (await get()).status]).toEqual([200, 200, 429]);
		// The window began with the first call (between sent and answered) and lasts 1 s; the stamp
		// is its end rounded down to whole seconds: after the window's start, at most 1 s past it.
		const resetMs = Number(first.headers['x-ratelimit-reset']) * 1000;
		expect(resetMs).toBeGreaterThan(sent);
		expect(resetMs).toBeLessThanOrEqual(answered + 1000);
		await new Promise((resolve) => setTimeout(resolve, Math.max(0, resetMs - Date.now()) + 1100));
		expect((await get()).status).toBe(200);
		expect((await client(sb.url).put('/__sandbox/config', { rateLimitWindowSeconds: 61 })).status).toBe(400);
	});
});

describe('issued access tokens (test hook)', () => {
	it('lists every token issued since the reset, and none after a reset', async () => {
		const a = await sb.getAccessToken();
		const b = await sb.getAccessToken();
		expect((await sb.issuedTokens()).sort()).toEqual([a, b].sort());
		await sb.reset();
		expect(await sb.issuedTokens()).toEqual([]);
	});
});
