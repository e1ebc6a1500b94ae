import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	ResourceMapperField,
} from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { entryBytes, sendInBatches, type BatchAnswer } from '../../helpers/batch';
import { findField, getFieldList, isMultiChoice, type EmarsysField } from '../../helpers/fields';
import { ItemParameters } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { inputError, requireKeyId } from '../../helpers/validation';
import { emarsysApiError, MAX_PAYLOAD_BYTES, type EmarsysClient } from '../../transport';
import { keyIdProperty, requestOptions } from '../common.descriptions';

const properties: INodeProperties[] = [
	keyIdProperty(['upsert'], 'contact'),
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '',
		placeholder: 'e.g. jane.doe@example.com',
		description:
			'The value of the key field for this contact. Leave empty to take it from the key field mapped below.',
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
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [...requestOptions],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['contact'], operation: ['upsert'] } },
	properties,
);

/** Emarsys payloads: at most this many field values in one contact. */
const MAX_VALUES_PER_CONTACT = 1000;

interface Entry {
	itemIndex: number;
	keyId: string;
	keyValue: string;
	values: IDataObject;
	create: boolean;
	/** Size of `values` as JSON. */
	bytes: number;
}

/**
 * Automatic mapping: which Emarsys field each input key names (a field ID, or a string ID as
 * findField matches it). Keys absent from the map are not Emarsys fields; `id` and `uid` never are.
 */
function autoMapIndex(fields: EmarsysField[]): { get(key: string): string | undefined } {
	const known = new Map<string, string | undefined>();
	const ids = new Set(fields.map((field) => String(field.id)));
	return {
		get(key: string) {
			if (known.has(key)) return known.get(key);
			let fieldId: string | undefined;
			if (/^\d+$/.test(key) && ids.has(key)) fieldId = key;
			else if (key !== 'id' && key !== 'uid') {
				const field = findField(fields, key);
				fieldId = field ? String(field.id) : undefined;
			}
			known.set(key, fieldId);
			return fieldId;
		},
	};
}

function toEmarsysValue(value: unknown, multi: boolean): unknown {
	if (value === undefined) return undefined;
	if (value instanceof Date) return value.toISOString().slice(0, 10);
	if (value && typeof value === 'object' && typeof (value as { toISODate?: unknown }).toISODate === 'function') {
		return (value as { toISODate: () => string }).toISODate();
	}
	if (multi && typeof value === 'string') {
		const text = value.trim();
		if (text.startsWith('[')) {
			try {
				return JSON.parse(text);
			} catch {
				return value;
			}
		}
		return text === '' ? [] : text.split(',').map((part) => part.trim());
	}
	if (multi && (typeof value === 'number' || typeof value === 'string')) return [value];
	return value;
}

