import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

/**
 * Errors of Emarsys calls, built from facts only (HTTP status, replyCode, replyText, the endpoint),
 * never from the request (which carries the credentials), each with a hint a user can act on.
 */

/** What is known about a failed call. */
export interface EmarsysFailure {
	status?: number;
	replyCode?: number;
	replyText?: string;
	/** Said when Emarsys gave no replyText (network failure, timeout…). */
	message?: string;
	endpoint?: string;
	/** The OAuth2 token request failed (no API call was made). */
	tokenError?: boolean;
	/** Emarsys's clock (its `Date` header) minus this machine's, when a WSSE signature was refused far off. */
	clockSkewMs?: number;
}

/** The API permission an endpoint needs, as named in the Emarsys permission window. */
// Stryker disable next-line StringLiteral: any default that names no endpoint (Stryker's text too) gives 'the endpoint called', as '' does.
export function permissionFor(endpoint = ''): string {
	if (/^contactlist\/[^/]+\/add/.test(endpoint)) return 'contact lists: add contacts to a contact list';
	if (/^contactlist\/[^/]+\/delete/.test(endpoint)) return 'contact lists: remove contacts from a contact list';
	if (/^contactlist\/[^/]+\/contactIds/.test(endpoint)) return 'contact lists: list the contacts of a contact list';
	if (endpoint.startsWith('contactlist')) return 'contact lists: list and create contact lists';
	if (endpoint.startsWith('contact/getdata')) return 'contacts: get contact data';
	if (endpoint.startsWith('contact/delete')) return 'contacts: delete contacts';
	if (endpoint.startsWith('contact/query')) return 'contacts: list contact data';
	if (endpoint.startsWith('filter')) return 'segments: list segments and their contacts';
	if (endpoint.startsWith('contact')) return 'contacts: update and create contacts';
	if (/^event\/[^/]+\/trigger/.test(endpoint)) return 'external events: trigger an external event';
	if (endpoint.startsWith('event')) return 'external events: list external events';
	if (/^field\/(.+\/)?choice/.test(endpoint)) return 'fields: list field choices';
	if (endpoint.startsWith('field')) return 'fields: list available fields';
	if (endpoint.startsWith('settings')) return 'settings';
	return 'the endpoint called';
}

/** What to do about an Emarsys replyCode (Emarsys API reference, error code tables). */
const REPLY_CODE_HINTS: Record<number, string> = {
	1002: 'Emarsys does not know this language code. Use a two-letter code Emarsys supports, such as en, de or fr.',
	2004: 'This field cannot identify contacts in Emarsys. Key fields are the Emarsys contact ID (id), the UID, E-Mail (3) and custom fields that Emarsys support has indexed for this. (id and uid can only update existing contacts, not create them.)',
	2005: 'The contact has no value for the key field. Fill in Contact ID, or map a value to the key field.',
	2006: 'A field ID does not exist in this Emarsys account. Pick the fields from the list (reload it if fields were changed in Emarsys).',
	2007: 'Emarsys does not accept this value for the field: check the field type and format (dates as YYYY-MM-DD, choice fields as choice IDs, multi-choice fields as a list of choice IDs; read-only fields cannot be written).',
	2009: 'Several contacts share this key value. Use a unique key field such as the Emarsys contact ID, or clean up the duplicates in Emarsys.',
	2010: 'Several contacts share this key value. Use a unique key field such as the Emarsys contact ID, or clean up the duplicates in Emarsys.',
	2012: 'No contact has this Emarsys contact ID. Check the Contact ID, or identify the contact by E-Mail instead.',
	2014: 'Pick the field to return with each contact.',
	2015: 'Emarsys searches only indexed fields: search by E-Mail (3), or by a custom field that Emarsys support has indexed as an identifier.',
	5002: 'Give the external event a name.',
	5003: 'An external event with this name already exists: pick another name, or use the existing event (External Event > Get Many lists them).',
	9002: 'A field with this name already exists: pick another name, or use the existing field (Field > Get Many lists them).',
	9006: 'Emarsys creates only text, date, URL and numeric fields through the API; create choice fields in Emarsys (Admin > Field Editor).',
	10002: 'The segment does not exist: pick it from the Segment list or check its ID (Segment > Get Many lists them).',
	3002: 'Too many contacts in one call: Emarsys accepts at most 10,000 per contact list call.',
	3004: 'Emarsys has no contact list with this ID. Pick the contact list from the list, or check its ID (Contact List > Get Many).',
	3005: 'A contact list with this name already exists (names are unique, regardless of case). Choose another name, or add the contacts to the existing list.',
	3006: 'Emarsys has no contact list with this ID. Pick the contact list from the list, or check its ID (Contact List > Get Many).',
	5001: 'The external event does not exist: pick it from the External Event list or check its ID in Emarsys (Automation > External Events).',
	5008: 'The event data of this contact is over 100 kB, more than Emarsys passes on. Send less data with the event.',
	5010: 'Emarsys did not accept the event time. Give it as an ISO-8601 date-time, e.g. 2026-01-31T09:05:00Z.',
	5011: 'The event data must be a JSON object, e.g. {"order_id": "A-1"}.',
};

