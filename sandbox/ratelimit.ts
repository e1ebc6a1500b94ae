/**
 * Per-API-user rate limit.
 *
 * Verified (Core API guide "Miscellaneous"): 1000 requests per minute per API user; every answer
 * carries `X-RateLimit-Limit`, `X-Ratelimit-Remaining` (Emarsys's own odd casing) and
 * `X-RateLimit-Reset` (unix timestamp, seconds); past the limit the API answers 429.
 * Chosen: a fixed one-minute window that starts with the user's first request in it (the docs
 * do not say whether the window is fixed or sliding; a fixed window makes `X-RateLimit-Reset`
 * a single, stable instant, which is what the header describes). Requests without an
 * identifiable user share the bucket "anonymous".
 * The window starts at the millisecond of its first request, so its end is rarely on a whole
 * second; `X-RateLimit-Reset`, being whole seconds, is that end rounded DOWN (a client that
 * retries at the stamp itself is still inside the window, as with any whole-second header).
 */
export interface RateState {
	limit: number;
	remaining: number;
	/** Unix seconds. */
	reset: number;
	limited: boolean;
}

interface Bucket {
	windowStart: number;
	count: number;
}

export const WINDOW_MS = 60_000;

export class RateLimiter {
	private buckets = new Map<string, Bucket>();
	/** Length of a rate-limit window: a minute, as documented; tests may shorten it (`/__sandbox/config`). */
	windowMs = WINDOW_MS;

	constructor(
		public limitPerMinute: number,
		private readonly now: () => number,
	) {}

	reset(): void {
		this.buckets.clear();
	}

	/** Count one request for `user` and return the header values to send. */
	hit(user: string): RateState {
		const now = this.now();
		let b = this.buckets.get(user);
		if (!b || now - b.windowStart >= this.windowMs || now < b.windowStart) {
			b = { windowStart: now, count: 0 };
			this.buckets.set(user, b);
		}
		b.count++;
		const limit = this.limitPerMinute;
		return {
			limit,
			remaining: Math.max(0, limit - b.count),
			reset: Math.floor((b.windowStart + this.windowMs) / 1000),
			limited: b.count > limit,
		};
	}
}
