import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { callInTurn, chunkEntries, entryBytes, groupBy, normalizeKey, type Outcome } from '../../helpers/batch';
import {
	findField,
	getFieldList,
	getMultiChoiceLists,
	getSingleChoiceList,
	isMultiChoice,
	isSingleChoice,
	splitMultiChoice,
	type EmarsysField,
} from '../../helpers/fields';
import { ItemParameters } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import {
	inputError,
	requireContactKey,
	requireFieldIds,
	requireKeyId,
	requireLanguage,
} from '../../helpers/validation';
import { emarsysApiError, MAX_BATCH_SIZE, type EmarsysClient, type EmarsysReply } from '../../transport';
import { contactIdProperty, keyIdProperty, languageOption, requestOptions } from '../common.descriptions';

/** Emarsys returns at most this many fields per getdata call (and accounts have fewer). */
export const MAX_FIELDS_PER_CALL = 1000;

export function getDataProperties(operation: string, withLabels: boolean): INodeProperties[] {
	return [
		keyIdProperty([operation], 'contact'),
		contactIdProperty([operation], 'contact'),
		{
			displayName: 'Field Names or IDs',
			name: 'fields',
			type: 'multiOptions',
			typeOptions: { loadOptionsMethod: 'getFields' },
			default: [],
			description:
				'The fields to return. Leave empty to return all fields. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			displayOptions: { show: { resource: ['contact'], operation: [operation] } },
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add option',
			default: {},
			displayOptions: { show: { resource: ['contact'], operation: [operation] } },
			options: [
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
				...(withLabels
					? [{ ...languageOption, description: 'Two-letter language code of the choice labels (and field names), e.g. en, de' }]
					: []),
				...requestOptions,
			],
		},
	];
}

interface ItemInput {
	keyId: string;
	keyValue: string;
	/** keyValue as Emarsys compares keys (see normalizeKey). */
	normalizedKey: string;
	fields: string[];
	outputKeys: string;
	language: string;
}

function keyColumnOf(keyId: string, fields: EmarsysField[] | undefined): string | undefined {
	if (keyId === 'id' || keyId === 'uid') return keyId;
	if (/^\d+$/.test(keyId)) return keyId;
	const field = fields ? findField(fields, keyId) : undefined;
	return field ? String(field.id) : undefined;
}

/**
 * contact.get and contact.getWithChoiceLabels: items sharing key field and field list go to
 * `POST contact/getdata` together, up to 1000 keys per call, in input order. Each returned contact
 * becomes one output item of every input item that asked for its key.
 */
