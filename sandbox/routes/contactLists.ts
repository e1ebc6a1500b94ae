/**
 * GET contactlist, POST contactlist, POST contactlist/{id}/add, POST contactlist/{id}/delete,
 * GET contactlist/{id}/contactIds
 *
 * Verified (Core API reference, contact lists batch: "List Contact Lists", "Create a Contact
 * List", "Add Contacts to a Contact List", "Remove Contacts from a Contact List", "Fetch Contacts
 * in a Contact List"; help.emarsys.com api articles "Creating a Contact List", "Adding Contacts to
 * a Contact List"; official Postman collection emartech/Emarsys-postman-collection, folder
 * "Contact Lists", v2 and v3 paths alike; Emarsys's own PHP client emartech/php-suite-api, test
 * stub of contactIds):
 *  - list answer: `data: [{id, name, created, type}]`, `id` a string, `type` always 0 ("reserved
 *    for future use");
 *  - create request `{key_id, name, description?, external_ids}`; key_id is a field id, a field
 *    string id (`email`), `id` or `uid`, default 3; answer `data: {id, errors}` with `id` an
 *    integer; `errors` is left out when no contacts were given, `[]` when none failed, otherwise
 *    keyed by external id then code: `{"loki@example.com": {"2008": "No contact found with the
 *    external id: 3 - loki@example.com"}}`;
 *  - add request `{key_id, external_ids}` answers `data: {inserted_contacts, errors}`; remove
 *    (`…/delete`) the same shape, answering `data: {deleted_contacts, errors}`;
 *  - at most 10,000 external ids per call: 400 / 3002 "The list of external IDs exceeds the
 *    maximum size."; not an array: 400 / 3003 "Invalid datatype for the list of external IDs.
 *    Array expected."; an existing name: 400 / 3005 "Contact list with the requested name already
 *    exists."; an unknown list: 400 / 3004 "Invalid contact list id: <id>" ("The list ID has an
 *    invalid format or it does not exist."); an unknown key field: HTTP 200 with replyCode 2004
 *    "Invalid key field id" (error table of "Adding Contacts to a Contact List");
 *  - contactIds: query `$top` (default 10000, 1..100000) and `$skiptoken` (default 0, "a token
 *    which specifies the position of the page"); answer `data: {value: [contact ids], next}` where
 *    `next` is the path of the next chunk (`/contactlist/330/contactIds?$skiptoken=750&$top=1000`)
 *    or null on the last one; an unknown list answers HTTP 404 (reference; the PHP client's stub).
 * Chosen (docs silent):
 *  - the skiptoken is the last contact id of the previous chunk (the docs' example tokens are not
 *    offsets), members are served in ascending contact id; an unknown list in contactIds is
 *    404 / 3006 "No contact list found with the specified ID." (the code and text the reference
 *    gives for the other read of a list, "Get Contact Data in a Contact List"); a bad `$top` or
 *    `$skiptoken` is 400 / 1001;
 *  - adding a contact already in the list, or removing one not in it, is no error and changes
 *    nothing (lists are sets; a repeated call is harmless); the counts are of the contacts found;
 *  - a key value shared by several contacts is a per-contact 2010 error, as in the contact and
 *    event endpoints; a missing or empty name is 400 / 10001 "Missing parameter: name";
 *  - names are compared case-insensitively for 3005; deleted contacts drop out of every list.
 */
import { fail, isObject, ok, phpAssoc, type Reply, type RouteContext } from '../http';
import type { StoredContactList } from '../lists';
import { keyLabel, resolveKey, type ResolvedKey } from '../schema';
import { findContacts } from './contacts';

/** External ids accepted per create / add / remove call. */
export const MAX_LIST_EXTERNAL_IDS = 10_000;
const DEFAULT_TOP = 10_000;
const MAX_TOP = 100_000;

type Errors = Record<string, Record<string, string>>;

export function listContactLists(ctx: RouteContext): Reply {
	return ok(ctx.store.lists.all().map((list) => ({ id: String(list.id), name: list.name, created: list.created, type: 0 })));
}

/** The list named by a path segment, or undefined. */
function listOf(ctx: RouteContext, ref: string): StoredContactList | undefined {
	return /^\d+$/.test(ref) ? ctx.store.lists.get(Number(ref)) : undefined;
}

interface ParsedIds {
	key: ResolvedKey;
	keyRef: unknown;
	ids: unknown[];
}

