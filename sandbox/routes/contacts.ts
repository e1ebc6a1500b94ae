/**
 * POST contact/getdata, PUT contact (?create_if_not_exists=1)
 *
 * Verified (Core API reference "Get Contact Data", "Update Contacts"; api docs "Querying Contact
 * Data", "Updating a Contact", "Updating Multiple Contacts"; Core API error-code pages):
 *  - getdata request `{keyId, keyValues, fields}`; keyId may be a field id, a field string id
 *    (e.g. "email"), `id` or `uid`; empty keyId means the internal id; empty `fields` returns all
 *    fields;
 *  - getdata answer `data: {errors: [...], result: [...]}`; rows hold the requested field ids as
 *    string keys plus `id` and `uid` (the examples show `id` as a string); values are strings;
 *  - per-key errors `{key, errorCode: "2008", errorMsg: "No contact found with the external id: 3"}`
 *    (errorCode is a string), HTTP 200 / replyCode 0;
 *  - "If all contact identifiers given in a call fail to parse, the result will be false and not
 *    an array";
 *  - getdata 400/10001: "Missing parameter: keyValues", "keyValues must be an array",
 *    "Fields must be an array", "Max. number of contacts: 1000";
 *  - PUT contact: single form `{key_id, "<field>": value, …}` answers `data: {id}`; batch form
 *    `{key_id, contacts: [...]}` answers `data: {ids: ["…"], errors: {"<key value>": {"2008":
 *    "No contact found with the external id: 3 - <value>"}}}` (ids as strings in the example);
 *    key_id defaults to 3 (e-mail); in `ids` a contact this call created is an integer, an
 *    updated one a string: "if the contact already exists, the response will return its
 *    existing string ID. If the contact does not exist, it will be created automatically, and its
 *    assigned ID will follow the response format of the Create Contacts API—meaning it will be an
 *    integer" (Core API reference "Update Contacts"; the api docs' "Creating Multiple Contacts"
 *    example answers `"ids": [123, 456]`). The reference's schema also allows an `ids` entry to
 *    be an array of strings, without saying when: not simulated (no documented trigger), but a
 *    client must accept it; "Updating a contact is an idempotent method" (same page); `create_if_not_exists=1` creates missing contacts;
 *    2010 "More contacts found with the external id: 3 - <value>"; 2004 "Cannot use id or uid
 *    as key on contact creation"; 2005 "No value provided for key field: 3"; batch size above
 *    1,000 → HTTP 400, replyCode 1000 "The request exceeded the maximum batch size of 1,000";
 *  - value errors on contact writes use replyCode 2007 (see schema.ts).
 *  - an unknown key_id in a contact write is HTTP 400, 2004 "Invalid key field id: X" (api docs
 *    "Creating a New Contact"; the same for both forms of PUT contact).
 * Chosen (docs silent):
 *  - an unknown getdata keyId answers HTTP 200 with replyCode 2004 "Invalid key field id: X"
 *    (the Core API's "HTTP 200 errors" page lists 2004 "Invalid key field id" first; the 2014
 *    docs answered a non-numeric keyId with 400/10001, before string ids existed);
 *  - getdata with a key shared by several contacts reports that key as
 *    `{key, errorCode: "2010", errorMsg: "More contacts found with the external id: 3 - <value>"}`
 *    (the reference recommends id/uid "to avoid conflicts when using a non-unique field, such
 *    as email"; a public v3 connector reports getdata keyed on email failing with 2010); a
 *    contact requested twice is returned once;
 *  - an unknown field in getdata `fields` answers HTTP 400, 2006 "Invalid field id: X"; an
 *    unknown field in a written contact is a 2007 "Invalid field id: X" error for that contact
 *    (per key in the batch form, HTTP 400 in the single form); the contact is not changed;
 *  - the single form reports a contact-level error as HTTP 400 with that replyCode;
 *  - an empty batch `errors` is `[]` (PHP's encoding of an empty associative array, which the
 *    docs show for other batch endpoints); a contact without a key value is reported under "".
 */
import { fail, isObject, ok, phpAssoc, type Reply, type RouteContext } from '../http';
import { allFields, findField, keyLabel, lookupKey, renderValue, resolveKey, validateValue, type ResolvedKey, type StoredValue } from '../schema';
import type { ContactStore, StoredContact } from '../store';

export const MAX_BATCH = 1000;

