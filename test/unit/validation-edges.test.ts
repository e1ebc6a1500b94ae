/**
 * Input checks at their edges (test/unit/validation.test.ts has the common cases): each ID
 * parameter names itself and says where to find a valid value; lists, contact IDs, JSON, times
 * and language codes in every form n8n can hand over.
 */
import { NodeOperationError } from 'n8n-workflow';

import {
	inputError,
	optionalContactId,
	requireContactListId,
	requireEmailIfEmailField,
	requireEventId,
	requireFieldIds,
	requireJsonObject,
	requireKeyId,
	requireLanguage,
	requireSegmentId,
	requireUtcTime,
} from '../../nodes/Emarsys/helpers/validation';

import { errorOf, node } from './node';

describe('the error of bad input', () => {
	it('names parameter, problem and item, keeps the item index and the hint', () => {
		const error = inputError(node, 7, 'limit', 'must be positive', 'Give 1 or more.');
		expect(error.message).toBe('Parameter "limit": must be positive [item 7]');
		expect(error.context.itemIndex).toBe(7);
		expect(error.description).toBe('Give 1 or more.');
	});
});

describe('IDs of events, segments and contact lists', () => {
	it.each([
		['eventId', requireEventId, /external event ID/, /Automation > External Events/],
		['segmentId', requireSegmentId, /segment ID/, /Segment > Get Many/],
		['contactListId', requireContactListId, /contact list ID/, /Contact List > Get Many/],
	] as const)('%s: whole numbers pass as text; anything else names the parameter, the value and where to look', (parameter, check, what, where) => {
		expect(check(node, 0, 12)).toBe('12');
		expect(check(node, 0, ' 12 ')).toBe('12');
		const error = errorOf(() => check(node, 3, 'A-1'));
		expect(error.message).toMatch(new RegExp(`^Parameter "${parameter}": "A-1" is not an? `));
		expect(error.message).toMatch(what);
		expect(error.message).toMatch(/\[item 3\]$/);
		expect(error.description).toMatch(where);
	});

	it('the hint of a field ID says where to find field IDs', () => {
		const error = errorOf(() => requireFieldIds(node, 0, 'fields', ['x'], 5));
		expect(error.message).toMatch(/"x" is not a field ID \(Emarsys field IDs are positive whole numbers/);
		expect(error.description).toMatch(/Field > Get Many/);
	});
});

describe('lists of field IDs', () => {
	it('one number, nothing, blanks between commas', () => {
		expect(requireFieldIds(node, 0, 'fields', 3, 5)).toEqual(['3']);
		expect(requireFieldIds(node, 0, 'fields', undefined, 5)).toEqual([]);
		expect(requireFieldIds(node, 0, 'fields', null, 5)).toEqual([]);
		expect(requireFieldIds(node, 0, 'fields', '1,, 2 ,', 5)).toEqual(['1', '2']);
		expect(requireFieldIds(node, 0, 'fields', '1, ,2,  ', 5)).toEqual(['1', '2']);
		expect(requireFieldIds(node, 0, 'fields', '', 5)).toEqual([]);
	});

	it('exactly the maximum passes; duplicates do not count', () => {
		expect(requireFieldIds(node, 0, 'fields', ['1', '2'], 2)).toEqual(['1', '2']);
		expect(requireFieldIds(node, 0, 'fields', ['1', '2', '2', 1], 2)).toEqual(['1', '2']);
	});

	it('an object is no list', () => {
		expect(errorOf(() => requireFieldIds(node, 2, 'fields', { a: 1 }, 5)).message).toBe('Parameter "fields": must be a list of field IDs [item 2]');
	});
});

describe('key fields', () => {
	it('id and uid in any case, string IDs with digits and underscores', () => {
		expect(requireKeyId(node, 0, 'UID')).toBe('uid');
		expect(requireKeyId(node, 0, 'Id')).toBe('id');
		expect(requireKeyId(node, 0, 'First_Name2')).toBe('First_Name2');
		expect(requireKeyId(node, 0, '_x')).toBe('_x');
		expect(requireKeyId(node, 0, 3)).toBe('3');
		expect(requireKeyId(node, 0, ' email ')).toBe('email');
	});

	it('refuses what no field can be called, with the value and the kinds of keys', () => {
		for (const bad of ['2nd', 'e-mail', 'a b', '']) expect(() => requireKeyId(node, 0, bad)).toThrow(NodeOperationError);
		const error = errorOf(() => requireKeyId(node, 1, 'e-mail'));
		expect(error.message).toBe('Parameter "keyId": "e-mail" is not a key field (use a field ID such as 3, a field string ID such as email, or id) [item 1]');
		expect(error.description).toMatch(/Pick the key field/);
	});
});

describe('contact IDs', () => {
	it('text is trimmed, finite numbers become text, nothing is empty', () => {
		expect(optionalContactId(node, 0, '  a@b.c ')).toBe('a@b.c');
		expect(optionalContactId(node, 0, 0)).toBe('0');
		expect(optionalContactId(node, 0, undefined)).toBe('');
		expect(optionalContactId(node, 0, null)).toBe('');
	});

	it('other values name the parameter and their type', () => {
		expect(errorOf(() => optionalContactId(node, 4, NaN, 'columns.3')).message).toBe('Parameter "columns.3": must be text, got number [item 4]');
		expect(errorOf(() => optionalContactId(node, 0, Infinity)).message).toMatch(/^Parameter "contactId": must be text, got number/);
		expect(errorOf(() => optionalContactId(node, 0, true)).message).toMatch(/must be text, got boolean/);
	});

	it('E-Mail named by its string ID in any case is checked too', () => {
		expect(() => requireEmailIfEmailField(node, 0, 'EMAIL', 'jane')).toThrow(/not an e-mail address/);
		expect(() => requireEmailIfEmailField(node, 0, '3', 'jane@example.com ')).toThrow(/not an e-mail address/);
		expect(() => requireEmailIfEmailField(node, 0, '3', ' jane@example.com')).toThrow(/not an e-mail address/);
		expect(() => requireEmailIfEmailField(node, 0, '3', 'jane@exam ple.com')).toThrow(/not an e-mail address/);
		expect(() => requireEmailIfEmailField(node, 0, '3', 'jane@example.')).toThrow(/not an e-mail address/);
		expect(errorOf(() => requireEmailIfEmailField(node, 0, '3', 'jane')).message).toMatch(/^Parameter "contactId"/);
	});
});

describe('event data', () => {
	it('blank text, undefined and null are no data', () => {
		expect(requireJsonObject(node, 0, 'eventData', '   ')).toBeUndefined();
		expect(requireJsonObject(node, 0, 'eventData', undefined)).toBeUndefined();
		expect(requireJsonObject(node, 0, 'eventData', null)).toBeUndefined();
	});

	it('says what JSON.parse found, and shows an example', () => {
		const error = errorOf(() => requireJsonObject(node, 1, 'eventData', '{"a":'));
		expect(error.message).toMatch(/^Parameter "eventData": is not valid JSON \(.+\) \[item 1\]$/);
		expect(error.description).toBe('Give a JSON object, e.g. {"order_id": "A-1"}.');
		expect(errorOf(() => requireJsonObject(node, 1, 'eventData', [1])).description).toBe('Give a JSON object, e.g. {"order_id": "A-1"}.');
		expect(errorOf(() => requireJsonObject(node, 1, 'eventData', true)).message).toMatch(/got boolean/);
	});
});

describe('event time', () => {
	it('Date objects, and Luxon DateTimes as n8n expressions give them', () => {
		expect(requireUtcTime(node, 0, 'eventTime', new Date(Date.UTC(2026, 2, 1, 13, 0, 0, 500)))).toBe('2026-03-01T13:00:00Z');
		expect(requireUtcTime(node, 0, 'eventTime', { toISO: () => '2026-03-01T14:00:00.000+01:00' })).toBe('2026-03-01T13:00:00Z');
		expect(requireUtcTime(node, 0, 'eventTime', undefined)).toBeUndefined();
		expect(requireUtcTime(node, 0, 'eventTime', null)).toBeUndefined();
	});

	it('zones with or without colon; without zone the time is UTC; seconds optional', () => {
		expect(requireUtcTime(node, 0, 'eventTime', '2026-03-01T14:00:00+0100')).toBe('2026-03-01T13:00:00Z');
		expect(requireUtcTime(node, 0, 'eventTime', '2026-03-01T08:00-05:00')).toBe('2026-03-01T13:00:00Z');
		expect(requireUtcTime(node, 0, 'eventTime', ' 2026-03-01T13:00:05 ')).toBe('2026-03-01T13:00:05Z');
		expect(requireUtcTime(node, 0, 'eventTime', '2026-03-01T13:00:05.5')).toBe('2026-03-01T13:00:05Z');
	});

	it('refuses partial dates, times without date, and other objects, with an example', () => {
		for (const bad of ['2026-03', '13:00', '2026-03-01T13', '2026-03-01T13:00:00 +01:00', 'x2026-03-01', '2026-03-01x', 42, { toISO: 'no' }, new Date(NaN)]) {
			expect(() => requireUtcTime(node, 0, 'eventTime', bad)).toThrow(/is not a date-time/);
		}
		expect(errorOf(() => requireUtcTime(node, 0, 'eventTime', 'soon')).description).toMatch(/ISO-8601, e\.g\. 2026-01-31T09:05:00Z/);
	});

	it('refuses text around the date: a five-digit year, a weekday after it', () => {
		// V8 parses '12026-01-31Z' (year 12026) and '2026-01-31Z(Sat)' (a parenthesised comment), but they are no ISO-8601 date.
		for (const bad of ['12026-01-31', '12026-01-31Z', '2026-01-31(Sat)', '2026-01-31Z(Sat)']) {
			expect(() => requireUtcTime(node, 0, 'eventTime', bad)).toThrow(/is not a date-time/);
		}
	});

	it('a time without zone is UTC whatever the zone of the machine running n8n', () => {
		// jest.config.js runs the tests in America/New_York: a local reading would be 5 hours off.
		expect(new Date(2026, 2, 1, 13).getTimezoneOffset()).toBe(300);
		expect(requireUtcTime(node, 0, 'eventTime', '2026-03-01T13:00')).toBe('2026-03-01T13:00:00Z');
		expect(requireUtcTime(node, 0, 'eventTime', '2026-03-01 13:00:05.5')).toBe('2026-03-01T13:00:05Z');
		expect(requireUtcTime(node, 0, 'eventTime', '2026-03-01')).toBe('2026-03-01T00:00:00Z');
		expect(requireUtcTime(node, 0, 'eventTime', '2026-03-01T13:00+01:00')).toBe('2026-03-01T12:00:00Z');
	});
});

describe('language codes', () => {
	it('two letters, or two letters and a 2–4 letter variant; empty or missing is en', () => {
		expect(requireLanguage(node, 0, 'zh-hans')).toBe('zh-hans');
		expect(requireLanguage(node, 0, ' pt-BR ')).toBe('pt-br');
		expect(requireLanguage(node, 0, '')).toBe('en');
		expect(requireLanguage(node, 0, null)).toBe('en');
		for (const bad of ['e', 'eng', 'zh-h', 'zh-hansx', 'zh_hans', 'xen', 'enx', '1e']) expect(() => requireLanguage(node, 0, bad)).toThrow(/not a language code/);
	});

	it('names the option and suggests codes', () => {
		const error = errorOf(() => requireLanguage(node, 2, 'german'));
		expect(error.message).toBe('Parameter "options.language": "german" is not a language code [item 2]');
		expect(error.description).toMatch(/en, de or fr/);
	});
});
