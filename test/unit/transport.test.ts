import { hintFor, msUntilReset, permissionFor } from '../../nodes/Emarsys/transport';

describe('msUntilReset', () => {
	const now = Date.UTC(2026, 0, 1, 12, 0, 0);

	it('reads X-RateLimit-Reset as unix seconds', () => {
		expect(msUntilReset(String(now / 1000 + 30), now)).toBe(30000);
		expect(msUntilReset(String(now / 1000 - 5), now)).toBe(0);
	});

	it('reads small values as seconds from now', () => {
		expect(msUntilReset('12', now)).toBe(12000);
	});

	it('ignores missing or invalid headers', () => {
		expect(msUntilReset(undefined, now)).toBeUndefined();
		expect(msUntilReset('', now)).toBeUndefined();
		expect(msUntilReset('soon', now)).toBeUndefined();
		expect(msUntilReset('-3', now)).toBeUndefined();
	});
});

describe('hints', () => {
	it('says what to do for the documented cases', () => {
		expect(hintFor(401, 1)).toMatch(/server clock/);
		expect(hintFor(403, 1, 'Forbidden', 'contact/getdata')).toMatch(/lacks the permission "contacts: get contact data"/);
		expect(hintFor(200, 2008, '', 'contact/')).toMatch(/Create If Missing/);
		expect(hintFor(200, 2008, '', 'event/1001/trigger')).toMatch(/must exist in Emarsys/);
		expect(hintFor(400, 2007)).toMatch(/YYYY-MM-DD/);
		expect(hintFor(200, 2004)).toMatch(/Key Field/);
		expect(hintFor(429, 7003)).toMatch(/Max Retries/);
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
