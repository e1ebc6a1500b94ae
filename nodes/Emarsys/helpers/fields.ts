import type { FieldType } from 'n8n-workflow';

import type { EmarsysClient } from '../transport';

/** A field of the Emarsys account, as `GET field/translate/{language}` lists it. */
export interface EmarsysField {
	id: number;
	name: string;
	application_type: string;
	string_id?: string;
}

export interface EmarsysChoice {
	id: string | number;
	choice: string;
	bit_position?: number | string;
}

/**
 * The account's fields in a language: one call per client and language, kept for later
 * executions as the client's settings say (`fresh`: fetched anew, when an answer showed the kept
 * list is out of date).
 */
export async function getFieldList(client: EmarsysClient, language = 'en', fresh = false): Promise<EmarsysField[]> {
	const lang = encodeURIComponent(language);
	return await client.metadata(`fields:${lang}`, async () => {
		const reply = await client.request<EmarsysField[]>({
			method: 'GET',
			endpoint: `field/translate/${lang}`,
			retryable: true,
		});
		return Array.isArray(reply.data) ? reply.data : [];
	}, fresh);
}

/**
 * The field list, knowing every key field in `keyIds`: a kept list that does not know one is
 * fetched anew once (the field may be new since it was kept).
 */
export async function getFieldListForKeys(client: EmarsysClient, keyIds: string[], language = 'en'): Promise<EmarsysField[]> {
	const fields = await getFieldList(client, language);
	const knowsAll = (list: EmarsysField[]) => keyIds.every((keyId) => !needsFieldListToCompare(keyId) || findField(list, keyId) !== undefined);
	return knowsAll(fields) ? fields : await getFieldList(client, language, true);
}

/** Choices of one single-choice field (one call per client, field and language; kept as the field list is). */
export async function getSingleChoiceList(
	client: EmarsysClient,
	fieldId: string,
	language: string,
	itemIndex?: number,
	fresh = false,
): Promise<EmarsysChoice[]> {
	const lang = encodeURIComponent(language);
	const id = encodeURIComponent(fieldId);
	return await client.metadata(`choices:${id}:${lang}`, async () => {
		const reply = await client.request<EmarsysChoice[]>({
			method: 'GET',
			endpoint: `field/${id}/choice/translate/${lang}`,
			retryable: true,
			itemIndex,
		});
		return Array.isArray(reply.data) ? reply.data : [];
	}, fresh);
}

/** Choices of several multi-choice fields in ONE call: `GET field/choices?fields=a,b&language=xx` (kept as the field list is). */
export async function getMultiChoiceLists(
	client: EmarsysClient,
	fieldIds: string[],
	language: string,
	itemIndex?: number,
	fresh = false,
): Promise<Record<string, EmarsysChoice[]>> {
	const ids = [...new Set(fieldIds)].sort((a, b) => Number(a) - Number(b));
	// Stryker disable next-line ConditionalExpression: no caller asks for no fields (choice labels check first; Get Multi Choices always names one). This also hides `true`, which the tests catch.
	if (ids.length === 0) return {};
	const fields = ids.join(',');
	return await client.metadata(`multichoices:${fields}:${language}`, async () => {
		// Emarsys answers an object keyed by field ID, one for one field too (as the sandbox does).
		const reply = await client.request<Record<string, EmarsysChoice[]>>({
			method: 'GET',
			endpoint: 'field/choices',
			qs: { fields, language },
			retryable: true,
			itemIndex,
		});
		const result: Record<string, EmarsysChoice[]> = {};
		for (const [key, value] of Object.entries(reply.data ?? {})) result[key] = Array.isArray(value) ? value : [];
		return result;
	}, fresh);
}

/** Opt-In (31) is a system field of type "special" whose values are choices (1 True, 2 False). */
const SPECIAL_SINGLE_CHOICE_FIELDS = new Set([31]);

export function isSingleChoice(field: EmarsysField): boolean {
	return field.application_type === 'singlechoice' || SPECIAL_SINGLE_CHOICE_FIELDS.has(Number(field.id));
}

/** Multi-choice fields, including the system field Interests (0, type "interests"). */
export function isMultiChoice(field: EmarsysField): boolean {
	return field.application_type === 'multichoice' || field.application_type === 'interests';
}

