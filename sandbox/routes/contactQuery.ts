/**
 * GET contact/query/?return={fieldId}[&{fieldId}={value}][&limit=][&offset=][&excludeempty=true]
 *
 * Verified (Core API reference and the official Postman collection emartech/Emarsys-postman-collection,
 * "List Contact Data"; help article "Listing Contact Data"):
 *  - `return` (required) names the field whose values come back; `{fieldId}={value}` keeps only
 *    contacts with that value ("Can be an empty string as that will also match to cells with
 *    NULL value"); `excludeempty=true` drops contacts whose returned field is empty ("Any value
 *    except for true is interpreted as false"); `limit` default and maximum 10,000; `offset` like
 *    SQL, the first record is 0;
 *  - answer `data: {result: [{id: 3, "3": "loki@example.com"}, …]}` — `id` an integer, the
 *    returned field's value a string;
 *  - errors, all HTTP 400: 2014 "No field specified to return"; 2006 "Invalid field id: X";
 *    2015 "No index on column X" ("Filtering is enabled only for the indexed columns");
 *    2016 "Invalid limit" ("Limit should be between 1 and 10000").
 * Chosen (docs silent):
 *  - the indexed columns are the key fields (seed.ts, KEY_FIELD_IDS: E-Mail and Customer ID);
 *    filters compare as key look-ups do (text case-insensitively); several filters all apply;
 *  - results in contact id order; an empty value is rendered `null`; no match is `result: []`;
 *  - a negative or non-numeric offset is 400 / 10001 "Invalid offset".
 */
import { fail, ok, type Reply, type RouteContext } from '../http';
import { KEY_FIELD_IDS } from '../seed';
import { findField, indexKey, lookupKey, renderValue } from '../schema';
import type { StoredContact } from '../store';

export const MAX_QUERY_LIMIT = 10_000;

const NOT_FILTERS = new Set(['return', 'limit', 'offset', 'excludeempty']);

interface Filter {
	fieldId: string;
	/** The index key to match; null matches contacts without a value. */
	key: string | null;
}

function readFilters(ctx: RouteContext): Filter[] | Reply {
	const filters: Filter[] = [];
	for (const [name, value] of ctx.query) {
		if (NOT_FILTERS.has(name)) continue;
		const field = /^\d+$/.test(name) ? findField(name) : undefined;
		if (!field) return fail(400, 2006, `Invalid field id: ${name}`);
		if (!KEY_FIELD_IDS.has(field.id)) return fail(400, 2015, `No index on column ${name}`);
		filters.push({ fieldId: String(field.id), key: value === '' ? null : (lookupKey(field, value) ?? '\u0000no match') });
	}
	return filters;
}

function matches(contact: StoredContact, filter: Filter): boolean {
	const field = findField(filter.fieldId);
	const key = field ? indexKey(field, contact.fields.get(filter.fieldId)) : null;
	return key === filter.key;
}

export function queryContacts(ctx: RouteContext): Reply {
	const returned = ctx.query.get('return');
	if (returned === null || returned.trim() === '') return fail(400, 2014, 'No field specified to return');
	const field = /^\d+$/.test(returned.trim()) ? findField(returned.trim()) : undefined;
	if (!field) return fail(400, 2006, `Invalid field id: ${returned}`);
	const limitText = ctx.query.get('limit') ?? String(MAX_QUERY_LIMIT);
	if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_QUERY_LIMIT) return fail(400, 2016, 'Invalid limit');
	const offsetText = ctx.query.get('offset') ?? '0';
	if (!/^\d+$/.test(offsetText)) return fail(400, 10001, 'Invalid offset');
	const filters = readFilters(ctx);
	if (!Array.isArray(filters)) return filters;

	const column = String(field.id);
	const excludeEmpty = ctx.query.get('excludeempty') === 'true';
	const found = ctx.store
		.list()
		.filter((contact) => filters.every((filter) => matches(contact, filter)))
		.map((contact) => ({ id: contact.id, [column]: renderValue(contact.fields.get(column)) }))
		.filter((row) => !excludeEmpty || (row[column] !== null && row[column] !== ''));
	const offset = Number(offsetText);
	return ok({ result: found.slice(offset, offset + Number(limitText)) });
}
