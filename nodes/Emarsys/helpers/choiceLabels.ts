import type { IDataObject } from 'n8n-workflow';

import type { EmarsysClient } from '../transport';
import { getMultiChoiceLists, getSingleChoiceList, isMultiChoice, isSingleChoice, splitMultiChoice, type EmarsysChoice, type EmarsysField } from './fields';

/**
 * The labels of the choice values in a set of contact rows, in one language. Only choice fields
 * that hold a value in some row are looked up: one call per single-choice field, one call for all
 * multi-choice fields.
 */
export class ChoiceLabels {
	private constructor(
		/** Field ID → (choice ID → label). */
		private readonly byField: Map<string, Map<string, string>>,
		private readonly multiChoiceIds: Set<string>,
	) {}

	/**
	 * The labels of the choice fields used in `rows`. Choice lists kept from earlier executions are
	 * fetched anew when a row holds a choice ID they do not have (the list changed since).
	 */
	static async load(client: EmarsysClient, language: string, fields: EmarsysField[], rows: IDataObject[]): Promise<ChoiceLabels> {
		const single = usedFieldIds(fields.filter(isSingleChoice), rows);
		const multi = usedFieldIds(fields.filter(isMultiChoice), rows);
		const byField = new Map<string, Map<string, string>>();
		const multiChoiceIds = new Set(multi);
		for (const fieldId of single) {
			let labels = labelMap(await getSingleChoiceList(client, fieldId, language));
			if (hasUnknownChoice(rows, fieldId, labels, false)) labels = labelMap(await getSingleChoiceList(client, fieldId, language, undefined, true));
			byField.set(fieldId, labels);
		}
		if (multi.length > 0) {
			let lists = await getMultiChoiceLists(client, multi, language);
			if (multi.some((fieldId) => hasUnknownChoice(rows, fieldId, labelMap(lists[fieldId] ?? []), true))) {
				lists = await getMultiChoiceLists(client, multi, language, undefined, true);
			}
			for (const fieldId of multi) byField.set(fieldId, labelMap(lists[fieldId] ?? []));
		}
		return new ChoiceLabels(byField, multiChoiceIds);
	}

	/** Replaces the choice IDs of a contact row by their labels, in the row itself. */
	labelRow(row: IDataObject): IDataObject {
		for (const fieldId of this.byField.keys()) {
			if (row[fieldId] !== undefined) row[fieldId] = this.label(fieldId, row[fieldId]) as IDataObject[string];
		}
		return row;
	}

	/** The value with its choice IDs replaced by their labels (a multi-choice value becomes a list). */
	label(fieldId: string, value: unknown): unknown {
		const labels = this.byField.get(fieldId);
		if (!labels || value === null || value === undefined || value === '') return value;
		if (this.multiChoiceIds.has(fieldId)) return splitMultiChoice(value).map((id) => labels.get(id) ?? id);
		return labels.get(String(value)) ?? value;
	}
}

function labelMap(choices: EmarsysChoice[]): Map<string, string> {
	return new Map(choices.map((choice) => [String(choice.id), choice.choice]));
}

/** Whether a row holds a choice ID of the field that `labels` does not know. */
function hasUnknownChoice(rows: IDataObject[], fieldId: string, labels: Map<string, string>, multiChoice: boolean): boolean {
	return rows.some((row) => {
		const value = row[fieldId];
		if (value === undefined || value === null || value === '') return false;
		return (multiChoice ? splitMultiChoice(value) : [String(value)]).some((id) => !labels.has(id));
	});
}

/** IDs of the fields that hold a value in at least one row, in field-ID order. */
function usedFieldIds(fields: EmarsysField[], rows: IDataObject[]): string[] {
	const ids = fields.map((field) => String(field.id)).sort((a, b) => Number(a) - Number(b));
	return ids.filter((id) => rows.some((row) => row[id] !== undefined && row[id] !== null && row[id] !== ''));
}
