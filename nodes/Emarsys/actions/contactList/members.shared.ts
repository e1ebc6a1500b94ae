import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { sendInBatches, writeOutcomes, type BatchEntry } from '../../helpers/batch';
import { isNumericKey } from '../../helpers/fields';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { requireContactId, requireContactListId, requireKeyId } from '../../helpers/validation';
import type { EmarsysClient } from '../../transport';
import { contactIdProperty, keyIdProperty, optionsCollection } from '../common.descriptions';
import { contactListIdProperty } from './common';

/** Add Contacts (`contactlist/{id}/add`) or Remove Contacts (`contactlist/{id}/delete`). */
export interface MembershipChange {
	operation: 'addContacts' | 'removeContacts';
	path: 'add' | 'delete';
	listDescription: string;
}

export function membersDescription(change: MembershipChange): INodeProperties[] {
	return updateDisplayOptions({ show: { resource: ['contactList'], operation: [change.operation] } }, [
		contactListIdProperty(change.listDescription),
		keyIdProperty,
		{ ...contactIdProperty, description: `${contactIdProperty.description}. One contact per input item.` },
		optionsCollection([]),
	]);
}

interface MemberEntry extends BatchEntry {
	/** The key value, as sent in `external_ids`. */
	payload: string;
	listId: string;
	keyId: string;
}

interface MembershipAnswer {
	errors?: unknown;
}

/**
 * Items naming the same list and key field go to `POST contactlist/{id}/add` (or `/delete`)
 * together, up to 1000 contacts per call, in input order; items naming the same contact share it.
 * Lists are sets, so a repeated call changes nothing: the calls are safe to retry. Emarsys reports
 * a contact it could not find under its key value in `data.errors`: only that contact's items fail.
 */
export async function changeMembers(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	client: EmarsysClient,
	change: MembershipChange,
): Promise<INodeExecutionData[]> {
	const results = new ItemResults(ctx, items.length);
	const params = new ParameterReader(ctx);
	const entries: MemberEntry[] = [];
	for (let i = 0; i < items.length; i++) {
		results.check(i, () => {
			const listId = requireContactListId(results.node, i, params.get('contactListId', i, undefined, { extractValue: true }));
			const keyId = requireKeyId(results.node, i, params.get('keyId', i));
			const contactId = requireContactId(results.node, i, params.get('contactId', i));
			entries.push({ itemIndex: i, group: `${listId}|${keyId}`, contactId, numericKey: isNumericKey(keyId), payload: contactId, listId, keyId });
		});
	}
	await sendInBatches<MemberEntry, MembershipAnswer>(entries, results, {
		client,
		route: `POST contactlist ${change.path}`,
		sameContact: 'share',
		payloadParameter: 'contactId',
		send: async (chunk, client) => {
			const reply = await client.request<MembershipAnswer>({
				method: 'POST',
				endpoint: `contactlist/${chunk[0].listId}/${change.path}`,
				body: { key_id: chunk[0].keyId, external_ids: chunk.map((entry) => entry.payload) },
				retryable: true,
				itemIndex: chunk.length === 1 ? chunk[0].itemIndex : undefined,
			});
			return reply.data ?? {};
		},
		outcomes: (chunk, answer) =>
			writeOutcomes(results, chunk, answer.errors, `contactlist/${chunk[0].listId}/${change.path}`, (entry) => ({
				success: true,
				contactListId: entry.listId,
				keyId: entry.keyId,
				contactId: entry.contactId,
			})),
	});
	return results.toItems();
}
