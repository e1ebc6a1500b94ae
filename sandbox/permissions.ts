/**
 * API user permissions.
 *
 * Verified:
 *  - permissions are granted per API user and per endpoint: Emarsys's API credential window
 *    lists the endpoints an API user may call, and "the scope of Rate Limiting, authorization
 *    and authentication are tied to API users, not the account" (Core API guide, authentication;
 *    Hightouch's Emarsys setup guide: "You will need to enable the necessary endpoints for this
 *    API key … e.g. the contact.delete endpoint"; Emarsys Postman collection readme: "make sure
 *    your API user has the correct Permissions selected in Emarsys to allow for the API call");
 *  - a call outside them answers HTTP 403 "Forbidden" — "Make sure your API user has all the
 *    necessary permissions. You are trying to use a function that is not turned on for your API
 *    user." (Core API reference, "HTTP 401-429 errors"; the page gives no replyCode);
 *  - `GET settings` is restricted: "Access to administrative endpoints is restricted. If you need
 *    access, contact Emarsys support." (official Postman collection, "Get Customer Settings").
 * Chosen (docs silent):
 *  - the 403 body is the Emarsys envelope with replyCode 1 (the code Emarsys uses for its other
 *    status-level errors, e.g. 401 "Credentials are invalid") and replyText "Forbidden";
 *  - permission names are the endpoints' own names (`contact.getdata`, `event.trigger`, …); a
 *    group name (`contacts`, `fields`, `events`, `segments`, `settings`, `contactLists`) grants
 *    every endpoint of the group; creating a field or an event (`POST field`, `POST event`) is its own
 *    permission (`field.create`, `event.create`), as is deleting contacts (`contact.delete`,
 *    the example Hightouch's guide gives); the contact list endpoints are `contactlist.list`
 *    (GET contactlist), `contactlist.create` (POST contactlist), `contactlist.add`,
 *    `contactlist.remove` (…/delete) and `contactlist.contacts` (…/contactIds);
 *  - the seeded WSSE user and OIDC client hold every permission (settings included), so
 *    existing clients keep working; users added through `POST /__sandbox/users` hold only what
 *    they are given. Authentication is checked first: a wrong secret is a 401, never a 403.
 */
import { fail, type Reply } from './http';

/** Every permission an endpoint of the sandbox can need, by group. */
export const PERMISSION_GROUPS: Readonly<Record<string, readonly string[]>> = {
	contacts: ['contact.getdata', 'contact.update', 'contact.query', 'contact.delete'],
	fields: ['field.list', 'field.choices', 'field.create'],
	events: ['event.list', 'event.trigger', 'event.create'],
	segments: ['segment.list', 'segment.contacts'],
	settings: ['settings'],
	contactLists: ['contactlist.list', 'contactlist.create', 'contactlist.add', 'contactlist.remove', 'contactlist.contacts'],
};

const ALL_PERMISSIONS = new Set(Object.values(PERMISSION_GROUPS).flat());

/** Expands group names; returns an error text for a name that is neither a group nor a permission. */
export function expandPermissions(names: unknown): Set<string> | string {
	if (!Array.isArray(names)) return 'permissions must be an array of names';
	const out = new Set<string>();
	for (const name of names) {
		if (typeof name !== 'string') return 'permissions must be an array of names';
		const group = PERMISSION_GROUPS[name];
		if (group) for (const p of group) out.add(p);
		else if (ALL_PERMISSIONS.has(name)) out.add(name);
		else return `Unknown permission "${name}" (known: ${[...Object.keys(PERMISSION_GROUPS), ...ALL_PERMISSIONS].join(', ')})`;
	}
	return out;
}

/** The permission a route needs (segments below /api/vN/), or undefined for an unknown route. */
export function permissionForRoute(segments: readonly string[], method = 'GET'): string | undefined {
	const [first, second] = segments;
	if (first === 'contactlist') return contactListPermission(segments, method);
	if (first === 'settings') return 'settings';
	if (first === 'field' && segments.length === 1 && method === 'POST') return 'field.create';
	if (first === 'field') return segments.includes('choice') || second === 'choices' ? 'field.choices' : 'field.list';
	if (first === 'event' && segments.length === 1 && method === 'POST') return 'event.create';
	if (first === 'event') return segments[2] === 'trigger' ? 'event.trigger' : 'event.list';
	if (first === 'contact' && (second === 'delete' || second === 'query')) return `contact.${second}`;
	if (first === 'contact') return second === 'getdata' ? 'contact.getdata' : 'contact.update';
	if (first === 'filter') return segments.length === 1 ? 'segment.list' : 'segment.contacts';
	return undefined;
}

/** 403 when `granted` (undefined = everything) lacks the route's permission. */
export function checkPermission(granted: ReadonlySet<string> | undefined, segments: readonly string[], method = 'GET'): Reply | undefined {
	if (granted === undefined) return undefined;
	const needed = permissionForRoute(segments, method);
	if (needed === undefined || granted.has(needed)) return undefined;
	return fail(403, 1, 'Forbidden');
}

/** Contact list endpoints: one permission each (GET and POST `contactlist` differ by method). */
function contactListPermission(segments: readonly string[], method: string): string {
	if (segments.length === 1) return method === 'POST' ? 'contactlist.create' : 'contactlist.list';
	if (segments[2] === 'add') return 'contactlist.add';
	if (segments[2] === 'delete') return 'contactlist.remove';
	return 'contactlist.contacts';
}
