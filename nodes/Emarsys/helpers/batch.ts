import type { IDataObject } from 'n8n-workflow';
import { deepCopy } from 'n8n-workflow';

import { emarsysApiError, MAX_BATCH_SIZE, MAX_PAYLOAD_BYTES, type EmarsysClient } from '../transport';
import type { ItemResults } from './results';
import { inputError } from './validation';

/**
 * The batch engine. Emarsys takes up to 1000 contacts (keys, events) per call, so operations do
 * not call per item: each item becomes an entry, entries that may share a call are grouped, each
 * group is cut into calls Emarsys accepts, and each call's answer is mapped back to the items.
 */

/** One item's part of a batch call (operations add what their calls need). */
export interface BatchEntry {
	itemIndex: number;
	/** Entries with the same group may share a call (same key field, same event, …). */
	group: string;
	/** The contact's key value as sent: Emarsys names contacts by it in its answers. */
	contactId: string;
	/** The key field holds numbers (Emarsys's contact ID, a numeric field): how Emarsys compares its values (normalizeKey). */
	numericKey: boolean;
	/** What this entry puts into the call (its size counts against the payload limit). */
	payload: unknown;
}

/** What an entry came to: its output, or its error. */
export type EntryOutcome = IDataObject | IDataObject[] | Error;

export interface BatchCall<E extends BatchEntry, A> {
	/** Sends the calls (its credential, settings and dispatcher). */
	client: EmarsysClient;
	/** Names the kind of call (e.g. `PUT contact`): with the group, calls of the same route may be combined across executions. */
	route: string;
	/**
	 * Items of a group naming the same contact: `share` sends the contact once and every such item
	 * gets the outcome (reads); `separate` sends each in a later call, in input order, so the later
	 * item wins and per-contact errors stay unambiguous (writes).
	 */
	sameContact: 'share' | 'separate';
	/** The parameter an oversized entry is blamed on. */
	payloadParameter: string;
	/** The payload limit of the endpoint, in bytes (default MAX_PAYLOAD_BYTES). */
	maxBytes?: number;
	/** Makes one call for entries of one group, in input order, through `client`. */
	send: (entries: E[], client: EmarsysClient) => Promise<A>;
	/** One outcome per entry of the call, in the same order. */
	outcomes: (entries: E[], answer: A) => EntryOutcome[];
}

/** The entries of one call. */
export interface Chunk<E> {
	entries: E[];
	group: string;
	/** The payload bytes of the entries. */
	bytes: number;
	/** Further items naming an entry's contact (reads: they share its outcome); one map for a group's calls. */
	sharing: Map<E, number[]>;
}

/** A group while its calls are planned: the last call's size and contacts, and each contact's entry (reads). */
interface Group<E> {
	chunks: Array<Chunk<E>>;
	bytes: number;
	contacts: Set<string>;
	entryOfContact: Map<string, E>;
	/** Shared by the group's calls. */
	sharing: Map<E, number[]>;
}

/** The items an entry of a call stands for: its own, then those sharing its contact. */
export function itemsOf<E extends BatchEntry>(chunk: Chunk<E>, entry: E): number[] {
	return [entry.itemIndex, ...(chunk.sharing.get(entry) ?? [])];
}

/** Room left in a payload for what surrounds the entries (key_id, brackets, commas). */
const ENVELOPE_BYTES = 1024;

/**
 * Sends the entries in calls Emarsys accepts and records each item's outcome. Every entry is
 * planned (an oversized one failed) before the first call goes, so that without Continue On Fail a
 * write stops before anything is written; then the calls go group by group (see BatchCalls).
 */
export async function sendInBatches<E extends BatchEntry, A>(entries: E[], results: ItemResults, call: BatchCall<E, A>): Promise<void> {
	const calls = new BatchCalls(results, call, { holdCalls: true });
	for (const entry of entries) calls.add(entry);
	await calls.finish();
}

/**
 * The calls of one run. Entries are added one by one; entries that may share a call are planned
 * into calls Emarsys accepts (planCalls). A call goes once it is full (a read: calls start while
 * later items are still read) or, with `holdCalls`, when the run finishes. Up to the client's
 * Concurrent Requests calls are under way at a time; the dispatcher keeps a contact's calls in
 * order (a later call naming it waits for the earlier one) and may combine a group's only call
 * with calls of other executions. Outcomes are recorded per item when the run finishes (an item
 * sharing a contact with an earlier one gets its answer even when that came first), so output
 * keeps input order; without Continue On Fail the first failed item stops the run at once.
 */
