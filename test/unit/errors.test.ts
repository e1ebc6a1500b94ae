/**
 * Errors of Emarsys calls: which hint each documented replyCode and status gets, which permission
 * an endpoint needs, the clock-skew report, and the message, description and facts of the error.
 * Reply codes are those of the Emarsys API reference's error tables for the endpoints the node calls.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import {
	CLOCK_SKEW_REPORT_MS,
	clockSkewFrom,
	emarsysApiError,
	refusedForWhatItCarries,
	emarsysErrorForItem,
	hintFor,
	permissionFor,
} from '../../nodes/Emarsys/transport/errors';

import { node } from './node';

describe('hints by replyCode', () => {
	const generic = hintFor(400, undefined);
	const documented = [1002, 2004, 2005, 2006, 2007, 2009, 2010, 2012, 2014, 2015, 3002, 3004, 3005, 3006, 5001, 5002, 5003, 5008, 5010, 5011, 9002, 9006, 10002];

	it.each(documented)('replyCode %p has a hint of its own, whatever the HTTP status', (code) => {
		expect(hintFor(400, code)).not.toBe(generic);
		expect(hintFor(200, code)).toBe(hintFor(400, code));
		expect(hintFor(400, code).length).toBeGreaterThan(20);
	});

	it('an unknown replyCode falls back to the hint of the HTTP status', () => {
		expect(hintFor(400, 424242)).toBe(generic);
		expect(hintFor(404, 424242)).toBe(hintFor(404, undefined));
	});

	it('2008 (no such contact): only a contact update can create it', () => {
		expect(hintFor(200, 2008, '', 'contact')).toMatch(/Create If Missing/);
		expect(hintFor(200, 2008, '', 'contact/')).toMatch(/Create If Missing/);
		for (const endpoint of ['contact/getdata', 'contact/delete', 'event/5/trigger', 'contactlist/1/add', 'xcontact/']) {
			const hint = hintFor(200, 2008, '', endpoint);
			expect(hint).toMatch(/must exist in Emarsys/);
			expect(hint).not.toMatch(/Create If Missing/);
		}
	});

	it('5005 (event used by no program) names the event of the endpoint', () => {
		expect(hintFor(400, 5005, '', 'event/1003/trigger')).toMatch(/external event 1003, so/);
		expect(hintFor(400, 5005, '', 'event/abc/trigger')).toMatch(/external event abc, so/);
		expect(hintFor(400, 5005)).toMatch(/external event , so/);
		// Only the path of the trigger call itself names the event.
		expect(hintFor(400, 5005, '', 'xevent/1003/trigger')).toMatch(/external event , so/);
	});

	it('10001 with HTTP 202 is a segment still being evaluated; otherwise not', () => {
		expect(hintFor(202, 10001)).toMatch(/still evaluating the segment/);
		expect(hintFor(200, 10001)).not.toMatch(/still evaluating/);
		expect(hintFor(202, undefined)).not.toMatch(/still evaluating/);
	});
});

describe('hints by HTTP status', () => {
	it('gives each status its own advice', () => {
		const hints = [401, 403, 404, 413, 429, 500, undefined, 400].map((status) => hintFor(status, undefined, '', 'contact/getdata'));
		expect(new Set(hints).size).toBe(hints.length);
		expect(hints[0]).toMatch(/credentials.*clock/);
		expect(hints[2]).toMatch(/no such resource/);
		expect(hints[3]).toMatch(/too large/);
		expect(hints[4]).toMatch(/rate limit/);
		expect(hints[5]).toMatch(/server problem/);
		expect(hints[6]).toMatch(/could not be reached/);
		expect(hints[7]).toMatch(/^Check the values sent/);
	});

	it('every 5xx is a server problem, 499 is not', () => {
		expect(hintFor(500, undefined)).toMatch(/server problem/);
		expect(hintFor(599, undefined)).toMatch(/server problem/);
		expect(hintFor(499, undefined)).not.toMatch(/server problem/);
	});

	it('403 names the missing permission and what Emarsys said, when it said something', () => {
		expect(hintFor(403, undefined, 'Forbidden', 'event/7/trigger')).toMatch(/lacks the permission "external events: trigger an external event" \(Emarsys: Forbidden\)\. In Emarsys/);
		expect(hintFor(403, undefined, '', 'event/7/trigger')).toMatch(/an external event"\. In Emarsys/);
		expect(hintFor(403, undefined, undefined, 'event/7/trigger')).toMatch(/an external event"\. In Emarsys/);
	});
});

describe('permissions by endpoint', () => {
	it.each([
		['contactlist/12/add', /^contact lists: add contacts/],
		['contactlist/12/delete', /^contact lists: remove contacts/],
		['contactlist/12/contactIds', /^contact lists: list the contacts/],
		['contactlist', /^contact lists: list and create/],
		['contactlist/12/contacts', /^contact lists: list and create/],
		['contact/getdata', /^contacts: get contact data$/],
		['contact/delete', /^contacts: delete contacts$/],
		['contact/query', /^contacts: list contact data$/],
		['contact/', /^contacts: update and create contacts$/],
		['filter', /^segments:/],
		['filter/5/runs', /^segments:/],
		['event/5/trigger', /^external events: trigger/],
		['event', /^external events: list/],
		['event/5', /^external events: list/],
		['field/5/choice/translate/en', /^fields: list field choices$/],
		['field/choices', /^fields: list field choices$/],
		['field/translate/en', /^fields: list available fields$/],
		['field', /^fields: list available fields$/],
		['settings', /^settings$/],
		['email/1/launch', /^the endpoint called$/],
		['xcontactlist/12/add', /^the endpoint called$/],
		// The node calls some endpoints with a trailing slash (contact/query/), Emarsys takes both.
		['contact/getdata/', /^contacts: get contact data$/],
		['contact/delete/', /^contacts: delete contacts$/],
		['contact/query/', /^contacts: list contact data$/],
		['settings/', /^settings$/],
		// Real field IDs have several digits.
		['field/4815/choice/translate/de', /^fields: list field choices$/],
		// The action is read from the start of the path only.
		['xcontactlist/12/delete', /^the endpoint called$/],
		['xcontactlist/12/contactIds', /^the endpoint called$/],
		['xevent/5/trigger', /^the endpoint called$/],
		['xfield/5/choice', /^the endpoint called$/],
	])('%s needs %p', (endpoint, permission) => {
		expect(permissionFor(endpoint)).toMatch(permission);
	});

	it('a path with more segments before the action is not that action', () => {
		expect(permissionFor('contactlist/1/2/add')).toMatch(/^contact lists: list and create/);
		expect(permissionFor('event/1/2/trigger')).toMatch(/^external events: list/);
		expect(permissionFor('contactlist//add')).toMatch(/^contact lists: list and create/);
		expect(permissionFor('event//trigger')).toMatch(/^external events: list/);
	});

	it('no endpoint: the endpoint called', () => {
		expect(permissionFor()).toBe('the endpoint called');
	});
});

describe('clock skew from the Date header of a refused WSSE call', () => {
	const now = Date.UTC(2026, 0, 1, 12, 0, 0);
	const dateAt = (msFromNow: number) => new Date(now + msFromNow).toUTCString();

	it('reports 4 minutes or more, either way; less is not a clock problem', () => {
		expect(clockSkewFrom(dateAt(CLOCK_SKEW_REPORT_MS), now)).toBe(CLOCK_SKEW_REPORT_MS);
		expect(clockSkewFrom(dateAt(-CLOCK_SKEW_REPORT_MS), now)).toBe(-CLOCK_SKEW_REPORT_MS);
		expect(clockSkewFrom(dateAt(CLOCK_SKEW_REPORT_MS - 1000), now)).toBeUndefined();
		expect(clockSkewFrom(dateAt(-CLOCK_SKEW_REPORT_MS + 1000), now)).toBeUndefined();
		expect(CLOCK_SKEW_REPORT_MS).toBe(240_000);
	});

	it('no header, or one that is no date: unknown', () => {
		expect(clockSkewFrom(undefined, now)).toBeUndefined();
		expect(clockSkewFrom('', now)).toBeUndefined();
		expect(clockSkewFrom('yesterday-ish', now)).toBeUndefined();
	});
});

describe('the error of a failed call', () => {
	it('says replyText, replyCode and status in the message, and keeps the facts', () => {
		const failure = { status: 400, replyCode: 2007, replyText: 'Invalid value', endpoint: 'contact/' };
		const error = emarsysApiError(node, failure, 3);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Emarsys: Invalid value (replyCode 2007, HTTP 400)');
		expect(error.description).toBe(hintFor(400, 2007, 'Invalid value', 'contact/'));
		expect(error.httpCode).toBe('400');
		expect(error.context.itemIndex).toBe(3);
		expect(error.context.failure).toEqual(failure);
		expect(error.context.failure).not.toBe(failure);
		expect(error.context.replyCode).toBe(2007);
		// What n8n keeps of the answer with the error (shown with it, saved with the execution).
		expect(error.errorResponse).toEqual({ message: error.message, httpCode: '400', replyCode: 2007, replyText: 'Invalid value', endpoint: 'contact/' });
		// Only the facts known: no key for what is not (toStrictEqual tells a missing key from one set to undefined).
		expect(emarsysApiError(node, { message: 'The execution was cancelled' }).errorResponse).toStrictEqual({ message: 'Emarsys: The execution was cancelled' });
	});

	it('replyCode without status; status without (or with a zero) replyCode; neither', () => {
		expect(emarsysApiError(node, { replyCode: 2008, replyText: 'No contact' }).message).toBe('Emarsys: No contact (replyCode 2008)');
		expect(emarsysApiError(node, { status: 503 }).message).toBe('Emarsys: request failed (HTTP 503)');
		expect(emarsysApiError(node, { status: 500, replyCode: 0, replyText: 'Oops' }).message).toBe('Emarsys: Oops (HTTP 500)');
		const bare = emarsysApiError(node, { message: 'The execution was cancelled' });
		expect(bare.message).toBe('Emarsys: The execution was cancelled');
		expect(bare.httpCode).toBeNull();
		expect(bare.context).not.toHaveProperty('replyCode');
		expect(emarsysApiError(node, { replyText: 'Said', message: 'Not said' }).message).toBe('Emarsys: Said');
	});

	it('an OpenID Connect token failure says to check the credential', () => {
		const error = emarsysApiError(node, { tokenError: true, replyText: 'Could not get an access token' });
		expect(error.description).toMatch(/could not get an access token.*client ID, the client secret and the Access Token URL/);
	});

	it('a clock far off is named in the message and explained in the description', () => {
		const behind = emarsysApiError(node, { status: 401, replyText: 'Unauthorized', clockSkewMs: 10 * 60_000 });
		expect(behind.message).toBe('Emarsys: Unauthorized (HTTP 401) — the clock of this machine is about 10 minutes behind the Emarsys server clock');
		expect(behind.description).toMatch(/more than 5 minutes off its own clock, and the clock of this machine is about 10 minutes behind/);
		const ahead = emarsysApiError(node, { status: 401, clockSkewMs: -(60_000 + 29_000) });
		expect(ahead.message).toMatch(/about 1 minute ahead of the Emarsys server clock$/);
		expect(emarsysApiError(node, { status: 401, clockSkewMs: -(60_000 + 31_000) }).message).toMatch(/about 2 minutes ahead of/);
		expect(emarsysApiError(node, { status: 401, clockSkewMs: 0 }).message).toMatch(/about 0 minutes ahead of/);
	});

	it('the same failure for another item is a new error with that item; other errors are not Emarsys failures', () => {
		const first = emarsysApiError(node, { status: 429, endpoint: 'contact/' }, 0);
		expect(emarsysErrorForItem(node, first, 0)).toBe(first);
		const other = emarsysErrorForItem(node, first, 5);
		expect(other).not.toBe(first);
		expect(other?.context.itemIndex).toBe(5);
		expect(other?.message).toBe(first.message);
		expect(emarsysErrorForItem(node, new Error('x'), 0)).toBeUndefined();
		expect(emarsysErrorForItem(node, new NodeOperationError(node, 'x'), 0)).toBeUndefined();
		expect(emarsysErrorForItem(node, new NodeApiError(node, { message: 'not from a call' }), 0)).toBeUndefined();
	});
});

describe('refusedForWhatItCarries', () => {
	it('is true for an HTTP 4xx Emarsys answered for the call as a whole, not for credentials, permissions, the rate limit or a server error', () => {
		const of = (status?: number) => refusedForWhatItCarries(emarsysApiError(node, { status, replyCode: 1010, replyText: 'Invalid request payload.' }));
		expect([400, 404, 413, 499].map(of)).toEqual([true, true, true, true]);
		expect([401, 403, 429, 500, 399, undefined].map(of)).toEqual([false, false, false, false, false, false]);
		expect([new Error('HTTP 400'), undefined, null].map(refusedForWhatItCarries)).toEqual([false, false, false]);
	});
});