/** Choice IDs of a multi-choice value as getdata returns it ("1,3"), or as an array. */
export function splitMultiChoice(value: unknown): string[] {
	if (Array.isArray(value)) return value.map((entry) => String(entry).trim()).filter((entry) => entry !== '');
	if (value === null || value === undefined) return [];
	return String(value)
		.split(',')
		.map((entry) => entry.trim())
		.filter((entry) => entry !== '');
}

/** Resolves a key or field reference (numeric ID or string ID such as `email`) to a field. */
export function findField(fields: EmarsysField[], ref: string): EmarsysField | undefined {
	if (/^\d+$/.test(ref)) return fields.find((field) => String(field.id) === ref);
	// A field without string ID has no name: '' names none of them.
	if (ref === '') return undefined;
	const lower = ref.toLowerCase();
	return fields.find((field) => field.string_id?.toLowerCase() === lower);
}

/** Field types whose values can identify a contact. */
export const KEY_FIELD_TYPES = new Set(['shorttext', 'longtext', 'email', 'numeric', 'url', 'phone']);

/** The resource-mapper type of a field. */
export function fieldTypeOf(field: EmarsysField): FieldType {
	if (isSingleChoice(field)) return 'options';
	if (isMultiChoice(field)) return 'array';
	if (field.application_type === 'numeric') return 'number';
	return 'string';
}

/** Key fields Emarsys knows by name rather than by field ID: its own contact ID and UID. */
export function isInternalKey(keyId: string): boolean {
	return keyId === 'id' || keyId === 'uid';
}

/** True when the key field is given as a field's string ID (e.g. `email`): the field list tells its ID. */
export function needsFieldListForKey(keyId: string): boolean {
	return !/^\d+$/.test(keyId) && !isInternalKey(keyId);
}

/** The highest ID of Emarsys's system fields ("System Fields" appendix: 0 to 48, none of them numeric); higher IDs are custom fields. */
const LAST_SYSTEM_FIELD_ID = 48;

/** True when only the field list tells how a key field compares its values: a string ID, or a custom field (numeric or text). */
export function needsFieldListToCompare(keyId: string): boolean {
	// Past a string ID, a key is a field ID or id / uid (no number: NaN is no custom field).
	return needsFieldListForKey(keyId) || Number(keyId) > LAST_SYSTEM_FIELD_ID;
}

/**
 * Whether a key field holds numbers, so that Emarsys compares its values as numbers (normalizeKey):
 * its contact ID, or a field the list says is numeric. Without the list, a field compares as text.
 */
export function isNumericKey(keyId: string, fields?: EmarsysField[]): boolean {
	if (keyId === 'id') return true;
	return (fields ? findField(fields, keyId) : undefined)?.application_type === 'numeric';
}

/** The column a key field has in contact data: its field ID, or `id` / `uid`; undefined for an unknown string ID. */
export function keyColumnOf(keyId: string, fields: EmarsysField[] | undefined): string | undefined {
	if (!needsFieldListForKey(keyId)) return keyId;
	const field = fields ? findField(fields, keyId) : undefined;
	return field ? String(field.id) : undefined;
}

/**
 * Automatic mapping: the field ID each input key names (a field ID, or a field's string ID as
 * findField matches it), or undefined for keys that are other data of the item.
 */
export function fieldIdsByInputKey(fields: EmarsysField[]): (key: string) => string | undefined {
	const known = new Map<string, string | undefined>();
	return (key: string) => {
		// Stryker disable next-line ConditionalExpression: `true` (no memo) answers the same, only slower; this also hides `false`, which the mapping test would catch.
		if (!known.has(key)) {
			const field = isInternalKey(key) ? undefined : findField(fields, key);
			known.set(key, field ? String(field.id) : undefined);
		}
		return known.get(key);
	};
}

/** A value as Emarsys takes it: dates as YYYY-MM-DD, multi-choice values as a list of choice IDs. */
export function toEmarsysValue(value: unknown, multiChoice: boolean): unknown {
	if (value instanceof Date) return value.toISOString().slice(0, 10);
	if (typeof (value as { toISODate?: unknown } | null | undefined)?.toISODate === 'function') {
		return (value as { toISODate: () => string }).toISODate();
	}
	if (!multiChoice || Array.isArray(value)) return value;
	if (typeof value !== 'string') return [value];
	const text = value.trim();
	if (text.startsWith('[')) {
		try {
			return JSON.parse(text) as unknown;
		} catch {
			return value;
		}
	}
	return text === '' ? [] : text.split(',').map((part) => part.trim());
}
