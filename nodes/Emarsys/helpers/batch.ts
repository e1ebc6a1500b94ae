import type { IDataObject } from 'n8n-workflow';
import { deepCopy } from 'n8n-workflow';

import { emarsysApiError, MAX_BATCH_SIZE, MAX_PAYLOAD_BYTES, type CallOutcome, type EmarsysClient } from '../transport';
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
 * Sends the entries in calls Emarsys accepts and records each item's outcome. Up to the client's
 * Concurrent Requests calls are under way at a time; the dispatcher keeps a contact's calls in
 * order (a later call naming it waits for the earlier one) and may combine a group's only call
 * with calls of other executions. Outcomes are recorded per item, so output keeps input order.
 */
export async function sendInBatches<E extends BatchEntry, A>(entries: E[], results: ItemResults, call: BatchCall<E, A>): Promise<void> {
	const limit = call.maxBytes ?? MAX_PAYLOAD_BYTES;
	const { chunks, tooLarge } = planCalls(entries, call.sameContact, limit - ENVELOPE_BYTES);
	for (const { entry, bytes } of tooLarge) {
		const problem = `the data of this item is ${bytes} bytes; Emarsys accepts at most ${inWords(limit)} per call`;
		results.fail(entry.itemIndex, inputError(results.node, entry.itemIndex, call.payloadParameter, problem));
	}
	const chunksPerGroup = new Map<string, number>();
	for (const chunk of chunks) chunksPerGroup.set(chunk.group, (chunksPerGroup.get(chunk.group) ?? 0) + 1);
	await inLanes(chunks, call.client.settings.concurrentRequests, async (chunk) => {
		const result = await call.client.dispatch({
			route: `${call.route}|${chunk.group}`,
			entries: chunk.entries,
			contacts: chunk.entries.map((entry) => normalizeKey(entry.contactId)),
			bytes: chunk.bytes,
			maxEntries: MAX_BATCH_SIZE,
			maxBytes: limit - ENVELOPE_BYTES,
			// A bulk run's calls are full already: only a group's one call may take others in.
			combine: chunksPerGroup.get(chunk.group) === 1,
			send: async (all, client) => await call.send(all, client),
		});
		recordCall(results, call, chunk, result);
	});
}

/** Records a call's outcome for every item of the chunk (the chunk's entries stand at `offset` in the call). */
function recordCall<E extends BatchEntry, A>(results: ItemResults, call: BatchCall<E, A>, chunk: Chunk<E>, result: CallOutcome<E, A>): void {
	if ('error' in result) {
		for (const entry of chunk.entries) for (const i of itemsOf(chunk, entry)) results.fail(i, result.error);
		return;
	}
	const outcomes = call.outcomes(result.entries, result.answer);
	chunk.entries.forEach((entry, position) => record(results, itemsOf(chunk, entry), outcomes[result.offset + position]));
}

/**
 * Runs `work` for each chunk, at most `lanes` at a time, starting them in order. The first error
 * `work` throws (an item failing without Continue On Fail) stops new starts; it is thrown once
 * the calls under way have ended.
 */
async function inLanes<T>(chunks: T[], lanes: number, work: (chunk: T) => Promise<void>): Promise<void> {
	let next = 0;
	let failure: { error: unknown } | undefined;
	const lane = async () => {
		while (!failure && next < chunks.length) {
			try {
				await work(chunks[next++]);
			} catch (error) {
				failure ??= { error };
			}
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, chunks.length)) }, lane));
	if (failure) throw failure.error;
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
	const groups = new Map<string, Group<E>>();
	const tooLarge: Array<{ entry: E; bytes: number }> = [];
	for (const entry of entries) {
		const bytes = Buffer.byteLength(JSON.stringify(entry.payload), 'utf8') + 1;
		if (bytes > maxBytes) {
			tooLarge.push({ entry, bytes });
			continue;
		}
		let group = groups.get(entry.group);
		if (!group) groups.set(entry.group, (group = { chunks: [], bytes: 0, contacts: new Set(), entryOfContact: new Map(), sharing: new Map() }));
		const contact = normalizeKey(entry.contactId);
		const shared = sameContact === 'share' ? group.entryOfContact.get(contact) : undefined;
		if (shared) {
			const sharing = group.sharing.get(shared);
			if (sharing) sharing.push(entry.itemIndex);
			else group.sharing.set(shared, [entry.itemIndex]);
			continue;
		}
		addToLastChunk(group, entry, contact, bytes, maxBytes);
		if (sameContact === 'share') group.entryOfContact.set(contact, entry);
	}
	return { chunks: [...groups.values()].flatMap((group) => group.chunks), tooLarge };
}

/** Puts an entry into the last call of its group, or into a new call when that one is full or already names the contact. */
function addToLastChunk<E extends BatchEntry>(group: Group<E>, entry: E, contact: string, bytes: number, maxBytes: number): void {
	let chunk = group.chunks[group.chunks.length - 1];
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
}

/**
 * How Emarsys compares key values: text case-insensitively (contacts are stored in a
 * case-insensitive collation, so `Ada@Example.com` finds `ada@example.com`), numbers by value.
 */
export function normalizeKey(value: unknown): string {
	const text = (typeof value === 'string' ? value : String(value ?? '')).trim();
	return /^[+-]?\d+(\.\d+)?$/.test(text) ? String(Number(text)) : text.toLowerCase();
}

/** A per-contact error of a batch answer. */
export interface ContactError {
	code: number;
	message: string;
}

/**
 * The per-contact errors of a batch write (`PUT contact`, `event/{id}/trigger`), which Emarsys
 * keys by the contact's key value, then by error code: `{"a@b.c": {"2008": "No contact…"}}`.
 * Keyed by normalizeKey, as Emarsys compares keys.
 */
export function errorsByContact(errors: unknown): Map<string, ContactError> {
	const byContact = new Map<string, ContactError>();
	if (!errors || typeof errors !== 'object' || Array.isArray(errors)) return byContact;
	for (const [key, byCode] of Object.entries(errors as Record<string, unknown>)) {
		const [code, message] = Object.entries((byCode ?? {}) as Record<string, unknown>)[0] ?? ['', 'Error'];
		byContact.set(normalizeKey(key), { code: Number(code), message: String(message) });
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
	const byContact = errorsByContact(errors);
	return chunk.map((entry) => {
		const error = byContact.get(normalizeKey(entry.contactId));
		if (!error) return written(entry);
		return emarsysApiError(results.node, { replyCode: error.code, replyText: error.message, endpoint }, entry.itemIndex);
	});
}

/** What a batch write (`PUT contact`, `event/{id}/trigger`) answers in `data`. */
export interface BatchWriteAnswer {
	ids?: unknown[];
	errors?: unknown;
}
