import { sleep } from 'n8n-workflow';

import { MAX_BATCH_SIZE, MAX_PAYLOAD_BYTES, type EmarsysReply } from '../transport';
import type { ItemResults } from './results';

/**
 * Splits entries, in order, into chunks Emarsys accepts: at most `maxCount` entries and at most
 * `maxBytes` of JSON each. With `keyOf`, an entry whose key is already in the current chunk
 * starts a new chunk, so one call never carries the same contact twice (later items win, in order).
 */
export function chunkEntries<T>(
	entries: T[],
	options: {
		maxCount?: number;
		maxBytes?: number;
		sizeOf?: (entry: T) => number;
		keyOf?: (entry: T) => string;
	} = {},
): T[][] {
	const maxCount = options.maxCount ?? MAX_BATCH_SIZE;
	// Leave room for the envelope around the entries (key_id, brackets, commas).
	const maxBytes = (options.maxBytes ?? MAX_PAYLOAD_BYTES) - 1024;
	const chunks: T[][] = [];
	let current: T[] = [];
	let bytes = 0;
	let keys = new Set<string>();
	for (const entry of entries) {
		const size = options.sizeOf ? options.sizeOf(entry) + 1 : 0;
		const key = options.keyOf?.(entry);
		const full =
			current.length >= maxCount ||
			(current.length > 0 && bytes + size > maxBytes) ||
			(key !== undefined && keys.has(key));
		if (full) {
			chunks.push(current);
			current = [];
			bytes = 0;
			keys = new Set<string>();
		}
		current.push(entry);
		bytes += size;
		if (key !== undefined) keys.add(key);
	}
	if (current.length > 0) chunks.push(current);
	return chunks;
}

