/**
 * Contact lists of the sandbox: static sets of contacts (by internal contact id), as Emarsys keeps
 * them ("contact lists are static and do not change", help article "Managing contact lists").
 * Kept in memory only; a reset brings the seeded lists back.
 */
import { SEED_CONTACT_LISTS } from './seed';

export interface StoredContactList {
	id: number;
	name: string;
	description: string;
	created: string;
	members: Set<number>;
}

export class ContactListTable {
	private lists = new Map<number, StoredContactList>();

	private nextId = 1;

	reset(): void {
		this.lists.clear();
		for (const seed of SEED_CONTACT_LISTS) {
			this.lists.set(seed.id, { id: seed.id, name: seed.name, description: seed.description, created: seed.created, members: new Set(seed.contactIds) });
		}
		this.nextId = Math.max(0, ...SEED_CONTACT_LISTS.map((list) => list.id)) + 1;
	}

	all(): StoredContactList[] {
		return [...this.lists.values()];
	}

	get(id: number): StoredContactList | undefined {
		return this.lists.get(id);
	}

	/** Emarsys compares list names as its database does: case-insensitively. */
	findByName(name: string): StoredContactList | undefined {
		const wanted = name.trim().toLowerCase();
		return this.all().find((list) => list.name.trim().toLowerCase() === wanted);
	}

	create(name: string, description: string, created: string): StoredContactList {
		const list: StoredContactList = { id: this.nextId++, name, description, created, members: new Set() };
		this.lists.set(list.id, list);
		return list;
	}
}
