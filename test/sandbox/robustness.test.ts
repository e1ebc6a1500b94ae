import { connect } from 'node:net';

import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { client, signWsse, v2 } from './util';

describe('sandbox robustness: bad input never crashes it', () => {
	let sb: TestSandbox;
	const raw = (method: string, path: string, body: string) =>
		client(`${sb.v2}/`).request({
			method,
			url: path,
			data: body,
			headers: { 'X-WSSE': signWsse(sb.credentials.wsseUser, sb.credentials.wsseSecret), 'Content-Type': 'application/json' },
			transformRequest: [(d: unknown) => d],
		});

	beforeAll(async () => {
		sb = await startTestSandbox();
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	it('answers invalid JSON with 400 / 1010 "Invalid request payload."', async () => {
		for (const [method, path] of [
			['POST', 'contact/getdata'],
			['PUT', 'contact'],
			['POST', 'event/1001/trigger'],
		]) {
			const res = await raw(method, path, '{"keyId": 3, "keyValues": [');
			expect(res.status).toBe(400);
			expect(res.data).toEqual({ replyCode: 1010, replyText: 'Invalid request payload.', data: '' });
		}
	});

	it('answers JSON of the wrong shape with Emarsys errors', async () => {
		const arrayBody = await raw('PUT', 'contact', '[1,2,3]');
		expect(arrayBody.status).toBe(400);
		expect(arrayBody.data.replyCode).toBe(1010);
		const stringBody = await raw('POST', 'contact/getdata', '"hello"');
		expect(stringBody.status).toBe(400);
		expect(stringBody.data.replyCode).toBe(10001);
		const nullBody = await raw('POST', 'event/1001/trigger', 'null');
		expect(nullBody.status).toBe(400);
		const nested = await v2(sb.url, sb.credentials, 'PUT', 'contact', { key_id: { a: 1 }, '3': 'ada@example.com' });
		expect(nested.status).toBe(400);
		expect(nested.data.replyCode).toBe(2004);
		const objectKey = await v2(sb.url, sb.credentials, 'POST', 'contact/getdata', { keyId: 3, keyValues: [{ a: 1 }, null, ['x']] });
		expect(objectKey.status).toBe(200);
		expect(objectKey.data.data.result).toBe(false);
		const weirdContacts = await v2(sb.url, sb.credentials, 'PUT', 'contact', { key_id: 3, contacts: [null, 5, 'x', [], { '3': { deep: true } }] });
		expect(weirdContacts.status).toBe(200);
		expect(weirdContacts.data.data.ids).toEqual([]);
		const getWithGarbage = await raw('GET', 'field', '{{{');
		expect(getWithGarbage.status).toBe(200);
		const emptyBody = await raw('POST', 'contact/getdata', '');
		expect(emptyBody.status).toBe(400);
		expect(emptyBody.data.replyText).toBe('Missing parameter: keyValues');
	});

	it('answers a known path with an unsupported method with 501, unknown paths with 404', async () => {
		const del = await v2(sb.url, sb.credentials, 'DELETE', 'contact');
		expect(del.status).toBe(501);
		expect(del.data.replyText).toBe('This feature has not been implemented yet.');
		const put = await v2(sb.url, sb.credentials, 'PUT', 'field');
		expect(put.status).toBe(501);
		const root = await client(sb.url).get('/');
		expect(root.status).toBe(404);
		expect(root.data).toMatchObject({ replyCode: 1 });
	});

	it('survives a malformed HTTP request on a raw socket', async () => {
		const answer = await new Promise<string>((resolve, reject) => {
			const socket = connect(sb.port, '127.0.0.1', () => socket.write('THIS IS NOT HTTP\r\n\r\n'));
			let data = '';
			socket.on('data', (d) => (data += d.toString()));
			socket.on('end', () => resolve(data));
			socket.on('error', reject);
		});
		expect(answer).toMatch(/^HTTP\/1\.1 400/);
		expect((await v2(sb.url, sb.credentials, 'GET', 'settings')).status).toBe(200);
	});

	it('stays up under 200 parallel mixed requests including garbage', async () => {
		const jobs: Array<Promise<number>> = [];
		for (let i = 0; i < 200; i++) {
			const kind = i % 8;
			let p: Promise<{ status: number }>;
			switch (kind) {
				case 0:
					p = v2(sb.url, sb.credentials, 'POST', 'contact/getdata', { keyId: 3, keyValues: ['ada@example.com', `x${i}@example.com`], fields: [1, 5] });
					break;
				case 1:
					p = v2(sb.url, sb.credentials, 'PUT', 'contact/?create_if_not_exists=1', {
						key_id: 3,
						contacts: [{ '3': `par${i}@example.com`, '1': `P${i}` }, { '3': 'ada@example.com', '10501': i }],
					});
					break;
				case 2:
					p = raw('PUT', 'contact', `{"key_id":3,"contacts":[{"3":"bad${i}"`);
					break;
				case 3:
					p = v2(sb.url, sb.credentials, 'POST', 'event/1001/trigger', { key_id: 3, external_id: 'alan@example.com', trigger_id: `t${i}` });
					break;
				case 4:
					p = v2(sb.url, sb.credentials, 'GET', 'field/choices?fields=10500,0&language=de');
					break;
				case 5:
					p = client(`${sb.v2}/`).get('settings', { headers: { 'X-WSSE': 'garbage' } });
					break;
				case 6:
					p = raw('POST', 'contact/getdata', Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('latin1'));
					break;
				default:
					p = v2(sb.url, sb.credentials, 'PUT', 'contact', { key_id: 3, contacts: 'not a list', '5': [[[]]] });
			}
			jobs.push(p.then((r) => r.status));
		}
		const statuses = await Promise.all(jobs);
		expect(statuses.every((s) => [200, 400, 401].includes(s))).toBe(true);
		expect(statuses.filter((s) => s === 200).length).toBe(100);
		expect(statuses.filter((s) => s === 401).length).toBe(25);
		// every created contact is there exactly once, and the server still answers
		const contacts = await sb.getContacts();
		const created = contacts.filter((c) => /^par\d+@example\.com$/.test(c.fields['3'] ?? ''));
		expect(created).toHaveLength(25);
		expect((await v2(sb.url, sb.credentials, 'GET', 'settings')).data.data.total_contacts).toBe(6 + 25);
		expect((await sb.getTriggers()).length).toBe(25);
		expect((await sb.getLog()).length).toBe(200 + 1);
	});
});
