import { randomBytes } from 'crypto';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { sendInBatches, writeOutcomes, type BatchEntry, type BatchWriteAnswer } from '../../helpers/batch';
import { ParameterReader } from '../../helpers/parameters';
import { ItemResults } from '../../helpers/results';
import { inputError, requireContactId, requireEmailIfEmailField, requireEventId, requireJsonObject, requireKeyId, requireUtcTime } from '../../helpers/validation';
import { MAX_TRIGGER_BYTES, type EmarsysClient } from '../../transport';
import { inWords } from '../../helpers/batch';
import { isNumericKey } from '../../helpers/fields';
import { contactIdProperty, keyIdProperty, optionsCollection, resourceLocatorProperty } from '../common.descriptions';

const properties: INodeProperties[] = [
	resourceLocatorProperty(
		{
			displayName: 'External Event',
			name: 'eventId',
			description: 'The external event to trigger (Automation > External Events in Emarsys)',
		},
		'searchEvents',
		'1001',
	),
	keyIdProperty,
	contactIdProperty,
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

/** Event data over this many bytes of JSON is not passed on by Emarsys (replyCode 5008, API reference error table). */
const MAX_EVENT_DATA_BYTES = 100_000;

/** Emarsys accepts trigger IDs up to this length. */
const MAX_TRIGGER_ID_LENGTH = 255;

interface EventEntry extends BatchEntry {
	/** One contact of the trigger call: `external_id`, `trigger_id`, and `data` / `event_time` when given. */
	payload: IDataObject & { trigger_id: string };
	eventId: string;
	keyId: string;
}

/**
 * event.trigger: items sharing event and key field go to `POST event/{id}/trigger` in its batch
 * form (`contacts: […]`), up to 1000 per call, in input order. Every contact carries a trigger_id
 * (given or generated), which makes the call safe to retry: Emarsys ignores repeated trigger IDs.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], client: EmarsysClient): Promise<INodeExecutionData[]> {
	const results = new ItemResults(this, items.length);
	const params = new ParameterReader(this);
	const entries: EventEntry[] = [];
	const runId = randomBytes(12).toString('hex');
	for (let i = 0; i < items.length; i++) {
		results.check(i, () => {
			const eventId = requireEventId(results.node, i, params.get('eventId', i, undefined, { extractValue: true }));
			const keyId = requireKeyId(results.node, i, params.get('keyId', i));
			const contactId = requireEmailIfEmailField(results.node, i, keyId, requireContactId(results.node, i, params.get('contactId', i)));
			const data = requireJsonObject(results.node, i, 'eventData', params.get('eventData', i, '{}'));
			const options = params.get<IDataObject>('options', i, {});
			const eventTime = requireUtcTime(results.node, i, 'options.eventTime', options.eventTime);
			const payload = { external_id: contactId, trigger_id: triggerIdOf(results, i, options.triggerId, runId) } as EventEntry['payload'];
			if (data && Object.keys(data).length > 0) payload.data = checkedEventData(results, i, data);
			if (eventTime) payload.event_time = eventTime;
			entries.push({ itemIndex: i, group: `${eventId}|${keyId}`, contactId, numericKey: isNumericKey(keyId), payload, eventId, keyId });
		});
	}

	await sendInBatches<EventEntry, BatchWriteAnswer>(entries, results, {
		client,
		route: 'POST event trigger',
		sameContact: 'separate',
		payloadParameter: 'eventData',
		maxBytes: MAX_TRIGGER_BYTES,
		send: async (chunk, client) =>
			(
				await client.request<BatchWriteAnswer>({
					method: 'POST',
					endpoint: `event/${chunk[0].eventId}/trigger`,
					body: { key_id: chunk[0].keyId, contacts: chunk.map((entry) => entry.payload) },
					// Every contact carries a trigger_id, so Emarsys deduplicates a repeated call.
					retryable: true,
					itemIndex: chunk.length === 1 ? chunk[0].itemIndex : undefined,
				})
			).data ?? {},
		outcomes: (chunk, answer) =>
			writeOutcomes(results, chunk, answer.errors, `event/${chunk[0].eventId}/trigger`, (entry) => {
				const { trigger_id: triggerId, event_time: eventTime } = entry.payload;
				return { success: true, eventId: entry.eventId, keyId: entry.keyId, contactId: entry.contactId, triggerId, ...(eventTime ? { eventTime } : {}) };
			}),
	});
	return results.toItems();
}

/**
 * The Trigger ID option, or a new unique ID (`n8n-<random per run>-<item>`): a retried call then
 * never triggers the event twice.
 */
function triggerIdOf(results: ItemResults, itemIndex: number, option: unknown, runId: string): string {
	const given = typeof option === 'string' ? option.trim() : option === undefined || option === null ? '' : String(option);
	if (given.length > MAX_TRIGGER_ID_LENGTH) {
		throw inputError(results.node, itemIndex, 'options.triggerId', `is ${given.length} characters long; at most ${MAX_TRIGGER_ID_LENGTH} are accepted`);
	}
	return given || `n8n-${runId}-${itemIndex}`;
}

function checkedEventData(results: ItemResults, itemIndex: number, data: IDataObject): IDataObject {
	const bytes = Buffer.byteLength(JSON.stringify(data), 'utf8');
	if (bytes > MAX_EVENT_DATA_BYTES) {
		throw inputError(results.node, itemIndex, 'eventData', `is ${bytes} bytes of JSON; Emarsys passes at most ${inWords(MAX_EVENT_DATA_BYTES)} of event data on`);
	}
	return data;
}
