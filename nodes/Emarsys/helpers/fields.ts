import type { EmarsysClient } from '../transport';

/** A field of the Emarsys account, as `GET field/translate/{language}` lists it. */
export interface EmarsysField {
	id: number;
	name: string;
	application_type: string;
	string_id?: string;
}

export interface EmarsysChoice {
	id: string | number;
	choice: string;
	bit_position?: number | string;
}

/** The account's fields in a language (one call per client and language). */
export async function getFieldList(client: EmarsysClient, language = 'en'): Promise<EmarsysField[]> {
	const lang = encodeURIComponent(language || 'en');
	return await client.cached(`fields:${lang}`, async () => {
		const reply = await client.request<EmarsysField[]>({
			method: 'GET',
			endpoint: `field/translate/${lang}`,
			retryable: true,
		});
		return Array.isArray(reply.data) ? reply.data : [];
	});
}

/** Choices of one single-choice field (one call per client, field and language). */
export async function getSingleChoiceList(
	client: EmarsysClient,
	fieldId: string,
	language = 'en',
	itemIndex?: number,
): Promise<EmarsysChoice[]> {
	const lang = encodeURIComponent(language || 'en');
	const id = encodeURIComponent(fieldId);
	return await client.cached(`choices:${id}:${lang}`, async () => {
		const reply = await client.request<EmarsysChoice[]>({
			method: 'GET',
			endpoint: `field/${id}/choice/translate/${lang}`,
			retryable: true,
			itemIndex,
		});
		return Array.isArray(reply.data) ? reply.data : [];
	});
}

/** Choices of several multi-choice fields in ONE call: `GET field/choices?fields=a,b&language=xx`. */
export async function getMultiChoiceLists(
	client: EmarsysClient,
	fieldIds: string[],
	language = 'en',
	itemIndex?: number,
): Promise<Record<string, EmarsysChoice[]>> {
	const ids = [...new Set(fieldIds)].sort((a, b) => Number(a) - Number(b));
	if (ids.length === 0) return {};
	return await client.cached(`multichoices:${ids.join(',')}:${language}`, async () => {
		const reply = await client.request<Record<string, EmarsysChoice[]> | EmarsysChoice[]>({
			method: 'GET',
			endpoint: 'field/choices',
			qs: { fields: ids.join(','), language: language || 'en' },
			retryable: true,
			itemIndex,
		});
		const data = reply.data;
		const result: Record<string, EmarsysChoice[]> = {};
		if (data && typeof data === 'object' && !Array.isArray(data)) {
			for (const [key, value] of Object.entries(data)) {
				result[key] = Array.isArray(value) ? value : [];
			}
		} else if (Array.isArray(data) && ids.length === 1) {
			result[ids[0]] = data;
		}
		return result;
	});
}

export function isSingleChoice(field: EmarsysField): boolean {
	return field.application_type === 'singlechoice';
}

export function isMultiChoice(field: EmarsysField): boolean {
	return field.application_type === 'multichoice';
}
