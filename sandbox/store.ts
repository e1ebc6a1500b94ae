/**
 * Contact store of the sandbox: contacts by internal id, by uid, and an index
 * field id -> normalised value -> contact ids for every field, so every key lookup is O(1)
 * (the benchmark pushes 100,000 contacts through it).
 *
 * Persistence (`dataFile`): the whole contact table is written as JSON to a temporary file in the
 * same directory, fsync'ed, then renamed over the target — a reader never sees a half-written
 * file. Writes are coalesced (at most one in flight, one queued) and flushed on stop.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp, readFileSync, existsSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

import { ContactListTable } from './lists';
import { SEED_CONTACTS, SEED_EVENTS, type SeedEvent } from './seed';
import { findField, indexKey, renderValue, resetCreatedFields, type StoredValue } from './schema';

export interface StoredContact {
	id: number;
	uid: string;
	fields: Map<string, StoredValue>;
}

export interface ContactView {
	id: number;
	uid: string;
	/** Field id -> value exactly as `contact/getdata` would render it. */
	fields: Record<string, string | null>;
}

export interface TriggerRecord {
	seq: number;
	time: string;
	eventId: number;
	contactId: number;
	keyId: string;
	externalId: string;
	data?: unknown;
	triggerId?: string;
	eventTime?: string;
	/** true when a trigger with the same trigger_id was already processed (ignored by Emarsys). */
	duplicate: boolean;
}

interface PersistedFile {
	format: 'emarsys-sandbox-contacts';
	version: 1;
	nextId: number;
	contacts: Array<{ id: number; uid: string; fields: Record<string, StoredValue> }>;
}