/** What the user should do about an Emarsys error, by replyCode, then HTTP status. */
export function hintFor(
	status: number | undefined,
	replyCode: number | undefined,
	replyText = '',
	// Stryker disable next-line StringLiteral: a default that names no endpoint gives the hints of '' (no contact update for 2008, no event ID for 5005, 'the endpoint called' for 403).
	endpoint = '',
): string {
	if (replyCode === 2008) {
		// Only contact updates (PUT contact) can create the contact instead.
		return !/^contact\/?$/.test(endpoint)
			? 'No contact has this value in the chosen key field. Check the Contact ID and the Key Field; the contact must exist in Emarsys.'
			: 'No contact has this value in the chosen key field. Check the Contact ID and the Key Field, or switch on "Create If Missing" to create it.';
	}
	if (replyCode === 5005) {
		const eventId = /^event\/([^/]+)\/trigger/.exec(endpoint)?.[1] ?? '';
		return `No Automation Center program or email uses the external event ${eventId}, so triggering it starts nothing. In Emarsys, use the event in a launched program (entry "External event") or in an email sent "On External Event", then trigger it again.`;
	}
	if (replyCode === 10001 && status === 202) {
		return 'Emarsys was still evaluating the segment after about 3 minutes of asking again. Run the node again later; large segments can take a while.';
	}
	if (replyCode !== undefined && REPLY_CODE_HINTS[replyCode]) return REPLY_CODE_HINTS[replyCode];
	switch (status) {
		case 401:
			return 'Emarsys did not accept the credentials. Check the API username/secret (or client ID/secret and token URL). For WSSE, also check that the server clock is correct: Emarsys refuses signatures more than 5 minutes off.';
		case 403:
			return `The API user is authenticated but lacks the permission "${permissionFor(endpoint)}"${replyText ? ` (Emarsys: ${replyText})` : ''}. In Emarsys, Management > Security Settings, open the API credential and switch this permission on.`;
		case 404:
			return 'Emarsys has no such resource: check the IDs used and the API Base URL of the credential.';
		case 413:
			return 'The payload is too large for Emarsys (8 MB per contact update, 1 MB per event trigger, 10 MB otherwise). Send fewer or smaller items.';
		case 429:
			return 'The Emarsys rate limit (about 1000 calls a minute per API user, shared by every workflow using it) was still exceeded after waiting. Raise "Max Rate-Limit Wait", spread the load over time, or give this workflow its own API user.';
	}
	if (status !== undefined && status >= 500) return 'Emarsys had a server problem. Try again later; idempotent calls were already retried.';
	if (status === undefined) {
		return 'Emarsys could not be reached or did not answer in time. Check the API Base URL and the network, or raise the Timeout option.';
	}
	return 'Check the values sent in this call.';
}

