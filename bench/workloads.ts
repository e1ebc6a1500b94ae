/**
 * What each benchmarked operation does, three ways:
 *  - `parameters` / `inputItems`: the n8n workflow (the Emarsys node fed N items); `reads`: the
 *    parameters the node reads per item, which the n8n floor (lib/n8n-floor.ts) reads too;
 *  - `floor`: exactly the calls the job needs at Emarsys's limit of 1000 keys / contacts / events
 *    per call (ceil(N/1000) calls, plus — for choice labels — the same metadata calls the node
 *    needs), with the same request bodies, one at a time, and the same output as the node's (a read's
 *    choice values labelled too; a write's record of what was written); made by a bare axios
 *    script and by the n8n floor;
 *  - `perItem`: what a user would do without this node — one signed call per item, sequentially
 *    (as n8n's HTTP Request node does by default, fed one item at a time).
 *
 * Two kinds of workload (`lanes`): the cost workloads run the node with Concurrent Requests at 1
 * (`concurrentRequests: 1`, lanes off: like for like with the sequential n8n floor) at the
 * bench's latency (20 ms); the lanes workloads (`…200ms`) run the node with its default
 * Concurrent Requests against an API answering in 200 ms, at Emarsys's own rate limit.
 */
import { randomBytes } from 'node:crypto';

import type { IDataObject, INodeParameterResourceLocator, INodeParameters } from 'n8n-workflow';

import { SEED_FIELDS } from '../sandbox/seed';
import type { EmarsysCaller } from './lib/signed';

export type OpName = 'upsert' | 'upsertAutoMap' | 'get' | 'getWithChoiceLabels' | 'trigger' | 'get200ms' | 'upsertAutoMap200ms';

export const ALL_OPS: OpName[] = ['upsert', 'upsertAutoMap', 'get', 'getWithChoiceLabels', 'trigger', 'get200ms', 'upsertAutoMap200ms'];

/**
 * The cost workloads compare the node with the sequential n8n floor like for like: lanes off, and
 * account metadata (field list, choice lists) fetched in every run, as the floor fetches it.
 */
const LANES_OFF = { concurrentRequests: 1, metadataCacheSeconds: 0 };

/** Emarsys's documented limit per API user: the lanes workloads' measured runs meet it. */
export const EMARSYS_RATE_LIMIT_PER_MINUTE = 1000;

export const BATCH = 1000;

export const EVENT_ID = '1001';

/** `eventId` is a resource locator: given By ID, as a workflow built in the editor holds it. */
export const EVENT_ID_PARAMETER: INodeParameterResourceLocator = { __rl: true, mode: 'id', value: EVENT_ID };

/** Fields read by get / getWithChoiceLabels: first name, last name, email, and four choice fields. */
export const GET_FIELDS = ['1', '2', '3'];
export const LABEL_FIELDS = ['1', '2', '3', '5', '14', '46', '10500'];
/** Single-choice fields among LABEL_FIELDS (one choice-list call each) and multi-choice ones (one call for all). */
const LABEL_SINGLE_CHOICE = ['5', '14', '46'];
const LABEL_MULTI_CHOICE = ['10500'];

export function email(prefix: string, i: number): string {
	return `${prefix}-${String(i).padStart(6, '0')}@example.com`;
}

/** The contact stored by seeding / written by upsert for item i (field id -> value). */
export function contactFields(prefix: string, i: number): IDataObject {
	const pick = (fieldId: number, k: number) => {
		const ids = choiceIds(fieldId);
		return ids[k % ids.length];
	};
	const multi = choiceIds(10500);
	return {
		'3': email(prefix, i),
		'1': `First${i}`,
		'2': `Last${i}`,
		'5': pick(5, i),
		'14': pick(14, i),
		'46': pick(46, i),
		'10500': i % 2 ? [multi[i % multi.length]] : [multi[0], multi[multi.length - 1]],
	};
}

