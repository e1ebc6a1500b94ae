/**
 * The sandbox's segment, contact query / delete and field / event creation endpoints, against the
 * shapes and error codes of Emarsys's API reference (see the headers of sandbox/routes/segments.ts,
 * contactQuery.ts, contactDelete.ts and creation.ts). Expected values come from the seed.
 */
import { client, v2 } from './util';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { SHARED_EMAIL } from '../../sandbox/seed';

let sb: TestSandbox;
const get = (path: string) => v2(sb.url, sb.credentials, 'GET', path);
const post = (path: string, body: unknown) => v2(sb.url, sb.credentials, 'POST', path, body);

beforeAll(async () => {
	sb = await startTestSandbox();
});
afterAll(() => sb.stop());
beforeEach(() => sb.reset());

describe('segments (filter)', () => {
	it('GET filter lists the seeded segments with integer ids', async () => {
		const res = await get('filter');
		expect(res.status).toBe(200);
		expect(res.data.data.map((s: { id: number; name: string }) => [s.id, s.name])).toEqual([
			[900001, 'Opted-in contacts'],
			[900002, 'Gold members'],
			[900003, 'Contacts with an e-mail address'],
			[900004, 'Customers in Hungary'],
		]);
		expect(res.data.data[0]).toEqual({ id: 900001, name: 'Opted-in contacts', type: 'standard', criteriaTypes: ['contact'], baseContactListId: 0 });
	});

	it('lists the members as internal id strings, paged by offset and limit', async () => {
		expect((await get('filter/900001/contacts?limit=10&offset=0')).data).toEqual({ replyCode: 0, replyText: 'OK', data: ['100001', '100002', '100004'] });
		expect((await get('filter/900001/contacts?limit=2&offset=0')).data.data).toEqual(['100001', '100002']);
		expect((await get('filter/900001/contacts?limit=2&offset=2')).data.data).toEqual(['100004']);
		expect((await get('filter/900004/contacts?limit=5')).data.data).toEqual([]);
	});

	it('membership follows the contacts as they are now', async () => {
		await v2(sb.url, sb.credentials, 'PUT', 'contact', { key_id: 3, contacts: [{ 3: 'grace@example.com', 10503: 3 }] });
		expect((await get('filter/900002/contacts?limit=10')).data.data).toEqual(['100001', '100003']);
		expect((await get('filter/900002/contacts/100003')).data.data).toBe(true);
	});

	it('answers the documented errors: unknown segment 404 / 10002, bad limit or offset 400 / 10001', async () => {
		const unknown = await get('filter/123/contacts?limit=10');
		expect(unknown.status).toBe(404);
		expect(unknown.data).toEqual({ replyCode: 10002, replyText: 'The segment specified does not exist.', data: '' });
		const cases: Array<[string, string]> = [
			['filter/900001/contacts', 'Limit is a required parameter.'],
			['filter/900001/contacts?limit=0', 'Limit must be a positive number.'],
			['filter/900001/contacts?limit=1000000', 'Limit must be less than 1000000.'],
			['filter/900001/contacts?limit=5&offset=-1', 'Offset must be zero, or a positive number.'],
		];
		for (const [path, text] of cases) {
			const res = await get(path);
			expect([res.status, res.data.replyCode, res.data.replyText]).toEqual([400, 10001, text]);
		}
	});

	it('the segmentEvaluatingCount fault answers 202 / 10001 for the next segment-contact listings only', async () => {
		await sb.setFaults({ segmentEvaluatingCount: 1 });
		expect((await get('filter/900002/contacts/100001')).data.data).toBe(true);
		const evaluating = await get('filter/900002/contacts?limit=5');
		expect([evaluating.status, evaluating.data]).toEqual([202, { replyCode: 10001, replyText: 'The segment is currently evaluated.', data: '' }]);
		expect((await get('filter/900002/contacts?limit=5')).data.data).toEqual(['100001']);
	});

	it('looks up a contact: true when the segment includes it, false otherwise; unknown segment 404', async () => {
		expect((await get('filter/900001/contacts/100001')).data.data).toBe(true);
		expect((await get('filter/900001/contacts/100003')).data.data).toBe(false);
		expect((await get('filter/900001/contacts/999999')).data.data).toBe(false);
		const unknown = await get('filter/42/contacts/100001');
		expect([unknown.status, unknown.data.replyCode]).toEqual([404, 10002]);
	});
});

