import { fieldListCacheOption, requestOptions } from '../../nodes/Emarsys/actions/common.descriptions';
import { DEFAULT_SETTINGS, hintFor, permissionFor } from '../../nodes/Emarsys/transport';
import { BACKOFF_START_MS, pacingWaitMs, rateLimitWaitMs } from '../../nodes/Emarsys/transport/waits';

describe('the wait after a 429 (X-RateLimit-Reset is Unix time in whole seconds)', () => {
	// 0.4 s past a whole second: the real window end lies somewhere in the second after the stamp.
	const now = Date.UTC(2026, 0, 1, 12, 0, 0) + 400;
	const stamp = (secondsFromNow: number) => String(Math.floor(now / 1000) + secondsFromNow);

	it('a stamp a few seconds ahead: waits until one second after it', () => {
		expect(rateLimitWaitMs(stamp(3), 0, now)).toBe(3600);
		expect(rateLimitWaitMs(stamp(3), 4, now)).toBe(3600);
	});

	it('a stamp equal to now (in whole seconds): still waits for the second after it, never 0', () => {
		expect(rateLimitWaitMs(stamp(0), 0, now)).toBe(600);
	});

	it('a stamp already past, or none: backs off with jitter from one second on', () => {
		for (const header of [stamp(-2), undefined, '', 'soon']) {
			const first = rateLimitWaitMs(header, 0, now);
			expect(first).toBeGreaterThanOrEqual(BACKOFF_START_MS);
			expect(first).toBeLessThan(2 * BACKOFF_START_MS);
			expect(rateLimitWaitMs(header, 2, now)).toBeGreaterThanOrEqual(4 * BACKOFF_START_MS);
		}
	});

	it('pacing reads the stamp the same way: with no call left it waits for the second after it', () => {
		const headers = (remaining: number, reset = stamp(3)) => ({ 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': reset });
		expect(pacingWaitMs(headers(0), now)).toBe(3600);
		expect(pacingWaitMs(headers(1), now)).toBe(1800);
		expect(pacingWaitMs(headers(500), now)).toBe(0);
		expect(pacingWaitMs(headers(0, stamp(-2)), now)).toBe(0);
		expect(pacingWaitMs({}, now)).toBe(0);
	});
});

describe('hints', () => {
	it('says what to do for the documented cases', () => {
		expect(hintFor(401, 1)).toMatch(/server clock/);
		expect(hintFor(403, 1, 'Forbidden', 'contact/getdata')).toMatch(/lacks the permission "contacts: get contact data"/);
		expect(hintFor(200, 2008, '', 'contact/')).toMatch(/Create If Missing/);
		expect(hintFor(200, 2008, '', 'event/1001/trigger')).toMatch(/must exist in Emarsys/);
		expect(hintFor(400, 2007)).toMatch(/YYYY-MM-DD/);
		expect(hintFor(200, 2004)).toMatch(/cannot identify contacts.*indexed/);
		expect(hintFor(400, 5005, '', 'event/1003/trigger')).toMatch(/external event 1003.*launched program/);
		expect(hintFor(400, 2012)).toMatch(/Emarsys contact ID/);
		expect(hintFor(429, 7003)).toMatch(/Max Rate-Limit Wait/);
		expect(hintFor(503, undefined)).toMatch(/server problem/);
		expect(hintFor(undefined, undefined)).toMatch(/Timeout/);
	});

	it('names the permission of each endpoint the node calls', () => {
		expect(permissionFor('contact/')).toBe('contacts: update and create contacts');
		expect(permissionFor('event/1001/trigger')).toBe('external events: trigger an external event');
		expect(permissionFor('event')).toBe('external events: list external events');
		expect(permissionFor('field/5/choice/translate/en')).toBe('fields: list field choices');
		expect(permissionFor('field/choices')).toBe('fields: list field choices');
		expect(permissionFor('field/translate/en')).toBe('fields: list available fields');
	});
});

describe('request options', () => {
	it('show the defaults the client uses when an option is not set', () => {
		const shown = Object.fromEntries([...requestOptions, fieldListCacheOption].map((option) => [option.name, option.default]));
		expect(shown).toEqual({
			combineCalls: DEFAULT_SETTINGS.combineCalls,
			concurrentRequests: DEFAULT_SETTINGS.concurrentRequests,
			maxRateLimitWait: DEFAULT_SETTINGS.maxRateLimitWaitMs / 1000,
			maxRetries: DEFAULT_SETTINGS.maxRetries,
			metadataCacheSeconds: DEFAULT_SETTINGS.metadataCacheMs / 1000,
			timeout: DEFAULT_SETTINGS.timeout,
		});
	});
});