/** Choice IDs the sandbox's seed defines for a field (so seeding follows seed changes). */
function choiceIds(fieldId: number): number[] {
	const ids = SEED_FIELDS.find((field) => field.id === fieldId)?.choices?.map((choice) => choice.id) ?? [];
	if (ids.length === 0) throw new Error(`the sandbox seed has no choices for field ${fieldId}`);
	return ids;
}

export interface ExpectedCalls {
	/** Exact number of API calls the node must make. */
	exact?: number;
	/** Or a range (choice labels: metadata calls are "at most one per choice field"). */
	min?: number;
	max?: number;
	rule: string;
}

export interface Workload {
	op: OpName;
	/**
	 * The node runs with its default Concurrent Requests (parallel lanes) against a 200 ms API, at
	 * Emarsys's rate limit; otherwise with `concurrentRequests: 1` at the bench's latency.
	 */
	lanes: boolean;
	/** Injected latency per API call, when the workload fixes it (else `--latency`). */
	latencyMs?: number;
	/** Contacts must exist before the run (get, getWithChoiceLabels, trigger). */
	needsContacts: boolean;
	/** The store is reset before each measured run (upsert: every run creates the same contacts). */
	freshStoreEachRun: boolean;
	inputItems(n: number, prefix: string): IDataObject[];
	parameters(): INodeParameters;
	/**
	 * The parameters the Emarsys node reads for every item (nodes/Emarsys/actions/*): the n8n floor
	 * reads the same through getNodeParameter, so that n8n evaluates the same expressions for both.
	 * Keep in step with the operation.
	 */
	reads: string[];
	expectedCalls(n: number): ExpectedCalls;
	/**
	 * Makes the job's calls and hands back, in order, the item the node outputs for each input item:
	 * a read's contacts as Emarsys answered them, a write's record of what was written. A node doing
	 * the job outputs them (the n8n floor does), so holding them is n8n's cost, not the node's.
	 */
	floor(client: EmarsysCaller, n: number, prefix: string): Promise<IDataObject[]>;
	/** One signed call per item. Absent when `perItemAs` names a workload whose baseline makes the same calls. */
	perItem?(client: EmarsysCaller, n: number, prefix: string, progress: (done: number) => void): Promise<void>;
	perItemAs?: OpName;
	/** The node's output must be the n8n floor's, item for item (checked by digest). */
	sameOutput: boolean;
	/** Whether output item `i` answers input item `i` (a read: the contact asked for). */
	answers?(input: IDataObject, output: IDataObject): boolean;
}

function chunks<T>(list: T[], size = BATCH): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
	return out;
}

function range(n: number): number[] {
	return Array.from({ length: n }, (_, i) => i);
}

/** Creates contacts prefix-000000 … through the API, 1000 per call (not part of any figure). */
export async function seedContacts(client: EmarsysCaller, n: number, prefix: string): Promise<void> {
	for (const part of chunks(range(n))) {
		const answer = await client.call('PUT', 'contact/', { key_id: 3, contacts: part.map((i) => contactFields(prefix, i)) }, { create_if_not_exists: '1' });
		const errors = (answer.data as { errors?: unknown }).errors;
		if (errors && !Array.isArray(errors) && Object.keys(errors).length > 0) {
			throw new Error(`seeding contacts failed: ${JSON.stringify(errors).slice(0, 300)}`);
		}
	}
}