const UID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class ContactStore {
	private contacts = new Map<number, StoredContact>();
	private byUid = new Map<string, number>();
	private index = new Map<string, Map<string, Set<number>>>();
	private nextId = 100001;
	private triggers: TriggerRecord[] = [];
	private triggerIds = new Set<string>();
	private triggerSeq = 0;
	/** External events: the seeded ones, then those created through `POST event`. */
	private eventList: SeedEvent[] = [...SEED_EVENTS];
	private persistTimer: NodeJS.Timeout | undefined;
	private writing: Promise<void> | undefined;
	private writeAgain = false;
	/** Contact lists (not persisted; seeded again with the contacts). */
	readonly lists = new ContactListTable();

	constructor(private readonly dataFile?: string) {
		if (dataFile && existsSync(dataFile)) this.load(dataFile);
		else this.seed();
	}

	get size(): number {
		return this.contacts.size;
	}

	/** Seed contacts back; triggers are forgotten. */
	reset(): void {
		this.seed();
		this.changed();
	}

	private clear(): void {
		this.contacts.clear();
		this.byUid.clear();
		this.index.clear();
		this.triggers = [];
		this.triggerIds.clear();
		this.lists.reset();
	}

	private seed(): void {
		this.clear();
		this.eventList = [...SEED_EVENTS];
		resetCreatedFields();
		let max = 0;
		for (const c of SEED_CONTACTS) {
			this.insert(c.id, c.uid, Object.entries(c.fields));
			max = Math.max(max, c.id);
		}
		this.nextId = max + 1;
	}

	private load(file: string): void {
		const text = readFileSync(file, 'utf8');
		let parsed: PersistedFile;
		try {
			parsed = JSON.parse(text) as PersistedFile;
		} catch (error) {
			throw new Error(`Sandbox data file ${file} is not valid JSON: ${(error as Error).message}`);
		}
		if (parsed?.format !== 'emarsys-sandbox-contacts' || !Array.isArray(parsed.contacts)) {
			throw new Error(`Sandbox data file ${file} is not an Emarsys sandbox contact file`);
		}
		this.clear();
		let max = 0;
		for (const c of parsed.contacts) {
			this.insert(c.id, c.uid, Object.entries(c.fields));
			max = Math.max(max, c.id);
		}
		this.nextId = Math.max(parsed.nextId ?? 0, max + 1);
	}

	private insert(id: number, uid: string, entries: Array<[string, StoredValue]>): StoredContact {
		const contact: StoredContact = { id, uid, fields: new Map() };
		this.contacts.set(id, contact);
		this.byUid.set(uid, id);
		for (const [fieldId, value] of entries) this.setField(contact, fieldId, value);
		return contact;
	}

	private indexFor(fieldId: string): Map<string, Set<number>> {
		let idx = this.index.get(fieldId);
		if (!idx) {
			idx = new Map();
			this.index.set(fieldId, idx);
		}
		return idx;
	}

	private setField(contact: StoredContact, fieldId: string, value: StoredValue): void {
		const field = findField(fieldId);
		if (!field) return;
		const old = contact.fields.get(fieldId);
		const oldKey = indexKey(field, old);
		const newKey = indexKey(field, value);
		if (oldKey !== newKey) {
			const idx = this.indexFor(fieldId);
			if (oldKey !== null) {
				const set = idx.get(oldKey);
				set?.delete(contact.id);
				if (set && set.size === 0) idx.delete(oldKey);
			}
			if (newKey !== null) {
				let set = idx.get(newKey);
				if (!set) {
					set = new Set();
					idx.set(newKey, set);
				}
				set.add(contact.id);
			}
		}
		if (value === null) contact.fields.delete(fieldId);
		else contact.fields.set(fieldId, value);
	}

	get(id: number): StoredContact | undefined {
		return this.contacts.get(id);
	}

	getByUid(uid: string): StoredContact | undefined {
		const id = this.byUid.get(uid);
		return id === undefined ? undefined : this.contacts.get(id);
	}

	/** Contact ids whose field has the given normalised index key (see schema.lookupKey). */
	findByField(fieldId: number, key: string): number[] {
		const set = this.index.get(String(fieldId))?.get(key);
		return set ? [...set] : [];
	}

	create(values: Array<[string, StoredValue]>): StoredContact {
		const id = this.nextId++;
		let uid: string;
		do {
			const bytes = randomBytes(10);
			uid = Array.from(bytes, (b) => UID_CHARS[b % UID_CHARS.length]).join('');
		} while (this.byUid.has(uid));
		const contact = this.insert(id, uid, values);
		this.changed();
		return contact;
	}

	update(contact: StoredContact, values: Array<[string, StoredValue]>): void {
		for (const [fieldId, value] of values) this.setField(contact, fieldId, value);
		this.changed();
	}

	/** Deletes a contact: its id, uid and field values are gone. */
	delete(contact: StoredContact): void {
		for (const fieldId of [...contact.fields.keys()]) this.setField(contact, fieldId, null);
		this.contacts.delete(contact.id);
		this.byUid.delete(contact.uid);
		this.changed();
	}

	/** Every contact, in contact id order. */
	list(): StoredContact[] {
		return [...this.contacts.values()].sort((a, b) => a.id - b.id);
	}

	// ---- external events (created ones are not persisted) ----

	events(): readonly SeedEvent[] {
		return this.eventList;
	}

	addEvent(event: SeedEvent): void {
		this.eventList.push(event);
	}

	view(contact: StoredContact): ContactView {
		const fields: Record<string, string | null> = {};
		for (const [k, v] of contact.fields) fields[k] = renderValue(v);
		return { id: contact.id, uid: contact.uid, fields };
	}

	all(): ContactView[] {
		return [...this.contacts.values()].map((c) => this.view(c));
	}

	// ---- external event triggers (kept for assertions; Emarsys keeps them in its automation) ----

	recordTrigger(t: Omit<TriggerRecord, 'seq' | 'time' | 'duplicate'>): TriggerRecord {
		const key = t.triggerId !== undefined ? `${t.eventId}\u0000${t.triggerId}` : undefined;
		const duplicate = key !== undefined && this.triggerIds.has(key);
		if (key !== undefined) this.triggerIds.add(key);
		const rec: TriggerRecord = { seq: ++this.triggerSeq, time: new Date().toISOString(), duplicate, ...t };
		this.triggers.push(rec);
		// Keep the last 200,000; trimmed in steps of 50,000 (trimming on every push is quadratic).
		if (this.triggers.length > 250_000) this.triggers.splice(0, this.triggers.length - 200_000);
		return rec;
	}

	allTriggers(since = 0): TriggerRecord[] {
		return since > 0 ? this.triggers.filter((t) => t.seq > since) : [...this.triggers];
	}

	// ---- persistence ----

	private changed(): void {
		if (!this.dataFile || this.persistTimer) return;
		// Coalesce bursts: a 100,000-contact table is ~20 MB of JSON, so wait longer the larger it is.
		const delay = Math.min(2000, 50 + Math.floor(this.contacts.size / 100));
		this.persistTimer = setTimeout(() => {
			this.persistTimer = undefined;
			this.writeNow().catch((error: unknown) => {
				process.stderr.write(`[emarsys-sandbox] could not write ${this.dataFile}: ${(error as Error).message}\n`);
			});
		}, delay);
	}

	private snapshot(): string {
		const out: PersistedFile = {
			format: 'emarsys-sandbox-contacts',
			version: 1,
			nextId: this.nextId,
			contacts: [...this.contacts.values()].map((c) => ({ id: c.id, uid: c.uid, fields: Object.fromEntries(c.fields) })),
		};
		return JSON.stringify(out);
	}

	private writeNow(): Promise<void> {
		if (!this.dataFile) return Promise.resolve();
		if (this.writing) {
			this.writeAgain = true;
			return this.writing;
		}
		const file = this.dataFile;
		const run = async (): Promise<void> => {
			do {
				this.writeAgain = false;
				await atomicWrite(file, this.snapshot());
			} while (this.writeAgain);
		};
		this.writing = run().finally(() => {
			this.writing = undefined;
		});
		return this.writing;
	}

	/** Write pending changes now (used on stop). */
	async flush(): Promise<void> {
		if (this.persistTimer) {
			clearTimeout(this.persistTimer);
			this.persistTimer = undefined;
			await this.writeNow();
		}
		while (this.writing) await this.writing;
	}
}

/** Write `text` to `file` atomically: temp file in the same directory, fsync, rename. */
export async function atomicWrite(file: string, text: string): Promise<void> {
	const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
	const handle = await fsp.open(tmp, 'w', 0o600);
	try {
		await handle.writeFile(text, 'utf8');
		await handle.sync();
	} finally {
		await handle.close();
	}
	try {
		await fsp.rename(tmp, file);
	} catch (error) {
		await fsp.rm(tmp, { force: true });
		throw error;
	}
}