describe('GET contact/query', () => {
	it('returns the requested field of the contacts matching an indexed field, id as an integer', async () => {
		const res = await get(`contact/query/?return=1&3=${encodeURIComponent(SHARED_EMAIL)}`);
		expect(res.data).toEqual({ replyCode: 0, replyText: 'OK', data: { result: [{ id: 100004, 1: 'Sam' }, { id: 100005, 1: 'Sasha' }] } });
		// Text compares case-insensitively, as key look-ups do.
		expect((await get('contact/query/?return=2&3=ADA@example.com')).data.data.result).toEqual([{ id: 100001, 2: 'Lovelace' }]);
		expect((await get('contact/query/?return=3&3=nobody@example.com')).data.data.result).toEqual([]);
	});

	it('pages with offset and limit, and drops empty values with excludeempty=true', async () => {
		expect((await get('contact/query/?return=1&limit=2&offset=0')).data.data.result.map((r: { id: number }) => r.id)).toEqual([100001, 100002]);
		expect((await get('contact/query/?return=1&limit=2&offset=4')).data.data.result).toEqual([
			{ id: 100005, 1: 'Sasha' },
			{ id: 100006, 1: null },
		]);
		expect((await get('contact/query/?return=1&excludeempty=true')).data.data.result.map((r: { id: number }) => r.id)).toEqual([100001, 100002, 100003, 100004, 100005]);
	});

	it('answers 2014, 2006, 2015 and 2016 as documented', async () => {
		const cases: Array<[string, number, string]> = [
			['contact/query/?3=ada@example.com', 2014, 'No field specified to return'],
			['contact/query/?return=99999', 2006, 'Invalid field id: 99999'],
			['contact/query/?return=1&1=Ada', 2015, 'No index on column 1'],
			['contact/query/?return=1&limit=10001', 2016, 'Invalid limit'],
			['contact/query/?return=1&limit=0', 2016, 'Invalid limit'],
		];
		for (const [path, code, text] of cases) {
			const res = await get(path);
			expect([res.status, res.data.replyCode, res.data.replyText]).toEqual([400, code, text]);
		}
	});
});

describe('POST contact/delete', () => {
	it('deletes the contacts named by key values, reports the others per key value', async () => {
		const res = await post('contact/delete', { key_id: '3', 3: ['ada@example.com', 'ghost@example.com', SHARED_EMAIL, 'ALAN@example.com'] });
		expect(res.status).toBe(200);
		expect(res.data.data).toEqual({
			deleted_contacts: 2,
			errors: {
				'ghost@example.com': { 2008: 'No contact found with the external id: 3 - ghost@example.com' },
				[SHARED_EMAIL]: { 2010: `More contacts found with the external id: 3 - ${SHARED_EMAIL}` },
			},
		});
		const left = (await sb.getContacts()).map((c) => c.id);
		expect(left).toEqual([100003, 100004, 100005, 100006]);
		// Gone for good: a getdata for it finds nothing.
		const read = await post('contact/getdata', { keyId: 'id', keyValues: ['100001'] });
		expect(read.data.data.result).toBe(false);
	});

	it('takes key_id id / string ids; unknown internal id is 2012; the single form answers 404', async () => {
		const byId = await post('contact/delete', { key_id: 'id', id: ['100002', '999'] });
		expect(byId.data.data).toEqual({ deleted_contacts: 1, errors: { 999: { 2012: 'Invalid contact id for customer.' } } });
		expect((await post('contact/delete', { key_id: 'customer_id', customer_id: ['C-1003'] })).data.data).toEqual({ deleted_contacts: 1, errors: [] });
		const single = await post('contact/delete', { key_id: '3', 3: 'ghost@example.com' });
		expect([single.status, single.data.replyCode]).toEqual([404, 2008]);
		expect((await post('contact/delete', { 3: 'empty@example.com' })).data.data).toEqual({ deleted_contacts: 1, errors: [] });
	});

	it('refuses a bad key field, a missing value and more than 1000 values', async () => {
		const badKey = await post('contact/delete', { key_id: '1', 1: ['Ada'] });
		expect([badKey.status, badKey.data.replyCode, badKey.data.replyText]).toEqual([400, 2004, 'Invalid key field id: 1']);
		const missing = await post('contact/delete', { key_id: '3' });
		expect([missing.status, missing.data.replyCode]).toEqual([400, 2005]);
		const tooMany = await post('contact/delete', { key_id: '3', 3: Array.from({ length: 1001 }, (_, i) => `x${i}@example.com`) });
		expect([tooMany.status, tooMany.data.replyCode]).toEqual([400, 1000]);
		expect(await sb.getContacts()).toHaveLength(6);
	});
});