export class BatchCalls<E extends BatchEntry, A> {
	private readonly planner: CallPlanner<E>;

	private readonly lanes: Lanes<{ chunk: Chunk<E>; combine: boolean }>;

	private readonly sent = new Set<Chunk<E>>();

	private readonly answered: Array<{ chunk: Chunk<E>; outcomes: EntryOutcome[] | { error: unknown } }> = [];

	private readonly limit: number;

	constructor(
		private readonly results: ItemResults,
		private readonly call: BatchCall<E, A>,
		private readonly options: { holdCalls?: boolean } = {},
	) {
		this.limit = call.maxBytes ?? MAX_PAYLOAD_BYTES;
		this.planner = new CallPlanner(call.sameContact, this.limit - ENVELOPE_BYTES);
		this.lanes = new Lanes(call.client.settings.concurrentRequests, async ({ chunk, combine }) => await this.send(chunk, combine));
	}

	/** Plans an entry into a call; a call it closes goes at once (unless held). True when a call went. */
	add(entry: E): boolean {
		const failure = this.lanes.failure;
		if (failure) throw failure.error;
		const planned = this.planner.add(entry);
		if ('tooLarge' in planned) {
			const problem = `the data of this item is ${planned.tooLarge} bytes; Emarsys accepts at most ${inWords(this.limit)} per call`;
			this.results.fail(entry.itemIndex, inputError(this.results.node, entry.itemIndex, this.call.payloadParameter, problem));
		}
		if (!('closed' in planned) || this.options.holdCalls) return false;
		// A call closed by a later one of its group is one of several: a bulk run's calls are full already.
		this.lanes.push({ chunk: planned.closed, combine: false });
		this.sent.add(planned.closed);
		return true;
	}

	/** Sends the calls not sent yet, group by group, waits for every answer and records each item's outcome. */
	async finish(): Promise<void> {
		for (const chunks of this.planner.chunksByGroup()) {
			// Only a group's one call may take in calls of other executions.
			for (const chunk of chunks) if (!this.sent.has(chunk)) this.lanes.push({ chunk, combine: chunks.length === 1 });
		}
		await this.lanes.done();
		for (const { chunk, outcomes } of this.answered) recordCall(this.results, chunk, outcomes);
	}

	/** Sends nothing more and waits for the calls under way (a run stopped by an item's error; nothing to wait for after `finish`). */
	async abandon(): Promise<void> {
		await this.lanes.stop();
	}

	private async send(chunk: Chunk<E>, combine: boolean): Promise<void> {
		const result = await this.call.client.dispatch({
			route: `${this.call.route}|${chunk.group}`,
			entries: chunk.entries,
			contacts: chunk.entries.map(mayNameContact),
			bytes: chunk.bytes,
			maxEntries: MAX_BATCH_SIZE,
			maxBytes: this.limit - ENVELOPE_BYTES,
			combine,
			send: async (all, client) => await this.call.send(all, client),
		});
		// The chunk's entries stand at `offset` in the call (which may hold other executions' entries).
		const outcomes = 'error' in result ? result : this.call.outcomes(result.entries, result.answer).slice(result.offset, result.offset + chunk.entries.length);
		this.answered.push({ chunk, outcomes });
		// Without Continue On Fail, recording a failed item throws: the run stops now, not after its other calls.
		if (!this.results.continueOnFail && (!Array.isArray(outcomes) || outcomes.some((outcome) => outcome instanceof Error))) {
			recordCall(this.results, chunk, outcomes);
		}
	}
}

/** Records a call's outcome for every item of the chunk. */
function recordCall<E extends BatchEntry>(results: ItemResults, chunk: Chunk<E>, outcomes: EntryOutcome[] | { error: unknown }): void {
	if (!Array.isArray(outcomes)) {
		for (const entry of chunk.entries) for (const i of itemsOf(chunk, entry)) results.fail(i, outcomes.error);
		return;
	}
	chunk.entries.forEach((entry, position) => record(results, itemsOf(chunk, entry), outcomes[position]));
}

/**
 * Runs `work` for each job pushed, at most `size` at a time, starting them in the order pushed.
 * The first error `work` throws (an item failing without Continue On Fail) stops new starts; `done`
 * throws it once the jobs under way have ended.
 */
