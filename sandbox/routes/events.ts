/**
 * GET event, POST event/{id}/trigger
 *
 * Verified (Core API reference "List External Events", "Trigger an External Event"; help
 * articles "Triggering External Events", "Triggering Multiple External Events"; error pages):
 *  - event list items `{id, name}` with the id as a STRING ("123456789" in every docs example of
 *    "Querying Available External Events", and in Emarsys's own SFCC cartridge test data); the
 *    current reference adds `created`, which is served too;
 *  - single form `{key_id, external_id, data?, trigger_id?, event_time?}` answers `data: {}`;
 *    batch form `{key_id, contacts: [{external_id, data?, trigger_id?, event_time?}]}` answers
 *    `data: {ids: ["…"], errors: {"<external_id>": {"2008": "No contact found with the external
 *    id: 3 - <external_id>"}}}`;
 *  - key_id may be a field id, a field string id, `id` or `uid`;
 *  - "If an event is sent multiple times with the same trigger_id, only the first one will be
 *    processed" — a duplicate is accepted (HTTP 200) and ignored;
 *  - event_time formats `2007-03-01T13:00:00Z` / `2007-03-01T13:00:00.000Z`, otherwise
 *    HTTP 400, replyCode 5010 "Invalid event time format."; non-object data → 5011
 *    "Event data is not an object."; more than 1000 contacts → 400/1000;
 *  - single form errors (api docs "Triggering the External Events"): all HTTP 400 —
 *    2004 "Invalid key field id: X", 2005 "No value provided for key field: X",
 *    2008 "No contact found with the external id: X - Y", 2010 "More contacts found with the
 *    external id: X - Y", 5001 "Invalid event id for customer.", 2012 "Invalid contact id for
 *    customer." ("The customer doesn't have a contact with the specified [external_id]"; the
 *    sandbox answers it for key_id `id` — an internal contact id — that names no contact);
 *  - an event that starts nothing: "Customers who do not have Interactions advanced features
 *    enabled get a `400` error in such scenarios: `No program or campaign is triggered.`"
 *    (Core API reference "Trigger an External Event", "Types of 200 OK messages"); the HTTP 400
 *    error table gives replyCode 5005 "No program or campaign is triggered." — "No email launch,
 *    AC program, or RTI program has been triggered by the event." Seeded: event 1003;
 *  - event data over 100 kB: 400 / 5008 "Event data size above limit for interactions program
 *    triggering." (HTTP 400 error table: "External event triggers with event data size bigger
 *    than 100 kB are not forwarded to Interactions"); the request itself is limited to 1 MB
 *    (see PAYLOAD_LIMITS in index.ts).
 * Sources disagree: the reference's trigger page says Interactions warns (not fails) above 1 MB
 * of event data, the error table says 5008 above 100 kB; the sandbox follows the error table
 * (the stricter limit, which a client must respect anyway).
 * Chosen (docs silent):
 *  - 5005 is checked after the request is validated and before any contact is looked up; it
 *    applies to both forms (HTTP 400, nothing recorded);
 *  - 5008 is a per-contact error (batch: under its external_id; single form: HTTP 400), the
 *    trigger is not recorded; 100 kB = 100 × 1024 bytes of the JSON-encoded `data`;
 *  - 2012 in the batch form is a per-contact error like 2008;
 *  - a missing key_id is 400/10001 "Missing parameter: key_id"; the batch form reports a bad
 *    key_id as HTTP 400/2004 too;
 *  - in the batch form, event_time/data errors are reported per contact under its external_id;
 *  - the sandbox is an account without Interactions advanced features: no `connectedTo` or
 *    `warnings` in answers;
 *  - trigger_id deduplication is per event id; triggers are recorded for tests at
 *    `GET /__sandbox/triggers` (`duplicate: true` marks ignored ones).
 */
import { fail, isObject, ok, phpAssoc, type Reply, type RouteContext } from '../http';
import { keyLabel, resolveKey, type ResolvedKey } from '../schema';
import { findContacts, MAX_BATCH } from './contacts';

/** Event data above this many bytes (JSON) answers 5008. */
export const MAX_EVENT_DATA_BYTES = 100 * 1024;

const EVENT_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

export function listEvents(ctx: RouteContext): Reply {
	return ok(ctx.store.events().map((e) => ({ id: String(e.id), name: e.name, created: e.created })));
}

interface TriggerOutcome {
	contactId?: number;
	error?: { code: number; message: string };
}

