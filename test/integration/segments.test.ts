/**
 * Segments, contact search and deletion, field and event creation (issue 12), run as real
 * workflows through n8n-core against the sandbox, with both credentials. Expected values come
 * from the sandbox's seed (segment 900001 "Opted-in contacts" holds contacts 100001, 100002 and
 * 100004; ada@example.com is 100001; …), not from the node.
 */
import type { IDataObject } from 'n8n-workflow';

import { AUTHS, apiCalls, credentialsFor, jsonOf, run, startEnv, type Env } from './setup';

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

const rl = (value: string, mode: 'list' | 'id' = 'list') => ({ __rl: true, mode, value });
const pairedWith = (items: Array<{ pairedItem?: unknown }>) => items.map((item) => (item.pairedItem as { item: number }).item);

/** Adds `count` contacts (bulkN@example.com, customer ID C-BULK) through the sandbox's own API, 1000 per call. */
async function addBulkContacts(count: number): Promise<void> {
	for (let start = 0; start < count; start += 1000) {
		const contacts = Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({ 3: `bulk${start + i}@example.com`, 10502: 'C-BULK' }));
		const res = await fetch(`${env.sandbox.v2}/contact/?create_if_not_exists=1`, {
			method: 'PUT',
			headers: { 'X-WSSE': env.sandbox.wsseHeader(), 'Content-Type': 'application/json' },
			body: JSON.stringify({ key_id: 3, contacts }),
		});
		if (!res.ok) throw new Error(`bulk contacts: HTTP ${res.status}`);
	}
	await env.sandbox.clearLog();
}

