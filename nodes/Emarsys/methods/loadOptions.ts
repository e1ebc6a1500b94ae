import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { getFieldList, isMultiChoice, isSingleChoice, KEY_FIELD_TYPES, type EmarsysField } from '../helpers/fields';
import { EmarsysClient } from '../transport';

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

/** Dropdowns should answer quickly: fewer retries and a shorter timeout than node runs. */
const DROPDOWN_SETTINGS = { maxRetries: 2, timeout: 15000 };

async function fields(ctx: ILoadOptionsFunctions): Promise<EmarsysField[]> {
	return await getFieldList(EmarsysClient.forContext(ctx, DROPDOWN_SETTINGS), 'en');
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

export async function getSingleChoiceFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return (await fields(this)).filter(isSingleChoice).map(fieldOption).sort(byName);
}

export async function getMultiChoiceFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return (await fields(this)).filter(isMultiChoice).map(fieldOption).sort(byName);
}

/** External events of the account. */
export async function getEvents(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const reply = await EmarsysClient.forContext(this, DROPDOWN_SETTINGS).request<Array<{ id: number | string; name: string }>>({
		method: 'GET',
		endpoint: 'event',
		retryable: true,
	});
	const events = Array.isArray(reply.data) ? reply.data : [];
	return events
		.map((event) => ({ name: `${event.name} (${event.id})`, value: String(event.id) }))
		.sort(byName);
}
