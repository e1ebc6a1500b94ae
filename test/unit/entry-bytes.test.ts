/**
 * entryBytes: the payload size used for the 10 MB check and for chunking. It may be an upper
 * bound for small entries (so that small contacts are not serialized just to be measured), but
 * never less than the real JSON size, and exact once an entry is large.
 */
import { entryBytes, jsonBytes } from '../../nodes/Emarsys/helpers/batch';
import { MAX_BATCH_SIZE, MAX_PAYLOAD_BYTES } from '../../nodes/Emarsys/transport';

const SMALL = Math.floor((MAX_PAYLOAD_BYTES - 1024) / MAX_BATCH_SIZE);

/** Deterministic pseudo-random text with quotes, backslashes, control characters, non-ASCII and emoji. */
function text(seed: number, length: number): string {
	const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\u0001', 'é', 'ß', '中', '🙂', '\u2028', '\ud800'];
	let out = '';
	let state = seed;
	for (let i = 0; i < length; i++) {
		state = (state * 1103515245 + 12345) % 2147483648;
		out += alphabet[state % alphabet.length];
	}
	return out;
}

describe('entryBytes', () => {
	it('is never below the real JSON size (small entries of every kind of value)', () => {
		for (let seed = 1; seed <= 300; seed++) {
			const entry = {
				'3': text(seed, seed % 40),
				[text(seed + 7, 3)]: text(seed * 3, seed % 7),
				'1': seed % 2 ? -1.7976931348623157e308 : seed / 7,
				flag: seed % 3 === 0,
				none: null,
				skipped: undefined,
				list: [seed, text(seed, 2), null, undefined, { nested: text(seed + 1, 4) }],
			};
			expect(entryBytes(entry)).toBeGreaterThanOrEqual(jsonBytes(entry));
			expect(entryBytes(entry)).toBeLessThanOrEqual(SMALL);
		}
	});

	it('is exact for entries too large for the bound to be safe', () => {
		const large = { '3': 'jane@example.com', '12': text(5, 5000) };
		expect(jsonBytes(large)).toBeLessThan(SMALL * 6);
		expect(entryBytes(large)).toBe(jsonBytes(large));
		const huge = { '3': 'x@example.com', '12': 'y'.repeat(11 * 1024 * 1024) };
		expect(entryBytes(huge)).toBe(jsonBytes(huge));
	});

	it('is exact for values that are not plain data (dates serialize through toJSON)', () => {
		const entry = { '3': 'a@b.c', when: new Date('2026-11-27T00:00:00Z') };
		expect(entryBytes(entry)).toBe(jsonBytes(entry));
	});

	it('keys and strings as the key of a getdata call', () => {
		for (const key of ['ada@example.com', text(9, 30), '']) {
			expect(entryBytes(key)).toBeGreaterThanOrEqual(jsonBytes(key));
		}
	});
});
