/**
 * The Emarsys side of a Webhook node: `POST /__sandbox/webhook/fire` makes the sandbox call a URL
 * the way an Automation Center / Interactions program does when contacts reach a Webhook node.
 *
 * Verified (help.emarsys.com "Nodes: Webhook node",
 * https://help.emarsys.com/hc/en-us/articles/4408457148177-Nodes-Webhook-node):
 *  - one POST per contact, JSON body; contact and additional data on one level; optional event
 *    data attributes under the `event_data` object; the example carries `event_time` and
 *    `scenario` on the top level.
 *  - the authentication comes from the Webhook node preset; a third-party setup guide shows the
 *    preset's "Authentication Method: JWT authentication" with a "JWT Secret"
 *    (https://help.hello-charles.com/en/articles/365574-how-to-set-up-an-emarsys-automation).
 * Chosen (the pages we could read do not say; see docs/emarsys-trigger.md):
 *  - the token travels as `Authorization: Bearer <JWT>`, HS256 over the preset's secret, with
 *    `iat` = now and `exp` = now + 60 s; the token does not cover the body.
 *  - the contact data keys are the fields' string ids (`email`, `first_name`, …) plus
 *    `contact_id`; `event_time` is the time of the call.
 * This module signs with its own code (node:crypto), never with the node's.
 */
import { createHmac } from 'node:crypto';

import { SEED_FIELDS } from './seed';
import type { SandboxState } from './state';
import type { ContactView } from './store';

export type TokenKind = 'valid' | 'wrongSecret' | 'missing' | 'expired' | 'algNone';
const TOKEN_KINDS: readonly TokenKind[] = ['valid', 'wrongSecret', 'missing', 'expired', 'algNone'];
const TOKEN_LIFETIME_SECONDS = 60;
const MAX_CALLS = 1000;
/** Contact fields a call carries unless the request names others: first name, last name, e-mail. */
const DEFAULT_FIELD_IDS = [1, 2, 3];
/** Emarsys documents no timeout for Webhook node calls; this one is the sandbox's. */
const DEFAULT_TIMEOUT_SECONDS = 30;

export interface FireRequest {
	url: string;
	count: number;
	token: TokenKind;
	fieldIds: number[];
	/** One object for every call, or one per call. */
	eventData?: Record<string, unknown> | Array<Record<string, unknown>>;
	scenario?: string;
	/** How long each call may take before the sandbox gives up on it. */
	timeoutSeconds: number;
	/** How often a call answered 5xx (or not at all) is sent again (after 1, 2, 4 … s). */
	retries: number;
}

export interface FiredCall {
	contactId: number;
	status: number;
	/** The answer's first 500 characters, or the network error. */
	answer: string;
	ms: number;
	/** Sends of this call (1 + the retries it needed). */
	attempts: number;
}

const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/** A compact JWT as the preset would send it (or a broken one, for the tests). */
export function webhookToken(kind: TokenKind, secret: string, nowMs: number): string | undefined {
	if (kind === 'missing') return undefined;
	const now = Math.floor(nowMs / 1000);
	const claims = kind === 'expired' ? { iat: now - 600, exp: now - 300 } : { iat: now, exp: now + TOKEN_LIFETIME_SECONDS };
	const header = b64url(JSON.stringify({ alg: kind === 'algNone' ? 'none' : 'HS256', typ: 'JWT' }));
	const payload = b64url(JSON.stringify(claims));
	if (kind === 'algNone') return `${header}.${payload}.`;
	const key = kind === 'wrongSecret' ? `${secret}-not-the-preset-secret` : secret;
	const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
	return `${header}.${payload}.${signature}`;
}