describe.each(AUTHS)('with %s credentials', (auth) => {
	it('the segment locator lists the segments by name, filtered by the typed text', async () => {
		env.harness.clearCredentials();
		const search = async (filter?: string) =>
			await env.harness.listSearch({
				nodeType: 'emarsys',
				method: 'searchSegments',
				filter,
				parameters: { authentication: auth, resource: 'segment', operation: 'getContacts' },
				credentials: credentialsFor(env.sandbox, auth),
			});
		expect((await search()).results).toEqual([
			{ name: 'Contacts with an e-mail address (900003)', value: '900003' },
			{ name: 'Customers in Hungary (900004)', value: '900004' },
			{ name: 'Gold members (900002)', value: '900002' },
			{ name: 'Opted-in contacts (900001)', value: '900001' },
		]);
		expect((await search('GOLD')).results).toEqual([{ name: 'Gold members (900002)', value: '900002' }]);
		expect((await search('900001')).results.map((o) => o.value)).toEqual(['900001']);
		expect((await apiCalls(env.sandbox)).map((c) => [c.endpoint, c.auth])).toEqual(Array(3).fill(['filter', auth === 'wsse' ? 'wsse' : 'bearer']));
	});

	it('segment.getAll lists the segments; Limit keeps the first ones', async () => {
		const all = await run(env, auth, { resource: 'segment', operation: 'getAll', returnAll: true });
		expect(all.error).toBeUndefined();
		expect(jsonOf(all.items).map((s) => [s.id, s.name])).toEqual([
			[900001, 'Opted-in contacts'],
			[900002, 'Gold members'],
			[900003, 'Contacts with an e-mail address'],
			[900004, 'Customers in Hungary'],
		]);
		const two = await run(env, auth, { resource: 'segment', operation: 'getAll', limit: 2 }, [{}, {}]);
		// Each item gets the first two segments, in Emarsys's order.
		expect(jsonOf(two.items).map((s) => s.id)).toEqual([900001, 900002, 900001, 900002]);
		expect(pairedWith(two.items)).toEqual([0, 0, 1, 1]);
		// One call per run, whatever the number of items.
		expect((await apiCalls(env.sandbox)).map((c) => c.endpoint)).toEqual(['filter', 'filter']);
	});

	it('segment.getContacts lists the internal IDs of the members, picked From list or By ID', async () => {
		const { items, error } = await run(
			env,
			auth,
			{ resource: 'segment', operation: 'getContacts', segmentId: '={{ $json.segment }}', returnAll: true },
			[{ segment: '900001' }, { segment: 900002 }],
		);
		expect(error).toBeUndefined();
		expect(jsonOf(items)).toEqual([
			{ segmentId: '900001', id: '100001' },
			{ segmentId: '900001', id: '100002' },
			{ segmentId: '900001', id: '100004' },
			{ segmentId: '900002', id: '100001' },
		]);
		expect(pairedWith(items)).toEqual([0, 0, 0, 1]);
		const calls = await apiCalls(env.sandbox);
		expect(calls.map((c) => [c.endpoint, c.query])).toEqual([
			['filter/900001/contacts', { offset: '0', limit: '10000' }],
			['filter/900002/contacts', { offset: '0', limit: '10000' }],
		]);
		const byList = await run(env, auth, { resource: 'segment', operation: 'getContacts', segmentId: rl('900002'), limit: 10 });
		expect(jsonOf(byList.items)).toEqual([{ segmentId: '900002', id: '100001' }]);
	});

	it('segment.containsContact answers true or false per item, finding contacts by their key values in one call', async () => {
		const { items, error } = await run(
			env,
			auth,
			{ resource: 'segment', operation: 'containsContact', segmentId: rl('900001', 'id'), keyId: '3', contactId: '={{ $json.email }}' },
			[{ email: 'ada@example.com' }, { email: 'GRACE@example.com' }, { email: 'alan@example.com' }],
		);
		expect(error).toBeUndefined();
		expect(jsonOf(items)).toEqual([
			{ segmentId: '900001', keyId: '3', contactId: 'ada@example.com', id: '100001', inSegment: true },
			{ segmentId: '900001', keyId: '3', contactId: 'GRACE@example.com', id: '100003', inSegment: false },
			{ segmentId: '900001', keyId: '3', contactId: 'alan@example.com', id: '100002', inSegment: true },
		]);
		const calls = await apiCalls(env.sandbox);
		expect(calls.map((c) => c.endpoint)).toEqual(['contact/getdata', 'filter/900001/contacts/100001', 'filter/900001/contacts/100003', 'filter/900001/contacts/100002']);
	});

	it('contact.delete deletes the contacts for good, in one call per key field', async () => {
		const { items, error } = await run(
			env,
			auth,
			{ resource: 'contact', operation: 'delete', keyId: '3', contactId: '={{ $json.email }}' },
			[{ email: 'ada@example.com' }, { email: 'alan@example.com' }],
		);
		expect(error).toBeUndefined();
		expect(jsonOf(items)).toEqual([
			{ deleted: true, keyId: '3', contactId: 'ada@example.com' },
			{ deleted: true, keyId: '3', contactId: 'alan@example.com' },
		]);
		const calls = await apiCalls(env.sandbox);
		expect(calls.map((c) => [c.endpoint, c.body])).toEqual([['contact/delete', { key_id: '3', 3: ['ada@example.com', 'alan@example.com'] }]]);
		expect((await env.sandbox.getContacts()).map((c) => c.id)).toEqual([100003, 100004, 100005, 100006]);
	});

	it('contact.search finds the contacts whose field has the value, with the returned field', async () => {
		const { items, error } = await run(env, auth, {
			resource: 'contact', operation: 'search', searchFieldId: '3', searchValue: 'shared@example.com', returnFieldId: '1', returnAll: true,
		});
		expect(error).toBeUndefined();
		expect(jsonOf(items)).toEqual([
			{ id: '100004', 1: 'Sam' },
			{ id: '100005', 1: 'Sasha' },
		]);
		const [call] = await apiCalls(env.sandbox);
		expect(call.endpoint).toBe('contact/query/');
		expect(call.query).toEqual({ return: '1', 3: 'shared@example.com', offset: '0', limit: '10000' });
	});

	it('field.create creates a field that the account then lists', async () => {
		const { items, error } = await run(env, auth, { resource: 'field', operation: 'create', name: 'Shoe Size', applicationType: 'numeric' });
		expect(error).toBeUndefined();
		expect(jsonOf(items)).toEqual([{ id: 10505, name: 'Shoe Size', application_type: 'numeric' }]);
		const fields = await run(env, auth, { resource: 'field', operation: 'getAll' });
		expect(jsonOf(fields.items).find((f) => f.id === 10505)).toMatchObject({ name: 'Shoe Size', application_type: 'numeric' });
	});

	it('event.create creates an event; event.getAll lists it', async () => {
		const created = await run(env, auth, { resource: 'event', operation: 'create', name: 'cart_abandoned' });
		expect(created.error).toBeUndefined();
		expect(jsonOf(created.items)).toEqual([{ id: '1004', name: 'cart_abandoned' }]);
		const listed = await run(env, auth, { resource: 'event', operation: 'getAll', returnAll: true });
		expect(jsonOf(listed.items).map((e) => [e.id, e.name])).toEqual([
			['1001', 'order_confirmation'],
			['1002', 'password_reset'],
			['1003', 'back_in_stock'],
			['1004', 'cart_abandoned'],
		]);
		const limited = await run(env, auth, { resource: 'event', operation: 'getAll', limit: 1 });
		expect(jsonOf(limited.items)).toEqual([expect.objectContaining({ id: '1001' })]);
	});
});