const upsert: Workload = {
	op: 'upsert',
	lanes: false,
	sameOutput: true,
	needsContacts: false,
	freshStoreEachRun: true,
	inputItems: (n, prefix) =>
		range(n).map((i) => ({ email: email(prefix, i), firstName: `First${i}`, lastName: `Last${i}`, city: ['Vienna', 'Berlin', 'Budapest'][i % 3] })),
	parameters: () => ({
		resource: 'contact',
		operation: 'upsert',
		keyId: '3',
		columns: {
			mappingMode: 'defineBelow',
			value: {
				'3': '={{ $json.email }}',
				'1': '={{ $json.firstName }}',
				'2': '={{ $json.lastName }}',
				'11': '={{ $json.city }}',
			},
			matchingColumns: [],
			schema: [
				{ id: '3', displayName: 'E-Mail', required: false, defaultMatch: false, display: true, type: 'string', canBeUsedToMatch: true },
				{ id: '1', displayName: 'First Name', required: false, defaultMatch: false, display: true, type: 'string', canBeUsedToMatch: true },
				{ id: '2', displayName: 'Last Name', required: false, defaultMatch: false, display: true, type: 'string', canBeUsedToMatch: true },
				{ id: '11', displayName: 'City', required: false, defaultMatch: false, display: true, type: 'string', canBeUsedToMatch: false },
			],
		},
		createIfMissing: true,
		options: LANES_OFF,
	}),
	reads: ['keyId', 'contactId', 'columns.mappingMode', 'columns.value', 'createIfMissing'],
	expectedCalls: (n) => ({ exact: Math.ceil(n / BATCH), rule: 'ceil(N/1000) PUT contact' }),
	floor: async (client, n, prefix) => {
		const written: IDataObject[] = [];
		for (const part of chunks(range(n))) {
			const contacts = part.map((i) => ({ '3': email(prefix, i), '1': `First${i}`, '2': `Last${i}`, '11': ['Vienna', 'Berlin', 'Budapest'][i % 3] }));
			const answer = await client.call('PUT', 'contact/', { key_id: '3', contacts }, { create_if_not_exists: '1' });
			// Emarsys lists the written contacts' IDs in order ("Update Contacts": data.ids).
			const ids = (answer.data as { ids?: unknown[] }).ids ?? [];
			contacts.forEach((fields, k) => written.push({ id: String(ids[k]), keyId: '3', contactId: fields['3'], fields }));
		}
		return written;
	},
	perItem: async (client, n, prefix, progress) => {
		for (let i = 0; i < n; i++) {
			await client.call(
				'PUT',
				'contact/',
				{ key_id: '3', '3': email(prefix, i), '1': `First${i}`, '2': `Last${i}`, '11': ['Vienna', 'Berlin', 'Budapest'][i % 3] },
				{ create_if_not_exists: '1' },
			);
			progress(i + 1);
		}
	},
};

/**
 * The same upsert with Contact Data mapped automatically (input keys are Emarsys field string IDs):
 * no expression per item. The node reads the field list once to map the keys (one extra call).
 * Its per-item baseline is upsert's, call for call.
 */
const upsertAutoMap: Workload = {
	op: 'upsertAutoMap',
	lanes: false,
	sameOutput: true,
	needsContacts: false,
	freshStoreEachRun: true,
	inputItems: (n, prefix) =>
		range(n).map((i) => ({ email: email(prefix, i), first_name: `First${i}`, last_name: `Last${i}`, city: ['Vienna', 'Berlin', 'Budapest'][i % 3] })),
	parameters: () => ({
		resource: 'contact',
		operation: 'upsert',
		keyId: '3',
		columns: { mappingMode: 'autoMapInputData', value: null, matchingColumns: [], schema: [] },
		createIfMissing: true,
		options: LANES_OFF,
	}),
	// In automatic mapping the item itself is the data: the node reads no `columns.value`.
	reads: ['keyId', 'contactId', 'columns.mappingMode', 'createIfMissing'],
	expectedCalls: (n) => ({ exact: Math.ceil(n / BATCH) + 1, rule: 'ceil(N/1000) PUT contact + 1 field list (to map input keys to field IDs)' }),
	floor: async (client, n, prefix) => {
		await client.call('GET', 'field/translate/en');
		return await upsert.floor(client, n, prefix);
	},
	perItemAs: 'upsert',
};

