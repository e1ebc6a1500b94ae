/**
 * Pure parts of the batch engine at their edges (test/unit/validation.test.ts has the common
 * planning cases): payload limits met exactly, per-contact errors of a batch write as Emarsys
 * sends them (`{"a@b.c": {"2008": "No contact found"}}`, API reference of `PUT contact` and
 * `event/{id}/trigger`), key comparison, and byte counts in words.
 */
import { CallPlanner, errorsByContact, inWords, normalizeKey, planCalls, type BatchEntry } from '../../nodes/Emarsys/helpers/batch';

const entry = (itemIndex: number, contactId: string, payload: unknown = contactId, numericKey = false): BatchEntry => ({ itemIndex, group: 'g', contactId, numericKey, payload });
/** What an entry counts against the limit: its JSON and a comma. */
const bytesOf = (payload: unknown) => Buffer.byteLength(JSON.stringify(payload), 'utf8') + 1;

describe('payload limits met exactly', () => {
	it('entries that fill a call to the byte share one call; one byte more starts the next', () => {
		const entries = [entry(0, 'a', 'x'.repeat(100)), entry(1, 'b', 'y'.repeat(100))];
		const exact = bytesOf(entries[0].payload) + bytesOf(entries[1].payload);
		expect(planCalls(entries, 'separate', exact).chunks).toHaveLength(1);
		expect(planCalls(entries, 'separate', exact - 1).chunks).toHaveLength(2);
	});

	it('an entry exactly at the limit fits a call of its own; one byte over is too large', () => {
		const big = entry(0, 'a', 'é'.repeat(50));
		const size = bytesOf(big.payload);
		expect(size).toBe(50 * 2 + 2 + 1);
		expect(planCalls([big], 'separate', size).tooLarge).toEqual([]);
		expect(planCalls([big], 'separate', size - 1).tooLarge).toEqual([{ entry: big, bytes: size }]);
	});

	it('a new call starts counting from zero', () => {
		const entries = [entry(0, 'a', 'x'.repeat(100)), entry(1, 'b', 'y'.repeat(100)), entry(2, 'c', 'z'.repeat(100))];
		const two = bytesOf(entries[0].payload) * 2;
		expect(planCalls(entries, 'separate', two).chunks.map((chunk) => chunk.entries.length)).toEqual([2, 1]);
	});

	it('a contact named again after a full call goes into the next call with the others', () => {
		const entries = [entry(0, 'a'), entry(1, 'b'), entry(2, 'a'), entry(3, 'c')];
		const { chunks } = planCalls(entries, 'separate', bytesOf('a') * 2);
		expect(chunks.map((chunk) => chunk.entries.map((e) => e.itemIndex))).toEqual([[0, 1], [2, 3]]);
	});

	it('reads: an item naming a contact of an earlier, full call shares that call', () => {
		const entries = [entry(0, 'a'), entry(1, 'b'), entry(2, 'c'), entry(3, 'A')];
		const { chunks } = planCalls(entries, 'share', bytesOf('a') * 2);
		expect(chunks.map((chunk) => chunk.entries.map((e) => e.itemIndex))).toEqual([[0, 1], [2]]);
		expect(chunks[0].sharing.get(entries[0])).toEqual([3]);
		expect(chunks[1].sharing).toBe(chunks[0].sharing);
	});

	it('reads: in a text key field 0123 and 123 are two contacts, each asked for (in two calls: they might be one); in a numeric one, one contact shared', () => {
		const text = planCalls([entry(0, '0123'), entry(1, '123'), entry(2, '12345678901234567'), entry(3, '12345678901234568')], 'share', 1000);
		expect(text.chunks.map((chunk) => chunk.entries.map((e) => e.itemIndex))).toEqual([[0], [1, 2, 3]]);
		expect(text.chunks[0].sharing.size).toBe(0);
		const numeric = planCalls([entry(0, '0123', '0123', true), entry(1, '123', '123', true), entry(2, '+123.0', '+123.0', true)], 'share', 1000);
		expect(numeric.chunks.map((chunk) => chunk.entries.map((e) => e.itemIndex))).toEqual([[0]]);
		expect(numeric.chunks[0].sharing.get(numeric.chunks[0].entries[0])).toEqual([1, 2]);
	});

	it('reads: several further items naming one contact all share it', () => {
		const entries = [entry(0, 'a'), entry(1, 'a'), entry(2, 'a')];
		const { chunks } = planCalls(entries, 'share', 1000);
		expect(chunks).toHaveLength(1);
		expect(chunks[0].sharing.get(entries[0])).toEqual([1, 2]);
	});
});