describe('paging', () => {
	// 20,500 bulk contacts + 6 seeded ones have an e-mail address: segment 900003 holds 20,506.
	beforeEach(async () => {
		await addBulkContacts(20_500);
	}, 60_000);

	it('segment.getContacts with Return All reads page after page (3 calls) until a short page', async () => {
		const { items, error } = await run(env, 'wsse', { resource: 'segment', operation: 'getContacts', segmentId: rl('900003'), returnAll: true });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(20_506);
		expect(new Set(items.map((item) => item.json.id)).size).toBe(20_506);
		const calls = await apiCalls(env.sandbox);
		expect(calls.map((c) => c.query)).toEqual([
			{ offset: '0', limit: '10000' },
			{ offset: '10000', limit: '10000' },
			{ offset: '20000', limit: '10000' },
		]);
	}, 60_000);

	it('Limit stops early: 15,000 contacts cost 2 calls, 5 contacts 1 call asking for 5', async () => {
		const { items } = await run(env, 'oAuth2', { resource: 'segment', operation: 'getContacts', segmentId: rl('900003'), limit: 15_000 });
		expect(items).toHaveLength(15_000);
		expect((await apiCalls(env.sandbox)).map((c) => c.query)).toEqual([
			{ offset: '0', limit: '10000' },
			{ offset: '10000', limit: '5000' },
		]);
		await env.sandbox.clearLog();
		const five = await run(env, 'oAuth2', { resource: 'segment', operation: 'getContacts', segmentId: rl('900003'), limit: 5 });
		expect(jsonOf(five.items).map((c) => c.id)).toEqual(['100001', '100002', '100003', '100004', '100005']);
		expect((await apiCalls(env.sandbox)).map((c) => c.query)).toEqual([{ offset: '0', limit: '5' }]);
	}, 60_000);

	it('contact.search pages the same way: 3 calls for all, 1 call for a Limit of 7', async () => {
		const params: IDataObject = { resource: 'contact', operation: 'search', searchFieldId: '10502', searchValue: 'c-bulk', returnFieldId: '3' };
		const all = await run(env, 'oAuth2', { ...params, returnAll: true });
		expect(all.error).toBeUndefined();
		expect(all.items).toHaveLength(20_500);
		expect(all.items[20_499].json[3]).toBe('bulk20499@example.com');
		expect((await apiCalls(env.sandbox)).map((c) => [c.query.offset, c.query.limit])).toEqual([
			['0', '10000'],
			['10000', '10000'],
			['20000', '10000'],
		]);
		await env.sandbox.clearLog();
		const seven = await run(env, 'wsse', { ...params, limit: 7 });
		expect(seven.items).toHaveLength(7);
		expect((await apiCalls(env.sandbox)).map((c) => [c.query.offset, c.query.limit])).toEqual([['0', '7']]);
	}, 60_000);
});

