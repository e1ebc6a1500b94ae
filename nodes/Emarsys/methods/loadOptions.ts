import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { getFieldList, KEY_FIELD_TYPES, type EmarsysField } from '../helpers/fields';
import { DROPDOWN_SETTINGS, EmarsysClient } from '../transport';

function fieldOption(field: EmarsysField): INodePropertyOptions {
	return {
		name: `${field.name} (${field.id})`,
		value: String(field.id),
		description: field.string_id ? `${field.application_type}, ${field.string_id}` : field.application_type,
	};
}

function byName(a: INodePropertyOptions, b: INodePropertyOptions): number {
	return a.name.localeCompare(b.name);
}

async function fields(ctx: ILoadOptionsFunctions): Promise<EmarsysField[]> {
	return await getFieldList(EmarsysClient.forContext(ctx, DROPDOWN_SETTINGS));
}

/** Every field of the account. */
export async function getFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return (await fields(this)).map(fieldOption).sort(byName);
}

/** Fields that can identify a contact: Emarsys contact ID, email and other text / number fields. */
export async function getKeyFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const candidates = (await fields(this))
		.filter((field) => field.id === 3 || KEY_FIELD_TYPES.has(field.application_type))
		.map(fieldOption)
		.sort(byName);
	return [
		{ name: 'Emarsys Contact ID (ID)', value: 'id', description: 'The internal contact ID Emarsys assigns' },
		...candidates,
	];
}
