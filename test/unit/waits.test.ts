/**
 * The waits of the transport at their edges (test/unit/transport.test.ts has the common cases).
 * Expected values are worked out from the rules in the Emarsys API guide ("Rate limits": the
 * reset stamp is Unix time in whole seconds) and the backoff described in waits.ts.
 */
import { backoffMs, BACKOFF_START_MS, MAX_WAIT_MS, msUntilNextWindow, pacingWaitMs, rateLimitWaitMs, scaleBackoff } from '../../nodes/Emarsys/transport/waits';

// 12:00:00.400 UTC on 1 January 2026, and X-RateLimit-Reset stamps relative to it.
const now = Date.UTC(2026, 0, 1, 12, 0, 0) + 400;
const stamp = (secondsFromNow: number) => String(Math.floor(now / 1000) + secondsFromNow);

describe('reading X-RateLimit-Reset', () => {
	it('a window that ended exactly one second ago gives no wait (backoff decides), not a wait of 0', () => {
		const oneSecondAfterStamp = Number(stamp(0)) * 1000 + 1000;
		expect(msUntilNextWindow(stamp(0), oneSecondAfterStamp)).toBeUndefined();
		expect(msUntilNextWindow(stamp(0), oneSecondAfterStamp - 1)).toBe(1);
	});

	it('takes a stamp from 10^9 seconds on (September 2001) as a Unix time, a smaller number not', () => {
		const justBefore = 1e12 - 5000;
		expect(msUntilNextWindow('1000000000', justBefore)).toBe(6000);
		expect(msUntilNextWindow('999999999', justBefore)).toBeUndefined();
		// A count of seconds to wait, as some APIs send, is no stamp: backoff.
		expect(msUntilNextWindow('30', now)).toBeUndefined();
	});

	it('waits at most MAX_WAIT_MS, even for a stamp far ahead', () => {
		expect(msUntilNextWindow(stamp(3600), now)).toBe(MAX_WAIT_MS);
		expect(rateLimitWaitMs(stamp(3600), 0, now)).toBe(MAX_WAIT_MS);
	});

	it('treats blank and non-numeric stamps as none', () => {
		for (const header of [' ', 'Infinity', 'NaN']) expect(msUntilNextWindow(header, now)).toBeUndefined();
	});
});

describe('backoff', () => {
	afterEach(() => jest.restoreAllMocks());

	it('doubles from one second per attempt, plus up to one second of jitter, capped at a minute', () => {
		jest.spyOn(Math, 'random').mockReturnValue(0.5);
		expect([0, 1, 2, 3].map(backoffMs)).toEqual([1500, 2500, 4500, 8500]);
		expect(backoffMs(10)).toBe(MAX_WAIT_MS);
	});

	it('a scale (for tests that are not about its length) shortens every wait alike, the cap too', () => {
		jest.spyOn(Math, 'random').mockReturnValue(0.5);
		try {
			scaleBackoff(0.1);
			expect([0, 1, 2, 10].map(backoffMs)).toEqual([150, 250, 450, MAX_WAIT_MS / 10]);
		} finally {
			scaleBackoff(1);
		}
		expect(backoffMs(0)).toBe(1500);
	});

	it('the jitter spreads retries over a whole second', () => {
		jest.spyOn(Math, 'random').mockReturnValueOnce(0).mockReturnValueOnce(0.999);
		expect(backoffMs(0)).toBe(BACKOFF_START_MS);
		expect(backoffMs(0)).toBeCloseTo(1999, 0);
	});
});

describe('pacing from the headers of the last answer', () => {
	const headers = (remaining: string, reset = stamp(3)) => ({ 'x-ratelimit-remaining': remaining, 'x-ratelimit-reset': reset });

	it('spreads the last calls over the rest of the window from 2 calls left', () => {
		// 3.6 s until one second past the stamp, shared by the calls left and the next window.
		expect(pacingWaitMs(headers('3'), now)).toBe(0);
		expect(pacingWaitMs(headers('2'), now)).toBe(1200);
		expect(pacingWaitMs(headers('1'), now)).toBe(1800);
		expect(pacingWaitMs(headers('0'), now)).toBe(3600);
	});

	it('a count below zero is none left', () => {
		expect(pacingWaitMs(headers('-1'), now)).toBe(3600);
	});

	it('no wait without a count, or without a usable stamp', () => {
		expect(pacingWaitMs({ 'x-ratelimit-reset': stamp(3) }, now)).toBe(0);
		expect(pacingWaitMs(headers('many'), now)).toBe(0);
		expect(pacingWaitMs(headers('0', ''), now)).toBe(0);
	});
});
