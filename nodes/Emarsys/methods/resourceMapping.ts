import type { ILoadOptionsFunctions, ResourceMapperField, ResourceMapperFields } from 'n8n-workflow';

import { fieldTypeOf, getFieldList, getSingleChoiceList, isSingleChoice, KEY_FIELD_TYPES } from '../helpers/fields';
import { DROPDOWN_SETTINGS, EmarsysClient } from '../transport';

/** Shown in the mapper by default; every other field can be added from its "Add field" list. */
const SHOWN_BY_DEFAULT = new Set([1, 2, 3]);

/**
 * Resource mapper for contact.upsert: every field of the account, typed from its application_type,
 * single-choice fields with their choices (one call per single-choice field, made in parallel).
 */
export async function getContactFields(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
	const client = EmarsysClient.forContext(this, DROPDOWN_SETTINGS);
	const fields = await getFieldList(client, 'en');
	const choiceLists = new Map<number, Array<{ name: string; value: string }>>();
	await Promise.all(
		fields.filter(isSingleChoice).map(async (field) => {
			const choices = await getSingleChoiceList(client, String(field.id), 'en');
			choiceLists.set(
				field.id,
				choices.map((choice) => ({ name: choice.choice, value: String(choice.id) })),
			);
		}),
	);
	const mapped: ResourceMapperField[] = fields.map((field) => {
		const type = fieldTypeOf(field);
		const result: ResourceMapperField = {
			id: String(field.id),
			displayName: `${field.name} (${field.id})`,
			required: false,
			defaultMatch: field.id === 3,
			canBeUsedToMatch: KEY_FIELD_TYPES.has(field.application_type),
			display: true,
			type,
			removed: !SHOWN_BY_DEFAULT.has(Number(field.id)),
		};
		if (type === 'options') result.options = choiceLists.get(field.id) ?? [];
		return result;
	});
	return { fields: mapped };
}