/** Choice ID → label of each labelled field: one call per single-choice field, one for the multi-choice one. */
async function choiceLists(client: EmarsysCaller): Promise<Map<string, Map<string, string>>> {
	const labelsOf = (choices: unknown) => new Map((choices as Array<{ id: unknown; choice: string }>).map((c) => [String(c.id), c.choice]));
	const labels = new Map<string, Map<string, string>>();
	for (const id of LABEL_SINGLE_CHOICE) labels.set(id, labelsOf((await client.call('GET', `field/${id}/choice/translate/en`)).data));
	const multi = (await client.call('GET', 'field/choices', undefined, { fields: LABEL_MULTI_CHOICE.join(','), language: 'en' })).data as IDataObject;
	for (const id of LABEL_MULTI_CHOICE) labels.set(id, labelsOf(multi[id]));
	return labels;
}

/** Replaces the choice IDs of the rows by their labels, as the node outputs them (a multi-choice value becomes a list). */
async function labelChoices(client: EmarsysCaller, rows: IDataObject[]): Promise<void> {
	const labels = await choiceLists(client);
	for (const row of rows) {
		for (const id of LABEL_SINGLE_CHOICE) row[id] = labels.get(id)!.get(String(row[id])) ?? row[id];
		for (const id of LABEL_MULTI_CHOICE) row[id] = String(row[id]).split(',').map((choiceId) => labels.get(id)!.get(choiceId) ?? choiceId);
	}
}

/** One getdata call per item; with labels, the metadata fetched once first (the fairest baseline). */
function perItemGet(fields: string[], withLabels: boolean): Workload['perItem'] {
	return async (client, n, prefix, progress) => {
		if (withLabels) {
			await client.call('GET', 'field/translate/en');
			await choiceLists(client);
		}
		for (let i = 0; i < n; i++) {
			await client.call('POST', 'contact/getdata', { keyId: '3', keyValues: [email(prefix, i)], fields });
			progress(i + 1);
		}
	};
}

/** get and getWithChoiceLabels with lanes off; get200ms: get with the node's default lanes, at 200 ms a call. */
function getWorkload(op: 'get' | 'getWithChoiceLabels' | 'get200ms'): Workload {
	const withLabels = op === 'getWithChoiceLabels';
	const lanes = op === 'get200ms';
	const fields = withLabels ? LABEL_FIELDS : GET_FIELDS;
	const maxChoiceCalls = withLabels ? LABEL_SINGLE_CHOICE.length + LABEL_MULTI_CHOICE.length : 0;
	return {
		op,
		lanes,
		latencyMs: lanes ? 200 : undefined,
		sameOutput: true,
		answers: (input, output) => output['3'] === input.email,
		needsContacts: true,
		freshStoreEachRun: false,
		inputItems: (n, prefix) => range(n).map((i) => ({ email: email(prefix, i) })),
		parameters: () => ({
			resource: 'contact',
			operation: withLabels ? 'getWithChoiceLabels' : 'get',
			keyId: '3',
			contactId: '={{ $json.email }}',
			fields,
			...(lanes ? {} : { options: LANES_OFF }),
		}),
		reads: ['keyId', 'contactId', 'fields', 'options'],
		expectedCalls: (n) =>
			withLabels
				? {
						min: Math.ceil(n / BATCH) + 1,
						max: Math.ceil(n / BATCH) + 1 + maxChoiceCalls,
						rule: `ceil(N/1000) getdata + 1 field list + at most ${maxChoiceCalls} choice-list calls (${LABEL_SINGLE_CHOICE.length} single-choice fields, 1 call for the multi-choice one)`,
					}
				: { exact: Math.ceil(n / BATCH), rule: 'ceil(N/1000) POST contact/getdata' },
		floor: async (client, n, prefix) => {
			// The field list tells the node which fields are choice fields (the bench knows them).
			if (withLabels) await client.call('GET', 'field/translate/en');
			const rows: IDataObject[] = [];
			for (const part of chunks(range(n))) {
				const answer = await client.call('POST', 'contact/getdata', { keyId: '3', keyValues: part.map((i) => email(prefix, i)), fields });
				const result = (answer.data as { result?: unknown } | undefined)?.result;
				if (Array.isArray(result)) rows.push(...(result as IDataObject[]));
			}
			if (withLabels) await labelChoices(client, rows);
			return rows;
		},
		// At 200 ms a call, one call per item would take hours: no baseline for the lanes workload.
		perItem: lanes ? undefined : perItemGet(fields, withLabels),
	};
}

