import type { ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';

import { listContactLists } from '../actions/contactList/getAll.operation';
import { getFieldList, isMultiChoice, isSingleChoice, type EmarsysField } from '../helpers/fields';
import { getEventList, getSegmentList } from '../helpers/lists';
import { DROPDOWN_SETTINGS, EmarsysClient } from '../transport';

/**
 * The *From list* mode of the resource locators. Emarsys lists events and fields in one call
 * each (no paging); the typed text filters them here, by name or ID, so accounts with hundreds
 * of fields stay usable.
 */

function matching(items: INodeListSearchItems[], filter?: string): INodeListSearchResult {
	const text = (filter ?? '').trim().toLowerCase();
	const found = text === '' ? items : items.filter((item) => item.name.toLowerCase().includes(text) || String(item.value) === text);
	return { results: found.sort((a, b) => a.name.localeCompare(b.name)) };
}

async function choiceFields(ctx: ILoadOptionsFunctions, kind: (field: EmarsysField) => boolean, filter?: string): Promise<INodeListSearchResult> {
	const fields = await getFieldList(EmarsysClient.forContext(ctx, DROPDOWN_SETTINGS));
	return matching(
		fields.filter(kind).map((field) => ({ name: `${field.name} (${field.id})`, value: String(field.id) })),
		filter,
	);
}

export async function searchSingleChoiceFields(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	return await choiceFields(this, isSingleChoice, filter);
}

export async function searchMultiChoiceFields(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	return await choiceFields(this, isMultiChoice, filter);
}

/** External events of the account (`GET event`). */
export async function searchEvents(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const events = await getEventList(EmarsysClient.forContext(this, DROPDOWN_SETTINGS));
	return matching(
		events.map((event) => ({ name: `${event.name} (${event.id})`, value: String(event.id) })),
		filter,
	);
}

/** Segments of the account (`GET filter`). */
export async function searchSegments(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const segments = await getSegmentList(EmarsysClient.forContext(this, DROPDOWN_SETTINGS));
	return matching(
		segments.map((segment) => ({ name: `${segment.name} (${segment.id})`, value: String(segment.id) })),
		filter,
	);
}

/** Contact lists of the account (`GET contactlist`: all at once, so the typed text filters them here). */
export async function searchContactLists(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const lists = await listContactLists(EmarsysClient.forContext(this, DROPDOWN_SETTINGS));
	return matching(
		lists.map((list) => ({ name: `${list.name} (${list.id})`, value: String(list.id) })),
		filter,
	);
}
