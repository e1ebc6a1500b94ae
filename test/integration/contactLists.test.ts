/** Contact list operations through n8n-core against the sandbox, with both credentials. */
import type { INodeParameters } from 'n8n-workflow';

import { v2 } from '../sandbox/util';
import { AUTHS, apiCalls, credentialsFor, jsonOf, run, startEnv, type Auth, type Env } from './setup';

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

const CHATBOT = 900001;
const NEWSLETTER = 900002;
const byList = (value: string | number) => ({ __rl: true, mode: 'list', value: String(value), cachedResultName: 'x' });
const byId = (value: string | number) => ({ __rl: true, mode: 'id', value: String(value) });

async function membersOf(id: number): Promise<number[]> {
	const res = await fetch(`${env.sandbox.url}/__sandbox/contactlists`);
	const { contactLists } = (await res.json()) as { contactLists: Array<{ id: number; contactIds: number[] }> };
	const list = contactLists.find((candidate) => candidate.id === id);
	if (!list) throw new Error(`contact list ${id} does not exist in the sandbox`);
	return list.contactIds;
}

/** Creates `count` contacts (bulkN@example.com) and puts them on the list, straight through the API. */
async function fillList(listId: number, count: number): Promise<void> {
	const emails = Array.from({ length: count }, (_, i) => `bulk${i}@example.com`);
	for (let start = 0; start < count; start += 1000) {
		const contacts = emails.slice(start, start + 1000).map((email) => ({ '3': email }));
		expect((await v2(env.sandbox.url, env.sandbox.credentials, 'PUT', 'contact/?create_if_not_exists=1', { key_id: 3, contacts })).status).toBe(200);
	}
	for (let start = 0; start < count; start += 10_000) {
		const external_ids = emails.slice(start, start + 10_000);
		expect((await v2(env.sandbox.url, env.sandbox.credentials, 'POST', `contactlist/${listId}/add`, { key_id: 3, external_ids })).data.replyCode).toBe(0);
	}
	await env.sandbox.clearLog();
}

