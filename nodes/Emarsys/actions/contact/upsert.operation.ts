import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { errorsByContact, sendInBatches, writeOutcomes, type BatchEntry, type BatchWriteAnswer, type EntryOutcome } from '../../helpers/batch';
import {
	fieldIdsByInputKey,
	getFieldListForKeys,
	isInternalKey,
	isMultiChoice,
	isNumericKey,
	keyColumnOf,
	needsFieldListForKey,
	toEmarsysValue,
	type EmarsysField,
} from '../../helpers/fields';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { inputError, optionalContactId, requireEmailIfEmailField, requireKeyId } from '../../helpers/validation';
import { MAX_CONTACT_UPDATE_BYTES, type EmarsysClient } from '../../transport';
import { keyIdProperty, optionsCollection } from '../common.descriptions';

const properties: INodeProperties[] = [
	keyIdProperty,
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '',
		placeholder: 'e.g. jane.doe@example.com',
		description: 'The value of the key field for this contact. Leave empty to take it from the key field mapped below.',
	},
	{
		displayName: 'Contact Data',
		name: 'columns',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'defineBelow', value: null },
		required: true,
		typeOptions: {
			loadOptionsDependsOn: ['authentication'],
			resourceMapper: {
				resourceMapperMethod: 'getContactFields',
				mode: 'map',
				fieldWords: { singular: 'field', plural: 'fields' },
				addAllFields: false,
				multiKeyMatch: false,
				supportAutoMap: true,
				noFieldsError: 'No fields found in the Emarsys account',
			},
		},
	},
	{
		displayName: 'Create If Missing',
		name: 'createIfMissing',
		type: 'boolean',
		default: true,
		description: 'Whether to create the contact when no contact has this key value (otherwise that item fails)',
	},
	optionsCollection([]),
];

export const description = updateDisplayOptions({ show: { resource: ['contact'], operation: ['upsert'] } }, properties);

/** Emarsys takes at most this many field values in one contact. */
const MAX_VALUES_PER_CONTACT = 1000;

interface ContactInput {
	keyId: string;
	contactId: string;
	/** Field ID (or, mapped automatically, input key) → value. */
	values: IDataObject;
	create: boolean;
}

interface ContactEntry extends BatchEntry {
	/** A contact of `PUT contact`: field ID → value, the key field included. */
	payload: IDataObject;
	/** The key field as a column of the contact: a field ID, or `id` / `uid`. */
	keyColumn: string;
	create: boolean;
}

/** How input keys become contact fields: field IDs as they are, or (mapped automatically) by the account's field list. */
interface FieldMapping {
	fieldIdOf: (key: string) => string | undefined;
	multiChoiceIds: Set<string>;
}