describe('batching and errors', () => {
	it('contact.delete sends 2,500 contacts as 3 calls of 1000/1000/500; an unknown one fails alone', async () => {
		await addBulkContacts(2_499);
		const input = Array.from({ length: 2_500 }, (_, i) => ({ email: i === 1234 ? 'ghost@example.com' : `bulk${i < 1234 ? i : i - 1}@example.com` }));
		const { items, error } = await run(
			env,
			'wsse',
			{ resource: 'contact', operation: 'delete', keyId: '3', contactId: '={{ $json.email }}' },
			input,
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		const calls = await apiCalls(env.sandbox);
		expect(calls.map((c) => (c.body as { 3: string[] })[3].length)).toEqual([1000, 1000, 500]);
		expect(items).toHaveLength(2_500);
		expect(pairedWith(items)).toEqual(input.map((_, i) => i));
		expect(items[1234].json.error).toMatch(/No contact found.*ghost@example.com.*replyCode 2008/);
		expect(items.filter((item) => item.json.deleted === true)).toHaveLength(2_499);
		// Only the six seeded contacts are left.
		expect(await env.sandbox.getContacts()).toHaveLength(6);
	}, 60_000);

	it('an unknown segment fails its item with Emarsys 10002 and a hint; continue-on-fail keeps the others', async () => {
		const parameters = { resource: 'segment', operation: 'getContacts', segmentId: '={{ $json.segment }}', returnAll: true };
		const failed = await run(env, 'wsse', parameters, [{ segment: '900002' }, { segment: '123' }]);
		expect(failed.error?.message).toMatch(/The segment specified does not exist.*replyCode 10002, HTTP 404/);
		expect(failed.error?.description).toMatch(/pick it from the Segment list/);
		const kept = await run(env, 'oAuth2', parameters, [{ segment: '900002' }, { segment: '123' }, { segment: 'abc' }], { continueOnFail: true });
		expect(kept.error).toBeUndefined();
		expect(jsonOf(kept.items)).toEqual([
			{ segmentId: '900002', id: '100001' },
			{ error: expect.stringMatching(/replyCode 10002/) },
			{ error: expect.stringMatching(/Parameter "segmentId": "abc" is not a segment ID/) },
		]);
		const lookup = await run(env, 'wsse', { resource: 'segment', operation: 'containsContact', segmentId: rl('77', 'id'), keyId: '3', contactId: 'ada@example.com' });
		expect(lookup.error?.message).toMatch(/replyCode 10002/);
	});

	it('while Emarsys evaluates the segment (202 / 10001) getContacts calls again until the result comes', async () => {
		await env.sandbox.setFaults({ segmentEvaluatingCount: 2 });
		const { items, error } = await run(env, 'wsse', { resource: 'segment', operation: 'getContacts', segmentId: rl('900001'), returnAll: true });
		expect(error).toBeUndefined();
		expect(jsonOf(items).map((c) => c.id)).toEqual(['100001', '100002', '100004']);
		const calls = await apiCalls(env.sandbox);
		expect(calls.map((c) => [c.status, c.replyCode, c.query.offset])).toEqual([
			[202, 10001, '0'],
			[202, 10001, '0'],
			[200, 0, '0'],
		]);
	}, 30_000);

	it('containsContact: an unknown or ambiguous contact fails its item (2008 / 2010), the others are looked up', async () => {
		const { items, error } = await run(
			env,
			'oAuth2',
			{ resource: 'segment', operation: 'containsContact', segmentId: rl('900001'), keyId: '={{ $json.key }}', contactId: '={{ $json.contact }}' },
			[
				{ key: '3', contact: 'ghost@example.com' },
				{ key: 'id', contact: '100004' },
				{ key: 'id', contact: '999999' },
				{ key: '3', contact: 'shared@example.com' },
			],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items[0].json.error).toMatch(/No contact found.*replyCode 2008/);
		expect(items[1].json).toMatchObject({ id: '100004', inSegment: true });
		expect(items[2].json.error).toMatch(/replyCode 2008/);
		expect(items[3].json.error).toMatch(/More contacts found.*replyCode 2010/);
		// Only the found contact is looked up in the segment.
		expect((await apiCalls(env.sandbox)).filter((c) => c.endpoint.startsWith('filter/')).map((c) => c.endpoint)).toEqual(['filter/900001/contacts/100004']);
	});

	it('contact.delete, contact.search, field.create and event.create report Emarsys errors with hints', async () => {
		const del = await run(env, 'wsse', { resource: 'contact', operation: 'delete', keyId: '3', contactId: 'shared@example.com' });
		expect(del.error?.message).toMatch(/More contacts found.*replyCode 2010/);
		expect(await env.sandbox.getContacts()).toHaveLength(6);
		const search = await run(env, 'oAuth2', { resource: 'contact', operation: 'search', searchFieldId: '1', searchValue: 'Ada', returnFieldId: '3' });
		expect(search.error?.message).toMatch(/No index on column 1.*replyCode 2015/);
		expect(search.error?.description).toMatch(/only indexed fields/);
		const field = await run(env, 'wsse', { resource: 'field', operation: 'create', name: 'First Name', applicationType: 'shorttext' });
		expect(field.error?.message).toMatch(/A field with this name already exists.*replyCode 9002/);
		const event = await run(env, 'oAuth2', { resource: 'event', operation: 'create', name: 'order_confirmation' }, [{}], { continueOnFail: true });
		expect(jsonOf(event.items)).toEqual([{ error: expect.stringMatching(/already exists.*replyCode 5003/) }]);
	});
});
