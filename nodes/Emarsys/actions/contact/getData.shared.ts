import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { normalizeKey, sendInBatches, type BatchEntry, type EntryOutcome } from '../../helpers/batch';
import { ChoiceLabels } from '../../helpers/choiceLabels';
import { getFieldList, isInternalKey, keyColumnOf, needsFieldListForKey, type EmarsysField } from '../../helpers/fields';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { inputError, requireContactId, requireFieldIds, requireKeyId, requireLanguage } from '../../helpers/validation';
import { emarsysApiError, type EmarsysClient } from '../../transport';
import { contactIdProperty, keyIdProperty, languageOption, optionsCollection } from '../common.descriptions';

/** Emarsys returns at most this many fields per getdata call. */
const MAX_FIELDS_PER_CALL = 1000;

const OUTPUT_KEYS = ['id', 'stringId', 'name'];

/** The parameters of Get and Get With Choice Labels. */
export function getDataDescription(operation: string, withLabels: boolean): INodeProperties[] {
	return updateDisplayOptions({ show: { resource: ['contact'], operation: [operation] } }, [
		keyIdProperty,
		contactIdProperty,
		{
			displayName: 'Field Names or IDs',
			name: 'fields',
			type: 'multiOptions',
			typeOptions: { loadOptionsMethod: 'getFields' },
			default: [],
			description:
				'The fields to return. Leave empty to return all fields. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
		optionsCollection([
			{
				displayName: 'Output Keys',
				name: 'outputKeys',
				type: 'options',
				default: 'id',
				description: 'How the fields of each contact are named in the output',
				options: [
					{ name: 'Field IDs (e.g. 3)', value: 'id' },
					{ name: 'Field String IDs (e.g. Email)', value: 'stringId' },
					{ name: 'Field Names (e.g. E-Mail)', value: 'name' },
				],
			},
			...(withLabels ? [{ ...languageOption, description: 'Two-letter language code of the choice labels (and field names), e.g. en, de' }] : []),
		]),
	]);
}

/** One item's read: its parameters, checked, and the key value it asks for. */
interface ReadEntry extends BatchEntry {
	/** The key value asked for. */
	payload: string;
	keyId: string;
	/** The key field as a column of the answer's rows (known once the field list is, when the key is a string ID). */
	keyColumn: string;
	fields: string[];
	outputKeys: string;
	language: string;
}

interface GetDataAnswer {
	result?: IDataObject[] | false;
	errors?: Array<{ key?: unknown; errorCode?: unknown; errorMsg?: unknown }>;
}

/**
 * contact.get and contact.getWithChoiceLabels: items sharing key field and field list go to
 * `POST contact/getdata` together, up to 1000 keys per call, in input order; items asking for the
 * same contact share its row. Each returned contact becomes one output item.
 */
export async function executeGetData(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	client: EmarsysClient,
	withLabels: boolean,
): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const reads = readEntries(this, items, results, withLabels);
	const fieldLists = new Map<string, EmarsysField[]>();
	for (const read of reads) {
		if (fieldLists.has(read.language) || !(withLabels || read.outputKeys !== 'id' || needsFieldListForKey(read.keyId))) continue;
		await results.run(read.itemIndex, async () => void fieldLists.set(read.language, await getFieldList(client, read.language)));
	}
	const entries = reads.filter((read) => {
		read.keyColumn = keyColumnOf(read.keyId, fieldLists.get(read.language)) ?? '';
		if (read.keyColumn !== '' || results.failed(read.itemIndex)) return read.keyColumn !== '';
		results.fail(read.itemIndex, inputError(results.node, read.itemIndex, 'keyId', `the account has no field with string ID "${read.keyId}"`, 'Pick the key field from the list.'));
		return false;
	});
	await sendInBatches<ReadEntry, GetDataAnswer>(entries, results, {
		sameContact: 'share',
		payloadParameter: 'contactId',
		send: async (chunk) => {
			const { keyId, fields } = chunk[0];
			// The key field comes back too, so that every row can be paired with its items.
			const { keyColumn } = chunk[0];
			const requested = fields.length > 0 && !isInternalKey(keyColumn) && !fields.includes(keyColumn) ? [...fields, keyColumn] : fields;
			const body = { keyId, keyValues: chunk.map((entry) => entry.payload), ...(requested.length > 0 ? { fields: requested } : {}) };
			const reply = await client.request<GetDataAnswer>({ method: 'POST', endpoint: 'contact/getdata', body, retryable: true, itemIndex: chunk.length === 1 ? chunk[0].itemIndex : undefined });
			return reply.data ?? {};
		},
		outcomes: (chunk, answer) => outcomesOf(results, chunk, answer),
	});

	await labelAndName(client, results, entries, fieldLists, withLabels);
	return results.toItems();
}

