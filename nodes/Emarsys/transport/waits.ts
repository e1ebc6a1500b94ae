/**
 * How long the transport waits before a call: after a 429, after a failure worth retrying, and
 * when Emarsys says the rate-limit window is nearly used up.
 *
 * Emarsys allows about 1000 calls a minute per API user and says so in every answer:
 * `X-RateLimit-Limit`, `X-Ratelimit-Remaining` and `X-RateLimit-Reset`, a Unix time in WHOLE
 * seconds (Emarsys API guide, "Rate limits"). The window really ends somewhere in the second after
 * the stamp, so a call sent at the stamp itself can still be refused: the next window is taken
 * to start one second after it.
 */

/** The first step of the backoff for server errors and network failures, and for a 429 without a usable reset stamp. */
export const BACKOFF_START_MS = 1000;

/** No single wait is longer than this. */
export const MAX_WAIT_MS = 60_000;

/** Calls wait for a new window once the answer said this many calls or fewer were left. */
export const PACE_AT_REMAINING = 2;

/** Milliseconds until the next rate-limit window surely has begun: the reset stamp plus one second. */
export function msUntilNextWindow(resetHeader: string | undefined, now = Date.now()): number | undefined {
	// No header, a blank one (0) or no number at all: no stamp.
	const seconds = Number(resetHeader);
	if (!Number.isFinite(seconds) || seconds < 1e9) return undefined;
	const wait = seconds * 1000 + 1000 - now;
	return wait > 0 ? Math.min(wait, MAX_WAIT_MS) : undefined;
}

/**
 * What every backoff wait is multiplied by: 1 in n8n. Tests whose subject is not how long the
 * backoff lasts shrink it (they still see every retry, in the same order); tests of its length keep 1.
 */
let backoffScale = 1;

export function scaleBackoff(scale: number): void {
	backoffScale = scale;
}

/** Exponential backoff with jitter: about 1 s, 2 s, 4 s … for attempt 0, 1, 2 … */
export function backoffMs(attempt: number): number {
	const exponential = BACKOFF_START_MS * 2 ** attempt;
	return Math.min(exponential + Math.random() * BACKOFF_START_MS, MAX_WAIT_MS) * backoffScale;
}

/** The wait before retrying a call Emarsys refused with 429: the next window, or backoff when the stamp says nothing. */
export function rateLimitWaitMs(resetHeader: string | undefined, attempt: number, now = Date.now()): number {
	return msUntilNextWindow(resetHeader, now) ?? backoffMs(attempt);
}

/**
 * The wait before the next call, from the rate-limit headers of the last answer: none while
 * plenty of calls are left; once only a few are, the calls left are spread over the rest of the
 * window, and with none left the next call waits for the next window. (Other processes may share
 * the API user: the count can drop faster than this process's own calls.)
 */
export function pacingWaitMs(headers: Record<string, string>, now = Date.now()): number {
	// No header reads as NaN: not paced.
	const remaining = Number(headers['x-ratelimit-remaining']);
	if (!Number.isFinite(remaining) || remaining > PACE_AT_REMAINING) return 0;
	const untilNextWindow = msUntilNextWindow(headers['x-ratelimit-reset'], now) ?? 0;
	// A count below zero (never documented) is taken as none left.
	return untilNextWindow / (Math.max(remaining, 0) + 1);
}
