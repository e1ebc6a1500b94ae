import { NodeOperationError } from 'n8n-workflow';

import { itemsOf, normalizeKey, planCalls, type BatchEntry, type Chunk } from '../../nodes/Emarsys/helpers/batch';
import {
	requireContactId,
	requireEmailIfEmailField,
	requireFieldId,
	requireFieldIds,
	requireJsonObject,
	requireKeyId,
	requireLanguage,
	requireUtcTime,
} from '../../nodes/Emarsys/helpers/validation';

import { errorOf, node } from './node';

describe('field IDs', () => {
	it('accepts whole numbers given as number or text', () => {
		expect(requireFieldId(node, 0, 'fieldId', 5)).toBe('5');
		expect(requireFieldId(node, 0, 'fieldId', ' 10500 ')).toBe('10500');
		expect(requireFieldId(node, 0, 'fieldId', '0')).toBe('0');
	});

	it('rejects non-numeric IDs, naming the item (as n8n numbers items, from 0) and the parameter', () => {
		const error = errorOf(() => requireFieldId(node, 2, 'fieldId', 'gender'));
		expect(error.message).toMatch(/\[item 2\]$/);
		expect(error.message).toContain('"fieldId"');
		expect(error.message).toContain('"gender"');
		expect(error.context.itemIndex).toBe(2);
		for (const bad of ['', '1.5', '-3', '07', null, undefined, {}]) {
			expect(() => requireFieldId(node, 0, 'fieldId', bad)).toThrow(NodeOperationError);
		}
	});

	it('reads field lists from arrays or comma-separated text and enforces the maximum', () => {
		expect(requireFieldIds(node, 0, 'fields', ['1', 2, '3'], 10)).toEqual(['1', '2', '3']);
		expect(requireFieldIds(node, 0, 'fields', '1, 2,3', 10)).toEqual(['1', '2', '3']);
		expect(requireFieldIds(node, 0, 'fields', ['1', '1'], 10)).toEqual(['1']);
		expect(requireFieldIds(node, 0, 'fields', [], 10)).toEqual([]);
		expect(() => requireFieldIds(node, 0, 'fields', ['1', 'first_name'], 10)).toThrow(/first_name/);
		const error = errorOf(() => requireFieldIds(node, 1, 'fields', ['1', '2', '3'], 2));
		expect(error.message).toMatch(/Parameter "fields": 3 fields given; Emarsys accepts at most 2.*\[item 1\]/);
	});
});

describe('key fields and contact keys', () => {
	it('accepts numeric IDs, id/uid and string IDs', () => {
		expect(requireKeyId(node, 0, '3')).toBe('3');
		expect(requireKeyId(node, 0, 'ID')).toBe('id');
		expect(requireKeyId(node, 0, 'uid')).toBe('uid');
		expect(requireKeyId(node, 0, 'email')).toBe('email');
		expect(() => requireKeyId(node, 0, 'e-mail address')).toThrow(/keyId/);
		expect(() => requireKeyId(node, 0, '')).toThrow(/keyId/);
	});

	it('rejects an empty contact ID', () => {
		expect(requireContactId(node, 0, ' ada@example.com ')).toBe('ada@example.com');
		expect(requireContactId(node, 0, 42)).toBe('42');
		const error = errorOf(() => requireContactId(node, 4, '  '));
		expect(error.message).toBe('Parameter "contactId": is empty [item 4]');
		expect(error.description).toMatch(/^Give the value of the key field that identifies the contact/);
		expect(() => requireContactId(node, 0, undefined)).toThrow(/is empty/);
		expect(() => requireContactId(node, 0, { a: 1 })).toThrow(/must be text/);
	});
});

describe('values of E-Mail (3)', () => {
	it('accepts e-mail addresses, and any value of other fields', () => {
		expect(requireEmailIfEmailField(node, 0, '3', 'jane.doe@example.com')).toBe('jane.doe@example.com');
		expect(requireEmailIfEmailField(node, 0, 'email', 'a+b@sub.example.co.uk')).toBe('a+b@sub.example.co.uk');
		expect(requireEmailIfEmailField(node, 0, 'id', '100004')).toBe('100004');
		expect(requireEmailIfEmailField(node, 0, '10500', 'not an address')).toBe('not an address');
	});

	it.each(['jane.doe', 'jane@example', 'jane doe@example.com', '@example.com', 'jane@@example.com'])('refuses %p with the parameter, the value and an example', (value) => {
		const error = errorOf(() => requireEmailIfEmailField(node, 2, '3', value, 'columns'));
		expect(error.message).toBe(`Parameter "columns": "${value}" is not an e-mail address (field 3 is E-Mail) [item 2]`);
		expect(error.description).toContain('jane.doe@example.com');
	});
});