class Lanes<T> {
	private readonly queue: T[] = [];

	private running = 0;

	private stopped = false;

	private whenIdle?: () => void;

	failure: { error: unknown } | undefined;

	constructor(
		private readonly size: number,
		private readonly work: (job: T) => Promise<void>,
	) {}

	push(job: T): void {
		this.queue.push(job);
		this.startNext();
	}

	/** Waits until every job pushed has ended; throws the first error. */
	async done(): Promise<void> {
		if (this.running > 0) await new Promise<void>((resolve) => (this.whenIdle = resolve));
		if (this.failure) throw this.failure.error;
	}

	/** Starts nothing more; waits for the jobs under way (their errors are dropped). */
	async stop(): Promise<void> {
		this.stopped = true;
		if (this.running > 0) await new Promise<void>((resolve) => (this.whenIdle = resolve));
	}

	private startNext(): void {
		while (!this.failure && !this.stopped && this.running < Math.max(1, this.size) && this.queue.length > 0) {
			const job = this.queue.shift() as T;
			this.running++;
			void this.work(job)
				.catch((error: unknown) => void (this.failure ??= { error }))
				.finally(() => {
					this.running--;
					this.startNext();
					if (this.running === 0) this.whenIdle?.();
				});
		}
	}
}

/** A byte count as people write it: 10 MB, 100 kB. */
export function inWords(bytes: number): string {
	return bytes >= 1_000_000 ? `${bytes / 1_000_000} MB` : `${bytes / 1000} kB`;
}

function record(results: ItemResults, items: number[], outcome: EntryOutcome): void {
	items.forEach((itemIndex, n) => {
		if (outcome instanceof Error) results.fail(itemIndex, outcome);
		// Items sharing a contact get their own copies: a later node changing one must not change the other.
		else results.add(itemIndex, n === 0 ? outcome : deepCopy(outcome));
	});
}

/**
 * Groups entries, in first-seen order, and cuts each group into calls of at most 1000 entries
 * and `maxBytes` of payload. Entries too large for any call are handed back apart.
 */
export function planCalls<E extends BatchEntry>(
	entries: E[],
	sameContact: 'share' | 'separate',
	maxBytes: number,
): { chunks: Array<Chunk<E>>; tooLarge: Array<{ entry: E; bytes: number }> } {
	const planner = new CallPlanner<E>(sameContact, maxBytes);
	const tooLarge: Array<{ entry: E; bytes: number }> = [];
	for (const entry of entries) {
		const planned = planner.add(entry);
		if ('tooLarge' in planned) tooLarge.push({ entry, bytes: planned.tooLarge });
	}
	return { chunks: planner.chunksByGroup().flat(), tooLarge };
}

/** Plans entries into calls one at a time (planCalls): each group's calls, the last one still open. */
export class CallPlanner<E extends BatchEntry> {
	private readonly groups = new Map<string, Group<E>>();

	constructor(
		private readonly sameContact: 'share' | 'separate',
		private readonly maxBytes: number,
	) {}

	/** Puts an entry into its group's open call; a full call is closed (handed back) and a new one opened. */
	add(entry: E): { tooLarge: number } | { closed: Chunk<E> } | Record<string, never> {
		const bytes = Buffer.byteLength(JSON.stringify(entry.payload), 'utf8') + 1;
		if (bytes > this.maxBytes) return { tooLarge: bytes };
		let group = this.groups.get(entry.group);
		if (!group) this.groups.set(entry.group, (group = { chunks: [], bytes: 0, contacts: new Set(), entryOfContact: new Map(), sharing: new Map() }));
		if (this.sameContact === 'share') {
			const contact = normalizeKey(entry.contactId, entry.numericKey);
			const shared = group.entryOfContact.get(contact);
			if (shared) {
				const sharing = group.sharing.get(shared);
				if (sharing) sharing.push(entry.itemIndex);
				else group.sharing.set(shared, [entry.itemIndex]);
				return {};
			}
			group.entryOfContact.set(contact, entry);
		}
		const closed = addToLastChunk(group, entry, mayNameContact(entry), bytes, this.maxBytes);
		return closed ? { closed } : {};
	}

	/** Each group's calls, groups in first-seen order. */
	chunksByGroup(): Array<Array<Chunk<E>>> {
		return [...this.groups.values()].map((group) => group.chunks);
	}
}