describe('a call goes as soon as it is full (reads send while later items are read)', () => {
	it('the entry that starts a new call hands back the full one; the others hand back nothing', () => {
		const planner = new CallPlanner<BatchEntry>('separate', bytesOf('a') * 2);
		const [a, b, c] = [entry(0, 'a'), entry(1, 'b'), entry(2, 'c')];
		expect(planner.add(a)).toEqual({});
		expect(planner.add(b)).toEqual({});
		expect(planner.add(c)).toEqual({ closed: { entries: [a, b], group: 'g', bytes: bytesOf('a') * 2, sharing: new Map() } });
		// The open call is still the group's last one.
		expect(planner.chunksByGroup()).toEqual([[expect.objectContaining({ entries: [a, b] }), expect.objectContaining({ entries: [c], bytes: bytesOf('c') })]]);
	});

	it('a write naming a contact of the open call closes it; a read shares the contact and closes nothing', () => {
		const writes = new CallPlanner<BatchEntry>('separate', 1000);
		writes.add(entry(0, 'a'));
		expect(writes.add(entry(1, 'A'))).toEqual({ closed: expect.objectContaining({ entries: [entry(0, 'a')] }) });
		const reads = new CallPlanner<BatchEntry>('share', 1000);
		reads.add(entry(0, 'a'));
		expect(reads.add(entry(1, 'A'))).toEqual({});
		expect(reads.chunksByGroup()[0][0].sharing.get(reads.chunksByGroup()[0][0].entries[0])).toEqual([1]);
	});
});

describe('per-contact errors of a batch write', () => {
	it('maps each contact key, as Emarsys compares keys, to its first error code and message', () => {
		const errors = { 'Ada@Example.com': { 2008: 'No contact found' }, '007': { 2010: 'Duplicate', 2011: 'Other' } };
		expect([...errorsByContact(errors, false)]).toEqual([
			['ada@example.com', { code: 2008, message: 'No contact found' }],
			['007', { code: 2010, message: 'Duplicate' }],
		]);
		expect([...errorsByContact(errors, true).keys()]).toEqual(['ada@example.com', '7']);
	});

	it('an entry without code still is an error', () => {
		expect(errorsByContact({ a: {} }, false).get('a')).toEqual({ code: 0, message: 'Error' });
		expect(errorsByContact({ a: null }, false).get('a')).toEqual({ code: 0, message: 'Error' });
	});

	it('nothing, an empty list or text: no errors', () => {
		for (const none of [undefined, null, [], ['a'], 'a', 5]) expect(errorsByContact(none, false).size).toBe(0);
	});
});

describe('keys as Emarsys compares them', () => {
	it('in a numeric key field, numbers by value, with sign and decimals, to any number of digits', () => {
		const numeric = (value: unknown) => normalizeKey(value, true);
		expect(['+7', '-07', '1.50', ' 42 ', '007.000', '-0', '-0.0', '0', '10', '100.010'].map(numeric)).toEqual(['7', '-7', '1.5', '42', '7', '0', '0', '0', '10', '100.01']);
		// Past 2^53 as well: a number type would make these one.
		expect(numeric('12345678901234567')).not.toBe(numeric('12345678901234568'));
		expect(numeric('0012345678901234567')).toBe('12345678901234567');
		// Text that is no plain decimal number stays text (case-insensitive).
		expect(['1.', '.5', '1e3', '12ab', 'AB12', '1 000', '--1'].map(numeric)).toEqual(['1.', '.5', '1e3', '12ab', 'ab12', '1 000', '--1']);
		expect([undefined, null].map(numeric)).toEqual(['', '']);
	});

	it('in any other key field, text: trimmed and case-insensitive, 0123 and 123 (or +4917 and 4917) two values', () => {
		const text = (value: unknown) => normalizeKey(value, false);
		expect(['0123', '+4917', ' 42 ', '1.50', 'Ada@Example.COM', '12345678901234567'].map(text)).toEqual(['0123', '+4917', '42', '1.50', 'ada@example.com', '12345678901234567']);
		expect([undefined, null, 7].map(text)).toEqual(['', '', '7']);
	});
});

describe('byte counts in words', () => {
	it('MB from a million bytes on, kB below', () => {
		expect(inWords(10_000_000)).toBe('10 MB');
		expect(inWords(1_000_000)).toBe('1 MB');
		expect(inWords(999_000)).toBe('999 kB');
		expect(inWords(100_000)).toBe('100 kB');
	});
});
