/**
 * Fields of the Emarsys account: their kinds, looking them up by ID or string ID, key columns,
 * automatic mapping of input keys, and values as Emarsys takes them. Field kinds and system fields
 * (E-Mail 3, Opt-In 31 of type "special", Interests 0 of type "interests") are those the field list
 * of the Emarsys API (`GET field/translate/{language}`) shows; formats from "Contact fields" in the
 * API reference (dates YYYY-MM-DD, multi-choice values as a list of choice IDs).
 */
import {
	fieldIdsByInputKey,
	fieldTypeOf,
	findField,
	isInternalKey,
	isMultiChoice,
	isSingleChoice,
	keyColumnOf,
	KEY_FIELD_TYPES,
	needsFieldListForKey,
	needsFieldListToCompare,
	isNumericKey,
	splitMultiChoice,
	toEmarsysValue,
	type EmarsysField,
} from '../../nodes/Emarsys/helpers/fields';

const field = (id: number, application_type: string, string_id?: string): EmarsysField => ({ id, name: `Field ${id}`, application_type, string_id });
const fields = [
	field(0, 'interests', 'interests'),
	field(1, 'shorttext', 'first_name'),
	field(3, 'email', 'email'),
	field(5, 'singlechoice', 'gender'),
	field(31, 'special', 'optin'),
	field(4, 'date', 'birth_date'),
	field(10500, 'multichoice', 'Hobbies'),
	field(10501, 'numeric'),
];

describe('kinds of fields', () => {
	it('single choice: singlechoice fields and Opt-In (31)', () => {
		expect(isSingleChoice(field(5, 'singlechoice'))).toBe(true);
		expect(isSingleChoice(field(31, 'special'))).toBe(true);
		expect(isSingleChoice(field(32, 'special'))).toBe(false);
		expect(isSingleChoice(field(10500, 'multichoice'))).toBe(false);
	});

	it('multi choice: multichoice fields and Interests (type interests)', () => {
		expect(isMultiChoice(field(10500, 'multichoice'))).toBe(true);
		expect(isMultiChoice(field(0, 'interests'))).toBe(true);
		expect(isMultiChoice(field(5, 'singlechoice'))).toBe(false);
	});

	it('resource-mapper types', () => {
		expect(fields.map(fieldTypeOf)).toEqual(['array', 'string', 'string', 'options', 'options', 'string', 'array', 'number']);
	});

	it('fields whose values can identify a contact are the text-like and numeric ones', () => {
		for (const type of ['shorttext', 'longtext', 'email', 'numeric', 'url', 'phone']) expect(KEY_FIELD_TYPES.has(type)).toBe(true);
		for (const type of ['singlechoice', 'multichoice', 'date', 'special', 'interests']) expect(KEY_FIELD_TYPES.has(type)).toBe(false);
	});
});

describe('multi-choice values as getdata returns them', () => {
	it('splits "1,3" and lists, dropping blanks', () => {
		expect(splitMultiChoice('1, 3,,')).toEqual(['1', '3']);
		expect(splitMultiChoice([1, ' 3 ', ''])).toEqual(['1', '3']);
		expect(splitMultiChoice(7)).toEqual(['7']);
		expect(splitMultiChoice('')).toEqual([]);
		expect(splitMultiChoice(null)).toEqual([]);
		expect(splitMultiChoice(undefined)).toEqual([]);
	});
});