function triggerOne(
	ctx: RouteContext,
	eventId: number,
	key: ResolvedKey,
	keyRef: unknown,
	item: Record<string, unknown>,
): TriggerOutcome {
	const ext = item.external_id;
	const kLabel = key.kind === 'field' ? String(key.field.id) : keyLabel(keyRef);
	if (ext === undefined || ext === null || ext === '' || typeof ext === 'object') {
		return { error: { code: 2005, message: `No value provided for key field: ${kLabel}` } };
	}
	if (item.data !== undefined && item.data !== null && !isObject(item.data)) {
		return { error: { code: 5011, message: 'Event data is not an object.' } };
	}
	if (item.event_time !== undefined && (typeof item.event_time !== 'string' || !EVENT_TIME_RE.test(item.event_time))) {
		return { error: { code: 5010, message: 'Invalid event time format.' } };
	}
	if (item.data !== undefined && item.data !== null && Buffer.byteLength(JSON.stringify(item.data)) > MAX_EVENT_DATA_BYTES) {
		return { error: { code: 5008, message: 'Event data size above limit for interactions program triggering.' } };
	}
	const found = findContacts(ctx.store, key, ext);
	if (found.length === 0 && key.kind === 'id') return { error: { code: 2012, message: 'Invalid contact id for customer.' } };
	if (found.length === 0) return { error: { code: 2008, message: `No contact found with the external id: ${kLabel} - ${keyLabel(ext)}` } };
	if (found.length > 1) return { error: { code: 2010, message: `More contacts found with the external id: ${kLabel} - ${keyLabel(ext)}` } };
	ctx.store.recordTrigger({
		eventId,
		contactId: found[0].id,
		keyId: keyLabel(keyRef),
		externalId: keyLabel(ext),
		data: item.data ?? undefined,
		triggerId: item.trigger_id === undefined || item.trigger_id === null ? undefined : String(item.trigger_id),
		eventTime: typeof item.event_time === 'string' ? item.event_time : undefined,
	});
	return { contactId: found[0].id };
}

const NOTHING_TRIGGERED = fail(400, 5005, 'No program or campaign is triggered.');

export function triggerEvent(ctx: RouteContext, eventRef: string): Reply {
	const event = /^\d+$/.test(eventRef) ? ctx.store.events().find((e) => e.id === Number(eventRef)) : undefined;
	if (!event) return fail(400, 5001, 'Invalid event id for customer.');
	if (!isObject(ctx.body)) {
		return ctx.body === undefined ? fail(400, 10001, 'Missing parameter: key_id') : fail(400, 1010, 'Invalid request payload.');
	}
	const body = ctx.body;
	const keyRef = body.key_id;
	if (keyRef === undefined || keyRef === null || keyRef === '') return fail(400, 10001, 'Missing parameter: key_id');

	if ('contacts' in body) {
		const list = body.contacts;
		if (!Array.isArray(list)) return fail(400, 2003, 'Invalid data format. Array expected');
		if (list.length > MAX_BATCH) return fail(400, 1000, 'The request exceeded the maximum batch size of 1,000');
		const key = resolveKey(keyRef);
		if (!key) return fail(400, 2004, `Invalid key field id: ${keyLabel(keyRef)}`);
		if (!event.connected) return NOTHING_TRIGGERED;
		const ids: string[] = [];
		const errors: Record<string, Record<string, string>> = {};
		for (const item of list) {
			const outcome = isObject(item)
				? triggerOne(ctx, event.id, key, keyRef, item)
				: { error: { code: 2005, message: `No value provided for key field: ${key.kind === 'field' ? key.field.id : keyLabel(keyRef)}` } };
			if (outcome.error) {
				const ext = isObject(item) && (typeof item.external_id === 'string' || typeof item.external_id === 'number') ? String(item.external_id) : '';
				(errors[ext] ??= {})[String(outcome.error.code)] = outcome.error.message;
			} else if (outcome.contactId !== undefined) ids.push(String(outcome.contactId));
		}
		return ok({ ids, errors: phpAssoc(errors) });
	}

	const key = resolveKey(keyRef);
	if (!key) return fail(400, 2004, `Invalid key field id: ${keyLabel(keyRef)}`);
	if (!event.connected) return NOTHING_TRIGGERED;
	const outcome = triggerOne(ctx, event.id, key, keyRef, body);
	if (outcome.error) return fail(400, outcome.error.code, outcome.error.message);
	return ok({});
}
