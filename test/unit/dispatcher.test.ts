/** The dispatcher's rules, with a stand-in for Emarsys that records every call and answers after a delay. */
import { Dispatcher, MAX_LINGER_MS, type CallRequest } from '../../nodes/Emarsys/transport/dispatcher';

interface SentCall {
	route: string;
	entries: string[];
	startedAt: number;
	endedAt?: number;
}

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

/** A dispatcher whose calls take `latencyMs` and answer with the entries they carried. */
function setup(latencyMs = 50) {
	const dispatcher = new Dispatcher();
	const sent: SentCall[] = [];
	const request = (route: string, entries: string[], extra: Partial<CallRequest<string, string[]>> = {}): CallRequest<string, string[]> => ({
		route,
		entries,
		contacts: entries,
		bytes: entries.length * 10,
		maxEntries: 1000,
		maxBytes: 10_000,
		combine: true,
		cancelled: () => false,
		send: async (all) => {
			const call: SentCall = { route, entries: all, startedAt: Date.now() };
			sent.push(call);
			await sleep(latencyMs);
			call.endedAt = Date.now();
			return all;
		},
		...extra,
	});
	const submit = async (route: string, entries: string[], extra: Partial<CallRequest<string, string[]>> = {}) => {
		const result = await dispatcher.submit(request(route, entries, extra));
		return result.answer.slice(result.offset, result.offset + entries.length);
	};
	return { dispatcher, sent, submit };
}

