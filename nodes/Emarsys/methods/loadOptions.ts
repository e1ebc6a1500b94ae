import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { getFieldList, type EmarsysField } from '../helpers/fields';
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

/**
 * The key fields the node can know are keys: the Emarsys contact ID, the UID and E-Mail. A custom
 * field identifies contacts only when Emarsys has indexed it, which the field list does not say
 * (API reference, "Update Contacts": a custom key field "has to be indexed"); such a field is
 * given by its ID.
 */
export async function getKeyFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const email = (await fields(this)).find((field) => field.id === 3);
	return [
		{ name: 'Emarsys Contact ID (ID)', value: 'id', description: 'The internal contact ID Emarsys assigns' },
		{ name: 'Emarsys UID (UID)', value: 'uid', description: 'The unique contact ID Emarsys uses in links' },
		...(email ? [fieldOption(email)] : []),
	];
}
