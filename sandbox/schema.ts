/**
 * Field registry: resolves field ids / string ids, validates values written to contacts and
 * renders stored values the way `contact/getdata` returns them.
 *
 * Verified: key ids may be a numeric field id, `id`, `uid`, or a field's string id such as
 * `email` (Core API reference, getdata/trigger: "Identifies the contact by their id, uid, or the
 * name/integer id of a custom field, such as email"); getdata values are strings
 * (`patternProperties ^[0-9]+: string`), single-choice values are the choice id; value errors on
 * contact writes use reply code 2007 ("Invalid choice id for field id", "Invalid date format for
 * field id", "Invalid data format for field id: X. Array expected", "...Scalar expected.",
 * "Invalid field id: X", "No choice provided for field id: X" for an empty multi-choice array);
 * dates are accepted as YYYY-MM-DD, YYYY-MM-DD HH:MM and YYYY-MM-DD HH:MM:SS (api docs "Creating
 * a New Contact").
 *
 * Chosen (docs silent): multi-choice values render as a comma-separated list of choice ids in
 * ascending order ("1,3", the same notation Emarsys uses for multi-choice key values in URIs);
 * empty values render as null; text key lookups are case-insensitive (Emarsys stores contacts in
 * a case-insensitive collation); the wording of the 2007 messages for read-only fields and
 * non-numeric values.
 */
import { KEY_FIELD_IDS, SEED_FIELDS, type SeedField } from './seed';

export type StoredValue = string | number | number[] | null;

export type ResolvedKey = { kind: 'id' } | { kind: 'uid' } | { kind: 'field'; field: SeedField };

export interface FieldError {
	code: number;
	message: string;
}

const byId = new Map<number, SeedField>();
const byStringId = new Map<string, SeedField>();
/** Fields created through `POST field` (see routes/creation.ts); shared by the sandboxes of one process. */
let createdFields: SeedField[] = [];

function register(f: SeedField): void {
	byId.set(f.id, f);
	byStringId.set(f.string_id.toLowerCase(), f);
}
SEED_FIELDS.forEach(register);

export function allFields(): readonly SeedField[] {
	return createdFields.length ? [...SEED_FIELDS, ...createdFields] : SEED_FIELDS;
}

/** Adds a field created through the API. */
export function addField(f: SeedField): void {
	createdFields.push(f);
	register(f);
}

/**
 * Choice labels changed as an account admin changes them in the Emarsys UI (test hook
 * `PUT /__sandbox/choices`): field ID:choice ID → new English label. Shared like createdFields.
 */
const renamedChoices = new Map<string, string>();

export function renameChoice(fieldId: number, choiceId: string, label: string): boolean {
	const f = byId.get(fieldId);
	if (!f?.choices?.some((c) => String(c.id) === choiceId)) return false;
	renamedChoices.set(`${fieldId}:${choiceId}`, label);
	return true;
}

/** The English label of a choice, as renamed or as seeded. */
export function choiceLabel(f: SeedField, choice: { id: number | string; choice: string }): string {
	return renamedChoices.get(`${f.id}:${choice.id}`) ?? choice.choice;
}

/** Forgets the fields created through the API and the renamed choices (the seed fields stay). */
export function resetCreatedFields(): void {
	renamedChoices.clear();
	for (const f of createdFields) {
		byId.delete(f.id);
		byStringId.delete(f.string_id.toLowerCase());
	}
	createdFields = [];
}

export function isChoiceField(f: SeedField): boolean {
	return Array.isArray(f.choices);
}

export function isMultiChoice(f: SeedField): boolean {
	return f.application_type === 'multichoice' || f.application_type === 'interests';
}

/** Field by numeric id (number or numeric string) or by string id. */
export function findField(ref: unknown): SeedField | undefined {
	if (typeof ref === 'number' && Number.isInteger(ref)) return byId.get(ref);
	if (typeof ref === 'string') {
		const t = ref.trim();
		if (/^\d+$/.test(t)) return byId.get(Number(t));
		return byStringId.get(t.toLowerCase());
	}
	return undefined;
}

/**
 * Resolve a keyId / key_id. Undefined means "invalid key field id": an unknown field, or a field
 * that cannot be used as an identifier (not in KEY_FIELD_IDS, see seed.ts).
 */
export function resolveKey(ref: unknown): ResolvedKey | undefined {
	if (typeof ref === 'string') {
		const t = ref.trim().toLowerCase();
		if (t === 'id') return { kind: 'id' };
		if (t === 'uid') return { kind: 'uid' };
	}
	const field = findField(ref);
	return field && KEY_FIELD_IDS.has(field.id) ? { kind: 'field', field } : undefined;
}

export function keyLabel(ref: unknown): string {
	if (typeof ref === 'string' || typeof ref === 'number') return String(ref);
	return JSON.stringify(ref) ?? String(ref);
}

