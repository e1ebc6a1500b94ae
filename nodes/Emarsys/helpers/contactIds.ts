import type { IDataObject } from 'n8n-workflow';

import { emarsysApiError, type EmarsysClient } from '../transport';
import { normalizeKey, sendInBatches, type BatchEntry } from './batch';
import { getFieldListForKeys, isInternalKey, isNumericKey, keyColumnOf, needsFieldListToCompare, type EmarsysField } from './fields';
import type { ItemResults } from './results';
import { inputError } from './validation';

/** A contact named by an item: its key field and the value it has there. */
export interface ContactName {
	itemIndex: number;
	keyId: string;
	contactId: string;
}

interface LookupEntry extends BatchEntry {
	payload: string;
	keyId: string;
	/** The key field as a column of getdata's rows (a field ID, or `id` / `uid`). */
	keyColumn: string;
}

interface GetDataAnswer {
	result?: IDataObject[] | false;
	errors?: Array<{ key?: unknown; errorCode?: unknown; errorMsg?: unknown }>;
}

/**
 * The internal contact ID (`id`) of each named contact, by item: `POST contact/getdata`, up to
 * 1000 keys per call, items naming the same contact sharing it. An item whose contact Emarsys
 * does not find (2008) or finds more than once (2010) fails with that error. Each resolved item's
 * output is then `{id}`, for the caller to replace by its own (results.mapOutputs).
 */
export async function resolveContactIds(client: EmarsysClient, results: ItemResults, names: ContactName[]): Promise<Map<number, string>> {
	let fields: EmarsysField[] | undefined;
	const needingFields = names.filter((name) => needsFieldListToCompare(name.keyId));
	if (needingFields.length > 0) {
		try {
			fields = await getFieldListForKeys(client, needingFields.map((name) => name.keyId));
		} catch (error) {
			needingFields.forEach((name) => results.fail(name.itemIndex, error));
		}
	}
	const entries: LookupEntry[] = [];
	for (const name of names) {
		results.check(name.itemIndex, () => {
			const keyColumn = keyColumnOf(name.keyId, fields);
			if (keyColumn === undefined) throw inputError(results.node, name.itemIndex, 'keyId', `the account has no field with string ID "${name.keyId}"`, 'Pick the key field from the list.');
			const numericKey = isNumericKey(name.keyId, fields);
			entries.push({ itemIndex: name.itemIndex, group: name.keyId, contactId: name.contactId, numericKey, payload: name.contactId, keyId: name.keyId, keyColumn });
		});
	}
	const ids = new Map<number, string>();
	await sendInBatches<LookupEntry, GetDataAnswer>(entries, results, {
		client,
		route: 'POST contact/getdata id lookup',
		sameContact: 'share',
		payloadParameter: 'contactId',
		send: async (chunk, client) => {
			const { keyId, keyColumn } = chunk[0];
			// Only the key column is needed back (id and uid always come); E-Mail stands in for an internal key.
			const body = { keyId, keyValues: chunk.map((entry) => entry.payload), fields: [isInternalKey(keyColumn) ? '3' : keyColumn] };
			const reply = await client.request<GetDataAnswer>({ method: 'POST', endpoint: 'contact/getdata', body, retryable: true, itemIndex: chunk.length === 1 ? chunk[0].itemIndex : undefined });
			return reply.data ?? {};
		},
		outcomes: (chunk, answer) => {
			const rowsByKey = new Map<string, IDataObject[]>();
			for (const row of Array.isArray(answer.result) ? answer.result : []) {
				const key = normalizeKey(row[chunk[0].keyColumn], chunk[0].numericKey);
				rowsByKey.set(key, [...(rowsByKey.get(key) ?? []), row]);
			}
			const errors = new Map((answer.errors ?? []).map((error) => [normalizeKey(error.key, chunk[0].numericKey), error]));
			return chunk.map((entry) => {
				const key = normalizeKey(entry.contactId, entry.numericKey);
				const rows = rowsByKey.get(key) ?? [];
				if (rows.length === 1) return { id: String(rows[0].id) };
				const error = errors.get(key);
				const replyCode = error ? Number(error.errorCode) : rows.length > 1 ? 2010 : 2008;
				const replyText = error ? String(error.errorMsg) : `No contact found with ${entry.keyId} = ${entry.contactId}`;
				return emarsysApiError(results.node, { replyCode, replyText, endpoint: 'contact/getdata' }, entry.itemIndex);
			});
		},
	});
	for (const name of names) {
		const [row] = results.failed(name.itemIndex) ? [] : results.outputsOf(name.itemIndex);
		if (row) ids.set(name.itemIndex, String(row.id));
	}
	return ids;
}
