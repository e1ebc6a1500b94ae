/** The dispatcher's rules, with a stand-in for Emarsys that records every call and answers after a delay. */
import { Dispatcher, dispatcherFor, MAX_LINGER_MS, type CallRequest } from '../../nodes/Emarsys/transport/dispatcher';

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

	it('answers of calls sent side by side come back in any order: within a window the lowest count left counts, a new window starts afresh', async () => {
		const { dispatcher, sent, submit } = setup(5);
		const resetAt = Date.now() + 400;
		// The later call's answer (none left) came back first, the earlier call's (one left) last.
		dispatcher.observe(0, resetAt, 0);
		dispatcher.observe(1, resetAt, 0);
		await submit('a', ['1'], { combine: false });
		expect(sent[0].startedAt).toBeGreaterThanOrEqual(resetAt - 5);
		sent.length = 0;
		dispatcher.observe(3, Date.now() + 60_000, 0);
		await Promise.all(['b', 'c', 'd'].map(async (route) => await submit(route, [route], { combine: false })));
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

	it('a merged call refused for what it carries is sent again request by request: only the request whose data is refused fails', async () => {
		const { sent, submit } = setup(5);
		const refused = (error: unknown) => (error as Error).message === 'refused: spoiled';
		/** Emarsys refusing any call that carries `spoiled`, with the error `refused` recognises (or another). */
		const send = (message: string) => async (all: string[]) => {
			sent.push({ route: 'r', entries: all, startedAt: Date.now() });
			await sleep(5);
			if (all.includes('spoiled')) throw new Error(message);
			return all;
		};
		const opener = submit('r', ['x'], { send: send('refused: spoiled'), refusedForItsData: refused });
		await sleep(1);
		const riders = ['a', 'spoiled', 'b'].map((entry) => submit('r', [entry], { send: send('refused: spoiled'), refusedForItsData: refused }));
		await opener;
		const outcomes = await Promise.allSettled(riders);
		expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([['a'], 'refused: spoiled', ['b']]);
		expect(sent.map((call) => call.entries)).toEqual([['x'], ['a', 'spoiled', 'b'], ['a'], ['spoiled'], ['b']]);

		// Another error (a 500 after its retries, say) reaches every request of the call, as before.
		const other = setup(5);
		const first = other.submit('r', ['x']);
		await sleep(1);
		const together = ['a', 'spoiled'].map((entry) => other.submit('r', [entry], { send: send('HTTP 500'), refusedForItsData: refused }));
		await first;
		expect((await Promise.allSettled(together)).map((o) => o.status)).toEqual(['rejected', 'rejected']);
	});
});

/**
 * The same rules to the millisecond, on Jest's fake clock (Date.now and timers): each test names
 * the time a call must start at, from the rule in the dispatcher's header comment.
 */
