/**
 * Keys compared as Emarsys compares them: a text key field (the sandbox's Customer ID, 10502, an
 * indexed short-text field) holds `0764975` and `764975` as two values, and 17-digit IDs as they
 * are written; only a key field that holds numbers (the contact ID) compares values as numbers.
 * Each operation that pairs Emarsys's answers with items by key value: Get, Delete, list add and
 * Contains Contact.
 */
import type { INodeParameters } from 'n8n-workflow';

import { v2 } from '../sandbox/util';
import { apiCalls, jsonOf, run, startEnv, type Env } from './setup';

let env: Env;
beforeAll(async () => {
	env = await startEnv();
});
afterAll(async () => {
	await env.sandbox.stop();
});

const CUSTOMER_ID = '10502';
/** Customer IDs that are one number but four texts, and the contact (e-mail) each belongs to. */
const CUSTOMERS = [
	{ customerId: '0764975', email: 'leading.zero@example.com' },
	{ customerId: '764975', email: 'no.zero@example.com' },
	{ customerId: '12345678901234567', email: 'seventeen.7@example.com' },
	{ customerId: '12345678901234568', email: 'seventeen.8@example.com' },
];
const LIST = 900002;

beforeEach(async () => {
	await env.sandbox.reset();
	const contacts = CUSTOMERS.map(({ customerId, email }) => ({ '3': email, [CUSTOMER_ID]: customerId }));
	expect((await v2(env.sandbox.url, env.sandbox.credentials, 'PUT', 'contact/?create_if_not_exists=1', { key_id: '3', contacts })).status).toBe(200);
});

const byCustomerId = (extra: INodeParameters): INodeParameters => ({ keyId: CUSTOMER_ID, contactId: '={{ $json.customerId }}', ...extra });
const idOf = async (email: string) => (await env.sandbox.findContacts('3', email))[0]?.id;

it('Get: each customer ID finds its own contact', async () => {
	const { items, error } = await run(env, 'wsse', byCustomerId({ resource: 'contact', operation: 'get', fields: ['3'] }), CUSTOMERS);
	expect(error).toBeUndefined();
	expect(jsonOf(items).map((json) => json['3'])).toEqual(CUSTOMERS.map((customer) => customer.email));
});

it('Delete: each customer ID deletes its own contact, and every one is sent', async () => {
	const { items, error } = await run(env, 'wsse', byCustomerId({ resource: 'contact', operation: 'delete' }), CUSTOMERS);
	expect(error).toBeUndefined();
	expect(jsonOf(items).map((json) => json.deleted)).toEqual([true, true, true, true]);
	for (const { email } of CUSTOMERS) expect([email, await idOf(email)]).toEqual([email, undefined]);
	const sent = (await apiCalls(env.sandbox)).flatMap((call) => (call.body as Record<string, string[]>)[CUSTOMER_ID] ?? []);
	expect(sent.sort()).toEqual(CUSTOMERS.map((customer) => customer.customerId).sort());
});

it("Delete: a customer ID nobody has fails its item alone, though it is another's as a number; a contact ID nobody has too, written with a leading zero", async () => {
	const byText = await run(env, 'wsse', byCustomerId({ resource: 'contact', operation: 'delete' }), [{ customerId: '00764975' }, CUSTOMERS[1]], { continueOnFail: true });
	expect(byText.items.map((item) => item.json.error ?? item.json.deleted)).toEqual([expect.stringMatching(/00764975/), true]);
	const byId = await run(env, 'wsse', { resource: 'contact', operation: 'delete', keyId: 'id', contactId: '={{ $json.id }}' }, [{ id: '0999999' }], { continueOnFail: true });
	expect(byId.items.map((item) => item.json.error ?? item.json.deleted)).toEqual([expect.stringMatching(/Invalid contact id/)]);
});

it('Add Contacts: each customer ID puts its own contact on the list', async () => {
	const list = { __rl: true, mode: 'id', value: String(LIST) };
	const { error } = await run(env, 'wsse', byCustomerId({ resource: 'contactList', operation: 'addContacts', contactListId: list }), CUSTOMERS);
	expect(error).toBeUndefined();
	const { contactLists } = (await (await fetch(`${env.sandbox.url}/__sandbox/contactlists`)).json()) as { contactLists: Array<{ id: number; contactIds: number[] }> };
	const members = contactLists.find((candidate) => candidate.id === LIST)!.contactIds;
	for (const { email } of CUSTOMERS) expect(members).toContain(await idOf(email));
});

it('Contains Contact: each customer ID is looked up as its own contact', async () => {
	const segment = { __rl: true, mode: 'id', value: '900001' };
	const { items, error } = await run(env, 'wsse', byCustomerId({ resource: 'segment', operation: 'containsContact', segmentId: segment }), CUSTOMERS);
	expect(error).toBeUndefined();
	const ids = await Promise.all(CUSTOMERS.map(async ({ email }) => String(await idOf(email))));
	expect(jsonOf(items).map((json) => json.id)).toEqual(ids);
	expect(new Set(ids).size).toBe(4);
});

it('a key field that holds numbers (the contact ID) still compares by value: 0100001 and 100001 are one contact', async () => {
	const { items, error } = await run(env, 'wsse', { resource: 'contact', operation: 'get', keyId: 'id', contactId: '={{ $json.id }}', fields: ['3'] }, [{ id: '0100001' }, { id: '100001' }]);
	expect(error).toBeUndefined();
	expect(jsonOf(items).map((json) => json['3'])).toEqual(['ada@example.com', 'ada@example.com']);
	expect((await apiCalls(env.sandbox)).filter((call) => call.endpoint === 'contact/getdata')).toHaveLength(1);
});
