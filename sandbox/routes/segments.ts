/**
 * GET filter, GET filter/{id}/contacts?limit=&offset=, GET filter/{id}/contacts/{contactId}
 *
 * Verified (Core API reference and the official Postman collection emartech/Emarsys-postman-collection,
 * "List Segments", "List Contacts in a Segment", "Look Up a Contact in a Segment"; older api docs
 * "Listing Segments", "Listing Contacts in a Segment"):
 *  - a segment is called a filter in the API; `GET filter` answers a list of segments with
 *    `id` (an integer in the current reference; the 2016 docs' example showed strings), `name`,
 *    `type` ("standard", "combined", …), `criteriaTypes` and `baseContactListId` (0 = based on
 *    all contacts);
 *  - `filter/{id}/contacts` answers `data` as a list of internal contact ids as STRINGS
 *    (`["749678081", "674539823"]`); `limit` "Defines how many IDs are listed, its maximum value
 *    is 1000000"; `offset` "The offset of the first contact ID is 0";
 *  - its errors: 404 / 10002 "The segment specified does not exist."; 400 / 10001 "Offset must
 *    be zero, or a positive number.", "Limit must be a positive number.", "Limit is a required
 *    parameter.", "Limit must be less than 1000000."; 202 / 10001 "The segment is currently
 *    evaluated." ("Call this resource again until you see the result"; the fault knob
 *    `segmentEvaluatingCount` makes the next calls answer it, see faults.ts); 423 / 10003 "The
 *    admin already running a segment" is not simulated;
 *  - `filter/{id}/contacts/{contactId}` takes the internal contact id (`id`) and answers
 *    `data: true` when the segment includes the contact, otherwise `data: false`.
 * Chosen (docs silent):
 *  - segments are the seeded ones (seed.ts, SEED_SEGMENTS), evaluated on every call against the
 *    contacts as they are now; members in contact id order;
 *  - the look-up answers 404 / 10002 for an unknown segment too, and `false` for a contact id that
 *    names no contact; a contact id that is not a whole number is 400 / 10001 "Invalid contact id.".
 */
import { fail, ok, type Reply, type RouteContext } from '../http';
import { SEED_SEGMENTS, type SeedSegment } from '../seed';
import type { StoredContact } from '../store';

/** `limit` must stay below this (old api docs: "Limit must be less than 1000000"). */
export const MAX_SEGMENT_LIMIT = 1_000_000;

const NO_SEGMENT = (): Reply => fail(404, 10002, 'The segment specified does not exist.');

function findSegment(ref: string): SeedSegment | undefined {
	return /^\d+$/.test(ref) ? SEED_SEGMENTS.find((segment) => segment.id === Number(ref)) : undefined;
}

function isMember(segment: SeedSegment, contact: StoredContact): boolean {
	const value = contact.fields.get(segment.criterion.fieldId);
	if (segment.criterion.notEmpty) return value !== undefined && value !== null && value !== '';
	return value !== undefined && String(value) === String(segment.criterion.equals);
}

/** GET filter */
export function listSegments(): Reply {
	return ok(SEED_SEGMENTS.map((s) => ({ id: s.id, name: s.name, type: 'standard', criteriaTypes: ['contact'], baseContactListId: 0 })));
}

/** GET filter/{id}/contacts?limit=&offset= */
export function listSegmentContacts(ctx: RouteContext, segmentRef: string): Reply {
	const segment = findSegment(segmentRef);
	if (!segment) return NO_SEGMENT();
	const limitText = ctx.query.get('limit');
	const offsetText = ctx.query.get('offset') ?? '0';
	if (limitText === null || limitText.trim() === '') return fail(400, 10001, 'Limit is a required parameter.');
	if (!/^\s*\d+\s*$/.test(limitText) || Number(limitText) < 1) return fail(400, 10001, 'Limit must be a positive number.');
	if (Number(limitText) >= MAX_SEGMENT_LIMIT) return fail(400, 10001, `Limit must be less than ${MAX_SEGMENT_LIMIT}.`);
	if (!/^\s*\d+\s*$/.test(offsetText)) return fail(400, 10001, 'Offset must be zero, or a positive number.');
	const offset = Number(offsetText);
	const members = ctx.store.list().filter((contact) => isMember(segment, contact));
	return ok(members.slice(offset, offset + Number(limitText)).map((contact) => String(contact.id)));
}

/** GET filter/{id}/contacts/{contactId} */
export function lookUpSegmentContact(ctx: RouteContext, segmentRef: string, contactRef: string): Reply {
	const segment = findSegment(segmentRef);
	if (!segment) return NO_SEGMENT();
	if (!/^\d+$/.test(contactRef)) return fail(400, 10001, 'Invalid contact id.');
	const contact = ctx.store.get(Number(contactRef));
	return ok(contact !== undefined && isMember(segment, contact));
}