describe.each(AUTHS)('contact lists with %s credentials', (auth: Auth) => {
	it('getAll lists every contact list; Limit keeps the first ones', async () => {
		const all = await run(env, auth, { resource: 'contactList', operation: 'getAll', returnAll: true });
		expect(all.error).toBeUndefined();
		expect(jsonOf(all.items)).toContainEqual({ id: String(CHATBOT), name: 'Chatbot subscribers', created: '2024-04-02 11:00:00' });
		expect(jsonOf(all.items).map((list) => list.id)).toEqual([String(CHATBOT), String(NEWSLETTER), '900003']);
		const two = await run(env, auth, { resource: 'contactList', operation: 'getAll', returnAll: false, limit: 2 });
		expect(jsonOf(two.items).map((list) => list.id)).toEqual([String(CHATBOT), String(NEWSLETTER)]);
	});

	it('the From list mode lists the contact lists, filtered by the typed text', async () => {
		const search = async (filter?: string) =>
			await env.harness.listSearch({
				nodeType: 'emarsys',
				method: 'searchContactLists',
				filter,
				parameters: { authentication: auth, resource: 'contactList', operation: 'addContacts' },
				credentials: credentialsFor(env.sandbox, auth),
			});
		expect((await search()).results.map((r) => r.name)).toEqual(['Chatbot subscribers (900001)', 'Newsletter (EN) (900002)', 'VIP customers (900003)']);
		expect((await search('chatbot')).results).toEqual([{ name: 'Chatbot subscribers (900001)', value: '900001' }]);
	});

	it('create makes a list with initial contacts and reports the contacts Emarsys could not find', async () => {
		const { items, error } = await run(env, auth, {
			resource: 'contactList',
			operation: 'create',
			name: 'Spring sale',
			description: 'From n8n',
			keyId: '3',
			contactIds: 'ada@example.com, ghost@example.com',
		});
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ name: 'Spring sale', contactsAdded: 1, contactErrors: [{ contactId: 'ghost@example.com', replyCode: 2008 }] });
		expect(await membersOf(Number(items[0].json.id))).toEqual([100001]);
		const [call] = await apiCalls(env.sandbox);
		expect(call.body).toEqual({ name: 'Spring sale', description: 'From n8n', key_id: '3', external_ids: ['ada@example.com', 'ghost@example.com'] });
		const again = await run(env, auth, { resource: 'contactList', operation: 'create', name: 'spring sale' });
		expect(again.error?.message).toMatch(/already exists\. \(replyCode 3005, HTTP 400\)/);
	});

	it('addContacts and removeContacts change the list, item by item, with per-contact errors on their own items', async () => {
		const input = [{ email: 'ada@example.com' }, { email: 'ghost@example.com' }, { email: 'grace@example.com' }];
		const params = (operation: string): INodeParameters => ({ resource: 'contactList', operation, contactListId: byList(CHATBOT), keyId: '3', contactId: '={{ $json.email }}' });
		const added = await run(env, auth, params('addContacts'), input, { continueOnFail: true });
		expect(added.error).toBeUndefined();
		expect(added.items[0].json).toEqual({ success: true, contactListId: String(CHATBOT), keyId: '3', contactId: 'ada@example.com' });
		expect(added.items[1].json.error).toBe('Emarsys: No contact found with the external id: 3 - ghost@example.com (replyCode 2008)');
		expect(added.items[1].error?.description).toMatch(/must exist in Emarsys/);
		expect(await membersOf(CHATBOT)).toEqual([100001, 100003]);
		expect((await apiCalls(env.sandbox)).map((c) => c.endpoint)).toEqual([`contactlist/${CHATBOT}/add`]);
		const removed = await run(env, auth, { ...params('removeContacts'), contactListId: byId(CHATBOT) }, [input[0]]);
		expect(removed.error).toBeUndefined();
		expect(await membersOf(CHATBOT)).toEqual([100003]);
	});

	it('getContacts pages with $top / $skiptoken across 3 chunks; Limit asks only for what it needs', async () => {
		await fillList(CHATBOT, 25_000);
		const all = await run(env, auth, { resource: 'contactList', operation: 'getContacts', contactListId: byId(CHATBOT), returnAll: true });
		expect(all.error).toBeUndefined();
		expect(all.items).toHaveLength(25_000);
		expect(new Set(all.items.map((item) => item.json.id)).size).toBe(25_000);
		const pages = (await apiCalls(env.sandbox)).map((c) => c.query);
		expect(pages.map((q) => [q.$top, q.$skiptoken])).toEqual([
			['10000', undefined],
			['10000', String(all.items[9999].json.id)],
			['10000', String(all.items[19999].json.id)],
		]);

		await env.sandbox.clearLog();
		const some = await run(env, auth, { resource: 'contactList', operation: 'getContacts', contactListId: byList(CHATBOT), returnAll: false, limit: 12_000 });
		expect(some.items.map((item) => item.json.id)).toEqual(all.items.slice(0, 12_000).map((item) => item.json.id));
		expect((await apiCalls(env.sandbox)).map((c) => c.query.$top)).toEqual(['10000', '2000']);

		await env.sandbox.clearLog();
		const few = await run(env, auth, { resource: 'contactList', operation: 'getContacts', contactListId: byList(NEWSLETTER), returnAll: false, limit: 2 });
		expect(jsonOf(few.items)).toEqual([{ id: '100001', contactListId: String(NEWSLETTER) }, { id: '100002', contactListId: String(NEWSLETTER) }]);
		expect((await apiCalls(env.sandbox)).map((c) => c.query.$top)).toEqual(['2']);
	}, 120_000);
});