describe('dispatcher, on a fake clock', () => {
	const T0 = 1_000_000;
	beforeEach(() => jest.useFakeTimers({ now: T0 }));
	afterEach(() => jest.useRealTimers());

	interface Started {
		route: string;
		entries: string[];
		at: number;
		endedAt?: number;
	}

	/** Calls answer after `latencyMs` (per route: `latency[route]`); times are ms since T0. */
	function clock(latencyMs = 100, latency: Record<string, number> = {}) {
		const dispatcher = new Dispatcher();
		const sent: Started[] = [];
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
				const call: Started = { route, entries: all, at: Date.now() - T0 };
				sent.push(call);
				await new Promise((resolve) => setTimeout(resolve, latency[route] ?? latencyMs));
				call.endedAt = Date.now() - T0;
				return all;
			},
			...extra,
		});
		const submit = async (route: string, entries: string[], extra: Partial<CallRequest<string, string[]>> = {}) =>
			await dispatcher.submit(request(route, entries, extra));
		return { dispatcher, sent, submit };
	}
	const run = async (ms: number) => await jest.advanceTimersByTimeAsync(ms);
	const plenty = (dispatcher: Dispatcher) => dispatcher.observe(900, Date.now() + 60_000, 0);

	it('with budget to spare, calls arriving while one of their route is in flight still wait for its answer and go as one', async () => {
		const { dispatcher, sent, submit } = clock(100);
		plenty(dispatcher);
		const all = Promise.all([submit('r', ['a']), submit('r', ['b']), submit('r', ['c'])]);
		await run(500);
		await all;
		expect(sent.map((call) => [call.entries, call.at])).toEqual([
			[['a'], 0],
			[['b', 'c'], 100],
		]);
	});

	it("a bulk run's calls in flight do not hold another execution's single call of the same route: it goes at once, and one arriving meanwhile waits for it only", async () => {
		const { dispatcher, sent, submit } = clock(100);
		plenty(dispatcher);
		// A bulk run keeps 4 calls (not combined) of the route in flight from 0 to 1000 ms.
		const bulk: Array<Promise<unknown>> = [];
		for (let lane = 0; lane < 4; lane++) {
			bulk.push((async () => {
				for (let call = 0; call < 10; call++) await submit('r', [`bulk-${lane}-${call}`], { combine: false });
			})());
		}
		await run(250);
		const singles = Promise.all([submit('r', ['chat-1']), (async () => {
			await run(10);
			return await submit('r', ['chat-2']);
		})()]);
		await run(2000);
		await Promise.all([...bulk, singles]);
		const chat = sent.filter((call) => call.entries.some((entry) => entry.startsWith('chat')));
		expect(chat.map((call) => [call.entries, call.at])).toEqual([
			[['chat-1'], 250],
			[['chat-2'], 350],
		]);
		expect(Math.max(...sent.map((call) => call.endedAt!))).toBe(1000);
	});

	it('joins a waiting call only while its entries, bytes and contacts fit', async () => {
		const { dispatcher, sent, submit } = clock(100);
		plenty(dispatcher);
		const all = Promise.all([
			submit('r', ['x']),
			// Waiting for x: 6000 + 4000 bytes fit exactly in 10,000; the next 1 byte does not.
			submit('r', ['a'], { bytes: 6000 }),
			submit('r', ['b'], { bytes: 4000 }),
			submit('r', ['c'], { bytes: 1 }),
			// Names c, which the call it would join carries: never in the same call, even with another contact.
			submit('r', ['z', 'c'], { bytes: 1 }),
		]);
		await run(1000);
		await all;
		expect(sent.map((call) => call.entries)).toEqual([['x'], ['a', 'b'], ['c'], ['z', 'c']]);
	});

	it('a call naming a contact of an earlier waiting call waits behind it, however many calls of the route wait', async () => {
		const { dispatcher, sent, submit } = clock(100);
		plenty(dispatcher);
		const alone = { combine: false };
		const calls = Promise.all([
			submit('r', ['a'], alone), // in flight until 100
			submit('r', ['a', 'b'], alone), // waits for a
			submit('r', ['a', 'c'], alone), // waits for a (and behind the call before)
			submit('r', ['b'], alone), // b is in the first waiting call: waits for it
		]);
		await run(1000);
		await calls;
		const at = Object.fromEntries(sent.map((call) => [call.entries.join(''), call]));
		expect(at.ab.at).toBeGreaterThanOrEqual(at.a.endedAt ?? Infinity);
		expect(at.b.at).toBeGreaterThanOrEqual(at.ab.endedAt ?? Infinity);
	});

	it('pausedFor counts down the pause; an answer asking for a pause holds every call that long, one asking for none holds none', async () => {
		const { dispatcher, sent, submit } = clock(10);
		expect(dispatcher.pausedFor()).toBe(0);
		dispatcher.pause(300);
		expect(dispatcher.pausedFor()).toBe(300);
		await run(100);
		expect(dispatcher.pausedFor()).toBe(200);
		await run(300);
		expect(dispatcher.pausedFor()).toBe(0);

		dispatcher.observe(900, Date.now() + 60_000, 0);
		expect(dispatcher.pausedFor()).toBe(0);
		dispatcher.observe(900, Date.now() + 60_000, 250);
		const paused = Promise.all([submit('a', ['1']), submit('b', ['2'])]);
		await run(1000);
		await paused;
		expect(sent.map((call) => call.at)).toEqual([650, 650]);
	});

	it('with no call left in the window, a call waits for the window to reset, also past a shorter pause', async () => {
		const { dispatcher, sent, submit } = clock(10);
		// X-Ratelimit-Remaining 0, the window resets in 1 s; the answer asked for a 500 ms pause.
		dispatcher.observe(0, Date.now() + 1000, 500);
		const call = submit('a', ['1']);
		await run(2000);
		await call;
		expect(sent.map((sentCall) => sentCall.at)).toEqual([1000]);
	});

	it('two calls of a route in flight: the one answered first frees only its own contacts', async () => {
		const { dispatcher, sent, submit } = clock(100, { slow: 400 });
		plenty(dispatcher);
		const alone = { combine: false };
		const calls = Promise.all([
			submit('r', ['a'], { ...alone, send: async (all) => await slowSend(all) }),
			submit('r', ['b'], alone), // answered at 100
			submit('r', ['b', 'c'], alone), // waits for b: starts at 100
			submit('r', ['a', 'd'], alone), // waits for a: starts at 400
		]);
		async function slowSend(all: string[]) {
			sent.push({ route: 'r', entries: all, at: Date.now() - T0 });
			await new Promise((resolve) => setTimeout(resolve, 400));
			return all;
		}
		await run(2000);
		await calls;
		expect(sent.map((call) => [call.entries.join(''), call.at])).toEqual([
			['a', 0],
			['b', 0],
			['bc', 100],
			['ad', 400],
		]);
	});

	it('spaces calls out when the calls asked for at the current rate would use up the window: ms left / (calls left × 0.9)', async () => {
		const { dispatcher, sent, submit } = clock(2000);
		// 10 calls left for 4 s; 20 asked for in the last second (4 a second, 16 in 4 s: more than 9 fit).
		dispatcher.observe(10, Date.now() + 4000, 0);
		for (let i = 0; i < 20; i++) dispatcher.noteAsked();
		const alone = { combine: false };
		const calls = Promise.all([submit('a', ['1'], alone), submit('b', ['2'], alone)]);
		await run(3000);
		await calls;
		// The second is asked for while the first is in flight: 9 calls left, 8.1 of them planned, 4000 / 8.1 = 493.8 ms.
		expect(sent.map((call) => call.at)).toEqual([0, 493]);
	});

	it('does not space calls out while the calls asked for fit in the window (asks older than 5 s do not count); spaced, none waits over the linger bound', async () => {
		const alone = { combine: false };
		const fits = clock(2000);
		// 10 calls left for 10 s (9 planned); 20 asks 5001 ms ago, then the 2 calls: 4 in 10 s at that rate.
		fits.dispatcher.observe(10, Date.now() + 10_000, 0);
		for (let i = 0; i < 20; i++) fits.dispatcher.noteAsked(Date.now() - 5001);
		const calls = Promise.all([fits.submit('a', ['1'], alone), fits.submit('b', ['2'], alone)]);
		await run(3000);
		await calls;
		expect(fits.sent.map((call) => call.at)).toEqual([0, 0]);

		const busy = clock(2000);
		// The same window with 20 asks exactly 5 s ago (still counted): 44 in 10 s. 10000 / 8.1 = 1235 ms apart, but none lingers over 1 s.
		busy.dispatcher.observe(10, Date.now() + 10_000, 0);
		for (let i = 0; i < 20; i++) busy.dispatcher.noteAsked(Date.now() - 5000);
		const spaced = Promise.all([busy.submit('a', ['1'], alone), busy.submit('b', ['2'], alone)]);
		await run(3000);
		await spaced;
		expect(busy.sent.map((call) => call.at)).toEqual([3000, 3000 + MAX_LINGER_MS]);
	});

	it('a cancelled execution does not send the call; the others see it cancelled only when all are', async () => {
		const { dispatcher, submit } = clock(10);
		plenty(dispatcher);
		const senders: string[] = [];
		const seenCancelled: boolean[] = [];
		let bCancelled = false;
		const first = submit('r', ['x']);
		const joined = Promise.all([
			submit('r', ['a'], { cancelled: () => true, send: async (all) => (senders.push('a'), all) }),
			submit('r', ['b'], {
				cancelled: () => bCancelled,
				send: async (all, cancelled) => {
					senders.push('b');
					seenCancelled.push(cancelled());
					bCancelled = true;
					seenCancelled.push(cancelled());
					return all;
				},
			}),
		]);
		await run(100);
		await first;
		const [a, b] = await joined;
		expect(senders).toEqual(['b']);
		expect(seenCancelled).toEqual([false, true]);
		expect(a.entries).toEqual(['a', 'b']);
		expect([a.offset, b.offset]).toEqual([0, 1]);

		const gone = submit('r', ['y'], { cancelled: () => true });
		const outcome = expect(gone).rejects.toThrow('Every execution waiting for this call was cancelled');
		await run(100);
		await outcome;
	});

	it('before the first answer, and once the window has reset, one call at a time finds out the budget', async () => {
		const { dispatcher, sent, submit } = clock(100, { slow: 2000 });
		const alone = { combine: false };
		const first = Promise.all([submit('a', ['1'], alone), submit('b', ['2'], alone)]);
		await run(500);
		await first;
		expect(sent.map((call) => call.at)).toEqual([0, 100]);

		// 5 calls left until 1500; a call under way past the reset: the next one waits for its answer.
		sent.length = 0;
		dispatcher.observe(5, Date.now() + 1000, 0);
		const slow = submit('slow', ['3'], alone);
		await run(1500);
		const next = submit('c', ['4'], alone);
		await run(1000);
		await Promise.all([slow, next]);
		expect(sent.map((call) => [call.route, call.at])).toEqual([
			['slow', 500],
			['c', 2500],
		]);
	});

	it('calls asked for that just fit in the window (asks x ms left = calls left x 0.9) are not spaced out', async () => {
		const { dispatcher, sent, submit } = clock(10);
		const alone = { combine: false };
		dispatcher.observe(10, Date.now() + 5000, 0);
		const first = submit('a', ['1'], alone);
		await run(10);
		await first;
		// Now 5000 ms left, 10 calls left (9 planned), and 9 asks in the last 5 s: 9 / 5000 x 5000 = 9.
		dispatcher.observe(10, Date.now() + 5000, 0);
		for (let i = 0; i < 7; i++) dispatcher.noteAsked();
		const second = submit('b', ['2'], alone);
		await run(1000);
		await second;
		expect(sent.map((call) => call.at)).toEqual([0, 10]);
	});

	it('at the very millisecond the window resets, one call finds out the new budget before others go', async () => {
		const { dispatcher, sent, submit } = clock(100);
		const alone = { combine: false };
		// 5 calls were left, but the answer asked to hold every call until the window resets at 1000.
		dispatcher.observe(5, Date.now() + 1000, 1000);
		const calls = Promise.all([submit('a', ['1'], alone), submit('b', ['2'], alone)]);
		await run(2000);
		await calls;
		expect(sent.map((call) => [call.route, call.at])).toEqual([
			['a', 1000],
			['b', 1100],
		]);
	});

	it('one dispatcher per API user', () => {
		expect(dispatcherFor('https://api.emarsys.net/api/v2|user1')).toBe(dispatcherFor('https://api.emarsys.net/api/v2|user1'));
		expect(dispatcherFor('https://api.emarsys.net/api/v2|user1')).not.toBe(dispatcherFor('https://api.emarsys.net/api/v2|user2'));
	});
});