describe('dispatcher', () => {
	it('sends a lone call at once; calls arriving while one of their route is in flight go together in the next one', async () => {
		const { sent, submit } = setup();
		const started = Date.now();
		const first = submit('trigger|1001', ['a']);
		await sleep(10);
		const others = [submit('trigger|1001', ['b']), submit('trigger|1001', ['c']), submit('trigger|1001', ['d', 'e'])];
		// Each caller gets back exactly its own part of the answer.
		expect(await Promise.all([first, ...others])).toEqual([['a'], ['b'], ['c'], ['d', 'e']]);
		expect(sent.map((call) => call.entries)).toEqual([['a'], ['b', 'c', 'd', 'e']]);
		expect(sent[0].startedAt - started).toBeLessThan(100);
		// The second call went as soon as the first was answered (group commit, no linger while there is budget).
		expect(sent[1].startedAt - (sent[0].endedAt ?? 0)).toBeLessThan(100);
	});

	it('never combines calls of different routes, calls naming the same contact, or beyond the entry and byte limits', async () => {
		const { sent, submit } = setup();
		const blocker = submit('r1', ['x']);
		await sleep(5);
		await Promise.all([
			blocker,
			submit('r1', ['a']),
			submit('r2', ['a']),
			submit('r1', ['a']), // the same contact again: the next call
			submit('r1', ['b'], { maxEntries: 2 }),
			submit('r1', ['c'], { maxEntries: 2 }), // the call holds 2 already
			submit('r1', ['y'], { bytes: 20_000 }), // too large to join: a call of its own
		]);
		const ofRoute = (route: string) => sent.filter((call) => call.route === route).map((call) => call.entries);
		expect(ofRoute('r2')).toEqual([['a']]);
		expect(ofRoute('r1')).toEqual([['x'], ['a', 'b'], ['a', 'c'], ['y']]);
	});

	it('a call that does not combine goes beside the others; one naming a contact in flight waits for that call', async () => {
		const { dispatcher, sent, submit } = setup(100);
		dispatcher.observe(900, Date.now() + 60_000, 0);
		await Promise.all([
			submit('bulk', ['a', 'b'], { combine: false }),
			submit('bulk', ['c', 'd'], { combine: false }),
			submit('bulk', ['e', 'a'], { combine: false }),
		]);
		expect(sent.map((call) => call.entries)).toEqual([['a', 'b'], ['c', 'd'], ['e', 'a']]);
		expect(Math.abs(sent[1].startedAt - sent[0].startedAt)).toBeLessThan(50);
		expect(sent[2].startedAt).toBeGreaterThanOrEqual(sent[0].endedAt ?? Infinity);
	});

	it('while the window has room for the calls asked for, nothing waits; when it has not, calls are spaced out and merge, none waiting longer than the linger bound', async () => {
		const { dispatcher, sent, submit } = setup(5);
		const now = Date.now();
		dispatcher.observe(900, now + 60_000, 0, now);
		await Promise.all(Array.from({ length: 6 }, async (_, i) => await submit(`plenty|${i}`, [`p${i}`])));
		expect(sent).toHaveLength(6);
		expect(sent[5].startedAt - sent[0].startedAt).toBeLessThan(50);

		// 2 calls left for the next 3 seconds, while 40 are asked for in one second: spacing them would take 1.7 s a call.
		sent.length = 0;
		dispatcher.observe(2, Date.now() + 3000, 0);
		const asked = Date.now();
		const waits = await Promise.all(
			Array.from({ length: 40 }, async (_, i) => {
				await sleep(i * 25);
				const at = Date.now();
				await submit(`scarce|${i % 2}`, [`s${i}`]);
				return Date.now() - at;
			}),
		);
		// Merged: far fewer calls than asked for; spaced (not all at once).
		expect(sent.length).toBeLessThanOrEqual(12);
		expect(sent.length).toBeGreaterThanOrEqual(2);
		expect(sent.flatMap((call) => call.entries).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `s${i}`).sort());
		expect(sent[sent.length - 1].startedAt - asked).toBeGreaterThan(1000);
		// The linger bound, plus the calls of the route in flight before it (5 ms each) and timer slack.
		for (const wait of waits) expect(wait).toBeLessThan(MAX_LINGER_MS + 300);
	});

	it('before the first answer of a window one call finds out the budget; then no more calls start at once than the window has left', async () => {
		const { dispatcher, sent, submit } = setup(50);
		await Promise.all([submit('a', ['1'], { combine: false }), submit('b', ['2'], { combine: false })]);
		expect(sent[1].startedAt).toBeGreaterThanOrEqual(sent[0].endedAt ?? Infinity);
		sent.length = 0;
		dispatcher.observe(2, Date.now() + 60_000, 0);
		await Promise.all(['c', 'd', 'e'].map(async (route) => await submit(route, [route], { combine: false })));
		// Two fit in the window at once; the third waits for an answer (which says what is left now).
		expect(Math.abs(sent[1].startedAt - sent[0].startedAt)).toBeLessThan(40);
		expect(sent[2].startedAt).toBeGreaterThanOrEqual(Math.min(sent[0].endedAt ?? Infinity, sent[1].endedAt ?? Infinity));
		// Answers without rate-limit headers: nothing is held back.
		sent.length = 0;
		dispatcher.observe(undefined, undefined, 0);
		await Promise.all(['f', 'g', 'h'].map(async (route) => await submit(route, [route], { combine: false })));
		expect(sent[2].startedAt - sent[0].startedAt).toBeLessThan(40);
	});

	it('after a pause (a 429, or a window used up) no call starts before it ends', async () => {
		const { dispatcher, sent, submit } = setup(5);
		const pausedAt = Date.now();
		dispatcher.pause(300);
		expect(dispatcher.pausedFor()).toBeGreaterThan(200);
		await Promise.all([submit('a', ['1']), submit('b', ['2'])]);
		for (const call of sent) expect(call.startedAt - pausedAt).toBeGreaterThanOrEqual(295);
	});

	it('a call cut off because its sender was cancelled is sent again for the others; the error of a sender not cancelled reaches everyone', async () => {
		const { sent, submit } = setup(5);
		let cancelledNow = false;
		const blocker = submit('r', ['x']);
		await sleep(1);
		const cancelledOne = submit('r', ['a'], {
			cancelled: () => cancelledNow,
			send: async () => {
				cancelledNow = true;
				throw new Error('canceled');
			},
		});
		const other = submit('r', ['b']);
		await blocker;
		expect(await other).toEqual(['b']);
		await expect(cancelledOne).resolves.toEqual(['a']);
		expect(sent.map((call) => call.entries)).toEqual([['x'], ['a', 'b']]);

		const failing = setup(5);
		const opener = failing.submit('r', ['x']);
		await sleep(1);
		const broken = failing.submit('r', ['a'], { send: async () => await Promise.reject(new Error('HTTP 400')) });
		const bystander = failing.submit('r', ['b']);
		await opener;
		await expect(broken).rejects.toThrow('HTTP 400');
		await expect(bystander).rejects.toThrow('HTTP 400');
	});
});