/** Contacts matching one key value. */
export function findContacts(store: ContactStore, key: ResolvedKey, raw: unknown): StoredContact[] {
	if (raw === null || raw === undefined || raw === '') return [];
	if (key.kind === 'id') {
		const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
		const c = Number.isInteger(n) ? store.get(n) : undefined;
		return c ? [c] : [];
	}
	if (key.kind === 'uid') {
		const c = typeof raw === 'string' || typeof raw === 'number' ? store.getByUid(String(raw)) : undefined;
		return c ? [c] : [];
	}
	const k = lookupKey(key.field, raw);
	if (k === null) return [];
	const out: StoredContact[] = [];
	for (const id of store.findByField(key.field.id, k)) {
		const c = store.get(id);
		if (c) out.push(c);
	}
	return out;
}

function keyFieldLabel(key: ResolvedKey, ref: unknown): string {
	return key.kind === 'field' ? String(key.field.id) : keyLabel(ref);
}

export function getData(ctx: RouteContext): Reply {
	const body = isObject(ctx.body) ? ctx.body : {};
	const keyRef = body.keyId;
	const key: ResolvedKey | undefined =
		keyRef === undefined || keyRef === null || keyRef === '' ? { kind: 'id' } : resolveKey(keyRef);
	if (!('keyValues' in body) || body.keyValues === undefined || body.keyValues === null) {
		return fail(400, 10001, 'Missing parameter: keyValues');
	}
	if (!Array.isArray(body.keyValues)) return fail(400, 10001, 'keyValues must be an array');
	if (body.fields !== undefined && body.fields !== null && body.fields !== '' && !Array.isArray(body.fields)) {
		return fail(400, 10001, 'Fields must be an array');
	}
	if (body.keyValues.length > MAX_BATCH) return fail(400, 10001, `Max. number of contacts: ${MAX_BATCH}`);
	if (!key) return fail(200, 2004, `Invalid key field id: ${keyLabel(keyRef)}`);

	const requested = Array.isArray(body.fields) ? body.fields : [];
	const fieldIds: string[] = [];
	for (const ref of requested) {
		if (ref === 'id' || ref === 'uid') continue;
		const f = findField(ref);
		if (!f) return fail(400, 2006, `Invalid field id: ${keyLabel(ref)}`);
		const id = String(f.id);
		if (!fieldIds.includes(id)) fieldIds.push(id);
	}
	if (fieldIds.length === 0) for (const f of allFields()) fieldIds.push(String(f.id));

	const label = keyLabel(keyRef ?? 'id');
	const errors: Array<{ key: unknown; errorCode: string; errorMsg: string }> = [];
	const rows: Array<Record<string, string | null>> = [];
	const seen = new Set<number>();
	for (const raw of body.keyValues) {
		const found = findContacts(ctx.store, key, raw);
		if (found.length === 0) {
			errors.push({ key: raw, errorCode: '2008', errorMsg: `No contact found with the external id: ${label}` });
			continue;
		}
		if (found.length > 1) {
			errors.push({ key: raw, errorCode: '2010', errorMsg: `More contacts found with the external id: ${label} - ${keyLabel(raw)}` });
			continue;
		}
		const c = found[0];
		if (seen.has(c.id)) continue;
		seen.add(c.id);
		const row: Record<string, string | null> = {};
		for (const id of fieldIds) row[id] = renderValue(c.fields.get(id));
		row.id = String(c.id);
		row.uid = c.uid;
		rows.push(row);
	}
	return ok({ errors, result: rows.length ? rows : false });
}

interface ContactOutcome {
	id?: number;
	/** True when this call created the contact. */
	created?: boolean;
	error?: { code: number; message: string };
	/** Key value as reported in batch `errors`. */
	errorKey: string;
}

const NON_FIELD_PROPS = new Set(['key_id', 'source_id', 'contacts']);

