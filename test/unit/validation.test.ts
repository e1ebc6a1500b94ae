import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { chunkEntries, normalizeKey } from '../../nodes/Emarsys/helpers/batch';
import {
	requireContactKey,
	requireFieldId,
	requireFieldIds,
	requireJsonObject,
	requireKeyId,
	requireLanguage,
	requireUtcTime,
} from '../../nodes/Emarsys/helpers/validation';

const node: INode = {
	id: '1',
	name: 'Emarsys',
	type: 'n8n-nodes-emarsys.emarsys',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

function errorOf(fn: () => unknown): NodeOperationError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(NodeOperationError);
		return error as NodeOperationError;
	}
	throw new Error('expected an error');
}

describe('field IDs', () => {
	it('accepts whole numbers given as number or text', () => {
		expect(requireFieldId(node, 0, 'fieldId', 5)).toBe('5');
		expect(requireFieldId(node, 0, 'fieldId', ' 10500 ')).toBe('10500');
		expect(requireFieldId(node, 0, 'fieldId', '0')).toBe('0');
	});

	it('rejects non-numeric IDs, naming the item (1-based) and the parameter', () => {
		const error = errorOf(() => requireFieldId(node, 2, 'fieldId', 'gender'));
		expect(error.message).toContain('Item 3');
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
		expect(error.message).toMatch(/Item 2, parameter "fields": 3 fields given; Emarsys accepts at most 2/);
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
		expect(requireContactKey(node, 0, 'contactId', ' ada@example.com ')).toBe('ada@example.com');
		expect(requireContactKey(node, 0, 'contactId', 42)).toBe('42');
		const error = errorOf(() => requireContactKey(node, 4, 'contactId', '  '));
		expect(error.message).toBe('Item 5, parameter "contactId": is empty');
		expect(() => requireContactKey(node, 0, 'contactId', undefined)).toThrow(/is empty/);
		expect(() => requireContactKey(node, 0, 'contactId', { a: 1 })).toThrow(/must be text/);
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

describe('batching helpers', () => {
	it('chunks at the count limit, keeping order', () => {
		const entries = Array.from({ length: 2500 }, (_, i) => i);
		const chunks = chunkEntries(entries, { maxCount: 1000 });
		expect(chunks.map((chunk) => chunk.length)).toEqual([1000, 1000, 500]);
		expect(chunks.flat()).toEqual(entries);
	});

	it('chunks by payload bytes', () => {
		const entries = ['a'.repeat(600), 'b'.repeat(600), 'c'.repeat(600)];
		const chunks = chunkEntries(entries, { maxBytes: 1024 + 1300, sizeOf: (entry) => entry.length });
		expect(chunks.map((chunk) => chunk.length)).toEqual([2, 1]);
	});

	it('starts a new chunk when a key repeats', () => {
		const chunks = chunkEntries(['a', 'b', 'A', 'c'], { keyOf: (entry) => normalizeKey(entry) });
		expect(chunks).toEqual([['a', 'b'], ['A', 'c']]);
	});

	it('compares keys like Emarsys: text case-insensitively, numbers by value', () => {
		expect(normalizeKey(' Ada@Example.COM ')).toBe(normalizeKey('ada@example.com'));
		expect(normalizeKey('007')).toBe(normalizeKey(7));
		expect(normalizeKey('a')).not.toBe(normalizeKey('b'));
	});
});
