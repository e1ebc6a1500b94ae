import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { sleep, updateDisplayOptions } from 'n8n-workflow';

import { BatchCalls, normalizeKey, type BatchCall, type BatchEntry, type EntryOutcome } from '../../helpers/batch';
import { ChoiceLabels } from '../../helpers/choiceLabels';
import { getFieldListForKeys, isInternalKey, isNumericKey, keyColumnOf, needsFieldListToCompare, type EmarsysField } from '../../helpers/fields';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { inputError, requireContactId, requireEmailIfEmailField, requireFieldIds, requireKeyId, requireLanguage } from '../../helpers/validation';
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

/** What items read with: the same for every item whose parameters are the same (one object for them all). */
interface ReadSettings {
	/** Items with the same key field and fields share calls. */
	group: string;
	keyId: string;
	/** The key field as a column of the answer's rows (known once the field list is, when the key is a string ID). */
	keyColumn: string;
	/** The key field holds numbers (known with keyColumn). */
	numericKey: boolean;
	fields: string[];
	outputKeys: string;
	language: string;
}

/** One item's read: the key value it asks for, and its settings. */
interface ReadEntry extends BatchEntry {
	payload: string;
	settings: ReadSettings;
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
	const fieldLists = new Map<string, EmarsysField[]>();
	// The reads are let go before the output items are made (on large runs they are many).
	await labelAndName(client, results, await readContacts(this, items, client, results, fieldLists, withLabels), fieldLists, withLabels);
	return results.toItems();
}

/**
 * Reads each item's parameters and asks Emarsys for its contact. A call goes as soon as it is full,
 * while later items are still read: at real latency a large run then costs about the larger of
 * n8n reading the items and the calls, not their sum (bench: get200ms). Only reads do this — a read
 * changes nothing in Emarsys; a write checks every item before its first call.
 */
async function readContacts(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	client: EmarsysClient,
	results: ItemResults,
	fieldLists: Map<string, EmarsysField[]>,
	withLabels: boolean,
): Promise<ReadEntry[]> {
	const calls = new BatchCalls<ReadEntry, GetDataAnswer>(results, getDataCall(client, results));
	const readItem = itemReader(ctx, results, withLabels);
	const reads: ReadEntry[] = [];
	try {
		for (let i = 0; i < items.length; i++) {
			const read = readItem(i);
			if (!read || (read.settings.keyColumn === '' && !(await findKeyColumn(client, results, read, fieldLists, withLabels)))) continue;
			read.numericKey = read.settings.numericKey;
			reads.push(read);
			// A call just went: let the calls under way take their answers before reading on.
			if (calls.add(read)) await sleep(0);
		}
		await calls.finish();
	} finally {
		// An item's error stops the run: no call of it is left under way.
		await calls.abandon();
	}
	return reads;
}

/** `POST contact/getdata` for a call's keys; its rows and per-key errors paired with the items. */
function getDataCall(client: EmarsysClient, results: ItemResults): BatchCall<ReadEntry, GetDataAnswer> {
	return {
		client,
		route: 'POST contact/getdata',
		sameContact: 'share',
		payloadParameter: 'contactId',
		send: async (chunk, client) => {
			const { keyId, fields, keyColumn } = chunk[0].settings;
			// The key field comes back too, so that every row can be paired with its items.
			const requested = fields.length > 0 && !isInternalKey(keyColumn) && !fields.includes(keyColumn) ? [...fields, keyColumn] : fields;
			const body = { keyId, keyValues: chunk.map((entry) => entry.payload), ...(requested.length > 0 ? { fields: requested } : {}) };
			const reply = await client.request<GetDataAnswer>({ method: 'POST', endpoint: 'contact/getdata', body, retryable: true, itemIndex: chunk.length === 1 ? chunk[0].itemIndex : undefined });
			return reply.data ?? {};
		},
		outcomes: (chunk, answer) => outcomesOf(results, chunk, answer),
	};
}

/**
 * Finds the key field's column in the answer's rows for an item's settings (once for all items
 * sharing them): a string ID is looked up in the field list, loaded once per language. False when
 * the item failed.
 */
async function findKeyColumn(client: EmarsysClient, results: ItemResults, read: ReadEntry, fieldLists: Map<string, EmarsysField[]>, withLabels: boolean): Promise<boolean> {
	const { itemIndex, settings } = read;
	const needsFieldList = withLabels || settings.outputKeys !== 'id' || needsFieldListToCompare(settings.keyId);
	if (needsFieldList && !fieldLists.has(settings.language)) {
		await results.run(itemIndex, async () => void fieldLists.set(settings.language, await getFieldListForKeys(client, [settings.keyId], settings.language)));
	}
	settings.keyColumn = keyColumnOf(settings.keyId, fieldLists.get(settings.language)) ?? '';
	settings.numericKey = isNumericKey(settings.keyId, fieldLists.get(settings.language));
	if (settings.keyColumn !== '' || results.failed(itemIndex)) return settings.keyColumn !== '';
	results.fail(itemIndex, inputError(results.node, itemIndex, 'keyId', `the account has no field with string ID "${settings.keyId}"`, 'Pick the key field from the list.'));
	return false;
}