/** Puts an entry into the last call of its group, or into a new call when that one is full or already names the contact; hands back the call so closed. */
function addToLastChunk<E extends BatchEntry>(group: Group<E>, entry: E, contact: string, bytes: number, maxBytes: number): Chunk<E> | undefined {
	let chunk = group.chunks[group.chunks.length - 1];
	const closed = chunk;
	if (!chunk || chunk.entries.length >= MAX_BATCH_SIZE || group.bytes + bytes > maxBytes || group.contacts.has(contact)) {
		chunk = { entries: [], group: entry.group, bytes: 0, sharing: group.sharing };
		group.chunks.push(chunk);
		group.bytes = 0;
		group.contacts = new Set();
	}
	chunk.entries.push(entry);
	chunk.bytes += bytes;
	group.contacts.add(contact);
	group.bytes += bytes;
	return chunk === closed ? undefined : closed;
}

/**
 * How Emarsys compares key values: in a key field that holds numbers (its contact ID, a numeric
 * field) by value, to any number of digits (`0123`, `+123` and `123.0` are one); in any other
 * field as text, case-insensitively (contacts are stored in a case-insensitive collation, so
 * `Ada@Example.com` finds `ada@example.com`), where `0123` and `123` are two values.
 */
export function normalizeKey(value: unknown, numeric: boolean): string {
	const text = (typeof value === 'string' ? value : String(value ?? '')).trim();
	return (numeric ? numberKey(text) : undefined) ?? text.toLowerCase();
}

/** A decimal number written without sign noise and zeros that change nothing (`-007.50` → `-7.5`); undefined for other text. */
function numberKey(text: string): string | undefined {
	const match = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(text);
	if (!match) return undefined;
	const whole = match[2].replace(/^0+(?=\d)/, '');
	const fraction = (match[3] ?? '').replace(/0+$/, '');
	const value = fraction ? `${whole}.${fraction}` : whole;
	return match[1] === '-' && value !== '0' ? `-${value}` : value;
}

/**
 * The contact an entry may name, for keeping calls apart: two values Emarsys might take for one
 * contact never go in one call, and a later call naming either waits for the earlier one. Numbers
 * are compared by value whatever the key field: taking two values for one costs only a later call.
 */
function mayNameContact(entry: BatchEntry): string {
	return normalizeKey(entry.contactId, true);
}

/** A per-contact error of a batch answer. */
export interface ContactError {
	code: number;
	message: string;
}

/**
 * The per-contact errors of a batch write (`PUT contact`, `event/{id}/trigger`), which Emarsys
 * keys by the contact's key value, then by error code: `{"a@b.c": {"2008": "No contact…"}}`.
 * Keyed by normalizeKey, as Emarsys compares keys (`numeric`: the key field holds numbers).
 */
export function errorsByContact(errors: unknown, numeric: boolean): Map<string, ContactError> {
	const byContact = new Map<string, ContactError>();
	if (!errors || typeof errors !== 'object' || Array.isArray(errors)) return byContact;
	for (const [key, byCode] of Object.entries(errors as Record<string, unknown>)) {
		const [code, message] = Object.entries((byCode ?? {}) as Record<string, unknown>)[0] ?? ['', 'Error'];
		byContact.set(normalizeKey(key, numeric), { code: Number(code), message: String(message) });
	}
	return byContact;
}

/**
 * The outcomes of a batch write's entries: an entry whose contact `data.errors` names fails with
 * that error, the others succeed with what `written` makes of them (called in call order).
 */
export function writeOutcomes<E extends BatchEntry>(
	results: ItemResults,
	chunk: E[],
	errors: unknown,
	endpoint: string,
	written: (entry: E) => IDataObject,
): EntryOutcome[] {
	// A call's entries share their key field (a call has at least one).
	const byContact = errorsByContact(errors, chunk[0].numericKey);
	return chunk.map((entry) => {
		const error = byContact.get(normalizeKey(entry.contactId, entry.numericKey));
		if (!error) return written(entry);
		return emarsysApiError(results.node, { replyCode: error.code, replyText: error.message, endpoint }, entry.itemIndex);
	});
}

/** What a batch write (`PUT contact`, `event/{id}/trigger`) answers in `data`. */
export interface BatchWriteAnswer {
	ids?: unknown[];
	errors?: unknown;
}
