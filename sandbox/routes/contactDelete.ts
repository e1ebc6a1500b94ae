/**
 * POST contact/delete
 *
 * Verified (Core API reference "Delete Contacts"; the official Postman collection
 * emartech/Emarsys-postman-collection, "Delete a Contact"; older api docs "Deleting a Contact"):
 *  - body `{key_id, "<key field>": [value, …]}`: the values of the key field as an array (the
 *    reference), or one value (`{"key_id": "1", "1": "storm"}`, the older docs); `key_id` may be a
 *    field id, a field string id, `id` or `uid`, and defaults to 3 (e-mail) when omitted;
 *  - "The maximum batch size is 1000 contacts per call";
 *  - "If the provided identifier is not unique (such as email or custom field value), duplicate
 *    contacts are not deleted";
 *  - "This action cannot be reverted, and removes all existing data associated with the contact";
 *  - the answer "Contains the number of deleted contacts as well as any errors" (`data.errors`);
 *  - errors of the single form: 400 / 2004 "Invalid key field id: X", 400 / 2005 "No value
 *    provided for key field: X", 404 / 2008 "No contact found with the specified external ID".
 * Chosen (docs silent):
 *  - the answer is `data: {deleted_contacts: N, errors: …}`, errors keyed by key value then
 *    reply code, as the other batch endpoints report them (`{"x@y.z": {"2008": "No contact found
 *    with the external id: 3 - x@y.z"}}`, `[]` when empty); a non-unique value is reported as
 *    2010 "More contacts found with the external id: 3 - <value>"; with key_id `id`, a value that
 *    names no contact is 2012 "Invalid contact id for customer." (as the trigger endpoint);
 *  - the key values are found under the property named as `key_id` (or the key field's numeric
 *    or string id); more than 1000 values → 400 / 1000 (as PUT contact); `contact_list_id` is
 *    accepted and ignored;
 *  - the single form answers its contact's error as HTTP 404 (2008, 2012) or 400 (others).
 */
import { fail, isObject, ok, phpAssoc, type Reply, type RouteContext } from '../http';
import { findField, keyLabel, resolveKey, type ResolvedKey } from '../schema';
import { findContacts, MAX_BATCH } from './contacts';

interface DeleteError {
	code: number;
	message: string;
}

/** The body property that holds the key values: named as key_id, or as the key field's id / string id. */
function keyValuesOf(body: Record<string, unknown>, key: ResolvedKey, keyRef: unknown): unknown {
	for (const [prop, value] of Object.entries(body)) {
		if (prop === 'key_id' || prop === 'contact_list_id') continue;
		if (prop.toLowerCase() === String(keyRef).toLowerCase()) return value;
		if (key.kind === 'field' && findField(prop)?.id === key.field.id) return value;
	}
	return undefined;
}

function deleteOne(ctx: RouteContext, key: ResolvedKey, label: string, value: unknown): DeleteError | undefined {
	const found = findContacts(ctx.store, key, value);
	if (found.length === 0 && key.kind === 'id') return { code: 2012, message: 'Invalid contact id for customer.' };
	if (found.length === 0) return { code: 2008, message: `No contact found with the external id: ${label} - ${keyLabel(value)}` };
	if (found.length > 1) return { code: 2010, message: `More contacts found with the external id: ${label} - ${keyLabel(value)}` };
	ctx.store.delete(found[0]);
	return undefined;
}

export function deleteContacts(ctx: RouteContext): Reply {
	if (!isObject(ctx.body)) return ctx.body === undefined ? fail(400, 2005, 'No value provided for key field: 3') : fail(400, 1010, 'Invalid request payload.');
	const keyRef = ctx.body.key_id === undefined || ctx.body.key_id === null || ctx.body.key_id === '' ? '3' : ctx.body.key_id;
	const key = resolveKey(keyRef);
	if (!key) return fail(400, 2004, `Invalid key field id: ${keyLabel(keyRef)}`);
	const label = key.kind === 'field' ? String(key.field.id) : keyLabel(keyRef);
	const values = keyValuesOf(ctx.body, key, keyRef);
	if (values === undefined || values === null || values === '' || (Array.isArray(values) && values.length === 0)) {
		return fail(400, 2005, `No value provided for key field: ${label}`);
	}
	if (!Array.isArray(values)) {
		const error = deleteOne(ctx, key, label, values);
		if (error) return fail(error.code === 2008 || error.code === 2012 ? 404 : 400, error.code, error.message);
		return ok({ deleted_contacts: 1, errors: [] });
	}
	if (values.length > MAX_BATCH) return fail(400, 1000, 'The request exceeded the maximum batch size of 1,000');
	const errors: Record<string, Record<string, string>> = {};
	let deleted = 0;
	for (const value of values) {
		const error = deleteOne(ctx, key, label, value);
		if (error) (errors[keyLabel(value)] ??= {})[String(error.code)] = error.message;
		else deleted++;
	}
	return ok({ deleted_contacts: deleted, errors: phpAssoc(errors) });
}
