/**
 * Test hooks under `/__sandbox/` — a path Emarsys never has. No authentication; answers are plain
 * JSON (not the Emarsys envelope). Hook calls are not written to the request log.
 *
 *   GET    /__sandbox/log[?since=SEQ][&bodies=0]  -> { requests: LogEntry[] }
 *   DELETE /__sandbox/log
 *   POST   /__sandbox/reset                       seed data back; clears log, faults, rate-limit
 *                                                 counters, nonces, tokens, triggers, config
 *   GET    /__sandbox/contacts                    -> { contacts: ContactView[] }
 *   GET    /__sandbox/triggers[?since=SEQ]        -> { triggers: TriggerRecord[] }
 *   GET    /__sandbox/contactlists                -> { contactLists: [{id, name, description,
 *                                                   contactIds}] } (members, ascending)
 *   GET|PUT|DELETE /__sandbox/faults              fault knobs (see faults.ts)
 *   POST   /__sandbox/tokens/expire               every issued OIDC token expires now
 *   GET    /__sandbox/tokens                      -> { tokens: [access token, …] } every OIDC access
 *                                                 token issued since the reset — secrets, served
 *                                                 only so that tests can search their output for them
 *   GET|PUT /__sandbox/config                     { rateLimitPerMinute, tokenTtlSeconds,
 *                                                   rateLimitWindowSeconds (1..60, default 60) }
 *   GET    /__sandbox/health                      -> { ok: true, contacts, lastSeq }
 *   POST   /__sandbox/users                       { scheme: "wsse"|"oidc", name, secret, permissions }
 *                                                 adds an API user (WSSE user or OIDC client) that
 *                                                 holds only the given permissions (see
 *                                                 permissions.ts); the answer never echoes the secret;
 *                                                 a reset removes added users
 *   PUT    /__sandbox/choices                     { fieldId, choiceId, choice } renames a choice (its
 *                                                 English label), as an admin does in the Emarsys
 *                                                 UI; a reset undoes it
 *   POST   /__sandbox/webhook/fire                { url, count?, token?, fieldIds?, eventData?, scenario?,
 *                                                   timeoutSeconds?, retries? }
 *                                                 plays an Emarsys program whose contacts reach a
 *                                                 Webhook node: `count` (1) calls at once, one contact
 *                                                 each, signed with the preset's JWT secret, or with
 *                                                 a broken token (token: wrongSecret | missing |
 *                                                 expired | algNone); see ../webhook.ts
 *                                                 -> { calls: [{ contactId, status, answer, ms, attempts }] }
 */
import { expandPermissions } from '../permissions';
import { renameChoice } from '../schema';
import type { SandboxState } from '../state';
import { fireWebhook, parseFireRequest } from '../webhook';

export interface HookReply {
	status: number;
	body: unknown;
}