/**
 * contact.upsert: `PUT contact/?create_if_not_exists=1` with up to 1000 contacts per call, items
 * grouped by key field (and the Create If Missing switch), in input order. A per-contact error in
 * `data.errors` (keyed by key value) fails only the items that carried that key.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	client: EmarsysClient,
): Promise<INodeExecutionData[]> {
	const node = this.getNode();
	const results = new ItemResults(this, items.length);
	const params = new ItemParameters(this, description);
	const raw: Array<{ keyId: string; contactId: string; mode: string; values: IDataObject; schema: ResourceMapperField[]; create: boolean } | undefined> = [];

	// 1. Read and check parameters of every item (no call yet).
	let needFieldList = false;
	for (let i = 0; i < items.length; i++) {
		results.runSync(i, () => {
			const keyId = requireKeyId(node, i, params.get('keyId', i));
			const contactIdParam = params.get('contactId', i, '') as unknown;
			const contactId =
				typeof contactIdParam === 'number' ? String(contactIdParam) : typeof contactIdParam === 'string' ? contactIdParam.trim() : '';
			if (contactIdParam !== '' && contactIdParam !== undefined && contactIdParam !== null && contactId === '') {
				throw inputError(node, i, 'contactId', `must be text, got ${typeof contactIdParam}`);
			}
			const mode = params.get('columns.mappingMode', i, 'defineBelow') as string;
			let values: IDataObject;
			if (mode === 'autoMapInputData') {
				values = { ...items[i].json };
				needFieldList = true;
			} else {
				values = (params.get('columns.value', i, {}) ?? {}) as IDataObject;
				for (const key of Object.keys(values)) {
					if (!/^\d+$/.test(key)) {
						throw inputError(node, i, 'columns', `"${key}" is not a field ID (Emarsys field IDs are whole numbers)`, 'Refresh the field list of Contact Data.');
					}
				}
			}
			const schema = (params.get('columns.schema', i, []) ?? []) as ResourceMapperField[];
			const create = params.get('createIfMissing', i, true) as boolean;
			if (!/^\d+$/.test(keyId) && keyId !== 'id' && keyId !== 'uid') needFieldList = true;
			raw[i] = { keyId, contactId, mode, values, schema, create };
		});
	}

	let fields: EmarsysField[] | undefined;
	if (needFieldList) {
		const firstValid = raw.findIndex((entry, i) => entry && !results.failed(i));
		if (firstValid >= 0) {
			try {
				fields = await getFieldList(client, 'en');
			} catch (error) {
				for (let i = 0; i < items.length; i++) if (raw[i] && !results.failed(i)) results.fail(i, error);
				return results.toItems();
			}
		}
	}

	// 2. Build each item's contact: field ID -> value, plus the key.
	const fieldIdByKey = fields ? autoMapIndex(fields) : undefined;
	const multiIdsBySchema = new Map<ResourceMapperField[], Set<string>>();
	const multiIdsOf = (schema: ResourceMapperField[]): Set<string> => {
		let ids = multiIdsBySchema.get(schema);
		if (!ids) {
			ids = new Set(
				fields
					? fields.filter(isMultiChoice).map((field) => String(field.id))
					: schema.filter((field) => field.type === 'array').map((field) => field.id),
			);
			multiIdsBySchema.set(schema, ids);
		}
		return ids;
	};
	const entries: Entry[] = [];
	for (let i = 0; i < items.length; i++) {
		const item = raw[i];
		if (!item || results.failed(i)) continue;
		results.runSync(i, () => {
			const { keyId, contactId, mode, values, schema, create } = item;
			raw[i] = undefined; // read once; 100,000 of these would otherwise live until the end
			let keyColumn = keyId;
			if (!/^\d+$/.test(keyId) && keyId !== 'id' && keyId !== 'uid') {
				const field = fields ? findField(fields, keyId) : undefined;
				if (!field) throw inputError(node, i, 'keyId', `the account has no field with string ID "${keyId}"`);
				keyColumn = String(field.id);
			}
			const contact: IDataObject = {};
			const multiIds = multiIdsOf(schema);
			let count = 0;
			for (const key in values) {
				const value = values[key];
				if (value === undefined || value === null) continue;
				// Automatic mapping: input keys that are not Emarsys fields are other data of the item.
				const fieldId = mode === 'autoMapInputData' ? fieldIdByKey?.get(key) : key;
				if (fieldId === undefined) continue;
				contact[fieldId] = toEmarsysValue(value, multiIds.has(fieldId)) as IDataObject[string];
				count++;
			}
			let keyValue = contactId;
			if (keyValue === '') {
				const mapped = keyColumn === 'id' || keyColumn === 'uid' ? (mode === 'autoMapInputData' ? values[keyColumn] : undefined) : contact[keyColumn];
				keyValue = typeof mapped === 'string' ? mapped.trim() : typeof mapped === 'number' ? String(mapped) : '';
			}
			if (keyValue === '') {
				throw inputError(
					node,
					i,
					'contactId',
					`no value for the key field ${keyId}`,
					'Fill in Contact ID, or map a value to the key field in Contact Data.',
				);
			}
			if (keyColumn !== 'id' && keyColumn !== 'uid') {
				if (contact[keyColumn] === undefined) count++;
				contact[keyColumn] = keyValue;
			} else if (contact[keyColumn] !== undefined) {
				delete contact[keyColumn];
				count--;
			}
			if (count > MAX_VALUES_PER_CONTACT) {
				throw inputError(node, i, 'columns', `${count} field values; Emarsys accepts at most ${MAX_VALUES_PER_CONTACT} per contact`);
			}
			const body: IDataObject = keyColumn === 'id' || keyColumn === 'uid' ? { [keyColumn]: keyValue, ...contact } : contact;
			const bytes = entryBytes(body);
			if (bytes > MAX_PAYLOAD_BYTES - 1024) {
				throw inputError(node, i, 'columns', `the contact is ${bytes} bytes; Emarsys accepts at most 10 MB per call`);
			}
			entries.push({ itemIndex: i, keyId: keyColumn, keyValue, values: body, create, bytes });
		});
	}

	// 3. Send, grouped by key field and switch, in input order.
	await sendInBatches(entries, results, {
		groupKey: (entry) => `${entry.keyId}|${entry.create ? 1 : 0}`,
		contactKey: (entry) => entry.keyValue,
		sizeOf: (entry) => entry.bytes,
		send: async (chunk) =>
			await client.request<BatchAnswer>({
				method: 'PUT',
				endpoint: 'contact/',
				qs: chunk[0].create ? { create_if_not_exists: 1 } : undefined,
				body: { key_id: chunk[0].keyId, contacts: chunk.map((entry) => entry.values) },
				retryable: true,
				itemIndex: chunk.length === 1 ? chunk[0].itemIndex : undefined,
			}),
		errorFor: (entry, error) =>
			emarsysApiError(node, {
				replyCode: error.code,
				replyText: error.message,
				itemIndex: entry.itemIndex,
				endpoint: 'contact',
			}),
		onSuccess: (succeeded, answer) => {
			// Emarsys lists the ids of the contacts it wrote, in order; only a full list can be paired.
			const ids = Array.isArray(answer.ids) ? answer.ids : [];
			const idsMatch = ids.length === succeeded.length;
			for (let position = 0; position < succeeded.length; position++) {
				const entry = succeeded[position];
				const json: IDataObject = idsMatch ? { id: String(ids[position]) } : {};
				json.keyId = entry.keyId;
				json.contactId = entry.keyValue;
				json.fields = entry.values;
				results.add(entry.itemIndex, json);
			}
		},
	});
	return results.toItems();
}