/**
 * upsertAutoMap with the node's default options, at 200 ms a call (no per-item baseline: hours).
 * The node keeps the field list from its warm-up runs (its metadata cache, as in a long-running
 * n8n): the job is the upsert calls alone, for the node and the floors.
 */
const upsertAutoMap200ms: Workload = {
	...upsertAutoMap,
	op: 'upsertAutoMap200ms',
	lanes: true,
	latencyMs: 200,
	// Calls in parallel lanes reach Emarsys in any order, and created contacts' IDs follow it.
	sameOutput: false,
	parameters: () => {
		const { options: _lanesOff, ...parameters } = upsertAutoMap.parameters();
		return parameters;
	},
	expectedCalls: (n) => ({ exact: Math.ceil(n / BATCH), rule: 'ceil(N/1000) PUT contact (the field list kept from the warm-up runs)' }),
	floor: async (client, n, prefix) => await upsert.floor(client, n, prefix),
	perItemAs: undefined,
};

const trigger: Workload = {
	op: 'trigger',
	lanes: false,
	// The node's and the floor's outputs differ only in their trigger IDs, random per run.
	sameOutput: false,
	needsContacts: true,
	freshStoreEachRun: false,
	inputItems: (n, prefix) => range(n).map((i) => ({ email: email(prefix, i), orderId: `A-${i}`, total: (i % 100) + 0.5 })),
	parameters: () => ({
		resource: 'event',
		operation: 'trigger',
		eventId: EVENT_ID_PARAMETER,
		keyId: '3',
		contactId: '={{ $json.email }}',
		eventData: '={{ { order_id: $json.orderId, total: $json.total } }}',
		options: LANES_OFF,
	}),
	reads: ['eventId', 'keyId', 'contactId', 'eventData', 'options'],
	expectedCalls: (n) => ({ exact: Math.ceil(n / BATCH), rule: 'ceil(N/1000) POST event/{id}/trigger' }),
	floor: async (client, n, prefix) => {
		// Trigger IDs as long as the node's (n8n-<24 hex digits>-<item>), new every run.
		const run = randomBytes(12).toString('hex');
		const triggered: IDataObject[] = [];
		for (const part of chunks(range(n))) {
			const contacts = part.map((i) => ({
				external_id: email(prefix, i),
				data: { order_id: `A-${i}`, total: (i % 100) + 0.5 },
				trigger_id: `n8n-${run}-${i}`,
			}));
			await client.call('POST', `event/${EVENT_ID}/trigger`, { key_id: '3', contacts });
			for (const contact of contacts) {
				triggered.push({ success: true, eventId: EVENT_ID, keyId: '3', contactId: contact.external_id, triggerId: contact.trigger_id });
			}
		}
		return triggered;
	},
	perItem: async (client, n, prefix, progress) => {
		const run = Date.now().toString(36);
		for (let i = 0; i < n; i++) {
			await client.call('POST', `event/${EVENT_ID}/trigger`, {
				key_id: '3',
				external_id: email(prefix, i),
				data: { order_id: `A-${i}`, total: (i % 100) + 0.5 },
				trigger_id: `item-${run}-${i}`,
			});
			progress(i + 1);
		}
	},
};

export const WORKLOADS: Record<OpName, Workload> = {
	upsert,
	upsertAutoMap,
	get: getWorkload('get'),
	getWithChoiceLabels: getWorkload('getWithChoiceLabels'),
	trigger,
	get200ms: getWorkload('get200ms'),
	upsertAutoMap200ms,
};