describe('event data', () => {
	it('accepts JSON objects as text or object; empty means none', () => {
		expect(requireJsonObject(node, 0, 'eventData', '{"global":{"a":1}}')).toEqual({ global: { a: 1 } });
		expect(requireJsonObject(node, 0, 'eventData', { a: 'b' })).toEqual({ a: 'b' });
		expect(requireJsonObject(node, 0, 'eventData', '')).toBeUndefined();
	});

	it('rejects arrays, primitives, null and invalid JSON', () => {
		expect(() => requireJsonObject(node, 0, 'eventData', '[1,2]')).toThrow(/must be a JSON object, got an array/);
		expect(() => requireJsonObject(node, 0, 'eventData', '"text"')).toThrow(/got string/);
		expect(() => requireJsonObject(node, 0, 'eventData', 'null')).toThrow(/got null/);
		expect(() => requireJsonObject(node, 0, 'eventData', '{"a":')).toThrow(/is not valid JSON/);
		expect(() => requireJsonObject(node, 0, 'eventData', 12)).toThrow(/got number/);
	});
});

describe('event time', () => {
	it('turns date-times into UTC ISO-8601 without milliseconds', () => {
		expect(requireUtcTime(node, 0, 'eventTime', '2026-03-01T14:00:00+01:00')).toBe('2026-03-01T13:00:00Z');
		expect(requireUtcTime(node, 0, 'eventTime', '2026-03-01T13:00:00.250Z')).toBe('2026-03-01T13:00:00Z');
		expect(requireUtcTime(node, 0, 'eventTime', '2026-03-01 13:00')).toBe('2026-03-01T13:00:00Z');
		expect(requireUtcTime(node, 0, 'eventTime', '2026-03-01')).toBe('2026-03-01T00:00:00Z');
		expect(requireUtcTime(node, 0, 'eventTime', '')).toBeUndefined();
	});

	it('rejects what is not a date-time', () => {
		expect(() => requireUtcTime(node, 0, 'options.eventTime', 'tomorrow')).toThrow(/"options.eventTime": "tomorrow" is not a date-time/);
		expect(() => requireUtcTime(node, 0, 'options.eventTime', '2026-13-45T99:00:00Z')).toThrow(/not a date-time/);
	});
});

describe('language', () => {
	it('defaults to en and rejects what is not a language code', () => {
		expect(requireLanguage(node, 0, undefined)).toBe('en');
		expect(requireLanguage(node, 0, 'DE')).toBe('de');
		expect(() => requireLanguage(node, 0, 'german')).toThrow(/not a language code/);
	});
});

describe('planning batch calls', () => {
	const entry = (itemIndex: number, contactId: string, group = 'g', payload: unknown = contactId): BatchEntry => ({ itemIndex, group, contactId, numericKey: false, payload });
	const itemsPerCall = (chunks: Array<Chunk<BatchEntry>>) => chunks.map((chunk) => chunk.entries.map((entry) => itemsOf(chunk, entry)));

	it('cuts at 1000 entries per call, keeping input order', () => {
		const entries = Array.from({ length: 2500 }, (_, i) => entry(i, `c${i}@example.com`));
		const { chunks } = planCalls(entries, 'separate', 10_000_000);
		expect(chunks.map((chunk) => chunk.entries.length)).toEqual([1000, 1000, 500]);
		expect(chunks.flatMap((chunk) => chunk.entries)).toEqual(entries);
	});

	it('cuts by payload bytes, and hands back an entry too large for any call', () => {
		const entries = [entry(0, 'a', 'g', 'a'.repeat(600)), entry(1, 'b', 'g', 'b'.repeat(600)), entry(2, 'c', 'g', 'c'.repeat(600)), entry(3, 'd', 'g', 'd'.repeat(2000))];
		const { chunks, tooLarge } = planCalls(entries, 'separate', 1300);
		expect(itemsPerCall(chunks)).toEqual([[[0], [1]], [[2]]]);
		expect(tooLarge.map((large) => large.entry.itemIndex)).toEqual([3]);
		expect(tooLarge[0].bytes).toBe(2003);
	});

	it('keeps groups apart, in first-seen order', () => {
		const { chunks } = planCalls([entry(0, 'a', 'x'), entry(1, 'b', 'y'), entry(2, 'c', 'x')], 'separate', 1000);
		expect(itemsPerCall(chunks)).toEqual([[[0], [2]], [[1]]]);
	});

	it('writes: a contact named again starts a new call (the later item wins)', () => {
		const { chunks } = planCalls([entry(0, 'a'), entry(1, 'b'), entry(2, 'A'), entry(3, 'c')], 'separate', 1000);
		expect(itemsPerCall(chunks)).toEqual([[[0], [1]], [[2], [3]]]);
	});

	it('reads: items naming the same contact share one entry', () => {
		const { chunks } = planCalls([entry(0, 'a'), entry(1, 'b'), entry(2, 'A'), entry(3, 'c')], 'share', 1000);
		expect(itemsPerCall(chunks)).toEqual([[[0, 2], [1], [3]]]);
	});

	it('compares keys like Emarsys: text case-insensitively, numbers by value where the key field holds numbers', () => {
		expect(normalizeKey(' Ada@Example.COM ', false)).toBe(normalizeKey('ada@example.com', false));
		expect(normalizeKey('007', true)).toBe(normalizeKey(7, true));
		expect(normalizeKey('007', false)).not.toBe(normalizeKey(7, false));
		expect(normalizeKey('a', false)).not.toBe(normalizeKey('b', false));
	});
});
