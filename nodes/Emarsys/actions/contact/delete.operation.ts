import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { sendInBatches, writeOutcomes, type BatchEntry } from '../../helpers/batch';
import { isNumericKey } from '../../helpers/fields';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { requireContactId, requireKeyId } from '../../helpers/validation';
import type { EmarsysClient } from '../../transport';
import { keyIdProperty, optionsCollection } from '../common.descriptions';

const properties: INodeProperties[] = [
	keyIdProperty,
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. jane.doe@example.com',
		description:
			'The value of the key field of the contact to delete. Deleting cannot be undone: Emarsys removes the contact and all its data for good. To stop emailing a contact, set its Opt-In field to False instead.',
	},
	optionsCollection([]),
];

export const description = updateDisplayOptions({ show: { resource: ['contact'], operation: ['delete'] } }, properties);

interface DeleteEntry extends BatchEntry {
	/** The key value sent. */
	payload: string;
	keyId: string;
}

interface DeleteAnswer {
	deleted_contacts?: unknown;
	errors?: unknown;
}

/**
 * contact.delete: items sharing a key field go to `POST contact/delete` together, up to 1000 key
 * values per call; items naming the same contact share it. Emarsys reports a contact it did not
 * delete (not found, or not unique: it never deletes duplicates) under its key value: only that
 * item fails.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	const entries: DeleteEntry[] = [];
	for (let i = 0; i < items.length; i++) {
		results.check(i, () => {
			const keyId = requireKeyId(results.node, i, params.get('keyId', i));
			const contactId = requireContactId(results.node, i, params.get('contactId', i));
			entries.push({ itemIndex: i, group: keyId, contactId, numericKey: isNumericKey(keyId), payload: contactId, keyId });
		});
	}
	await sendInBatches<DeleteEntry, DeleteAnswer>(entries, results, {
		client,
		route: 'POST contact/delete',
		sameContact: 'share',
		payloadParameter: 'contactId',
		send: async (chunk, client) => {
			const { keyId } = chunk[0];
			const reply = await client.request<DeleteAnswer>({
				method: 'POST',
				endpoint: 'contact/delete',
				body: { key_id: keyId, [keyId]: chunk.map((entry) => entry.payload) },
				// Deleting twice leaves the same account; only the report of a repeated call may say "not found".
				retryable: true,
				itemIndex: chunk.length === 1 ? chunk[0].itemIndex : undefined,
			});
			return reply.data ?? {};
		},
		outcomes: (chunk, answer) =>
			writeOutcomes(results, chunk, answer.errors, 'contact/delete', (entry) => ({ deleted: true, keyId: entry.keyId, contactId: entry.contactId })),
	});
	return results.toItems();
}