/** WSSE signatures more than 5 minutes off are refused; from 4 minutes on, a 401 is reported as a clock problem. */
export const CLOCK_SKEW_REPORT_MS = 4 * 60_000;

/** Emarsys's clock minus this machine's, from an answer's `Date` header; undefined when unknown or small. */
export function clockSkewFrom(dateHeader: string | undefined, now = Date.now()): number | undefined {
	if (!dateHeader) return undefined;
	// A header that is no date parses to NaN, and NaN is never >= the threshold: unknown.
	const skew = Date.parse(dateHeader) - now;
	return Math.abs(skew) >= CLOCK_SKEW_REPORT_MS ? skew : undefined;
}

function describeClockSkew(skewMs: number): string {
	const minutes = Math.round(Math.abs(skewMs) / 60_000);
	return `the clock of this machine is about ${minutes} minute${minutes === 1 ? '' : 's'} ${skewMs > 0 ? 'behind' : 'ahead of'} the Emarsys server clock`;
}

/**
 * The error of a failed call, for one item. The facts stay on the error (`context.failure`), so
 * that every item of a failed batch can get its own error object with its own item index.
 */
export function emarsysApiError(node: INode, failure: EmarsysFailure, itemIndex?: number): NodeApiError {
	const { status, replyCode, replyText, endpoint } = failure;
	const codeText =
		replyCode !== undefined && replyCode !== 0
			? ` (replyCode ${replyCode}${status ? `, HTTP ${status}` : ''})`
			: status
				? ` (HTTP ${status})`
				: '';
	const skew = failure.clockSkewMs !== undefined ? describeClockSkew(failure.clockSkewMs) : undefined;
	const message = `Emarsys: ${replyText || failure.message || 'request failed'}${codeText}${skew ? ` — ${skew}` : ''}`;
	const response: JsonObject = {
		message,
		...(status !== undefined ? { httpCode: String(status) } : {}),
		...(replyCode !== undefined ? { replyCode } : {}),
		...(replyText ? { replyText } : {}),
		...(endpoint ? { endpoint } : {}),
	};
	const error = new NodeApiError(node, response, {
		message,
		description: descriptionOf(failure, skew),
		// Stryker disable next-line ConditionalExpression: without this option NodeApiError takes the same httpCode from the response above (`httpCode: String(status)`).
		httpCode: status !== undefined ? String(status) : undefined,
		itemIndex,
	});
	error.context.failure = { ...failure };
	if (replyCode !== undefined) error.context.replyCode = replyCode;
	return error;
}

function descriptionOf(failure: EmarsysFailure, skew: string | undefined): string {
	if (failure.tokenError) {
		return 'n8n could not get an access token for the OpenID Connect credential. Check the client ID, the client secret and the Access Token URL of the credential.';
	}
	if (skew) {
		return `Emarsys refuses WSSE signatures whose time is more than 5 minutes off its own clock, and ${skew}. Set the clock of the machine running n8n right (e.g. enable NTP time sync); the credentials themselves may be fine.`;
	}
	return hintFor(failure.status, failure.replyCode, failure.replyText, failure.endpoint);
}

/**
 * Emarsys refused the call as a whole for what it carries: an HTTP 4xx that is not about the
 * credentials (401), the permissions (403) or the rate limit (429), such as an invalid payload.
 * The same entries in other calls may go through.
 */
export function refusedForWhatItCarries(error: unknown): boolean {
	const status = Number((error as { context?: { failure?: EmarsysFailure } } | undefined)?.context?.failure?.status);
	return status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429;
}

/** The same failure as `error`, for another item; undefined when `error` is not a failed Emarsys call. */
export function emarsysErrorForItem(node: INode, error: unknown, itemIndex: number): NodeApiError | undefined {
	if (!(error instanceof NodeApiError)) return undefined;
	const failure = error.context.failure as EmarsysFailure | undefined;
	if (!failure) return undefined;
	return error.context.itemIndex === itemIndex ? error : emarsysApiError(node, failure, itemIndex);
}