/** Reads and checks one item's parameters (undefined: the item failed). */
function itemReader(ctx: IExecuteFunctions, results: ItemResults, withLabels: boolean): (i: number) => ReadEntry | undefined {
	const params = new ParameterReader(ctx);
	// Items read with the same parameters share one settings object (a field list given without
	// expression is also the same array for every item: checked once).
	const settingsByKey = new Map<string, ReadSettings>();
	const checkedFieldLists = new WeakMap<object, string[]>();
	const fieldsOf = (i: number, value: unknown): string[] => {
		const known = value && typeof value === 'object' ? checkedFieldLists.get(value) : undefined;
		if (known) return known;
		const fields = requireFieldIds(results.node, i, 'fields', value, MAX_FIELDS_PER_CALL);
		if (value && typeof value === 'object') checkedFieldLists.set(value, fields);
		return fields;
	};
	return (i) => {
		let read: ReadEntry | undefined;
		results.check(i, () => {
			const options = params.get<IDataObject>('options', i, {});
			const outputKeys = String(options.outputKeys ?? 'id');
			if (!OUTPUT_KEYS.includes(outputKeys)) throw inputError(results.node, i, 'options.outputKeys', `"${outputKeys}" is not one of ${OUTPUT_KEYS.join(', ')}`);
			const keyId = requireKeyId(results.node, i, params.get('keyId', i));
			const contactId = requireEmailIfEmailField(results.node, i, keyId, requireContactId(results.node, i, params.get('contactId', i)));
			const fields = fieldsOf(i, params.get('fields', i, []));
			const language = withLabels ? requireLanguage(results.node, i, options.language) : 'en';
			const group = `${keyId}|${fields.join(',')}`;
			const key = `${group}|${outputKeys}|${language}`;
			let settings = settingsByKey.get(key);
			if (!settings) settingsByKey.set(key, (settings = { group, keyId, keyColumn: '', numericKey: false, fields, outputKeys, language }));
			// numericKey: set once the key field is known (findKeyColumn).
			read = { itemIndex: i, group: settings.group, contactId, numericKey: false, payload: contactId, settings };
		});
		return read;
	};
}

/** Pairs the rows (by their key column) and the per-key errors of a getdata answer with the keys asked for. */
function outcomesOf(results: ItemResults, chunk: ReadEntry[], answer: GetDataAnswer): EntryOutcome[] {
	const { keyColumn, numericKey } = chunk[0].settings;
	const rowsByKey = new Map<string, IDataObject[]>();
	for (const row of Array.isArray(answer.result) ? answer.result : []) {
		const key = normalizeKey(row[keyColumn], numericKey);
		const rows = rowsByKey.get(key);
		if (rows) rows.push(row);
		else rowsByKey.set(key, [row]);
	}
	const errorsByKey = new Map((answer.errors ?? []).map((error) => [normalizeKey(error.key, numericKey), error]));
	return chunk.map((entry) => {
		const key = normalizeKey(entry.contactId, numericKey);
		const rows = rowsByKey.get(key);
		if (rows) return rows.length === 1 ? rows[0] : rows;
		const error = errorsByKey.get(key);
		const message = String(error?.errorMsg ?? 'Error');
		const replyText = !error ? `No contact found with ${entry.settings.keyId} = ${entry.contactId}` : message.includes(entry.contactId) ? message : `${message} (${entry.contactId})`;
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
		const itemsOfLanguage = reads.filter((read) => read.settings.language === language && !results.failed(read.itemIndex)).map((read) => read.itemIndex);
		try {
			labels.set(language, await ChoiceLabels.load(client, language, fields, itemsOfLanguage.flatMap((i) => results.outputsOf(i))));
		} catch (error) {
			for (const i of itemsOfLanguage) results.fail(i, error);
		}
	}
	const fieldsById = new Map([...fieldLists].map(([language, fields]) => [language, new Map(fields.map((field) => [String(field.id), field]))]));
	for (const { itemIndex, settings: read } of reads) {
		// getdata returns id and uid anyway; a key field's column was added to the fields asked for.
		const added = read.fields.length > 0 && !isInternalKey(read.keyColumn) && !read.fields.includes(read.keyColumn) ? read.keyColumn : undefined;
		const labelsOfItem = labels.get(read.language);
		if (results.failed(itemIndex) || (!added && !labelsOfItem && read.outputKeys === 'id')) continue;
		// Rows keyed by field ID, with no column to leave out, are labelled as they are (each item's rows are its own).
		if (!added && read.outputKeys === 'id' && labelsOfItem) {
			results.mapOutputs(itemIndex, (row) => labelsOfItem.labelRow(row));
			continue;
		}
		const fields = fieldsById.get(read.language) ?? new Map<string, EmarsysField>();
		results.mapOutputs(itemIndex, (row) => {
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