/** The body of one call: the chosen contact fields by string id, `event_data`, the documented top-level extras. */
export function webhookBody(contact: ContactView, request: FireRequest, index: number, nowMs: number): Record<string, unknown> {
	const body: Record<string, unknown> = { event_time: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'), contact_id: contact.id };
	for (const id of request.fieldIds) {
		const field = SEED_FIELDS.find((f) => f.id === id);
		if (field) body[field.string_id] = contact.fields[String(id)] ?? null;
	}
	const eventData = Array.isArray(request.eventData) ? request.eventData[index] : request.eventData;
	if (eventData) body.event_data = eventData;
	if (request.scenario) body.scenario = request.scenario;
	return body;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request, or an error naming the parameter that is wrong. */
export function parseFireRequest(body: unknown): FireRequest | string {
	if (!isObject(body)) return 'Body must be a JSON object';
	if (typeof body.url !== 'string' || !/^https?:\/\//.test(body.url)) return 'url must be an http(s) URL';
	const count = body.count ?? 1;
	if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_CALLS) return `count must be an integer from 1 to ${MAX_CALLS}`;
	const token = body.token ?? 'valid';
	if (!TOKEN_KINDS.includes(token as TokenKind)) return `token must be one of ${TOKEN_KINDS.join(', ')}`;
	const fieldIds = body.fieldIds ?? DEFAULT_FIELD_IDS;
	if (!Array.isArray(fieldIds) || !fieldIds.every((id) => SEED_FIELDS.some((f) => f.id === id))) return 'fieldIds must be a list of field ids the sandbox has';
	const { eventData, scenario } = body;
	if (eventData !== undefined && !isObject(eventData) && !(Array.isArray(eventData) && eventData.length === count && eventData.every(isObject))) {
		return 'eventData must be an object, or a list of `count` objects';
	}
	if (scenario !== undefined && typeof scenario !== 'string') return 'scenario must be a string';
	const timeoutSeconds = body.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
	if (typeof timeoutSeconds !== 'number' || !Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 600) return 'timeoutSeconds must be an integer from 1 to 600';
	const retries = body.retries ?? 0;
	if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0 || retries > 5) return 'retries must be an integer from 0 to 5';
	return { url: body.url, count, token: token as TokenKind, fieldIds: fieldIds as number[], eventData: eventData as FireRequest['eventData'], scenario, timeoutSeconds, retries };
}

async function sendOne(url: string, body: Record<string, unknown>, token: string | undefined, timeoutSeconds: number): Promise<Omit<FiredCall, 'contactId' | 'attempts'>> {
	const started = Date.now();
	const headers: Record<string, string> = { 'Content-Type': 'application/json' };
	if (token) headers.Authorization = `Bearer ${token}`;
	try {
		const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutSeconds * 1000) });
		return { status: response.status, answer: (await response.text()).slice(0, 500), ms: Date.now() - started };
	} catch (error) {
		return { status: 0, answer: `network error: ${(error as Error).message}`, ms: Date.now() - started };
	}
}

/** One contact's call: the same body each time, a fresh token, again after a 5xx or no answer (waiting 1, 2, 4 … s) while retries remain. */
async function sendWithRetries(state: SandboxState, request: FireRequest, contact: ContactView, index: number): Promise<FiredCall> {
	const body = webhookBody(contact, request, index, state.now());
	for (let attempt = 1; ; attempt++) {
		const token = webhookToken(request.token, state.webhookSecret, state.now());
		const result = await sendOne(request.url, body, token, request.timeoutSeconds);
		const failed = result.status === 0 || result.status >= 500;
		if (!failed || attempt > request.retries) return { contactId: contact.id, ...result, attempts: attempt };
		await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (attempt - 1)));
	}
}

/** Sends `count` calls at once, one contact each (the store's contacts in turn). */
export async function fireWebhook(state: SandboxState, request: FireRequest): Promise<FiredCall[]> {
	const contacts = state.store.all();
	if (contacts.length === 0) return [];
	return await Promise.all(Array.from({ length: request.count }, (_, index) => sendWithRetries(state, request, contacts[index % contacts.length], index)));
}