export async function executeGetData(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	client: EmarsysClient,
	withLabels: boolean,
	properties: INodeProperties[],
): Promise<INodeExecutionData[]> {
	const node = this.getNode();
	const results = new ItemResults(this, items.length);
	const params = new ItemParameters(this, properties);
	const inputs: ItemInput[] = [];
	// The same field list (a parameter without expression) is checked once, not once per item.
	const checkedLists = new WeakMap<object, string[]>();
	const checkedFields = (value: unknown, check: (value: unknown) => string[]): string[] => {
		if (!value || typeof value !== 'object') return check(value);
		let checked = checkedLists.get(value);
		if (!checked) {
			checked = check(value);
			checkedLists.set(value, checked);
		}
		return checked;
	};

	// 1. Validate every item before any call.
	for (let i = 0; i < items.length; i++) {
		results.runSync(i, () => {
			const options = params.get('options', i, {}) as IDataObject;
			const keyValue = requireContactKey(node, i, 'contactId', params.get('contactId', i));
			inputs[i] = {
				keyId: requireKeyId(node, i, params.get('keyId', i)),
				keyValue,
				normalizedKey: normalizeKey(keyValue),
				fields: checkedFields(params.get('fields', i, []), (value) => requireFieldIds(node, i, 'fields', value, MAX_FIELDS_PER_CALL)),
				outputKeys: String(options.outputKeys ?? 'id'),
				language: withLabels ? requireLanguage(node, i, options.language) : 'en',
			};
			if (!['id', 'stringId', 'name'].includes(inputs[i].outputKeys)) {
				throw inputError(node, i, 'options.outputKeys', `"${inputs[i].outputKeys}" is not one of id, stringId, name`);
			}
		});
	}
	const valid = inputs.map((_, i) => i).filter((i) => inputs[i] && !results.failed(i));
	if (valid.length === 0) return results.toItems();

	// The field list is needed for labels, readable keys, or a key given as string ID (one call per run and language).
	const needsFieldList = (i: number) =>
		withLabels || inputs[i].outputKeys !== 'id' || keyColumnOf(inputs[i].keyId, undefined) === undefined;
	const fieldLists = new Map<string, EmarsysField[]>();
	for (const i of valid) {
		if (!needsFieldList(i) || fieldLists.has(inputs[i].language)) continue;
		await results.run(i, async () => {
			fieldLists.set(inputs[i].language, await getFieldList(client, inputs[i].language));
		});
	}

	// 2. getdata, grouped by key field and requested fields.
	const joinedLists = new Map<string[], string>();
	const joined = (list: string[]) => {
		let text = joinedLists.get(list);
		if (text === undefined) joinedLists.set(list, (text = list.join(',')));
		return text;
	};
	// Rows answered for several items (same key): each of them gets its own copy.
	const sharedRows = new Set<IDataObject>();
	// Rows of each item (most items get one row: no array then).
	const rowsOf: Array<IDataObject | IDataObject[] | undefined> = new Array(items.length);
	const addRow = (i: number, row: IDataObject) => {
		const current = rowsOf[i];
		if (current === undefined) rowsOf[i] = row;
		else if (Array.isArray(current)) current.push(row);
		else rowsOf[i] = [current, row];
	};
	type Answer = { result?: IDataObject[] | false; errors?: Array<{ key?: unknown; errorCode?: unknown; errorMsg?: unknown }> };
	interface Call {
		keyId: string;
		keyColumn: string;
		requested: string[];
		keyValues: string[];
		/** Items of this call's keys, in input order. */
		items: number[];
		/** Items by normalized key value (every item with that key shares the answer). */
		itemsByKey: Map<string, number | number[]>;
	}
	const calls: Call[] = [];
	const groups = groupBy(
		valid.filter((i) => !results.failed(i)),
		(i) => `${inputs[i].keyId}|${joined(inputs[i].fields)}`,
	);
	for (const members of groups.values()) {
		const { keyId, fields } = inputs[members[0]];
		const fieldList = fieldLists.get(inputs[members[0]].language) ?? fieldLists.values().next().value;
		const keyColumn = keyColumnOf(keyId, fieldList);
		if (keyColumn === undefined) {
			for (const i of members) {
				results.fail(i, inputError(node, i, 'keyId', `the account has no field with string ID "${keyId}"`, 'Pick the key field from the list.'));
			}
			continue;
		}
		// Ask for the key field too, so that every returned row can be matched to its items.
		const requested =
			fields.length > 0 && keyColumn !== 'id' && keyColumn !== 'uid' && !fields.includes(keyColumn)
				? [...fields, keyColumn]
				: fields;
		// One key value per distinct key; every item with that key shares the answer. (Most keys
		// have one item: stored as a number, not a one-element array, for 100,000 items.)
		const itemsByKey = new Map<string, number | number[]>();
		const distinctKeys: string[] = [];
		for (const i of members) {
			const key = inputs[i].normalizedKey;
			const seen = itemsByKey.get(key);
			if (seen === undefined) {
				itemsByKey.set(key, i);
				distinctKeys.push(key);
			} else if (typeof seen === 'number') itemsByKey.set(key, [seen, i]);
			else seen.push(i);
		}
		const firstItemOf = (key: string) => {
			const owners = itemsByKey.get(key)!;
			return typeof owners === 'number' ? owners : owners[0];
		};
		for (const chunk of chunkEntries(distinctKeys, { maxCount: MAX_BATCH_SIZE, sizeOf: (key) => entryBytes(inputs[firstItemOf(key)].keyValue) })) {
			calls.push({
				keyId,
				keyColumn,
				requested,
				keyValues: chunk.map((key) => inputs[firstItemOf(key)].keyValue),
				items: chunk.flatMap((key) => itemsByKey.get(key)!),
				itemsByKey,
			});
		}
	}

	// Choice labels are fetched for the choice fields that come back with a value (noted per language).
	const usedChoiceFields = new Map<string, { single: Set<string>; multi: Set<string>; notYetSeen: EmarsysField[] }>();
	if (withLabels) {
		for (const [language, fieldList] of fieldLists) {
			const choiceFields = fieldList.filter((field) => isSingleChoice(field) || isMultiChoice(field));
			usedChoiceFields.set(language, { single: new Set(), multi: new Set(), notYetSeen: choiceFields });
		}
	}
	// Per answer: the choice fields this call asked for that no row has had a value for yet. Rows
	// are only looked at for those (after the first rows of a run: none).
	const choiceNoter = (call: Call) => {
		const candidates = new Map<string, EmarsysField[]>();
		return (language: string, row: IDataObject) => {
			const used = usedChoiceFields.get(language);
			if (!used) return;
			let fields = candidates.get(language);
			if (!fields) {
				fields = used.notYetSeen.filter((field) => call.requested.length === 0 || call.requested.includes(String(field.id)));
				candidates.set(language, fields);
			}
			for (let k = fields.length - 1; k >= 0; k--) {
				const field = fields[k];
				const value = row[String(field.id)];
				if (value === undefined || value === null || value === '') continue;
				if (isMultiChoice(field)) used.multi.add(String(field.id));
				else used.single.add(String(field.id));
				fields.splice(k, 1);
				used.notYetSeen = used.notYetSeen.filter((other) => other !== field);
			}
		};
	};

	const ownersOf = (call: Call, key: unknown): number[] => {
		const owners = call.itemsByKey.get(normalizeKey(key));
		return owners === undefined ? [] : typeof owners === 'number' ? [owners] : owners;
	};
	const record = (call: Call, outcome: Outcome<EmarsysReply<Answer>>) => {
		if (!outcome.ok) {
			for (const i of call.items) results.fail(i, outcome.error);
			return;
		}
		const data = outcome.value.data ?? {};
		for (const entry of Array.isArray(data.errors) ? data.errors : []) {
			for (const i of ownersOf(call, entry.key)) {
				results.fail(
					i,
					emarsysApiError(node, {
						replyCode: Number(entry.errorCode),
						replyText: String(entry.errorMsg ?? 'Error').includes(inputs[i].keyValue)
							? String(entry.errorMsg)
							: `${String(entry.errorMsg ?? 'Error')} (${inputs[i].keyValue})`,
						itemIndex: i,
						endpoint: 'contact/getdata',
					}),
				);
			}
		}
		const noteChoiceFields = choiceNoter(call);
		for (const row of Array.isArray(data.result) ? data.result : []) {
			const owners = call.itemsByKey.get(normalizeKey(row[call.keyColumn]));
			if (owners === undefined) continue;
			if (typeof owners === 'number') {
				addRow(owners, row);
				if (withLabels) noteChoiceFields(inputs[owners].language, row);
				continue;
			}
			sharedRows.add(row);
			for (const i of owners) {
				addRow(i, row);
				if (withLabels) noteChoiceFields(inputs[i].language, row);
			}
		}
		for (const i of call.items) {
			if (!results.failed(i) && rowsOf[i] === undefined) {
				results.fail(
					i,
					emarsysApiError(node, {
						replyCode: 2008,
						replyText: `No contact found with ${call.keyId} = ${inputs[i].keyValue}`,
						itemIndex: i,
						endpoint: 'contact/getdata',
					}),
				);
			}
		}
	};
	// An answer that fails items is recorded before the next call (cheap check: errors, or fewer rows than keys).
	const failed = (call: Call, outcome: Outcome<EmarsysReply<Answer>>) => {
		if (!outcome.ok) return true;
		const data = outcome.value.data ?? {};
		return (Array.isArray(data.errors) && data.errors.length > 0) || !Array.isArray(data.result) || data.result.length < call.keyValues.length;
	};
	await callInTurn(
		calls,
		async (call) =>
			await client.request<Answer>({
				method: 'POST',
				endpoint: 'contact/getdata',
				body: { keyId: call.keyId, keyValues: call.keyValues, ...(call.requested.length > 0 ? { fields: call.requested } : {}) },
				retryable: true,
				itemIndex: call.items.length === 1 ? call.items[0] : undefined,
			}),
		record,
		failed,
	);

	// 3. Choice labels: one call per single-choice field that came back with a value, one call for all multi-choice fields.
	const labelsByField = new Map<string, Map<string, string>>();
	for (const [language, { single: usedSingle, multi: usedMulti }] of usedChoiceFields) {
		try {
			for (const fieldId of [...usedSingle].sort((a, b) => Number(a) - Number(b))) {
				const choices = await getSingleChoiceList(client, fieldId, language);
				labelsByField.set(`${language}:${fieldId}`, new Map(choices.map((c) => [String(c.id), c.choice])));
			}
			if (usedMulti.size > 0) {
				const lists = await getMultiChoiceLists(client, [...usedMulti], language);
				for (const fieldId of usedMulti) {
					labelsByField.set(`${language}:${fieldId}`, new Map((lists[fieldId] ?? []).map((c) => [String(c.id), c.choice])));
				}
			}
		} catch (error) {
			for (const i of valid) if (inputs[i].language === language && rowsOf[i] !== undefined) results.fail(i, error);
		}
	}

	// 4. Output: one item per contact, in input order. How each returned column is named and
	// labelled depends only on the item's settings: worked out once per settings and column.
	// A row of one item that needs no renaming or removed column becomes the output itself (labels
	// set in place); rows of several items, and rows whose columns change, are copied.
	type Column = { name: string; labels?: Map<string, string>; multi: boolean } | null;
	type Settings = { columns: Map<string, Column>; fieldList?: EmarsysField[]; strippedKey?: string; input: ItemInput };
	const settingsByKey = new Map<string, Settings>();
	let last: Settings | undefined;
	const settingsOf = (input: ItemInput): Settings => {
		const previous = last?.input;
		if (previous && previous.keyId === input.keyId && previous.fields === input.fields && previous.language === input.language && previous.outputKeys === input.outputKeys) {
			return last!;
		}
		const fieldList = fieldLists.get(input.language);
		const keyColumn = keyColumnOf(input.keyId, fieldList);
		const stripKey = input.fields.length > 0 && keyColumn !== undefined && /^\d+$/.test(keyColumn) && !input.fields.includes(keyColumn);
		const strippedKey = stripKey ? keyColumn : undefined;
		const id = `${input.language}|${input.outputKeys}|${strippedKey ?? ''}`;
		let settings = settingsByKey.get(id);
		if (!settings) settingsByKey.set(id, (settings = { columns: new Map(), fieldList, strippedKey, input }));
		last = { ...settings, input };
		return last;
	};
	const columnOf = (settings: Settings, key: string): Column => {
		let column = settings.columns.get(key);
		if (column === undefined) {
			column = describeColumn(key, settings.input, settings.fieldList, settings.strippedKey);
			settings.columns.set(key, column);
		}
		return column;
	};
	const labelled = (column: NonNullable<Column>, value: unknown): unknown => {
		const map = column.labels;
		if (!map || value === null || value === '') return value;
		return column.multi ? splitMultiChoice(value).map((id) => map.get(id) ?? id) : (map.get(String(value)) ?? value);
	};
	// With field IDs as output keys and no column left out, no column is renamed: a row can be the
	// output as it is, with the labelled columns (known per language) rewritten in place.
	const labelledColumns = new Map<string, Array<[string, NonNullable<Column>]>>();
	const labelledColumnsOf = (settings: Settings) => {
		let list = labelledColumns.get(settings.input.language);
		if (!list) {
			list = [];
			const prefix = `${settings.input.language}:`;
			for (const key of labelsByField.keys()) {
				if (!key.startsWith(prefix)) continue;
				const column = columnOf(settings, key.slice(prefix.length));
				if (column?.labels) list.push([key.slice(prefix.length), column]);
			}
			labelledColumns.set(settings.input.language, list);
		}
		return list;
	};
	const outputOf = (settings: Settings, row: IDataObject): IDataObject => {
		if (!sharedRows.has(row) && settings.input.outputKeys === 'id' && settings.strippedKey === undefined) {
			for (const [key, column] of labelledColumnsOf(settings)) {
				const value = row[key];
				if (value !== undefined) row[key] = labelled(column, value) as IDataObject[string];
			}
			return row;
		}
		const json: IDataObject = {};
		for (const key in row) {
			const column = columnOf(settings, key);
			if (column !== null) json[column.name] = labelled(column, row[key]) as IDataObject[string];
		}
		return json;
	};
	for (const i of valid) {
		if (results.failed(i)) continue;
		const settings = settingsOf(inputs[i]);
		const rows = rowsOf[i];
		if (rows === undefined) continue;
		if (Array.isArray(rows)) results.add(i, rows.map((row) => outputOf(settings, row)));
		else results.add(i, outputOf(settings, rows));
	}

	function describeColumn(key: string, input: ItemInput, fieldList: EmarsysField[] | undefined, strippedKey: string | undefined): Column {
		if (key === strippedKey) return null;
		const field = /^\d+$/.test(key) ? fieldList?.find((f) => String(f.id) === key) : undefined;
		const labels = withLabels && field ? labelsByField.get(`${input.language}:${key}`) : undefined;
		let name = key;
		if (field && input.outputKeys === 'stringId' && field.string_id) name = field.string_id;
		else if (field && input.outputKeys === 'name' && field.name) name = field.name;
		return { name, labels, multi: field !== undefined && isMultiChoice(field) };
	}
	return results.toItems();
}