describe('finding fields', () => {
	it('by numeric ID, or by string ID regardless of case', () => {
		expect(findField(fields, '3')?.id).toBe(3);
		expect(findField(fields, 'EMAIL')?.id).toBe(3);
		expect(findField(fields, 'hobbies')?.id).toBe(10500);
		expect(findField(fields, '99')).toBeUndefined();
		expect(findField(fields, 'nickname')).toBeUndefined();
		// A field without string ID is found by no name, not even an empty one.
		expect(findField(fields, '')).toBeUndefined();
		expect(findField([field(7, 'shorttext')], '')).toBeUndefined();
		// Nor one whose string ID is empty.
		expect(findField([field(7, 'shorttext', '')], '')).toBeUndefined();
	});

	it('a numeric reference is an ID, never a string ID', () => {
		expect(findField([field(8, 'shorttext', '3')], '3')).toBeUndefined();
		expect(findField([field(8, 'shorttext', 'a3')], 'a3')?.id).toBe(8);
		expect(findField([field(8, 'shorttext', '3a')], '3a')?.id).toBe(8);
		expect(findField(fields, '10500')?.id).toBe(10500);
	});

	it('how a key field compares: the contact ID as a number; a custom field (above 48) or a string ID as the field list says; system fields as text', () => {
		const withNumeric: EmarsysField[] = [
			{ id: 3, name: 'E-Mail', application_type: 'email', string_id: 'email' },
			{ id: 10501, name: 'Loyalty Points', application_type: 'numeric', string_id: 'loyalty_points' },
			{ id: 10502, name: 'Customer ID', application_type: 'shorttext', string_id: 'customer_id' },
		];
		expect(['id', 'uid', '3', '48', '49', '10501', 'loyalty_points', 'email'].map(needsFieldListToCompare)).toEqual([false, false, false, false, true, true, true, true]);
		expect(['id', 'uid', '3', '10501', 'loyalty_points', '10502', 'customer_id', '99999'].map((keyId) => isNumericKey(keyId, withNumeric))).toEqual([
			true, false, false, true, true, false, false, false,
		]);
		// Without the list, only the contact ID is known to hold numbers.
		expect(['id', '10501'].map((keyId) => isNumericKey(keyId))).toEqual([true, false]);
	});

	it('key columns: field IDs and id/uid as given, string IDs through the field list', () => {
		expect(isInternalKey('id')).toBe(true);
		expect(isInternalKey('uid')).toBe(true);
		expect(isInternalKey('email')).toBe(false);
		expect(needsFieldListForKey('3')).toBe(false);
		expect(needsFieldListForKey('id')).toBe(false);
		expect(needsFieldListForKey('uid')).toBe(false);
		expect(needsFieldListForKey('email')).toBe(true);
		expect(needsFieldListForKey('3a')).toBe(true);
		expect(needsFieldListForKey('a3')).toBe(true);
		expect(needsFieldListForKey('10500')).toBe(false);
		expect(keyColumnOf('3', undefined)).toBe('3');
		expect(keyColumnOf('uid', undefined)).toBe('uid');
		expect(keyColumnOf('email', fields)).toBe('3');
		expect(keyColumnOf('email', undefined)).toBeUndefined();
		expect(keyColumnOf('nickname', fields)).toBeUndefined();
	});

	it('automatic mapping: input keys naming a field give its ID; id, uid and other data none', () => {
		const fieldIdOf = fieldIdsByInputKey(fields);
		expect(['email', '1', 'Gender', 'id', 'uid', 'order_total', 'email'].map(fieldIdOf)).toEqual(['3', '1', '5', undefined, undefined, undefined, '3']);
		expect(fieldIdsByInputKey([field(9, 'shorttext', 'id')])('id')).toBeUndefined();
	});
});

describe('values as Emarsys takes them', () => {
	it('dates as YYYY-MM-DD, also from Luxon-like objects', () => {
		expect(toEmarsysValue(new Date(Date.UTC(2026, 1, 3, 23, 30)), false)).toBe('2026-02-03');
		expect(toEmarsysValue({ toISODate: () => '2026-02-04' }, false)).toBe('2026-02-04');
		expect(toEmarsysValue({ toISODate: 'not a function' }, false)).toEqual({ toISODate: 'not a function' });
	});

	it('other fields unchanged', () => {
		expect(toEmarsysValue(' Ada ', false)).toBe(' Ada ');
		expect(toEmarsysValue(['1', '2'], false)).toEqual(['1', '2']);
		expect(toEmarsysValue(null, false)).toBeNull();
	});

	it('multi choice: a list of choice IDs from a list, comma-separated text, JSON text or one value', () => {
		expect(toEmarsysValue(['1', '2'], true)).toEqual(['1', '2']);
		expect(toEmarsysValue(' 1, 2 ', true)).toEqual(['1', '2']);
		expect(toEmarsysValue(' [1, 2] ', true)).toEqual([1, 2]);
		expect(toEmarsysValue('[1, 2', true)).toBe('[1, 2');
		expect(toEmarsysValue('  ', true)).toEqual([]);
		expect(toEmarsysValue(4, true)).toEqual([4]);
		expect(toEmarsysValue('3', true)).toEqual(['3']);
	});
});