/** Every item's parameters, checked before any call. */
function readEntries(ctx: IExecuteFunctions, items: INodeExecutionData[], results: ItemResults, withLabels: boolean): ReadEntry[] {
	const params = new ParameterReader(ctx);
	const reads: ReadEntry[] = [];
	// A field list given without expression is the same array for every item: checked (and its group named) once.
	const checkedFieldLists = new WeakMap<object, { fields: string[]; joined: string }>();
	const fieldsOf = (i: number, value: unknown): { fields: string[]; joined: string } => {
		const known = value && typeof value === 'object' ? checkedFieldLists.get(value) : undefined;
		if (known) return known;
		const fields = requireFieldIds(results.node, i, 'fields', value, MAX_FIELDS_PER_CALL);
		const checked = { fields, joined: fields.join(',') };
		if (value && typeof value === 'object') checkedFieldLists.set(value, checked);
		return checked;
	};
	for (let i = 0; i < items.length; i++) {
		results.check(i, () => {
			const options = params.get<IDataObject>('options', i, {});
			const outputKeys = String(options.outputKeys ?? 'id');
			if (!OUTPUT_KEYS.includes(outputKeys)) throw inputError(results.node, i, 'options.outputKeys', `"${outputKeys}" is not one of ${OUTPUT_KEYS.join(', ')}`);
			const keyId = requireKeyId(results.node, i, params.get('keyId', i));
			const contactId = requireContactId(results.node, i, params.get('contactId', i));
			const { fields, joined } = fieldsOf(i, params.get('fields', i, []));
			const language = withLabels ? requireLanguage(results.node, i, options.language) : 'en';
			reads.push({ itemIndex: i, group: `${keyId}|${joined}`, contactId, payload: contactId, keyId, keyColumn: '', fields, outputKeys, language });
		});
	}
	return reads;
}

/** Pairs the rows (by their key column) and the per-key errors of a getdata answer with the keys asked for. */
function outcomesOf(results: ItemResults, chunk: ReadEntry[], answer: GetDataAnswer): EntryOutcome[] {
	const { keyColumn } = chunk[0];
	const rowsByKey = new Map<string, IDataObject[]>();
	for (const row of Array.isArray(answer.result) ? answer.result : []) {
		const key = normalizeKey(row[keyColumn]);
		const rows = rowsByKey.get(key);
		if (rows) rows.push(row);
		else rowsByKey.set(key, [row]);
	}
	const errorsByKey = new Map((answer.errors ?? []).map((error) => [normalizeKey(error.key), error]));
	return chunk.map((entry) => {
		const key = normalizeKey(entry.contactId);
		const rows = rowsByKey.get(key);
		if (rows) return rows.length === 1 ? rows[0] : rows;
		const error = errorsByKey.get(key);
		const message = String(error?.errorMsg ?? 'Error');
		const replyText = !error ? `No contact found with ${entry.keyId} = ${entry.contactId}` : message.includes(entry.contactId) ? message : `${message} (${entry.contactId})`;
		return emarsysApiError(results.node, { replyCode: error ? Number(error.errorCode) : 2008, replyText, endpoint: 'contact/getdata' }, entry.itemIndex);
	});
}

/** Names each output's fields as Output Keys asks, leaves out a key column only added for pairing, and labels choice values. */
async function labelAndName(
	client: EmarsysClient,
	results: ItemResults,
	reads: ReadEntry[],
	fieldLists: Map<string, EmarsysField[]>,
	withLabels: boolean,
): Promise<void> {
	const labels = new Map<string, ChoiceLabels>();
	for (const [language, fields] of withLabels ? fieldLists : []) {
		const itemsOfLanguage = reads.filter((read) => read.language === language && !results.failed(read.itemIndex)).map((read) => read.itemIndex);
		try {
			labels.set(language, await ChoiceLabels.load(client, language, fields, itemsOfLanguage.flatMap((i) => results.outputsOf(i))));
		} catch (error) {
			for (const i of itemsOfLanguage) results.fail(i, error);
		}
	}
	const fieldsById = new Map([...fieldLists].map(([language, fields]) => [language, new Map(fields.map((field) => [String(field.id), field]))]));
	for (const read of reads) {
		// getdata returns id and uid anyway; a key field's column was added to the fields asked for.
		const added = read.fields.length > 0 && !isInternalKey(read.keyColumn) && !read.fields.includes(read.keyColumn) ? read.keyColumn : undefined;
		const labelsOfItem = labels.get(read.language);
		if (results.failed(read.itemIndex) || (!added && !labelsOfItem && read.outputKeys === 'id')) continue;
		const fields = fieldsById.get(read.language) ?? new Map<string, EmarsysField>();
		results.mapOutputs(read.itemIndex, (row) => {
			const json: IDataObject = {};
			for (const [key, value] of Object.entries(row)) {
				if (key === added) continue;
				const field = fields.get(key);
				const name = (read.outputKeys === 'stringId' && field?.string_id) || (read.outputKeys === 'name' && field?.name) || key;
				json[name] = (labelsOfItem ? labelsOfItem.label(key, value) : value) as IDataObject[string];
			}
			return json;
		});
	}
}
