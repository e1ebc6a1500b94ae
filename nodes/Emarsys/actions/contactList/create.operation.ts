import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { errorsByContact } from '../../helpers/batch';
import { isNumericKey } from '../../helpers/fields';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { inputError, optionalContactId, requireKeyId } from '../../helpers/validation';
import type { EmarsysClient } from '../../transport';
import { keyIdProperty, optionsCollection } from '../common.descriptions';

const properties: INodeProperties[] = [
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. Chatbot subscribers',
		description: 'The name of the new contact list. Names are unique in the account (regardless of case).',
	},
	{
		displayName: 'Description',
		name: 'description',
		type: 'string',
		default: '',
		description: 'What the list is for, shown in Emarsys next to its name',
	},
	{ ...keyIdProperty, description: `${keyIdProperty.description} Used for Initial Contacts.` },
	{
		displayName: 'Initial Contacts',
		name: 'contactIds',
		type: 'string',
		default: '',
		placeholder: 'e.g. jane.doe@example.com, john.doe@example.com',
		description:
			'Key field values of the contacts to put on the new list, separated by commas (or a list, given by expression). Leave empty for an empty list. At most 10,000.',
	},
	optionsCollection([]),
];

export const description = updateDisplayOptions({ show: { resource: ['contactList'], operation: ['create'] } }, properties);

/** Emarsys accepts at most this many external IDs in one contact list call (replyCode 3002). */
const MAX_INITIAL_CONTACTS = 10_000;

interface CreateAnswer {
	id?: number | string;
	errors?: unknown;
}

/**
 * contactList.create: one `POST contactlist` per item. Not retried after a lost answer: the list
 * may exist by then, and a second call would be refused as a duplicate name (3005). Initial
 * contacts Emarsys cannot find do not fail the item (the list exists): they are listed in
 * `contactErrors`.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	for (let i = 0; i < items.length; i++) {
		await results.run(i, async () => {
			const name = String(params.get('name', i, '') ?? '').trim();
			if (name === '') throw inputError(results.node, i, 'name', 'is empty', 'Give the new contact list a name.');
			const description = String(params.get('description', i, '') ?? '');
			const keyId = requireKeyId(results.node, i, params.get('keyId', i, '3'));
			const contactIds = initialContacts(results, i, params.get('contactIds', i, ''));
			const body: IDataObject = { name, description, key_id: keyId, ...(contactIds.length > 0 ? { external_ids: contactIds } : {}) };
			const reply = await client.request<CreateAnswer>({ method: 'POST', endpoint: 'contactlist', body, retryable: false, itemIndex: i });
			const contactErrors = [...errorsByContact(reply.data?.errors, isNumericKey(keyId))].map(([contactId, error]) => ({ contactId, replyCode: error.code, replyText: error.message }));
			results.add(i, {
				id: String(reply.data?.id ?? ''),
				name,
				description,
				contactsAdded: contactIds.length - contactErrors.length,
				...(contactErrors.length > 0 ? { contactErrors } : {}),
			});
		});
	}
	return results.toItems();
}

/** Initial Contacts: comma-separated text, or a list (by expression); empty entries dropped. */
function initialContacts(results: ItemResults, i: number, value: unknown): string[] {
	const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : value === undefined || value === null ? [] : [value];
	const ids = list.map((entry) => optionalContactId(results.node, i, entry, 'contactIds')).filter((id) => id !== '');
	if (ids.length > MAX_INITIAL_CONTACTS) {
		throw inputError(results.node, i, 'contactIds', `${ids.length} contacts given; Emarsys accepts at most ${MAX_INITIAL_CONTACTS} when creating a list`, 'Create the list with fewer contacts, then use Add Contacts for the rest.');
	}
	return [...new Set(ids)];
}
