import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { normalizeKey, sendInBatches, type BatchEntry, type EntryOutcome } from '../../helpers/batch';
import { ChoiceLabels } from '../../helpers/choiceLabels';
import { getFieldList, isInternalKey, keyColumnOf, needsFieldListForKey, type EmarsysField } from '../../helpers/fields';
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

interface ReadInput {
	keyId: string;
	contactId: string;
	fields: string[];
	outputKeys: string;
	language: string;
}

interface ReadEntry extends BatchEntry {
	/** The key value asked for. */
	payload: string;
	input: ReadInput;
	/** The key field as a column of the answer's rows. */
	keyColumn: string;
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
	const inputs = readInputs(this, items, results, withLabels);
	const fieldLists = new Map<string, EmarsysField[]>();
	for (const [i, input] of inputs) {
		if (fieldLists.has(input.language) || !(withLabels || input.outputKeys !== 'id' || needsFieldListForKey(input.keyId))) continue;
		await results.run(i, async () => void fieldLists.set(input.language, await getFieldList(client, input.language)));
	}

	const entries: ReadEntry[] = [];
	for (const [i, input] of inputs) {
		results.check(i, () => {
			const keyColumn = keyColumnOf(input.keyId, fieldLists.get(input.language));
			if (keyColumn === undefined) throw inputError(results.node, i, 'keyId', `the account has no field with string ID "${input.keyId}"`, 'Pick the key field from the list.');
			entries.push({ itemIndex: i, group: `${input.keyId}|${input.fields.join(',')}`, contactId: input.contactId, payload: input.contactId, input, keyColumn });
		});
	}
	await sendInBatches<ReadEntry, GetDataAnswer>(entries, results, {
		sameContact: 'share',
		payloadParameter: 'contactId',
		send: async (chunk) => {
			const { keyId, fields } = chunk[0].input;
			// The key field comes back too, so that every row can be paired with its items.
			const { keyColumn } = chunk[0];
			const requested = fields.length > 0 && !isInternalKey(keyColumn) && !fields.includes(keyColumn) ? [...fields, keyColumn] : fields;
			const body = { keyId, keyValues: chunk.map((entry) => entry.payload), ...(requested.length > 0 ? { fields: requested } : {}) };
			const reply = await client.request<GetDataAnswer>({ method: 'POST', endpoint: 'contact/getdata', body, retryable: true, itemIndex: chunk.length === 1 ? chunk[0].itemIndex : undefined });
			return reply.data ?? {};
		},
		outcomes: (chunk, answer) => outcomesOf(results, chunk, answer),
	});

	await labelAndName(client, results, inputs, fieldLists, withLabels);
	return results.toItems();
}

/** Every item's parameters, checked before any call. */
function readInputs(ctx: IExecuteFunctions, items: INodeExecutionData[], results: ItemResults, withLabels: boolean): Map<number, ReadInput> {
	const params = new ParameterReader(ctx);
	const inputs = new Map<number, ReadInput>();
	for (let i = 0; i < items.length; i++) {
		results.check(i, () => {
			const options = params.get<IDataObject>('options', i, {});
			const outputKeys = String(options.outputKeys ?? 'id');
			if (!OUTPUT_KEYS.includes(outputKeys)) throw inputError(results.node, i, 'options.outputKeys', `"${outputKeys}" is not one of ${OUTPUT_KEYS.join(', ')}`);
			const keyId = requireKeyId(results.node, i, params.get('keyId', i));
			inputs.set(i, {
				keyId,
				contactId: requireEmailIfEmailField(results.node, i, keyId, requireContactId(results.node, i, params.get('contactId', i))),
				fields: requireFieldIds(results.node, i, 'fields', params.get('fields', i, []), MAX_FIELDS_PER_CALL),
				outputKeys,
				language: withLabels ? requireLanguage(results.node, i, options.language) : 'en',
			});
		});
	}
	return inputs;
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
		const replyText = !error ? `No contact found with ${entry.input.keyId} = ${entry.contactId}` : message.includes(entry.contactId) ? message : `${message} (${entry.contactId})`;
		return emarsysApiError(results.node, { replyCode: error ? Number(error.errorCode) : 2008, replyText, endpoint: 'contact/getdata' }, entry.itemIndex);
	});
}

/** Names each output's fields as Output Keys asks, leaves out a key column only added for pairing, and labels choice values. */
async function labelAndName(
	client: EmarsysClient,
	results: ItemResults,
	inputs: Map<number, ReadInput>,
	fieldLists: Map<string, EmarsysField[]>,
	withLabels: boolean,
): Promise<void> {
	const labels = new Map<string, ChoiceLabels>();
	for (const [language, fields] of withLabels ? fieldLists : []) {
		const itemsOfLanguage = [...inputs].filter(([i, input]) => input.language === language && !results.failed(i)).map(([i]) => i);
		try {
			labels.set(language, await ChoiceLabels.load(client, language, fields, itemsOfLanguage.flatMap((i) => results.outputsOf(i))));
		} catch (error) {
			for (const i of itemsOfLanguage) results.fail(i, error);
		}
	}
	const fieldsById = new Map([...fieldLists].map(([language, fields]) => [language, new Map(fields.map((field) => [String(field.id), field]))]));
	for (const [i, input] of inputs) {
		const keyColumn = keyColumnOf(input.keyId, fieldLists.get(input.language));
		// getdata returns id and uid anyway; a key field's column was added to the fields asked for.
		const added = input.fields.length > 0 && keyColumn && !isInternalKey(keyColumn) && !input.fields.includes(keyColumn) ? keyColumn : undefined;
		const labelsOfItem = labels.get(input.language);
		if (results.failed(i) || (!added && !labelsOfItem && input.outputKeys === 'id')) continue;
		const fields = fieldsById.get(input.language) ?? new Map<string, EmarsysField>();
		results.mapOutputs(i, (row) => {
			const json: IDataObject = {};
			for (const [key, value] of Object.entries(row)) {
				if (key === added) continue;
				const field = fields.get(key);
				const name = (input.outputKeys === 'stringId' && field?.string_id) || (input.outputKeys === 'name' && field?.name) || key;
				json[name] = (labelsOfItem ? labelsOfItem.label(key, value) : value) as IDataObject[string];
			}
			return json;
		});
	}
}
