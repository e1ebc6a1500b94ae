/**
 * POST field, POST event
 *
 * Verified (Core API reference and the official Postman collection emartech/Emarsys-postman-collection,
 * "Create a Field", "Create an External Event"; older api docs "Creating a Field", "Creating an
 * External Event"):
 *  - `POST field` takes `{name, application_type}`, both required; application_type one of
 *    shorttext (max 60 characters), longtext (max 255), largetext, date, url, numeric (max 24
 *    digits) — "you cannot create single- or multi-choice fields via the API, nor can you create
 *    more than one field at a time"; answers `data: {id: 796}` (an integer);
 *    400 / 9006 "This type of field cannot be created via API."; 400 / 9002 "A field with this
 *    name already exists";
 *  - `POST event` takes `{name}`; answers `data: {id: "111111111", name}` (id a string);
 *    400 / 5002 "Parameter name is required."; 400 / 5003 "An external event with this name
 *    already exists.".
 * Chosen (docs silent):
 *  - a missing or empty field name is 400 / 10001 "Missing parameter: name"; names compare
 *    case-insensitively; an unknown application_type is 9006 as well;
 *  - new field ids follow the highest field id, new event ids the highest event id; a created
 *    field's string_id is its name in snake_case; created fields and events are not persisted;
 *  - a new event is used by no program yet, so triggering it answers 5005 (see events.ts).
 */
import { fail, isObject, ok, type Reply, type RouteContext } from '../http';
import { addField, allFields } from '../schema';
import type { ApplicationType } from '../seed';

/** The field types `POST field` creates. */
export const CREATABLE_FIELD_TYPES: readonly ApplicationType[] = ['shorttext', 'longtext', 'largetext', 'date', 'url', 'numeric'];

function nameOf(body: unknown): string {
	const name = isObject(body) ? body.name : undefined;
	return typeof name === 'string' ? name.trim() : typeof name === 'number' ? String(name) : '';
}

/** POST field */
export function createField(ctx: RouteContext): Reply {
	if (ctx.body !== undefined && !isObject(ctx.body)) return fail(400, 1010, 'Invalid request payload.');
	const name = nameOf(ctx.body);
	if (name === '') return fail(400, 10001, 'Missing parameter: name');
	const type = isObject(ctx.body) ? ctx.body.application_type : undefined;
	if (!CREATABLE_FIELD_TYPES.includes(type as ApplicationType)) return fail(400, 9006, 'This type of field cannot be created via API.');
	const fields = allFields();
	if (fields.some((f) => f.name.toLowerCase() === name.toLowerCase())) return fail(400, 9002, 'A field with this name already exists');
	const id = Math.max(...fields.map((f) => f.id)) + 1;
	const snake = name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
	addField({ id, name, application_type: type as ApplicationType, string_id: snake || `field_${id}`, readOnly: false });
	return ok({ id });
}

/** POST event */
export function createEvent(ctx: RouteContext): Reply {
	if (ctx.body !== undefined && !isObject(ctx.body)) return fail(400, 1010, 'Invalid request payload.');
	const name = nameOf(ctx.body);
	if (name === '') return fail(400, 5002, 'Parameter name is required.');
	const events = ctx.store.events();
	if (events.some((e) => e.name.toLowerCase() === name.toLowerCase())) return fail(400, 5003, 'An external event with this name already exists.');
	const id = Math.max(...events.map((e) => e.id)) + 1;
	const created = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
	ctx.store.addEvent({ id, name, created, connected: false });
	return ok({ id: String(id), name });
}