function intParam(v: string | null): number {
	const n = v === null ? 0 : Number(v);
	return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

export async function handleHook(
	state: SandboxState,
	method: string,
	path: string,
	query: URLSearchParams,
	body: unknown,
	bodyError: boolean,
): Promise<HookReply> {
	const route = path.replace(/^\/__sandbox\/?/, '').replace(/\/+$/, '');
	const notAllowed = { status: 405, body: { error: `Method ${method} not allowed on /__sandbox/${route}` } };
	if (bodyError) return { status: 400, body: { error: 'Body is not valid JSON' } };
	if (route === 'webhook/fire') return method === 'POST' ? await fireHook(state, body) : notAllowed;
	switch (route) {
		case 'log':
			if (method === 'GET') {
				const bodies = query.get('bodies') !== '0' && query.get('bodies') !== 'false';
				return { status: 200, body: { requests: state.log.list(intParam(query.get('since')), bodies) } };
			}
			if (method === 'DELETE') {
				state.log.clear();
				return { status: 200, body: { ok: true } };
			}
			return notAllowed;
		case 'reset':
			if (method !== 'POST') return notAllowed;
			state.store.reset();
			state.log.clear();
			state.faults.clear();
			state.limiter.reset();
			state.auth.reset();
			state.config.rateLimitPerMinute = state.defaults.rateLimitPerMinute;
			state.config.tokenTtlSeconds = state.defaults.tokenTtlSeconds;
			state.config.rateLimitWindowSeconds = state.defaults.rateLimitWindowSeconds;
			state.limiter.limitPerMinute = state.config.rateLimitPerMinute;
			state.limiter.windowMs = state.config.rateLimitWindowSeconds * 1000;
			state.auth.setTokenTtl(state.config.tokenTtlSeconds);
			return { status: 200, body: { ok: true } };
		case 'contacts':
			if (method !== 'GET') return notAllowed;
			return { status: 200, body: { contacts: state.store.all() } };
		case 'contactlists':
			if (method !== 'GET') return notAllowed;
			return { status: 200, body: { contactLists: contactListsView(state) } };
		case 'triggers':
			if (method !== 'GET') return notAllowed;
			return { status: 200, body: { triggers: state.store.allTriggers(intParam(query.get('since'))) } };
		case 'faults':
			if (method === 'GET') return { status: 200, body: state.faults.state };
			if (method === 'DELETE') {
				state.faults.clear();
				return { status: 200, body: { ok: true } };
			}
			if (method === 'PUT') {
				const err = state.faults.apply(body, Date.now());
				if (err) return { status: 400, body: { error: err } };
				return { status: 200, body: state.faults.state };
			}
			return notAllowed;
		case 'tokens':
			if (method !== 'GET') return notAllowed;
			return { status: 200, body: { tokens: state.auth.issuedTokens() } };
		case 'tokens/expire':
			if (method !== 'POST') return notAllowed;
			return { status: 200, body: { ok: true, expired: state.auth.expireAllTokens() } };
		case 'config':
			if (method === 'GET') return { status: 200, body: state.config };
			if (method === 'PUT') {
				if (typeof body !== 'object' || body === null || Array.isArray(body)) {
					return { status: 400, body: { error: 'Body must be a JSON object' } };
				}
				const o = body as Record<string, unknown>;
				for (const k of ['rateLimitPerMinute', 'tokenTtlSeconds', 'rateLimitWindowSeconds'] as const) {
					if (k in o && (typeof o[k] !== 'number' || !Number.isInteger(o[k]) || (o[k] as number) < 1)) {
						return { status: 400, body: { error: `${k} must be a positive integer` } };
					}
				}
				if (typeof o.rateLimitWindowSeconds === 'number') {
					if (o.rateLimitWindowSeconds > 60) return { status: 400, body: { error: 'rateLimitWindowSeconds must be at most 60' } };
					state.config.rateLimitWindowSeconds = o.rateLimitWindowSeconds;
					state.limiter.windowMs = o.rateLimitWindowSeconds * 1000;
					state.limiter.reset();
				}
				if (typeof o.rateLimitPerMinute === 'number') {
					state.config.rateLimitPerMinute = o.rateLimitPerMinute;
					state.limiter.limitPerMinute = o.rateLimitPerMinute;
				}
				if (typeof o.tokenTtlSeconds === 'number') {
					state.config.tokenTtlSeconds = o.tokenTtlSeconds;
					state.auth.setTokenTtl(o.tokenTtlSeconds);
				}
				return { status: 200, body: state.config };
			}
			return notAllowed;
		case 'choices': {
			if (method !== 'PUT') return notAllowed;
			const o = (body ?? {}) as { fieldId?: unknown; choiceId?: unknown; choice?: unknown };
			if (typeof o.choice !== 'string' || !renameChoice(Number(o.fieldId), String(o.choiceId), o.choice)) {
				return { status: 400, body: { error: 'Needs fieldId and choiceId of an existing choice, and choice (the new label)' } };
			}
			return { status: 200, body: { ok: true } };
		}
		case 'users':
			if (method !== 'POST') return notAllowed;
			return addUser(state, body);
		case 'health':
			return { status: 200, body: { ok: true, contacts: state.store.size, lastSeq: state.log.lastSeq } };
		default:
			return { status: 404, body: { error: `Unknown sandbox hook: /__sandbox/${route}` } };
	}
}

async function fireHook(state: SandboxState, body: unknown): Promise<HookReply> {
	const request = parseFireRequest(body);
	if (typeof request === 'string') return { status: 400, body: { error: request } };
	return { status: 200, body: { calls: await fireWebhook(state, request) } };
}

function addUser(state: SandboxState, body: unknown): HookReply {
	const o = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
	if (o.scheme !== 'wsse' && o.scheme !== 'oidc') return { status: 400, body: { error: 'scheme must be "wsse" or "oidc"' } };
	if (typeof o.name !== 'string' || !/^[\w.@-]{1,100}$/.test(o.name)) return { status: 400, body: { error: 'name must be 1-100 of A-Z a-z 0-9 _ . @ -' } };
	if (typeof o.secret !== 'string' || o.secret.length < 8) return { status: 400, body: { error: 'secret must be a string of at least 8 characters' } };
	if (state.auth.isKnown(o.name)) return { status: 409, body: { error: `API user "${o.name}" already exists` } };
	const permissions = expandPermissions(o.permissions);
	if (typeof permissions === 'string') return { status: 400, body: { error: permissions } };
	state.auth.addUser({ scheme: o.scheme, name: o.name, secret: o.secret, permissions });
	return { status: 201, body: { scheme: o.scheme, name: o.name, permissions: [...permissions].sort() } };
}

function contactListsView(state: SandboxState): Array<{ id: number; name: string; description: string; contactIds: number[] }> {
	return state.store.lists.all().map((list) => ({
		id: list.id,
		name: list.name,
		description: list.description,
		contactIds: [...list.members].filter((id) => state.store.get(id) !== undefined).sort((a, b) => a - b),
	}));
}