function isEmpty(v: unknown): boolean {
	return v === null || v === '' || v === undefined;
}

function choiceIdOf(f: SeedField, v: unknown): number | undefined {
	let n: number;
	if (typeof v === 'number') n = v;
	else if (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) n = Number(v);
	else return undefined;
	if (!Number.isInteger(n)) return undefined;
	return f.choices?.some((c) => c.id === n) ? n : undefined;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
function isValidDate(s: string): boolean {
	const m = DATE_RE.exec(s);
	if (!m) return false;
	const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
	return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

const NUMERIC_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** Validate a value written through the API and return its stored form. */
export function validateValue(f: SeedField, v: unknown): { value: StoredValue } | { error: FieldError } {
	const id = f.id;
	if (f.readOnly) return { error: { code: 2007, message: `Field is read-only: ${id}` } };
	if (isEmpty(v)) return { value: null };
	if (isMultiChoice(f)) {
		if (!Array.isArray(v)) {
			return { error: { code: 2007, message: `Invalid data format for field id: ${id}. Array expected` } };
		}
		if (v.length === 0) return { error: { code: 2007, message: `No choice provided for field id: ${id}` } };
		const ids = new Set<number>();
		for (const item of v) {
			const c = choiceIdOf(f, item);
			if (c === undefined) return { error: { code: 2007, message: `Invalid choice id for field id: ${id}` } };
			ids.add(c);
		}
		return { value: [...ids].sort((a, b) => a - b) };
	}
	if (typeof v === 'object' || typeof v === 'boolean') {
		return { error: { code: 2007, message: `Invalid data format for field ID: ${id}. Scalar expected.` } };
	}
	if (isChoiceField(f)) {
		const c = choiceIdOf(f, v);
		if (c === undefined) return { error: { code: 2007, message: `Invalid choice id for field id: ${id}` } };
		return { value: c };
	}
	const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
	switch (f.application_type) {
		case 'birthdate':
		case 'date': {
			// "Valid date formats are YYYY-MM-DD, YYYY-MM-DD HH:MM and YYYY-MM-DD HH:MM:SS" — a date field keeps the date.
			const m = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s.trim());
			const timeOk = !m || m[2] === undefined || (Number(m[2]) < 24 && Number(m[3]) < 60 && (m[4] === undefined || Number(m[4]) < 60));
			if (!m || !isValidDate(m[1]) || !timeOk) return { error: { code: 2007, message: `Invalid date format for field id: ${id}` } };
			return { value: m[1] };
		}
		case 'numeric': {
			const t = s.trim();
			if (!NUMERIC_RE.test(t) || t.replace(/[^\d]/g, '').length > 24) {
				return { error: { code: 2007, message: `Invalid numeric value for field id: ${id}` } };
			}
			return { value: t.replace(/^\+/, '') };
		}
		case 'voucher':
			return { error: { code: 2007, message: 'Invalid field type: voucher. The value of vouchers cannot be changed.' } };
		default:
			return { value: s };
	}
}

/** The value as `contact/getdata` returns it: a string, or null when empty. */
export function renderValue(v: StoredValue | undefined): string | null {
	if (v === null || v === undefined) return null;
	if (Array.isArray(v)) return v.length ? v.join(',') : null;
	return String(v);
}

/** Normalised index key of a stored value (null when the value is empty and not indexed). */
export function indexKey(f: SeedField, v: StoredValue | undefined): string | null {
	if (v === null || v === undefined) return null;
	if (Array.isArray(v)) return v.length ? v.join(',') : null;
	if (typeof v === 'number') return String(v);
	if (f.application_type === 'numeric') {
		const n = Number(v);
		return Number.isFinite(n) ? String(n) : v;
	}
	return v.toLowerCase();
}

/**
 * Index key for a lookup value sent by a client (keyValues / key field value / external_id).
 * Returns null when the value cannot match anything (empty or not valid for the field type).
 */
export function lookupKey(f: SeedField, raw: unknown): string | null {
	if (isEmpty(raw)) return null;
	if (isMultiChoice(f)) {
		let items: unknown[];
		if (Array.isArray(raw)) items = raw;
		else if (typeof raw === 'string') items = raw.split(',');
		else return null;
		const ids: number[] = [];
		for (const i of items) {
			const c = choiceIdOf(f, i);
			if (c === undefined) return null;
			ids.push(c);
		}
		return [...new Set(ids)].sort((a, b) => a - b).join(',');
	}
	if (typeof raw === 'object' || typeof raw === 'boolean') return null;
	if (isChoiceField(f)) {
		const c = choiceIdOf(f, raw);
		return c === undefined ? null : String(c);
	}
	const s = String(raw);
	if (f.application_type === 'numeric') {
		const n = Number(s.trim());
		return NUMERIC_RE.test(s.trim()) && Number.isFinite(n) ? String(n) : null;
	}
	return s.toLowerCase();
}