/**
 * contact.upsert: `PUT contact/?create_if_not_exists=1`, up to 1000 contacts per call, items
 * grouped by key field and Create If Missing. Emarsys reports a failed contact by its key value
 * in `data.errors`: only the items of that contact fail.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	const autoMap = params.get<string>('columns.mappingMode', 0, 'defineBelow') === 'autoMapInputData';
	const keyIdOf = (i: number) => params.get<unknown>('keyId', i);
	let fields: EmarsysField[] | undefined;
	if (autoMap || items.some((_, i) => needsFieldListForKey(String(keyIdOf(i) ?? '').trim()))) {
		try {
			fields = await getFieldListForKeys(client, items.map((_, i) => String(keyIdOf(i) ?? '').trim()).filter((keyId) => keyId !== ''));
		} catch (error) {
			items.forEach((_, i) => results.fail(i, error));
			return results.toItems();
		}
	}
	const mapping: FieldMapping = {
		fieldIdOf: autoMap && fields ? fieldIdsByInputKey(fields) : (key) => key,
		multiChoiceIds: new Set(autoMap && fields ? fields.filter(isMultiChoice).map((field) => String(field.id)) : []),
	};
	const entries: ContactEntry[] = [];
	for (let i = 0; i < items.length; i++) {
		results.check(i, () => {
			const input: ContactInput = {
				keyId: requireKeyId(results.node, i, keyIdOf(i)),
				contactId: optionalContactId(results.node, i, params.get('contactId', i, '')),
				values: autoMap ? items[i].json : (params.get<IDataObject | null>('columns.value', i, {}) ?? {}),
				create: params.get('createIfMissing', i, true),
			};
			entries.push(contactEntry(results, i, input, fields, mapping));
		});
	}

	await sendInBatches<ContactEntry, BatchWriteAnswer>(entries, results, {
		client,
		route: 'PUT contact',
		sameContact: 'separate',
		payloadParameter: 'columns',
		maxBytes: MAX_CONTACT_UPDATE_BYTES,
		send: async (chunk, client) => {
			const reply = await client.request<BatchWriteAnswer>({
				method: 'PUT',
				endpoint: 'contact/',
				qs: chunk[0].create ? { create_if_not_exists: 1 } : undefined,
				body: { key_id: chunk[0].keyColumn, contacts: chunk.map((entry) => entry.payload) },
				retryable: true,
				itemIndex: chunk.length === 1 ? chunk[0].itemIndex : undefined,
			});
			return reply.data ?? {};
		},
		outcomes: (chunk, answer) => outcomesOf(results, chunk, answer),
	});
	return results.toItems();
}

/** The item's entry: its contact, with the key value (Contact ID, or else the value mapped to the key field). */
function contactEntry(results: ItemResults, i: number, input: ContactInput, fields: EmarsysField[] | undefined, mapping: FieldMapping): ContactEntry {
	const keyColumn = keyColumnOf(input.keyId, fields);
	if (keyColumn === undefined) throw inputError(results.node, i, 'keyId', `the account has no field with string ID "${input.keyId}"`);
	const payload: IDataObject = {};
	for (const key in input.values) {
		const value = input.values[key];
		const fieldId = mapping.fieldIdOf(key);
		if (fieldId === undefined || value === undefined || value === null || isInternalKey(fieldId)) continue;
		if (!/^\d+$/.test(fieldId)) {
			throw inputError(results.node, i, 'columns', `"${key}" is not a field ID (Emarsys field IDs are whole numbers)`, 'Refresh the field list of Contact Data.');
		}
		payload[fieldId] = toEmarsysValue(value, mapping.multiChoiceIds.has(fieldId)) as IDataObject[string];
	}
	const mapped = isInternalKey(keyColumn) ? input.values[keyColumn] : payload[keyColumn];
	const contactId = input.contactId || optionalContactId(results.node, i, mapped ?? '');
	if (contactId === '') {
		throw inputError(results.node, i, 'contactId', `no value for the key field ${input.keyId}`, 'Fill in Contact ID, or map a value to the key field in Contact Data.');
	}
	// The key value goes in as given by Contact ID (id / uid: as the contact's internal ID).
	payload[keyColumn] = contactId;
	const email = payload['3'];
	if (typeof email === 'string' && email !== '') requireEmailIfEmailField(results.node, i, '3', email, keyColumn === '3' && input.contactId ? 'contactId' : 'columns');
	if (Object.keys(payload).length > MAX_VALUES_PER_CONTACT) {
		throw inputError(results.node, i, 'columns', `${Object.keys(payload).length} field values; Emarsys accepts at most ${MAX_VALUES_PER_CONTACT} per contact`);
	}
	return { itemIndex: i, group: `${keyColumn}|${input.create}`, contactId, numericKey: isNumericKey(keyColumn, fields), payload, keyColumn, create: input.create };
}

/** Each contact's outcome: its error in `data.errors`, or what was written (with its Emarsys ID when the answer pairs them). */
function outcomesOf(results: ItemResults, chunk: ContactEntry[], answer: BatchWriteAnswer): EntryOutcome[] {
	// Emarsys lists the IDs of the contacts it wrote (not their key values), in order: only a full
	// list can be paired, by position (API reference, "Update Contacts": `data.ids`).
	const failedCount = errorsByContact(answer.errors, chunk[0].numericKey).size;
	const ids = Array.isArray(answer.ids) && answer.ids.length === chunk.length - failedCount ? answer.ids : undefined;
	let written = 0;
	return writeOutcomes(results, chunk, answer.errors, 'contact', (entry) => writtenContact(entry, ids?.[written++]));
}

/**
 * What was written for a contact, with its Emarsys ID when the answer paired one. Two plain
 * literals, not a spread: then every output has the same layout; spread, each of them held a
 * layout of its own (about 200 bytes more per item, measured at 100,000 items on 2026-12-05).
 */
function writtenContact(entry: ContactEntry, id: unknown): IDataObject {
	if (id === undefined) return { keyId: entry.keyColumn, contactId: entry.contactId, fields: entry.payload };
	return { id: idText(id), keyId: entry.keyColumn, contactId: entry.contactId, fields: entry.payload };
}

/** A contact ID of `data.ids`: a created contact's is a number, an existing one's text; the reference also allows a list. */
function idText(id: unknown): string | string[] {
	return Array.isArray(id) ? id.map(String) : String(id);
}
