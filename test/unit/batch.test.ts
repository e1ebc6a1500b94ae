/**
 * Pure parts of the batch engine at their edges (test/unit/validation.test.ts has the common
 * planning cases): payload limits met exactly, per-contact errors of a batch write as Emarsys
 * sends them (`{"a@b.c": {"2008": "No contact found"}}`, API reference of `PUT contact` and
 * `event/{id}/trigger`), key comparison, and byte counts in words.
 */
import { CallPlanner, errorsByContact, inWords, normalizeKey, planCalls, type BatchEntry } from '../../nodes/Emarsys/helpers/batch';

const entry = (itemIndex: number, contactId: string, payload: unknown = contactId): BatchEntry => ({ itemIndex, group: 'g', contactId, payload });
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
		const errors = errorsByContact({ 'Ada@Example.com': { 2008: 'No contact found' }, '007': { 2010: 'Duplicate', 2011: 'Other' } });
		expect([...errors]).toEqual([
			['ada@example.com', { code: 2008, message: 'No contact found' }],
			['7', { code: 2010, message: 'Duplicate' }],
		]);
	});

	it('an entry without code still is an error', () => {
		expect(errorsByContact({ a: {} }).get('a')).toEqual({ code: 0, message: 'Error' });
		expect(errorsByContact({ a: null }).get('a')).toEqual({ code: 0, message: 'Error' });
	});

	it('nothing, an empty list or text: no errors', () => {
		for (const none of [undefined, null, [], ['a'], 'a', 5]) expect(errorsByContact(none).size).toBe(0);
	});
});

describe('keys as Emarsys compares them', () => {
	it('numbers by value, with sign and decimals; text trimmed and case-insensitive', () => {
		expect(normalizeKey('+7')).toBe('7');
		expect(normalizeKey('-07')).toBe('-7');
		expect(normalizeKey('1.50')).toBe('1.5');
		expect(normalizeKey(' 42 ')).toBe('42');
		expect(normalizeKey('1.')).toBe('1.');
		expect(normalizeKey('1e3')).toBe('1e3');
		expect(normalizeKey('12ab')).toBe('12ab');
		expect(normalizeKey('AB12')).toBe('ab12');
		expect(normalizeKey(undefined)).toBe('');
		expect(normalizeKey(null)).toBe('');
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