describe('contact lists: batching and errors', () => {
	it('adds 2,500 contacts as calls of 1000/1000/500 per list, and removes them the same way', async () => {
		await fillList(NEWSLETTER, 2500);
		const input = Array.from({ length: 2500 }, (_, i) => ({ email: `bulk${i}@example.com`, list: i % 2 === 0 ? CHATBOT : 900003 }));
		const params = (operation: string): INodeParameters => ({
			resource: 'contactList',
			operation,
			contactListId: { __rl: true, mode: 'id', value: '={{ $json.list }}' },
			keyId: '3',
			contactId: '={{ $json.email }}',
		});
		const added = await run(env, 'wsse', params('addContacts'), input);
		expect(added.error).toBeUndefined();
		expect(added.items).toHaveLength(2500);
		expect(added.items.map((item) => (item.pairedItem as { item: number }).item)).toEqual(input.map((_, i) => i));
		const calls = await apiCalls(env.sandbox);
		expect(calls.map((c) => [c.endpoint, (c.body as { external_ids: string[] }).external_ids.length])).toEqual([
			[`contactlist/${CHATBOT}/add`, 1000],
			[`contactlist/${CHATBOT}/add`, 250],
			['contactlist/900003/add', 1000],
			['contactlist/900003/add', 250],
		]);
		expect((await membersOf(CHATBOT)).length).toBe(1250);
		expect((await membersOf(900003)).length).toBe(1251);

		await env.sandbox.clearLog();
		const sameList = input.map((row) => ({ ...row, list: CHATBOT }));
		const removed = await run(env, 'oAuth2', params('removeContacts'), sameList);
		expect(removed.error).toBeUndefined();
		expect((await apiCalls(env.sandbox)).map((c) => (c.body as { external_ids: string[] }).external_ids.length)).toEqual([1000, 1000, 500]);
		expect(await membersOf(CHATBOT)).toEqual([]);
	}, 120_000);

	it('an unknown list id fails with Emarsys\'s error and a hint; continue-on-fail gives each item its error', async () => {
		const params: INodeParameters = { resource: 'contactList', operation: 'addContacts', contactListId: byId(424242), keyId: '3', contactId: '={{ $json.email }}' };
		const input = [{ email: 'ada@example.com' }, { email: 'alan@example.com' }];
		const stopped = await run(env, 'wsse', params, input);
		expect(stopped.error?.message).toBe('Emarsys: Invalid contact list id: 424242 (replyCode 3004, HTTP 400)');
		expect(stopped.error?.description).toMatch(/no contact list with this ID/);
		const continued = await run(env, 'oAuth2', params, input, { continueOnFail: true });
		expect(continued.error).toBeUndefined();
		expect(continued.items.map((item) => item.json.error)).toEqual([stopped.error?.message, stopped.error?.message]);
		expect(continued.items.map((item) => (item.pairedItem as { item: number }).item)).toEqual([0, 1]);

		const read = await run(env, 'wsse', { resource: 'contactList', operation: 'getContacts', contactListId: byId(424242), returnAll: true }, [{}, {}], { continueOnFail: true });
		expect(read.items.map((item) => item.json.error)).toEqual([
			'Emarsys: No contact list found with the specified ID. (replyCode 3006, HTTP 404)',
			'Emarsys: No contact list found with the specified ID. (replyCode 3006, HTTP 404)',
		]);
	});

	it('an API user without the contact list permission gets a 403 naming the permission to switch on', async () => {
		await fetch(`${env.sandbox.url}/__sandbox/users`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ scheme: 'wsse', name: 'contacts_only', secret: 'contacts-secret-1', permissions: ['contacts'] }),
		});
		env.harness.clearCredentials();
		const { error } = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', resource: 'contactList', operation: 'addContacts', contactListId: byId(CHATBOT), keyId: '3', contactId: 'ada@example.com' },
			credentials: { emarsysApi: { username: 'contacts_only', secret: 'contacts-secret-1', baseUrl: env.sandbox.v2 } },
		});
		expect(error?.message).toBe('Emarsys: Forbidden (replyCode 1, HTTP 403)');
		expect(error?.description).toMatch(/lacks the permission "contact lists: add contacts to a contact list"/);
	});

	it('a list ID that is not a number fails that item before any call', async () => {
		const { items, error } = await run(
			env,
			'wsse',
			{ resource: 'contactList', operation: 'addContacts', contactListId: { __rl: true, mode: 'id', value: '={{ $json.list }}' }, keyId: '3', contactId: 'ada@example.com' },
			[{ list: 'newsletter' }, { list: CHATBOT }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items[0].json.error).toMatch(/^Parameter "contactListId": "newsletter" is not a contact list ID/);
		expect(items[1].json).toMatchObject({ success: true });
		expect((await apiCalls(env.sandbox)).map((c) => (c.body as { external_ids: string[] }).external_ids)).toEqual([['ada@example.com']]);
	});
});
