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
		const used = columnsWithValues(rows);
		const single = idsAmong(fields.filter(isSingleChoice), used);
		const multi = idsAmong(fields.filter(isMultiChoice), used);
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

/**
 * The columns that hold a value in at least one row, in one pass over the rows: a row holds the
 * fields asked for, an account may have hundreds of choice fields, and a scan of the rows per
 * unused choice field grows with both (10,000 rows, measured 2026-12-05: 19 choice fields 6 ms
 * scanning per field, 13 ms in one pass; 319 choice fields 514 ms scanning, 17 ms in one pass).
 */
function columnsWithValues(rows: IDataObject[]): Set<string> {
	const used = new Set<string>();
	for (const row of rows) {
		for (const column in row) {
			const value = row[column];
			if (value !== undefined && value !== null && value !== '') used.add(column);
		}
	}
	return used;
}

/** IDs of the fields among `used`, in field-ID order. */
function idsAmong(fields: EmarsysField[], used: Set<string>): string[] {
	return fields
		.map((field) => String(field.id))
		.filter((id) => used.has(id))
		.sort((a, b) => Number(a) - Number(b));
}