function upsertOne(
	store: ContactStore,
	key: ResolvedKey,
	keyRef: unknown,
	contact: Record<string, unknown>,
	create: boolean,
): ContactOutcome {
	// Find the key value: a property naming the key field (numeric id or string id), or id/uid.
	let keyValue: unknown;
	let keyProp: string | undefined;
	for (const prop of Object.keys(contact)) {
		if (NON_FIELD_PROPS.has(prop)) continue;
		const lower = prop.toLowerCase();
		if (key.kind === 'id' && lower === 'id') keyProp = prop;
		else if (key.kind === 'uid' && lower === 'uid') keyProp = prop;
		else if (key.kind === 'field' && lower !== 'id' && lower !== 'uid' && findField(prop)?.id === key.field.id) keyProp = prop;
		if (keyProp === prop) keyValue = contact[prop];
	}
	const kLabel = keyFieldLabel(key, keyRef);
	const errorKey = keyValue === undefined || keyValue === null || typeof keyValue === 'object' ? '' : String(keyValue);
	if (keyValue === undefined || keyValue === null || keyValue === '') {
		return { errorKey, error: { code: 2005, message: `No value provided for key field: ${kLabel}` } };
	}
	if (typeof keyValue === 'object' && !(key.kind === 'field' && Array.isArray(keyValue))) {
		return { errorKey, error: { code: 2005, message: `Invalid key field value: ${kLabel}` } };
	}

	const values: Array<[string, StoredValue]> = [];
	for (const [prop, v] of Object.entries(contact)) {
		if (NON_FIELD_PROPS.has(prop) || prop === keyProp) continue;
		const lower = prop.toLowerCase();
		if (lower === 'id' || lower === 'uid') {
			return { errorKey, error: { code: 2007, message: 'Cannot set id or uid on contact creation' } };
		}
		const f = findField(prop);
		if (!f) return { errorKey, error: { code: 2007, message: `Invalid field id: ${prop}` } };
		const r = validateValue(f, v);
		if ('error' in r) return { errorKey, error: r.error };
		values.push([String(f.id), r.value]);
	}

	const found = findContacts(store, key, keyValue);
	if (found.length > 1) {
		return { errorKey, error: { code: 2010, message: `More contacts found with the external id: ${kLabel} - ${errorKey}` } };
	}
	if (found.length === 1) {
		store.update(found[0], values);
		return { errorKey, id: found[0].id };
	}
	if (!create) {
		return { errorKey, error: { code: 2008, message: `No contact found with the external id: ${kLabel} - ${errorKey}` } };
	}
	if (key.kind !== 'field') {
		return { errorKey, error: { code: 2004, message: 'Cannot use id or uid as key on contact creation' } };
	}
	const keyCheck = validateValue(key.field, keyValue);
	if ('error' in keyCheck) return { errorKey, error: keyCheck.error };
	if (keyCheck.value === null) {
		return { errorKey, error: { code: 2005, message: `No value provided for key field: ${kLabel}` } };
	}
	const created = store.create([[String(key.field.id), keyCheck.value], ...values]);
	return { errorKey, id: created.id, created: true };
}

export function putContact(ctx: RouteContext): Reply {
	if (ctx.body !== undefined && !isObject(ctx.body)) return fail(400, 1010, 'Invalid request payload.');
	const body = (ctx.body ?? {}) as Record<string, unknown>;
	const create = ctx.query.get('create_if_not_exists') === '1';
	const keyRef = body.key_id === undefined || body.key_id === null || body.key_id === '' ? '3' : body.key_id;
	const key = resolveKey(keyRef);

	if ('contacts' in body) {
		const list = body.contacts;
		if (!Array.isArray(list)) return fail(400, 2003, 'Invalid data format. Array expected');
		if (list.length > MAX_BATCH) return fail(400, 1000, 'The request exceeded the maximum batch size of 1,000');
		if (!key) return fail(400, 2004, `Invalid key field id: ${keyLabel(keyRef)}`);
		const ids: Array<string | number> = [];
		const errors: Record<string, Record<string, string>> = {};
		for (const item of list) {
			const outcome: ContactOutcome = isObject(item)
				? upsertOne(ctx.store, key, keyRef, item, create)
				: { errorKey: '', error: { code: 2005, message: `No value provided for key field: ${keyFieldLabel(key, keyRef)}` } };
			if (outcome.error) {
				const bucket = (errors[outcome.errorKey] ??= {});
				bucket[String(outcome.error.code)] = outcome.error.message;
			} else if (outcome.id !== undefined) {
				ids.push(outcome.created ? outcome.id : String(outcome.id));
			}
		}
		return ok({ ids, errors: phpAssoc(errors) });
	}

	if (!key) return fail(400, 2004, `Invalid key field id: ${keyLabel(keyRef)}`);
	const outcome = upsertOne(ctx.store, key, keyRef, body, create);
	if (outcome.error) return fail(400, outcome.error.code, outcome.error.message);
	return ok({ id: outcome.id });
}