/** Size of a value as JSON in UTF-8 bytes. */
export function jsonBytes(value: unknown): number {
	return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/**
 * An entry of at most this many bytes can never make a chunk of MAX_BATCH_SIZE entries exceed
 * the payload limit: for such entries the count limit binds first.
 */
const SMALL_ENTRY_BYTES = Math.floor((MAX_PAYLOAD_BYTES - 1024) / MAX_BATCH_SIZE);

/**
 * The JSON size of a payload entry for chunking and the 10 MB check: exact for large entries, an
 * upper bound (computed without serializing) for entries small enough that the bound cannot
 * change how entries are chunked. Serializing every one of 100,000 small contacts only to
 * measure it costs more than the rest of the bookkeeping.
 */
export function entryBytes(value: unknown): number {
	const bound = jsonBytesAtMost(value, SMALL_ENTRY_BYTES);
	return bound <= SMALL_ENTRY_BYTES ? bound : jsonBytes(value);
}

/**
 * An upper bound of the JSON size of plain data (a UTF-16 unit is at most 6 bytes in JSON, a
 * number at most 24 characters); stops counting past `limit`. Anything but plain data counts as
 * past the limit, so that its exact size is taken.
 */
function jsonBytesAtMost(value: unknown, limit: number): number {
	switch (typeof value) {
		case 'string':
			return value.length * 6 + 2;
		case 'number':
			return 24;
		case 'boolean':
			return 5;
		case 'object': {
			if (value === null) return 4;
			const proto = Object.getPrototypeOf(value) as unknown;
			if (Array.isArray(value)) {
				let total = 2;
				for (const element of value) {
					total += jsonBytesAtMost(element ?? null, limit) + 1;
					if (total > limit) return total;
				}
				return total;
			}
			if (proto !== Object.prototype && proto !== null) return limit + 1;
			let total = 2;
			for (const key in value) {
				const member = (value as Record<string, unknown>)[key];
				if (member === undefined) continue;
				total += key.length * 6 + 4 + jsonBytesAtMost(member, limit);
				if (total > limit) return total;
			}
			return total;
		}
		default:
			return limit + 1;
	}
}

/**
 * How Emarsys compares key values: text case-insensitively (contacts are stored in a
 * case-insensitive collation, so `Ada@Example.com` finds `ada@example.com`), numbers by value.
 */
export function normalizeKey(value: unknown): string {
	const text = (typeof value === 'string' ? value : String(value ?? '')).trim();
	const first = text.charCodeAt(0);
	// Only text starting with a digit or sign can be a number (saves the pattern test on e-mails).
	if (((first >= 48 && first <= 57) || first === 43 || first === 45) && /^[+-]?\d+(\.\d+)?$/.test(text)) {
		return String(Number(text));
	}
	return text.toLowerCase();
}

/** Groups item indexes by a string key, keeping first-seen group order and item order. */
export function groupBy(indexes: number[], keyOf: (index: number) => string): Map<string, number[]> {
	const groups = new Map<string, number[]>();
	for (const index of indexes) {
		const key = keyOf(index);
		const list = groups.get(key);
		if (list) list.push(index);
		else groups.set(key, [index]);
	}
	return groups;
}

/** A per-contact error inside a batch answer. */
export interface KeyedError {
	code: number;
	message: string;
}

/**
 * Reads the per-contact errors of a batch write (`PUT contact`, `event/{id}/trigger`), which
 * Emarsys keys by the contact's key value, then by error code: `{"a@b.c": {"2008": "No contact…"}}`.
 * The map is keyed by normalizeKey, as Emarsys compares keys.
 */
export function errorsByKey(errors: unknown): Map<string, KeyedError> {
	const byKey = new Map<string, KeyedError>();
	if (!errors || typeof errors !== 'object' || Array.isArray(errors)) return byKey;
	for (const [key, byCode] of Object.entries(errors as Record<string, unknown>)) {
		const [code, message] = Object.entries((byCode ?? {}) as Record<string, unknown>)[0] ?? ['', 'Error'];
		byKey.set(normalizeKey(key), { code: Number(code), message: String(message) });
	}
	return byKey;
}

/** What a batch write (`PUT contact`, `event/{id}/trigger`) answers in `data`. */
export interface BatchAnswer {
	ids?: unknown[];
	errors?: unknown;
}

export interface BatchWrite<E extends { itemIndex: number }> {
	/** Entries with the same group key may share a call; groups keep their first-seen order. */
	groupKey: (entry: E) => string;
	/** The contact's key value, by which Emarsys reports per-contact errors. */
	contactKey: (entry: E) => string;
	/** Size of one entry's JSON in the payload. */
	sizeOf: (entry: E) => number;
	/** Makes the call for one chunk (entries of one group, in input order). */
	send: (chunk: E[]) => Promise<EmarsysReply<BatchAnswer>>;
	/** The error of an entry that Emarsys reported as failed. */
	errorFor: (entry: E, error: KeyedError) => Error;
	/** Records the outputs of the entries of a chunk that succeeded, in chunk order. */
	onSuccess: (succeeded: E[], answer: BatchAnswer) => void;
}

/**
 * Sends entries to a batch write of Emarsys, at most 1000 per call and under 10 MB, in input order.
 * A failed call fails the items of its chunk; a per-contact error in the answer fails only the
 * items that carried that contact.
 *
 * Calls go one at a time, in order. The bookkeeping of an answer (errors, output items) is done
 * while the next call is on the wire, so that on large runs it costs no wall time.
 *
 * Takes the entries over: `entries` is emptied, and each chunk is let go once recorded, so that
 * on a run of 100,000 items the payloads already sent can be freed while later calls run.
 */
export async function sendInBatches<E extends { itemIndex: number }>(
	entries: E[],
	results: ItemResults,
	write: BatchWrite<E>,
): Promise<void> {
	const groups = new Map<string, E[]>();
	for (const entry of entries) {
		const key = write.groupKey(entry);
		const group = groups.get(key);
		if (group) group.push(entry);
		else groups.set(key, [entry]);
	}
	entries.length = 0;
	const chunks: E[][] = [];
	for (const group of groups.values()) {
		chunks.push(
			...chunkEntries(group, {
				maxCount: MAX_BATCH_SIZE,
				sizeOf: write.sizeOf,
				// Errors come back keyed by contact: each contact at most once per call keeps them unambiguous.
				keyOf: (entry) => normalizeKey(write.contactKey(entry)),
			}),
		);
	}
	groups.clear();

	const record = (chunk: E[], outcome: Outcome<EmarsysReply<BatchAnswer>>) => {
		if (!outcome.ok) {
			for (const entry of chunk) results.fail(entry.itemIndex, outcome.error);
			return;
		}
		const errorByKey = errorsByKey(outcome.value.data?.errors);
		let succeeded = chunk;
		if (errorByKey.size > 0) {
			succeeded = [];
			for (const entry of chunk) {
				const error = errorByKey.get(normalizeKey(write.contactKey(entry)));
				if (error) results.fail(entry.itemIndex, write.errorFor(entry, error));
				else succeeded.push(entry);
			}
		}
		write.onSuccess(succeeded, outcome.value.data ?? {});
	};
	const failed = (_chunk: E[], outcome: Outcome<EmarsysReply<BatchAnswer>>) => {
		if (!outcome.ok) return true;
		const errors = outcome.value.data?.errors;
		return Boolean(errors && typeof errors === 'object' && Object.keys(errors).length > 0);
	};
	await callInTurn(chunks, write.send, record, failed);
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Makes one call per chunk, one at a time and in order. The answer of a call is recorded while
 * the next call is on the wire (on large runs the bookkeeping then costs no wall time), except
 * an answer `failed` says holds a failure: that one is recorded before the next call goes out,
 * since without Continue On Fail recording it stops the node. `chunks` is emptied as calls go
 * out (a recorded chunk is then no longer held).
 */
export async function callInTurn<C, A>(
	chunks: C[],
	send: (chunk: C) => Promise<A>,
	record: (chunk: C, outcome: Outcome<A>) => void,
	failed: (chunk: C, outcome: Outcome<A>) => boolean,
): Promise<void> {
	let previous: { chunk: C; outcome: Promise<Outcome<A>> } | undefined;
	// Oldest first, without shifting the array on every call.
	chunks.reverse();
	for (let chunk = chunks.pop(); chunk !== undefined; chunk = chunks.pop()) {
		if (previous) {
			const outcome = await previous.outcome;
			if (failed(previous.chunk, outcome)) {
				record(previous.chunk, outcome);
				previous = { chunk, outcome: settle(send(chunk)) };
			} else {
				const next = { chunk, outcome: settle(send(chunk)) };
				await yieldToEventLoop();
				record(previous.chunk, outcome);
				previous = next;
			}
		} else {
			previous = { chunk, outcome: settle(send(chunk)) };
		}
	}
	if (previous) record(previous.chunk, await previous.outcome);
}

async function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
	try {
		return { ok: true, value: await promise };
	} catch (error) {
		return { ok: false, error };
	}
}

/** Resolves on the next timer tick: pending microtasks and I/O have run (a request started now is sent). */
async function yieldToEventLoop(): Promise<void> {
	await sleep(0);
}
