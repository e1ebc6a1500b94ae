/** Sandbox contact lists: list, create, add, remove, contactIds paging, errors, permissions, lost answers. */
import { SHARED_EMAIL } from '../../sandbox/seed';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { client, v2 } from './util';

let sb: TestSandbox;
const api = (method: 'GET' | 'POST', path: string, body?: unknown) => v2(sb.url, sb.credentials, method, path, body);
const membersOf = async (id: number): Promise<number[]> => {
	const { data } = await client(sb.url).get('/__sandbox/contactlists');
	return (data.contactLists as Array<{ id: number; contactIds: number[] }>).find((list) => list.id === id)?.contactIds ?? [];
};

beforeAll(async () => {
	sb = await startTestSandbox();
});
afterAll(() => sb.stop());
beforeEach(() => sb.reset());

describe('sandbox contact lists', () => {
	it('lists the seeded lists with string ids and type 0', async () => {
		const res = await api('GET', 'contactlist');
		expect(res.status).toBe(200);
		expect(res.data.data).toContainEqual({ id: '900001', name: 'Chatbot subscribers', created: '2024-04-02 11:00:00', type: 0 });
		expect(res.data.data).toHaveLength(3);
	});

	it('creates a list with initial contacts; errors only name the contacts not found; a repeated name is 3005', async () => {
		const res = await api('POST', 'contactlist', { key_id: 3, name: 'Spring sale', description: 'd', external_ids: ['ada@example.com', 'loki@example.com'] });
		expect(res.data).toMatchObject({ replyCode: 0, data: { errors: { 'loki@example.com': { '2008': 'No contact found with the external id: 3 - loki@example.com' } } } });
		expect(typeof res.data.data.id).toBe('number');
		expect(await membersOf(res.data.data.id)).toEqual([100001]);
		const empty = await api('POST', 'contactlist', { name: 'Empty one' });
		expect(Object.keys(empty.data.data)).toEqual(['id']);
		const again = await api('POST', 'contactlist', { key_id: 3, name: 'spring SALE', external_ids: [] });
		expect(again.status).toBe(400);
		expect(again.data).toEqual({ replyCode: 3005, replyText: 'Contact list with the requested name already exists.', data: '' });
		expect((await api('POST', 'contactlist', { external_ids: [] })).data.replyCode).toBe(10001);
	});

	it('adds and removes contacts by any key; repeats change nothing; unknown and shared keys are per-contact errors', async () => {
		const add = await api('POST', 'contactlist/900001/add', { key_id: 'email', external_ids: ['grace@example.com', 'ghost@example.com', SHARED_EMAIL] });
		expect(add.data.data).toEqual({
			inserted_contacts: 1,
			errors: {
				'ghost@example.com': { '2008': 'No contact found with the external id: 3 - ghost@example.com' },
				[SHARED_EMAIL]: { '2010': `More contacts found with the external id: 3 - ${SHARED_EMAIL}` },
			},
		});
		expect((await api('POST', 'contactlist/900001/add', { key_id: 'id', external_ids: [100003, '100002'] })).data.data).toEqual({ inserted_contacts: 2, errors: [] });
		expect(await membersOf(900001)).toEqual([100002, 100003]);
		const removed = await api('POST', 'contactlist/900001/delete', { key_id: 3, external_ids: ['grace@example.com', 'ada@example.com'] });
		expect(removed.data.data).toEqual({ deleted_contacts: 2, errors: [] });
		expect(await membersOf(900001)).toEqual([100002]);
	});

	it('answers the documented errors: unknown list 3004, bad external_ids 3003, over 10,000 ids 3002, bad key 2004 with HTTP 200', async () => {
		for (const path of ['contactlist/12345/add', 'contactlist/abc/delete']) {
			const res = await api('POST', path, { key_id: 3, external_ids: ['ada@example.com'] });
			expect(res.status).toBe(400);
			expect(res.data).toEqual({ replyCode: 3004, replyText: `Invalid contact list id: ${path.split('/')[1]}`, data: '' });
		}
		expect((await api('POST', 'contactlist/900001/add', { key_id: 3, external_ids: 'ada@example.com' })).data.replyCode).toBe(3003);
		const tooMany = await api('POST', 'contactlist/900001/add', { key_id: 3, external_ids: Array.from({ length: 10_001 }, (_, i) => `x${i}@example.com`) });
		expect([tooMany.status, tooMany.data.replyCode]).toEqual([400, 3002]);
		const badKey = await api('POST', 'contactlist/900001/add', { key_id: 1, external_ids: ['Ada'] });
		expect([badKey.status, badKey.data.replyCode, badKey.data.replyText]).toEqual([200, 2004, 'Invalid key field id: 1']);
		expect(await membersOf(900001)).toEqual([]);
	});

	it('pages contactIds with $top and the $skiptoken of `next` until next is null; unknown list is 404 / 3006', async () => {
		const pages: number[][] = [];
		let path: string | null = 'contactlist/900002/contactIds?$top=2';
		while (path) {
			const res = await api('GET', path);
			expect(res.status).toBe(200);
			pages.push(res.data.data.value);
			path = res.data.data.next ? String(res.data.data.next).replace(/^\//, '') : null;
		}
		expect(pages).toEqual([[100001, 100002], [100003]]);
		const first = await api('GET', 'contactlist/900002/contactIds?$top=2');
		expect(first.data.data.next).toBe('/contactlist/900002/contactIds?$skiptoken=100002&$top=2');
		expect((await api('GET', 'contactlist/900002/contactIds')).data.data).toEqual({ value: [100001, 100002, 100003], next: null });
		expect((await api('GET', 'contactlist/900002/contactIds?$top=0')).data.replyCode).toBe(1001);
		const unknown = await api('GET', 'contactlist/4242/contactIds');
		expect([unknown.status, unknown.data.replyCode]).toEqual([404, 3006]);
	});

	it('an API user without the list permissions gets 403; one with "contactLists" may call every list endpoint', async () => {
		await client(sb.url).post('/__sandbox/users', { scheme: 'wsse', name: 'lists_reader', secret: 'lists-secret-1', permissions: ['contactlist.list', 'contactlist.contacts'] });
		await client(sb.url).post('/__sandbox/users', { scheme: 'wsse', name: 'lists_all', secret: 'lists-secret-2', permissions: ['contactLists'] });
		const reader = { wsseUser: 'lists_reader', wsseSecret: 'lists-secret-1' };
		expect((await v2(sb.url, reader, 'GET', 'contactlist')).status).toBe(200);
		expect((await v2(sb.url, reader, 'GET', 'contactlist/900002/contactIds')).status).toBe(200);
		expect((await v2(sb.url, reader, 'POST', 'contactlist', { name: 'x' })).status).toBe(403);
		expect((await v2(sb.url, reader, 'POST', 'contactlist/900001/add', { key_id: 3, external_ids: ['ada@example.com'] })).status).toBe(403);
		expect((await v2(sb.url, reader, 'POST', 'contactlist/900001/delete', { key_id: 3, external_ids: ['ada@example.com'] })).status).toBe(403);
		const all = { wsseUser: 'lists_all', wsseSecret: 'lists-secret-2' };
		expect((await v2(sb.url, all, 'POST', 'contactlist/900001/add', { key_id: 3, external_ids: ['ada@example.com'] })).data.data.inserted_contacts).toBe(1);
		expect((await v2(sb.url, all, 'POST', 'contact/getdata', { keyId: 3, keyValues: ['ada@example.com'] })).status).toBe(403);
	});

	it('lost answer on an add: the contact is on the list, and the repeated call leaves it there once', async () => {
		await sb.setFaults({ lostAnswer: { count: 1, endpoint: 'contactlist/900001/add' } });
		const body = { key_id: 3, external_ids: ['ada@example.com'] };
		await expect(api('POST', 'contactlist/900001/add', body)).rejects.toThrow(/socket hang up|ECONNRESET/);
		expect(await membersOf(900001)).toEqual([100001]);
		const retry = await api('POST', 'contactlist/900001/add', body);
		expect(retry.data.data).toEqual({ inserted_contacts: 1, errors: [] });
		expect(await membersOf(900001)).toEqual([100001]);
		expect((await sb.getLog()).map((entry) => entry.fault)).toEqual(['lostAnswer', undefined]);
	});
});