/** key_id and external_ids of a body, or the call's error. */
function parseIds(body: Record<string, unknown>, required: boolean): ParsedIds | Reply {
	const keyRef = body.key_id === undefined || body.key_id === null || body.key_id === '' ? 3 : body.key_id;
	const ids = body.external_ids;
	if (ids === undefined && !required) return { key: resolveKey(3) as ResolvedKey, keyRef, ids: [] };
	if (!Array.isArray(ids)) return fail(400, 3003, 'Invalid datatype for the list of external IDs. Array expected.');
	if (ids.length > MAX_LIST_EXTERNAL_IDS) return fail(400, 3002, 'The list of external IDs exceeds the maximum size.');
	const key = resolveKey(keyRef);
	if (!key) return fail(200, 2004, `Invalid key field id: ${keyLabel(keyRef)}`);
	return { key, keyRef, ids };
}

/** Applies `change` to each contact named; per-contact errors as Emarsys reports them. */
function eachContact(ctx: RouteContext, parsed: ParsedIds, change: (contactId: number) => void): { found: number; errors: Errors } {
	const errors: Errors = {};
	const label = parsed.key.kind === 'field' ? String(parsed.key.field.id) : keyLabel(parsed.keyRef);
	let found = 0;
	for (const ext of parsed.ids) {
		const contacts = findContacts(ctx.store, parsed.key, ext);
		const name = keyLabel(ext);
		if (contacts.length === 1) {
			change(contacts[0].id);
			found++;
		} else if (contacts.length === 0) (errors[name] ??= {})['2008'] = `No contact found with the external id: ${label} - ${name}`;
		else (errors[name] ??= {})['2010'] = `More contacts found with the external id: ${label} - ${name}`;
	}
	return { found, errors };
}

export function createContactList(ctx: RouteContext): Reply {
	if (!isObject(ctx.body)) return ctx.body === undefined ? fail(400, 10001, 'Missing parameter: name') : fail(400, 1010, 'Invalid request payload.');
	const { name, description } = ctx.body;
	if (typeof name !== 'string' || name.trim() === '') return fail(400, 10001, 'Missing parameter: name');
	const parsed = parseIds(ctx.body, false);
	if ('status' in parsed) return parsed;
	if (ctx.store.lists.findByName(name)) return fail(400, 3005, 'Contact list with the requested name already exists.');
	const created = new Date().toISOString().replace('T', ' ').slice(0, 19);
	const list = ctx.store.lists.create(name, typeof description === 'string' ? description : '', created);
	if (ctx.body.external_ids === undefined) return ok({ id: list.id });
	const { errors } = eachContact(ctx, parsed, (id) => list.members.add(id));
	return ok({ id: list.id, errors: phpAssoc(errors) });
}

/** POST contactlist/{id}/add (`adding`) and contactlist/{id}/delete. */
export function changeMembers(ctx: RouteContext, ref: string, adding: boolean): Reply {
	const list = listOf(ctx, ref);
	if (!list) return fail(400, 3004, `Invalid contact list id: ${ref}`);
	if (!isObject(ctx.body)) return ctx.body === undefined ? fail(400, 3003, 'Invalid datatype for the list of external IDs. Array expected.') : fail(400, 1010, 'Invalid request payload.');
	const parsed = parseIds(ctx.body, true);
	if ('status' in parsed) return parsed;
	const { found, errors } = eachContact(ctx, parsed, (id) => (adding ? list.members.add(id) : list.members.delete(id)));
	return ok({ [adding ? 'inserted_contacts' : 'deleted_contacts']: found, errors: phpAssoc(errors) });
}

/** A whole number query parameter within bounds, its default when absent, or undefined when invalid. */
function wholeNumber(value: string | null, fallback: number, min: number, max: number): number | undefined {
	if (value === null || value === '') return fallback;
	if (!/^\d+$/.test(value)) return undefined;
	const n = Number(value);
	return n >= min && n <= max ? n : undefined;
}

export function contactIdsOf(ctx: RouteContext, ref: string): Reply {
	const list = listOf(ctx, ref);
	if (!list) return fail(404, 3006, 'No contact list found with the specified ID.');
	const top = wholeNumber(ctx.query.get('$top'), DEFAULT_TOP, 1, MAX_TOP);
	const after = wholeNumber(ctx.query.get('$skiptoken'), 0, 0, Number.MAX_SAFE_INTEGER);
	if (top === undefined || after === undefined) return fail(400, 1001, 'One or more parameters are invalid or missing.');
	const members = [...list.members].filter((id) => id > after && ctx.store.get(id) !== undefined).sort((a, b) => a - b);
	const value = members.slice(0, top);
	const next = members.length > top ? `/contactlist/${list.id}/contactIds?$skiptoken=${value[value.length - 1]}&$top=${top}` : null;
	return ok({ value, next });
}
