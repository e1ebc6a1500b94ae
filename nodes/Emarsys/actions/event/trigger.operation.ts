import { randomUUID } from 'crypto';
import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { entryBytes, sendInBatches, type BatchAnswer } from '../../helpers/batch';
import { ItemParameters } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import {
	inputError,
	requireContactKey,
	requireFieldId,
	requireJsonObject,
	requireKeyId,
	requireUtcTime,
} from '../../helpers/validation';
import { emarsysApiError, MAX_PAYLOAD_BYTES, type EmarsysClient } from '../../transport';
import { contactIdProperty, keyIdProperty, optionsCollection } from '../common.descriptions';

const properties: INodeProperties[] = [
	{
		displayName: 'External Event Name or ID',
		name: 'eventId',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getEvents' },
		default: '',
		required: true,
		description:
			'The external event to trigger. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	keyIdProperty(['trigger'], 'event'),
	contactIdProperty(['trigger'], 'event'),
	{
		displayName: 'Event Data',
		name: 'eventData',
		type: 'json',
		default: '{}',
		description:
			'A JSON object passed to Emarsys with the event, usable for personalization in the triggered email (e.g. {"global": {"order_id": "A-1"}})',
	},
	optionsCollection([
		{
			displayName: 'Event Time',
			name: 'eventTime',
			type: 'dateTime',
			default: '',
			description: 'When the event happened (sent to Emarsys in UTC). Leave empty for now.',
		},
		{
			displayName: 'Trigger ID',
			name: 'triggerId',
			type: 'string',
			default: '',
			description:
				'A unique ID of this trigger: Emarsys processes an event sent again with the same trigger ID only once',
			hint: 'Leave empty and the node generates a unique ID per item, so a retry after a timeout or server error never triggers the event twice',
		},
	]),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['event'], operation: ['trigger'] } },
	properties,
);

/** Emarsys accepts trigger IDs up to this length. */
const MAX_TRIGGER_ID_LENGTH = 255;

interface Entry {
	itemIndex: number;
	eventId: string;
	keyId: string;
	contact: IDataObject;
	externalId: string;
	/** Size of `contact` as JSON. */
	bytes: number;
}

/**
 * event.trigger: items sharing event and key field go to `POST event/{id}/trigger` in the batch
 * form (`contacts: […]`), up to 1000 per call, in input order. Every contact carries a trigger_id
 * (given or generated), which makes the call safe to retry: Emarsys ignores repeated trigger IDs.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	client: EmarsysClient,
): Promise<INodeExecutionData[]> {
	const node = this.getNode();
	const results = new ItemResults(this, items.length);
	const params = new ItemParameters(this, description);
	const entries: Entry[] = [];

	for (let i = 0; i < items.length; i++) {
		results.runSync(i, () => {
			const eventId = requireEventId(node, i, params.get('eventId', i));
			const keyId = requireKeyId(node, i, params.get('keyId', i));
			const externalId = requireContactKey(node, i, 'contactId', params.get('contactId', i));
			const data = requireJsonObject(node, i, 'eventData', params.get('eventData', i, '{}'));
			const options = params.get('options', i, {}) as IDataObject;
			const eventTime = requireUtcTime(node, i, 'options.eventTime', options.eventTime);
			let triggerId = typeof options.triggerId === 'string' ? options.triggerId.trim() : options.triggerId;
			if (triggerId === undefined || triggerId === null || triggerId === '') triggerId = generatedTriggerId();
			triggerId = String(triggerId);
			if (triggerId.length > MAX_TRIGGER_ID_LENGTH) {
				throw inputError(node, i, 'options.triggerId', `is ${triggerId.length} characters long; at most ${MAX_TRIGGER_ID_LENGTH} are accepted`);
			}
			const contact: IDataObject = { external_id: externalId, trigger_id: triggerId };
			if (data && Object.keys(data).length > 0) contact.data = data;
			if (eventTime) contact.event_time = eventTime;
			const bytes = entryBytes(contact);
			if (bytes > MAX_PAYLOAD_BYTES - 1024) {
				throw inputError(node, i, 'eventData', `the event is ${bytes} bytes; Emarsys accepts at most 10 MB per call`);
			}
			entries.push({ itemIndex: i, eventId, keyId, contact, externalId, bytes });
		});
	}

	await sendInBatches(entries, results, {
		groupKey: (entry) => `${entry.eventId}|${entry.keyId}`,
		contactKey: (entry) => entry.externalId,
		sizeOf: (entry) => entry.bytes,
		send: async (chunk) =>
			await client.request<BatchAnswer>({
				method: 'POST',
				endpoint: `event/${encodeURIComponent(chunk[0].eventId)}/trigger`,
				body: { key_id: chunk[0].keyId, contacts: chunk.map((entry) => entry.contact) },
				// Every contact carries a trigger_id, so Emarsys deduplicates a repeated call.
				retryable: true,
				itemIndex: chunk.length === 1 ? chunk[0].itemIndex : undefined,
			}),
		errorFor: (entry, error) =>
			emarsysApiError(node, {
				replyCode: error.code,
				replyText: error.message,
				itemIndex: entry.itemIndex,
				endpoint: `event/${entry.eventId}/trigger`,
			}),
		onSuccess: (succeeded) => {
			for (const entry of succeeded) {
				const json: IDataObject = {
					success: true,
					eventId: entry.eventId,
					keyId: entry.keyId,
					contactId: entry.externalId,
					triggerId: entry.contact.trigger_id,
				};
				if (entry.contact.event_time) json.eventTime = entry.contact.event_time;
				results.add(entry.itemIndex, json);
			}
		},
	});
	return results.toItems();
}

/**
 * `n8n-<uuid>`. Node.js builds a UUID by adding up 20 pieces, which V8 keeps as a tree of about
 * 500 bytes until the text is read; reading one character joins it into one string of about
 * 70 bytes. Every item's ID lives until its call is made: 100,000 of them held 45 MB.
 */
function generatedTriggerId(): string {
	const id = `n8n-${randomUUID()}`;
	id.charCodeAt(0);
	return id;
}

function requireEventId(node: INode, itemIndex: number, value: unknown): string {
	try {
		return requireFieldId(node, itemIndex, 'eventId', value);
	} catch {
		throw inputError(
			node,
			itemIndex,
			'eventId',
			`"${String(value)}" is not an external event ID (a whole number)`,
			'Pick the event from the list, or give its numeric ID (Automation > External Events in Emarsys).',
		);
	}
}
