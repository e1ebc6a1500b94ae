/**
 * What Emarsys (the sandbox) saw of one run, from its request log and its state: how many calls the
 * messages cost, how many were refused with 429, and whether every message's contact was written
 * once, put on the list and got its event once.
 */
import type { ContactView, LogEntry, TriggerRecord } from '../../sandbox';
import type { Message } from './traffic';

/** The sandbox's state after a run, as its test hooks serve it. */
export interface SandboxView {
	/** Request log entries of the run (with bodies). */
	log: LogEntry[];
	contacts: ContactView[];
	triggers: TriggerRecord[];
	/** Internal IDs of the contacts on the demo's contact list. */
	listMembers: number[];
}

export interface Audit {
	/** Requests to the Emarsys API (any answer, 429 included; no token requests). */
	calls: number;
	callsPerMessage: number;
	/** Calls by kind: upsert, list add, trigger, read, metadata (field list and choices), other. */
	byKind: Record<CallKind, number>;
	/** Calls answered 429 (rate limit). */
	tooMany: number;
	/** Calls answered with another error (status other than 200, or a non-zero replyCode). */
	otherErrors: number;
	/** Messages whose contact was not written by exactly one successful upsert, or is not exactly one contact with the message's data. */
	notWrittenOnce: string[];
	/** Messages whose contact is not on the demo's contact list. */
	notOnList: string[];
	/** Messages whose event was not fired exactly once (one trigger record, not a repeat, with the message's trigger ID). */
	notFiredOnce: string[];
	/** Messages whose e-mail is not in exactly one successful call of each step (upsert, list add, trigger, read). */
	stepsNotOnce: string[];
}

export type CallKind = 'upsert' | 'listAdd' | 'trigger' | 'read' | 'metadata' | 'other';

/** The calls each message needs, in the workflow's order (upsert first). */
const STEPS: CallKind[] = ['upsert', 'listAdd', 'trigger', 'read'];

export function kindOf(entry: LogEntry): CallKind {
	const path = entry.path.replace(/^\/api\/v[23]\//, '').replace(/\/+$/, '');
	if (entry.method === 'PUT' && path === 'contact') return 'upsert';
	if (entry.method === 'POST' && /^contactlist\/\d+\/add$/.test(path)) return 'listAdd';
	if (entry.method === 'POST' && /^event\/\d+\/trigger$/.test(path)) return 'trigger';
	if (entry.method === 'POST' && path === 'contact/getdata') return 'read';
	if (entry.method === 'GET' && /^field(\/|$)/.test(path)) return 'metadata';
	return 'other';
}

const succeeded = (entry: LogEntry) => entry.status === 200 && (entry.replyCode === undefined || entry.replyCode === 0);


export function auditRun(messages: Message[], view: SandboxView): Audit {
	const api = view.log.filter((entry) => entry.path.startsWith('/api/'));
	const byKind: Record<CallKind, number> = { upsert: 0, listAdd: 0, trigger: 0, read: 0, metadata: 0, other: 0 };
	for (const entry of api) byKind[kindOf(entry)]++;
	const members = new Set(view.listMembers);
	const audit: Audit = {
		calls: api.length,
		callsPerMessage: messages.length ? api.length / messages.length : 0,
		byKind,
		tooMany: api.filter((entry) => entry.status === 429).length,
		otherErrors: api.filter((entry) => entry.status !== 429 && !succeeded(entry)).length,
		notWrittenOnce: [],
		notOnList: [],
		notFiredOnce: [],
		stepsNotOnce: [],
	};
	// Each successful call of a step as its body's JSON: a message's call names its e-mail as a JSON string (single or batch form).
	const stepBodies = STEPS.map((step) => api.filter((entry) => kindOf(entry) === step && succeeded(entry)).map((entry) => JSON.stringify(entry.body ?? null)));
	for (const { body } of messages) {
		const mine = view.contacts.filter((contact) => contact.fields['3'] === body.email);
		const perStep = stepBodies.map((bodies) => bodies.filter((text) => text.includes(JSON.stringify(body.email))).length);
		if (perStep.some((count) => count !== 1)) audit.stepsNotOnce.push(`${body.email} (${STEPS.map((step, i) => `${step} ${perStep[i]}`).join(', ')})`);
		const writes = perStep[0];
		const right = mine.length === 1 && mine[0].fields['1'] === body.firstName && mine[0].fields['26'] === body.emailFormat;
		if (writes !== 1 || !right) audit.notWrittenOnce.push(`${body.email} (${writes} upserts, ${mine.length} contacts)`);
		if (!mine.some((contact) => members.has(contact.id))) audit.notOnList.push(body.email);
		const fired = view.triggers.filter((trigger) => trigger.externalId === body.email);
		if (fired.length !== 1 || fired[0].duplicate || fired[0].triggerId !== body.messageId) {
			audit.notFiredOnce.push(`${body.email} (${fired.length} triggers${fired.some((t) => t.duplicate) ? ', repeats' : ''})`);
		}
	}
	return audit;
}