describe('POST field and POST event', () => {
	it('creates a field that is listed and can be written', async () => {
		const res = await post('field', { name: 'Shoe Size', application_type: 'numeric' });
		expect(res.data).toEqual({ replyCode: 0, replyText: 'OK', data: { id: 10505 } });
		const listed = (await get('field')).data.data.find((f: { id: number }) => f.id === 10505);
		expect(listed).toEqual({ id: 10505, name: 'Shoe Size', application_type: 'numeric', string_id: 'shoe_size' });
		await v2(sb.url, sb.credentials, 'PUT', 'contact', { key_id: 3, 3: 'ada@example.com', 10505: '38' });
		expect((await sb.findContacts(3, 'ada@example.com'))[0].fields['10505']).toBe('38');
		// A reset forgets created fields.
		await sb.reset();
		expect((await get('field')).data.data.some((f: { id: number }) => f.id === 10505)).toBe(false);
	});

	it('refuses choice fields (9006), names in use (9002) and a missing name', async () => {
		const choice = await post('field', { name: 'Tier', application_type: 'singlechoice' });
		expect([choice.status, choice.data.replyCode, choice.data.replyText]).toEqual([400, 9006, 'This type of field cannot be created via API.']);
		const taken = await post('field', { name: 'first name', application_type: 'shorttext' });
		expect([taken.status, taken.data.replyCode, taken.data.replyText]).toEqual([400, 9002, 'A field with this name already exists']);
		expect((await post('field', { application_type: 'shorttext' })).data.replyCode).toBe(10001);
	});

	it('creates an event (id a string) that is listed and that no program uses yet (5005)', async () => {
		const res = await post('event', { name: 'cart_abandoned' });
		expect(res.data.data).toEqual({ id: '1004', name: 'cart_abandoned' });
		expect((await get('event')).data.data.map((e: { id: string }) => e.id)).toEqual(['1001', '1002', '1003', '1004']);
		const trigger = await post('event/1004/trigger', { key_id: 3, external_id: 'ada@example.com' });
		expect([trigger.status, trigger.data.replyCode]).toEqual([400, 5005]);
		const again = await post('event', { name: 'Cart_Abandoned' });
		expect([again.status, again.data.replyCode, again.data.replyText]).toEqual([400, 5003, 'An external event with this name already exists.']);
		expect((await post('event', {})).data).toEqual({ replyCode: 5002, replyText: 'Parameter name is required.', data: '' });
	});
});

describe('permissions of the new endpoints', () => {
	it('"segments" grants the filter endpoints; deleting, querying and creating need their own permissions', async () => {
		const add = await client(sb.url).post('/__sandbox/users', { scheme: 'wsse', name: 'seg_reader', secret: 'seg-reader-secret', permissions: ['segments', 'field.list', 'event.list', 'contact.getdata'] });
		expect(add.data.permissions).toEqual(['contact.getdata', 'event.list', 'field.list', 'segment.contacts', 'segment.list']);
		const creds = { wsseUser: 'seg_reader', wsseSecret: 'seg-reader-secret' };
		expect((await v2(sb.url, creds, 'GET', 'filter')).status).toBe(200);
		expect((await v2(sb.url, creds, 'GET', 'filter/900001/contacts/100001')).status).toBe(200);
		expect((await v2(sb.url, creds, 'GET', 'field')).status).toBe(200);
		for (const [method, path] of [['POST', 'contact/delete'], ['GET', 'contact/query/?return=3'], ['POST', 'field'], ['POST', 'event']] as const) {
			const res = await v2(sb.url, creds, method, path, method === 'POST' ? { name: 'x', application_type: 'url', 3: ['ada@example.com'] } : undefined);
			expect([method, path, res.status]).toEqual([method, path, 403]);
		}
		expect(await sb.getContacts()).toHaveLength(6);
	});
});
