import type { IDataObject, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** Bad input: a NodeOperationError that names the parameter and the item (`[item 0]`, as n8n's own messages do). */
export function inputError(
	node: INode,
	itemIndex: number,
	parameter: string,
	problem: string,
	hint?: string,
): NodeOperationError {
	return new NodeOperationError(node, `Parameter "${parameter}": ${problem} [item ${itemIndex}]`, {
		itemIndex,
		description: hint,
	});
}

const WHOLE_NUMBER = /^(0|[1-9]\d*)$/;

/** A number or text as trimmed text ('' for anything else). */
function asText(value: unknown): string {
	// Stryker disable next-line StringLiteral: any text that is no whole number and no field name (Stryker's has spaces) is refused the same way as ''.
	return typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
}

/** An Emarsys ID (a whole number), given as number or text; returns it as text, or throws `problem`. */
function requireWholeNumber(node: INode, itemIndex: number, parameter: string, value: unknown, problem: string, hint: string): string {
	const text = asText(value);
	if (!WHOLE_NUMBER.test(text)) throw inputError(node, itemIndex, parameter, `"${String(value)}" ${problem}`, hint);
	return text;
}

/** A field ID. */
export function requireFieldId(node: INode, itemIndex: number, parameter: string, value: unknown): string {
	return requireWholeNumber(
		node,
		itemIndex,
		parameter,
		value,
		'is not a field ID (Emarsys field IDs are positive whole numbers, e.g. 3 for email)',
		'Pick the field from the list, or give its numeric ID (see Field > Get Many).',
	);
}

/** An external event ID. */
export function requireEventId(node: INode, itemIndex: number, value: unknown): string {
	return requireWholeNumber(
		node,
		itemIndex,
		'eventId',
		value,
		'is not an external event ID (a whole number)',
		'Pick the event from the list, or give its numeric ID (Automation > External Events in Emarsys).',
	);
}

/** A segment ID. */
export function requireSegmentId(node: INode, itemIndex: number, value: unknown): string {
	return requireWholeNumber(
		node,
		itemIndex,
		'segmentId',
		value,
		'is not a segment ID (a whole number)',
		'Pick the segment from the list, or give its numeric ID (see Segment > Get Many).',
	);
}

/** A contact list ID. */
export function requireContactListId(node: INode, itemIndex: number, value: unknown): string {
	return requireWholeNumber(
		node,
		itemIndex,
		'contactListId',
		value,
		'is not a contact list ID (a whole number)',
		'Pick the contact list from the list, or give its numeric ID (Contact List > Get Many).',
	);
}

/**
 * The key field of a contact operation: a numeric field ID, `id` / `uid` (Emarsys's internal contact
 * ID / UID), or a field's string ID such as `email` (Emarsys accepts all of these as key).
 */
export function requireKeyId(node: INode, itemIndex: number, value: unknown): string {
	const text = asText(value);
	if (WHOLE_NUMBER.test(text)) return text;
	const lower = text.toLowerCase();
	if (lower === 'id' || lower === 'uid') return lower;
	if (/^[a-z_][a-z0-9_]*$/i.test(text)) return text;
	throw inputError(
		node,
		itemIndex,
		'keyId',
		`"${String(value)}" is not a key field (use a field ID such as 3, a field string ID such as email, or id)`,
		'Pick the key field from the list.',
	);
}

/** A list of field IDs (array, or comma-separated text). */
export function requireFieldIds(
	node: INode,
	itemIndex: number,
	parameter: string,
	value: unknown,
	max: number,
): string[] {
	let list: unknown[];
	if (Array.isArray(value)) list = value;
	else if (typeof value === 'string') list = value.split(',').map((part) => part.trim()).filter((part) => part !== '');
	else if (typeof value === 'number') list = [value];
	else if (value === undefined || value === null) list = [];
	else throw inputError(node, itemIndex, parameter, 'must be a list of field IDs');
	const ids = list.map((entry) => requireFieldId(node, itemIndex, parameter, entry));
	const unique = [...new Set(ids)];
	if (unique.length > max) {
		throw inputError(node, itemIndex, parameter, `${unique.length} fields given; Emarsys accepts at most ${max} per call`);
	}
	return unique;
}

/** A contact ID (the key field's value) that may be left empty: text or a number, as text; '' when empty. */
export function optionalContactId(node: INode, itemIndex: number, value: unknown, parameter = 'contactId'): string {
	if (value === undefined || value === null) return '';
	if (typeof value === 'string') return value.trim();
	// Number.isFinite is true for finite numbers only (it does not convert).
	if (Number.isFinite(value)) return String(value);
	throw inputError(node, itemIndex, parameter, `must be text, got ${typeof value}`);
}

/** A contact ID (the key field's value): non-empty text (numbers are taken as text). */
export function requireContactId(node: INode, itemIndex: number, value: unknown, parameter = 'contactId'): string {
	const contactId = optionalContactId(node, itemIndex, value, parameter);
	if (contactId === '') {
		throw inputError(
			node,
			itemIndex,
			parameter,
			'is empty',
			'Give the value of the key field that identifies the contact (for example the email address).',
		);
	}
	return contactId;
}

/** E-Mail (3), Emarsys's e-mail field, by field ID or string ID. */
const EMAIL_KEYS = new Set(['3', 'email']);

/** Something@domain.tld, without spaces: what a mail server can deliver to at all. */
const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * A value for E-Mail (3), as key value or as written value: one that is not an e-mail address is
 * a typing or extraction mistake (an AI agent's, often), refused before any call. Other fields
 * pass unchanged.
 */
export function requireEmailIfEmailField(node: INode, itemIndex: number, fieldId: string, value: string, parameter = 'contactId'): string {
	if (EMAIL_KEYS.has(fieldId.toLowerCase()) && !EMAIL_ADDRESS.test(value)) {
		throw inputError(node, itemIndex, parameter, `"${value}" is not an e-mail address (field ${fieldId} is E-Mail)`, 'Give an address such as jane.doe@example.com.');
	}
	return value;
}

/** eventData: a JSON object, given as object or JSON text. Empty text means no data. */
export function requireJsonObject(
	node: INode,
	itemIndex: number,
	parameter: string,
	value: unknown,
): IDataObject | undefined {
	let parsed: unknown = value;
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'string') {
		if (value.trim() === '') return undefined;
		try {
			parsed = JSON.parse(value);
		} catch (error) {
			throw inputError(node, itemIndex, parameter, `is not valid JSON (${(error as Error).message})`, 'Give a JSON object, e.g. {"order_id": "A-1"}.');
		}
	}
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw inputError(
			node,
			itemIndex,
			parameter,
			`must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}`,
			'Give a JSON object, e.g. {"order_id": "A-1"}.',
		);
	}
	return parsed as IDataObject;
}

/** A point in time turned into UTC ISO-8601 (`2026-01-31T09:05:00Z`), as Emarsys wants event_time. */
export function requireUtcTime(node: INode, itemIndex: number, parameter: string, value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	let date: Date | undefined;
	if (value instanceof Date) date = value;
	else if (typeof value === 'string') {
		const text = value.trim();
		// Require a full date; a time without zone would be ambiguous, so it is read as UTC.
		const parts = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
		if (parts) {
			const [, time, zone] = parts;
			const normalized = text.replace(' ', 'T');
			// Stryker disable next-line ConditionalExpression: V8 reads a date with a bare Z ('2026-01-31Z') as midnight UTC too.
			const asUtc = time === undefined ? `${normalized}T00:00:00Z` : `${normalized}Z`;
			date = new Date(zone === undefined ? asUtc : normalized);
		}
	} else if (typeof (value as { toISO?: unknown }).toISO === 'function') {
		// A Luxon DateTime, as n8n expressions give dates (any value with a toISO function).
		date = new Date(String((value as { toISO: () => string }).toISO()));
	}
	if (!date || Number.isNaN(date.getTime())) {
		throw inputError(node, itemIndex, parameter, `"${String(value)}" is not a date-time`, 'Use ISO-8601, e.g. 2026-01-31T09:05:00Z.');
	}
	// Stryker disable next-line Regex: toISOString always ends in .sssZ and has no other '.': the $ changes nothing.
	return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A language code for Emarsys translations (`en`, `de`, `zh-hans`…); empty means `en`. */
export function requireLanguage(node: INode, itemIndex: number, value: unknown): string {
	if (value === undefined || value === null || value === '') return 'en';
	const text = String(value).trim().toLowerCase();
	if (!/^[a-z]{2}(-[a-z]{2,4})?$/.test(text)) {
		throw inputError(node, itemIndex, 'options.language', `"${String(value)}" is not a language code`, 'Use a two-letter code such as en, de or fr.');
	}
	return text;
}
