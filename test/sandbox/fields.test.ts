import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { SEED_EVENTS, SEED_FIELDS } from '../../sandbox/seed';
import { v2 } from './util';

/** System field ids and names as documented by Emarsys (System Fields appendix). */
const DOCUMENTED_SYSTEM_FIELDS: Array<[number, string, string]> = [
	[0, 'Interests', 'interests'],
	[1, 'First Name', 'shorttext'],
	[2, 'Last Name', 'shorttext'],
	[3, 'E-Mail', 'longtext'],
	[4, 'Date of Birth', 'birthdate'],
	[5, 'Gender', 'singlechoice'],
	[9, 'Title', 'singlechoice'],
	[14, 'Country', 'singlechoice'],
	[26, 'Preferred e-mail format', 'singlechoice'],
	[31, 'Opt-In', 'special'],
	[46, 'Salutation', 'singlechoice'],
	[48, 'Date of first registration', 'special'],
];

describe('sandbox settings, fields, choices and events', () => {
	let sb: TestSandbox;
	const get = (path: string) => v2(sb.url, sb.credentials, 'GET', path);

	beforeAll(async () => {
		sb = await startTestSandbox();
	});
	afterAll(() => sb.stop());

	it('GET settings answers the account settings with the contact count', async () => {
		const res = await get('settings');
		expect(res.status).toBe(200);
		expect(res.data.replyCode).toBe(0);
		expect(res.data.data).toMatchObject({ timezone: expect.any(String), name: expect.any(String), total_contacts: 6 });
	});

	it('GET field lists every field with id, name, application_type and string_id', async () => {
		const res = await get('field');
		expect(res.status).toBe(200);
		const list = res.data.data as Array<Record<string, unknown>>;
		expect(list).toHaveLength(SEED_FIELDS.length);
		for (const item of list) expect(Object.keys(item).sort()).toEqual(['application_type', 'id', 'name', 'string_id']);
		for (const [id, name, type] of DOCUMENTED_SYSTEM_FIELDS) {
			expect(list.find((f) => f.id === id)).toMatchObject({ name, application_type: type });
		}
		// string ids seen in Emarsys's own integration test data
		for (const [id, stringId] of [[1, 'first_name'], [2, 'last_name'], [9, 'title'], [31, 'optin'], [48, 'registration_date']] as const) {
			expect(list.find((f) => f.id === id)?.string_id).toBe(stringId);
		}
		const custom = list.filter((f) => (f.id as number) >= 10000);
		expect(custom.some((f) => f.application_type === 'multichoice')).toBe(true);
		expect(custom.some((f) => f.application_type === 'numeric')).toBe(true);
	});

	it('GET field/translate/{lang} translates names; unknown languages are 400 / 1002', async () => {
		const de = await get('field/translate/de');
		expect(de.data.data.find((f: { id: number }) => f.id === 1).name).toBe('Vorname');
		const en = await get('field/translate/en');
		expect(en.data.data.find((f: { id: number }) => f.id === 1).name).toBe('First Name');
		const bad = await get('field/translate/xx');
		expect(bad.status).toBe(400);
		expect(bad.data).toEqual({ replyCode: 1002, replyText: 'Invalid language code', data: '' });
	});

	it('GET field/{id}/choice lists a single-choice field with string ids', async () => {
		const res = await get('field/5/choice');
		expect(res.data.data).toEqual([
			{ id: '1', choice: 'Male' },
			{ id: '2', choice: 'Female' },
		]);
		const de = await get('field/5/choice/translate/de');
		expect(de.data.data).toEqual([
			{ id: '1', choice: 'Männlich' },
			{ id: '2', choice: 'Weiblich' },
		]);
		const fmt = await get('field/26/choice');
		expect(fmt.data.data).toEqual([
			{ id: '1', choice: 'HTML' },
			{ id: '2', choice: 'Text only' },
		]);
	});

	it('GET field/{id}/choice: a text field has no choices, an unknown field is 404 "No such field"', async () => {
		expect((await get('field/1/choice')).data.data).toEqual([]);
		const bad = await get('field/99999/choice');
		expect(bad.status).toBe(404);
		expect(bad.data).toEqual({ replyCode: 1, replyText: 'No such field', data: '' });
		const badMulti = await get('field/choices?fields=10500,99999');
		expect(badMulti.status).toBe(400);
		expect(badMulti.data.replyCode).toBe(2006);
	});

	it('GET field/choices answers multi-choice lists keyed by field id, with bit_position', async () => {
		const res = await get('field/choices?fields=10500,0&language=en');
		expect(res.status).toBe(200);
		expect(Object.keys(res.data.data).sort()).toEqual(['0', '10500']);
		const fav = res.data.data['10500'] as Array<{ id: string; choice: string; bit_position: number }>;
		const seeded = SEED_FIELDS.find((f) => f.id === 10500)!.choices!;
		expect(fav).toEqual(seeded.map((c) => ({ id: String(c.id), choice: c.choice, bit_position: c.bit_position })));
		// bit_position is not the choice id
		expect(fav.some((c) => Number(c.id) !== c.bit_position)).toBe(true);
		const de = await get('field/choices?fields=10500&language=de');
		expect(de.data.data['10500'][0].choice).toBe('Schuhe');
		const missing = await get('field/choices');
		expect(missing.status).toBe(400);
		expect(missing.data.replyCode).toBe(10001);
	});

	it('GET event lists the external events', async () => {
		const res = await get('event');
		// ids are strings, as in every Emarsys example of this endpoint
		expect(res.data.data).toEqual(SEED_EVENTS.map((e) => ({ id: String(e.id), name: e.name, created: e.created })));
		expect(res.data.data.map((e: { id: string }) => e.id)).toEqual(['1001', '1002', '1003']);
		expect(res.data.data).toHaveLength(3);
	});

	it('serves the same answers under /api/v3', async () => {
		const token = await sb.getAccessToken();
		const v3 = await fetch(`${sb.v3}/field/5/choice`, { headers: { Authorization: `Bearer ${token}` } });
		const v2res = await get('field/5/choice');
		expect(await v3.json()).toEqual(v2res.data);
	});

	it('accepts a trailing slash and answers unknown paths with 404', async () => {
		expect((await get('event/')).data.data).toHaveLength(3);
		const res = await get('nothing/here');
		expect(res.status).toBe(404);
		expect(res.data.replyCode).not.toBe(0);
	});
});
