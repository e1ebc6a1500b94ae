import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { SHARED_EMAIL } from '../../sandbox/seed';
import { v2 } from './util';

describe('sandbox contacts: POST contact/getdata', () => {
	let sb: TestSandbox;
	const getdata = (body: unknown) => v2(sb.url, sb.credentials, 'POST', 'contact/getdata', body);

	beforeAll(async () => {
		sb = await startTestSandbox();
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	it('returns rows with the requested fields, id and uid, and per-key 2008 errors', async () => {
		const res = await getdata({ keyId: '3', keyValues: ['ada@example.com', 'nobody@example.com'], fields: [1, 2, 3] });
		expect(res.status).toBe(200);
		expect(res.data.replyCode).toBe(0);
		expect(res.data.data.result).toEqual([
			{ '1': 'Ada', '2': 'Lovelace', '3': 'ada@example.com', id: '100001', uid: 'aLq3Xc9Tn1' },
		]);
		expect(res.data.data.errors).toEqual([
			{ key: 'nobody@example.com', errorCode: '2008', errorMsg: 'No contact found with the external id: 3' },
		]);
	});

	it('answers result: false when no key matched, errors: [] when all matched', async () => {
		const none = await getdata({ keyId: 3, keyValues: ['x@example.com', 'y@example.com'], fields: [1] });
		expect(none.status).toBe(200);
		expect(none.data.data.result).toBe(false);
		expect(none.data.data.errors).toHaveLength(2);
		const all = await getdata({ keyId: 3, keyValues: ['alan@example.com'], fields: [1] });
		expect(all.data.data.errors).toEqual([]);
		expect(all.data.data.result).toHaveLength(1);
	});

	it('renders single-choice as the choice id, multi-choice as a list of choice ids, empty as null', async () => {
		const res = await getdata({ keyId: 3, keyValues: ['ada@example.com', 'empty@example.com'], fields: [5, 10500, 10501, 4, 2] });
		const [ada, empty] = res.data.data.result;
		expect(ada).toMatchObject({ '5': '2', '10500': '1,3', '10501': '1200', '4': '1815-12-10' });
		expect(empty).toMatchObject({ '5': null, '10500': null, '10501': null, '4': null, '2': null });
	});

	it('looks contacts up by string id, internal id, uid and a custom field', async () => {
		const byStringId = await getdata({ keyId: 'email', keyValues: ['grace@example.com'], fields: ['first_name', 2] });
		expect(byStringId.data.data.result).toEqual([{ '1': 'Grace', '2': 'Hopper', id: '100003', uid: 'cRw5Jd7Hs2' }]);
		const byId = await getdata({ keyId: 'id', keyValues: ['100002', 100003], fields: [1] });
		expect(byId.data.data.result.map((r: { '1': string }) => r['1'])).toEqual(['Alan', 'Grace']);
		const byUid = await getdata({ keyId: 'uid', keyValues: ['bTz8Kp2Wm4'], fields: [1] });
		expect(byUid.data.data.result[0]['1']).toBe('Alan');
		const byCustom = await getdata({ keyId: 10502, keyValues: ['C-1001'], fields: [3] });
		expect(byCustom.data.data.result[0]['3']).toBe('ada@example.com');
		const noKeyId = await getdata({ keyValues: [100001], fields: [1] });
		expect(noKeyId.data.data.result[0]['1']).toBe('Ada');
	});

	it('matches e-mail keys case-insensitively; a key shared by two contacts is a 2010 error', async () => {
		const res = await getdata({ keyId: 3, keyValues: ['ADA@Example.com'], fields: [1] });
		expect(res.data.data.result[0]['1']).toBe('Ada');
		const shared = await getdata({ keyId: 3, keyValues: [SHARED_EMAIL, 'alan@example.com'], fields: [1] });
		expect(shared.data.data.result.map((r: { id: string }) => r.id)).toEqual(['100002']);
		expect(shared.data.data.errors).toEqual([
			{ key: SHARED_EMAIL, errorCode: '2010', errorMsg: `More contacts found with the external id: 3 - ${SHARED_EMAIL}` },
		]);
		const byId = await getdata({ keyId: 'id', keyValues: [100004, 100005], fields: [3] });
		expect(byId.data.data.result.map((r: { '3': string }) => r['3'])).toEqual([SHARED_EMAIL, SHARED_EMAIL]);
	});

	it('returns all fields when fields is empty or missing', async () => {
		const res = await getdata({ keyId: 3, keyValues: ['ada@example.com'] });
		const row = res.data.data.result[0];
		expect(row['0']).toBe('2,3');
		expect(row['31']).toBe('1');
		expect(row['15']).toBeNull();
		expect(Object.keys(row).length).toBeGreaterThan(50);
	});

	it('rejects bad input the way Emarsys does', async () => {
		const missing = await getdata({ keyId: 3 });
		expect(missing.status).toBe(400);
		expect(missing.data).toEqual({ replyCode: 10001, replyText: 'Missing parameter: keyValues', data: '' });
		const notArray = await getdata({ keyId: 3, keyValues: 'ada@example.com' });
		expect(notArray.status).toBe(400);
		expect(notArray.data.replyText).toBe('keyValues must be an array');
		const fieldsNotArray = await getdata({ keyId: 3, keyValues: ['a'], fields: 'x' });
		expect(fieldsNotArray.status).toBe(400);
		expect(fieldsNotArray.data.replyText).toBe('Fields must be an array');
		const unknownField = await getdata({ keyId: 3, keyValues: ['ada@example.com'], fields: [1, 98765] });
		expect(unknownField.status).toBe(400);
		expect(unknownField.data.replyCode).toBe(2006);
		const badKey = await getdata({ keyId: 'no_such_field', keyValues: ['x'] });
		expect(badKey.status).toBe(200);
		expect(badKey.data).toEqual({ replyCode: 2004, replyText: 'Invalid key field id: no_such_field', data: '' });
	});
});

describe('sandbox contacts: PUT contact', () => {
	let sb: TestSandbox;
	const put = (body: unknown, create = false) =>
		v2(sb.url, sb.credentials, 'PUT', create ? 'contact/?create_if_not_exists=1' : 'contact', body);

	beforeAll(async () => {
		sb = await startTestSandbox();
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	it('updates a single contact (single form) and answers its id', async () => {
		const res = await put({ key_id: '3', '3': 'alan@example.com', '1': 'Alan M.', '5': '1', '10501': 77 });
		expect(res.status).toBe(200);
		expect(res.data).toEqual({ replyCode: 0, replyText: 'OK', data: { id: 100002 } });
		const [alan] = await sb.findContacts(3, 'alan@example.com');
		expect(alan.fields).toMatchObject({ '1': 'Alan M.', '5': '1', '10501': '77', '2': 'Turing' });
	});

	it('single form: 2008 when not found without create_if_not_exists, creates with it', async () => {
		const notFound = await put({ key_id: 3, '3': 'new@example.com', '1': 'New' });
		expect(notFound.status).toBe(400);
		expect(notFound.data).toEqual({ replyCode: 2008, replyText: 'No contact found with the external id: 3 - new@example.com', data: '' });
		expect(await sb.findContacts(3, 'new@example.com')).toHaveLength(0);
		const created = await put({ key_id: 3, '3': 'new@example.com', '1': 'New', '10500': [2, 5] }, true);
		expect(created.status).toBe(200);
		const [contact] = await sb.findContacts(3, 'new@example.com');
		expect(created.data.data).toEqual({ id: contact.id });
		expect(contact.fields).toMatchObject({ '1': 'New', '10500': '2,5' });
	});

	it('batch form: ids of updated/created contacts and per-key errors', async () => {
		const res = await put({
			key_id: '3',
			contacts: [
				{ '3': 'ada@example.com', '2': 'King' },
				{ '3': 'missing@example.com', '2': 'Nobody' },
				{ '3': SHARED_EMAIL, '2': 'Twice' },
			],
		});
		expect(res.status).toBe(200);
		expect(res.data.replyCode).toBe(0);
		expect(res.data.data.ids).toEqual(['100001']);
		expect(res.data.data.errors).toEqual({
			'missing@example.com': { '2008': 'No contact found with the external id: 3 - missing@example.com' },
			[SHARED_EMAIL]: { '2010': `More contacts found with the external id: 3 - ${SHARED_EMAIL}` },
		});
		expect((await sb.findContacts(3, 'ada@example.com'))[0].fields['2']).toBe('King');
		expect((await sb.findContacts(2, 'Twice'))).toHaveLength(0);
	});

	it('batch form with create_if_not_exists creates missing contacts; errors is [] when none failed', async () => {
		const res = await put(
			{
				key_id: 'email',
				contacts: [
					{ email: 'one@example.com', first_name: 'One' },
					{ '3': 'two@example.com', '1': 'Two', '31': 1 },
				],
			},
			true,
		);
		expect(res.data.data.errors).toEqual([]);
		expect(res.data.data.ids).toHaveLength(2);
		const one = (await sb.findContacts(3, 'one@example.com'))[0];
		const two = (await sb.findContacts(3, 'two@example.com'))[0];
		// Created contacts come back as integers (api docs "Creating Multiple Contacts").
		expect(res.data.data.ids).toEqual([one.id, two.id]);
		expect(one.fields['1']).toBe('One');
		expect(two.fields['31']).toBe('1');
		expect(one.uid).toMatch(/^[A-Za-z0-9]{10}$/);
	});

	it('keys by a custom field, by id and by uid; id/uid cannot create', async () => {
		const custom = await put({ key_id: 10502, contacts: [{ '10502': 'C-1003', '11': 'Arlington' }] });
		expect(custom.data.data.ids).toEqual(['100003']);
		const byId = await put({ key_id: 'id', id: 100002, '11': 'Wilmslow' });
		expect(byId.data.data).toEqual({ id: 100002 });
		const byUid = await put({ key_id: 'uid', contacts: [{ uid: 'aLq3Xc9Tn1', '11': 'London' }] });
		expect(byUid.data.data.ids).toEqual(['100001']);
		const create = await put({ key_id: 'id', contacts: [{ id: 999999, '1': 'X' }] }, true);
		expect(create.data.data.errors).toEqual({ '999999': { '2004': 'Cannot use id or uid as key on contact creation' } });
		const contacts = await sb.getContacts();
		expect(contacts.find((c) => c.id === 100002)!.fields['11']).toBe('Wilmslow');
	});

	it('rejects invalid field values per contact with 2007 and leaves the contact unchanged', async () => {
		const res = await put({
			key_id: 3,
			contacts: [
				{ '3': 'ada@example.com', '5': 9 },
				{ '3': 'alan@example.com', '10500': 1 },
				{ '3': 'grace@example.com', '4': '31.12.1906' },
				{ '3': 'empty@example.com', '77777': 'x' },
				{ '3': 'ada@example.com', '0': [1] },
				{ '3': 'alan@example.com', '10501': 'twelve' },
				{ '2': 'no key value' },
			],
		});
		expect(res.status).toBe(200);
		expect(res.data.data.ids).toEqual([]);
		const errors = res.data.data.errors as Record<string, Record<string, string>>;
		expect(Object.keys(errors).sort()).toEqual(['', 'ada@example.com', 'alan@example.com', 'empty@example.com', 'grace@example.com']);
		expect(errors['grace@example.com']).toEqual({ '2007': 'Invalid date format for field id: 4' });
		expect(errors['empty@example.com']).toEqual({ '2007': 'Invalid field id: 77777' });
		expect(errors['']).toEqual({ '2005': 'No value provided for key field: 3' });
		const ada = (await sb.findContacts(3, 'ada@example.com'))[0];
		expect(ada.fields['5']).toBe('2');
	});

	it('single form answers a contact error with HTTP 400 and its reply code', async () => {
		const res = await put({ key_id: 3, '3': 'ada@example.com', '5': 'Female' });
		expect(res.status).toBe(400);
		expect(res.data).toEqual({ replyCode: 2007, replyText: 'Invalid choice id for field id: 5', data: '' });
		const dup = await put({ key_id: 3, '3': SHARED_EMAIL, '1': 'x' });
		expect(dup.status).toBe(400);
		expect(dup.data.replyCode).toBe(2010);
		const noKey = await put({ '1': 'x' });
		expect(noKey.status).toBe(400);
		expect(noKey.data).toEqual({ replyCode: 2005, replyText: 'No value provided for key field: 3', data: '' });
	});

	it('accepts the documented date formats and keeps the date', async () => {
		const res = await put({
			key_id: 3,
			contacts: [
				{ '3': 'ada@example.com', '4': '1815-12-10 08:30' },
				{ '3': 'alan@example.com', '10504': '2024-02-29 23:59:59' },
				{ '3': 'grace@example.com', '10504': '2023-02-29' },
				{ '3': 'empty@example.com', '10504': '2024-01-01T10:00:00Z' },
			],
		});
		expect(res.data.data.ids).toEqual(['100001', '100002']);
		expect(Object.keys(res.data.data.errors).sort()).toEqual(['empty@example.com', 'grace@example.com']);
		expect((await sb.findContacts(3, 'alan@example.com'))[0].fields['10504']).toBe('2024-02-29');
		expect((await sb.findContacts(3, 'ada@example.com'))[0].fields['4']).toBe('1815-12-10');
	});

	it('clears a value with null or an empty string', async () => {
		await put({ key_id: 3, '3': 'ada@example.com', '1': null, '10500': '' });
		const ada = (await sb.findContacts(3, 'ada@example.com'))[0];
		expect(ada.fields['1']).toBeUndefined();
		const res = await v2(sb.url, sb.credentials, 'POST', 'contact/getdata', { keyId: 3, keyValues: ['ada@example.com'], fields: [1, 10500] });
		expect(res.data.data.result[0]).toMatchObject({ '1': null, '10500': null });
	});

	it('answers 400 / 2004 for an unknown key_id and 400 for contacts that is not an array', async () => {
		const badKey = await put({ key_id: 'nope', contacts: [] });
		expect(badKey.status).toBe(400);
		expect(badKey.data).toEqual({ replyCode: 2004, replyText: 'Invalid key field id: nope', data: '' });
		const badKeySingle = await put({ key_id: 99999, '3': 'ada@example.com' });
		expect(badKeySingle.status).toBe(400);
		expect(badKeySingle.data.replyCode).toBe(2004);
		const notArray = await put({ key_id: 3, contacts: { '3': 'a@example.com' } });
		expect(notArray.status).toBe(400);
		expect(notArray.data.replyCode).toBe(2003);
	});

	it('finds a contact again after its key value changed (indexes follow updates)', async () => {
		await put({ key_id: 10502, '10502': 'C-1001', '3': 'ada.king@example.com' });
		const old = await v2(sb.url, sb.credentials, 'POST', 'contact/getdata', { keyId: 3, keyValues: ['ada@example.com'], fields: [1] });
		expect(old.data.data.result).toBe(false);
		const renamed = await v2(sb.url, sb.credentials, 'POST', 'contact/getdata', { keyId: 3, keyValues: ['ada.king@example.com'], fields: [1] });
		expect(renamed.data.data.result[0]['1']).toBe('Ada');
	});
});
