/**
 * Emarsys sandbox: a local HTTP server that behaves like the Emarsys Core API on everything the
 * n8n node uses. Node.js built-ins only. Never imported by nodes/ or credentials/.
 *
 *   const sandbox = await startSandbox({ port: 0, quiet: true });
 *   // sandbox.url -> http://127.0.0.1:PORT ; v2 at `${url}/api/v2`, v3 at `${url}/api/v3`
 *   await sandbox.stop();
 *
 * Request pipeline for `/api/v2/...` and `/api/v3/...`:
 *   read body (per-endpoint limit, see PAYLOAD_LIMITS) → fault: hang → fault: latency → forced 429 window → per-user rate
 *   limit → fault: error rate → authentication (WSSE for v2, Bearer for v3) → JSON parse →
 *   permission (403) → route → fault: lost answer / malformed JSON / slow answer → request log.
 * Every API answer carries X-RateLimit-Limit, X-Ratelimit-Remaining and X-RateLimit-Reset.
 *
 * Verified: 10 MB general request payload limit (Core API guide "Miscellaneous"); invalid JSON
 * → HTTP 400, replyCode 1010 "Invalid request payload."; 429 replyCode 7003 "Too many requests
 * for this account and resource within the last minute."; 401 replyCode 1 "Credentials are
 * invalid"; 500 replyCode 1003 "Internal error."; 503 "The system is overloaded for this
 * resource."; a trailing slash (`contact/`) is accepted (docs use `/api/v2/contact/?…`).
 * Chosen: an oversized payload answers HTTP 413 (the docs give the limit but not the answer);
 * an unknown path answers 404 `{replyCode: 1, replyText: "Not Found"}`; a known path with an
 * unsupported method answers 501 "This feature has not been implemented yet." (old API docs,
 * "General Error Codes").
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { Authenticator, type AuthResult } from './auth';
import { Faults } from './faults';
import { fail, type Reply, type RouteContext } from './http';
import { RequestLog, type LogEntry } from './log';
import { RateLimiter, type RateState } from './ratelimit';
import { changeMembers, contactIdsOf, createContactList, listContactLists } from './routes/contactLists';
import { getData, putContact } from './routes/contacts';
import { deleteContacts } from './routes/contactDelete';
import { queryContacts } from './routes/contactQuery';
import { createEvent, createField } from './routes/creation';
import { listSegmentContacts, listSegments, lookUpSegmentContact } from './routes/segments';
import { listEvents, triggerEvent } from './routes/events';
import { listChoices, listFields, listMultiChoices } from './routes/fields';
import { handleHook } from './routes/hooks';
import { tokenEndpoint } from './routes/oauth';
import { getSettings } from './routes/settings';
import { checkPermission } from './permissions';
import { DEFAULT_CREDENTIALS } from './seed';
import type { SandboxState } from './state';
import { ContactStore } from './store';

export interface SandboxOptions {
	/** 0 => free port (tests). CLI default 8089 (--port / EMARSYS_SANDBOX_PORT). */
	port?: number;
	/** Default '127.0.0.1'. */
	host?: string;
	wsseUser?: string;
	wsseSecret?: string;
	oidcClientId?: string;
	oidcClientSecret?: string;
	/** JWT secret of the Webhook node preset the sandbox plays (POST /__sandbox/webhook/fire). */
	webhookSecret?: string;
	/** Default 1000. */
	rateLimitPerMinute?: number;
	/** Default 3600. */
	tokenTtlSeconds?: number;
	/** Optional persistence of contacts (atomic writes). */
	dataFile?: string;
	quiet?: boolean;
}

export interface RunningSandbox {
	/** 'http://127.0.0.1:PORT' (no trailing slash). */
	url: string;
	port: number;
	credentials: { wsseUser: string; wsseSecret: string; oidcClientId: string; oidcClientSecret: string; webhookSecret: string };
	stop(): Promise<void>;
}

export { DEFAULT_CREDENTIALS } from './seed';
export { wsseDigest } from './auth';
export type { LogEntry } from './log';
export type { FaultSettings } from './faults';
export type { ContactView, TriggerRecord } from './store';

export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** Past this many bytes an oversized body is no longer drained: the socket is closed. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

const API_RE = /^\/api\/(v2|v3)(?:\/(.*))?$/;

interface ReadBody {
	text: string;
	tooLarge: boolean;
	bytes: number;
}

function readBody(req: IncomingMessage, limit = MAX_PAYLOAD_BYTES): Promise<ReadBody> {
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		let bytes = 0;
		let tooLarge = false;
		let settled = false;
		const finish = (): void => {
			if (settled) return;
			settled = true;
			resolve({ text: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge, bytes });
		};
		const declared = Number(req.headers['content-length']);
		if (Number.isFinite(declared) && declared > limit) tooLarge = true;
		req.on('data', (chunk: Buffer) => {
			bytes += chunk.length;
			if (bytes > limit) tooLarge = true;
			if (!tooLarge) chunks.push(chunk);
			else chunks.length = 0;
			if (bytes > MAX_DRAIN_BYTES) {
				req.pause();
				finish();
			}
		});
		req.on('end', finish);
		req.on('error', finish);
		req.on('close', finish);
	});
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
	if (text.trim() === '') return { ok: true, value: undefined };
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch {
		return { ok: false };
	}
}

function rateHeaders(r: RateState): Record<string, string> {
	return {
		'X-RateLimit-Limit': String(r.limit),
		'X-Ratelimit-Remaining': String(r.remaining),
		'X-RateLimit-Reset': String(r.reset),
	};
}

function schemeOf(headers: IncomingMessage['headers']): LogEntry['auth'] {
	if (headers['x-wsse'] || headers['wsse']) return 'wsse';
	const a = headers.authorization;
	if (typeof a === 'string' && /^Bearer\s/i.test(a)) return 'bearer';
	if (typeof a === 'string' && /^Basic\s/i.test(a)) return 'basic';
	return 'none';
}

function sleep(ms: number): Promise<void> {
	return new Promise((r) => setTimeout(r, ms));
}

function queryObject(q: URLSearchParams): Record<string, string | string[]> {
	const out: Record<string, string | string[]> = {};
	for (const [k, v] of q) {
		const prev = out[k];
		out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
	}
	return out;
}

/** Path segments below /api/vN/, URL-decoded, empty ones dropped (`contact/` -> ['contact']). */
function pathSegments(rest: string): string[] {
	return rest
		.split('/')
		.filter((p) => p !== '')
		.map((p) => {
			try {
				return decodeURIComponent(p);
			} catch {
				return p;
			}
		});
}

/**
 * Request payload limit per endpoint. Verified: 10 MB in general (Core API guide
 * "Miscellaneous"); `PUT contact` "The maximum payload size is 8 MB" (Core API reference and the
 * official Postman collection, "Update Contacts"; `POST contact` keeps 10 MB there); external
 * event requests 1 MB ("We are introducing a limit of 1 MB for the payload size limit of External
 * events effective October 24, 2023. Events exceeding this limit will not be accepted", Core API
 * reference "Trigger an External Event"). Chosen: MB = 1024 × 1024 bytes; the answer to an
 * oversized request is HTTP 413 (the docs only say "an error response").
 */
export const PAYLOAD_LIMITS = {
	general: { bytes: MAX_PAYLOAD_BYTES, label: '10 MB' },
	putContact: { bytes: 8 * 1024 * 1024, label: '8 MB' },
	eventTrigger: { bytes: 1024 * 1024, label: '1 MB' },
} as const;

function payloadLimit(method: string, segments: string[]): { bytes: number; label: string } {
	if (method === 'PUT' && segments.length === 1 && segments[0] === 'contact') return PAYLOAD_LIMITS.putContact;
	if (method === 'POST' && segments.length === 3 && segments[0] === 'event' && segments[2] === 'trigger') return PAYLOAD_LIMITS.eventTrigger;
	return PAYLOAD_LIMITS.general;
}

const STATUS_TEXT: Record<number, [number, string]> = {
	400: [1001, 'One or more parameters are invalid or missing.'],
	401: [1, 'Credentials are invalid'],
	403: [1, 'Forbidden'],
	404: [1, 'Not Found'],
	429: [7003, 'Too many requests for this account and resource within the last minute.'],
	500: [1003, 'Internal error.'],
	502: [1, 'Bad Gateway'],
	503: [1, 'The system is overloaded for this resource.'],
	504: [1, 'Gateway Timeout'],
};

function errorFor(status: number): Reply {
	const [code, text] = STATUS_TEXT[status] ?? [1, `HTTP ${status}`];
	return fail(status, code, text);
}

/** Dispatch an authenticated API request to its route. */
function route(ctx: RouteContext): Reply {
	const s = ctx.segments;
	const m = ctx.method;
	const is = (...parts: string[]): boolean => s.length === parts.length && parts.every((p, i) => p === '*' || p === s[i]);
	const only = (method: string, handler: () => Reply): Reply =>
		m === method ? handler() : fail(501, 1, 'This feature has not been implemented yet.');

	if (is('settings')) return only('GET', () => getSettings(ctx));
	if (is('field')) return m === 'POST' ? createField(ctx) : only('GET', () => listFields('en'));
	if (is('field', 'translate', '*')) return only('GET', () => listFields(s[2]));
	if (is('field', 'choices')) return only('GET', () => listMultiChoices(ctx));
	if (is('field', '*', 'choice')) return only('GET', () => listChoices(s[1], 'en'));
	if (is('field', '*', 'choice', 'translate', '*')) return only('GET', () => listChoices(s[1], s[4]));
	if (is('event')) return m === 'POST' ? createEvent(ctx) : only('GET', () => listEvents(ctx));
	if (is('event', '*', 'trigger')) return only('POST', () => triggerEvent(ctx, s[1]));
	if (is('contact', 'getdata')) return only('POST', () => getData(ctx));
	if (is('contact')) return only('PUT', () => putContact(ctx));
	if (is('contact', 'delete')) return only('POST', () => deleteContacts(ctx));
	if (is('contact', 'query')) return only('GET', () => queryContacts(ctx));
	if (is('filter')) return only('GET', () => listSegments());
	if (is('filter', '*', 'contacts')) return only('GET', () => listSegmentContacts(ctx, s[1]));
	if (is('filter', '*', 'contacts', '*')) return only('GET', () => lookUpSegmentContact(ctx, s[1], s[3]));
	if (is('contactlist')) return m === 'GET' ? listContactLists(ctx) : only('POST', () => createContactList(ctx));
	if (is('contactlist', '*', 'add')) return only('POST', () => changeMembers(ctx, s[1], true));
	if (is('contactlist', '*', 'delete')) return only('POST', () => changeMembers(ctx, s[1], false));
	if (is('contactlist', '*', 'contactIds')) return only('GET', () => contactIdsOf(ctx, s[1]));
	return fail(404, 1, 'Not Found');
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
	const credentials = {
		wsseUser: options.wsseUser ?? DEFAULT_CREDENTIALS.wsseUser,
		wsseSecret: options.wsseSecret ?? DEFAULT_CREDENTIALS.wsseSecret,
		oidcClientId: options.oidcClientId ?? DEFAULT_CREDENTIALS.oidcClientId,
		oidcClientSecret: options.oidcClientSecret ?? DEFAULT_CREDENTIALS.oidcClientSecret,
		webhookSecret: options.webhookSecret ?? DEFAULT_CREDENTIALS.webhookSecret,
	};
	const defaults = {
		rateLimitPerMinute: options.rateLimitPerMinute ?? 1000,
		tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
		rateLimitWindowSeconds: 60,
	};
	const faults = new Faults();
	const now = (): number => Date.now() + (faults.state.clockSkewSeconds ?? 0) * 1000;
	const state: SandboxState = {
		store: new ContactStore(options.dataFile),
		auth: new Authenticator({ ...credentials, tokenTtlSeconds: defaults.tokenTtlSeconds }, now),
		faults,
		limiter: new RateLimiter(defaults.rateLimitPerMinute, now),
		log: new RequestLog(),
		now,
		quiet: options.quiet ?? false,
		config: { ...defaults },
		defaults,
		webhookSecret: credentials.webhookSecret,
	};
	const warn = (msg: string): void => {
		if (!state.quiet) process.stderr.write(`[emarsys-sandbox] ${msg}\n`);
	};

	const hanging = new Set<ServerResponse>();

	function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
		if (res.headersSent || res.destroyed) return;
		const text = JSON.stringify(body);
		res.writeHead(status, {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Length': String(Buffer.byteLength(text)),
			...headers,
		});
		res.end(text);
	}

	/** Write an API answer (applying the malformed/slow faults) and log it before the first byte leaves. */
	async function sendApi(res: ServerResponse, reply: Reply, headers: Record<string, string>, entry: Omit<LogEntry, 'seq' | 'time'>): Promise<void> {
		entry.status = reply.status;
		entry.replyCode = reply.body.replyCode;
		let text = JSON.stringify(reply.body);
		if (state.faults.takeMalformed()) {
			text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
			entry.fault = 'malformedJson';
		}
		const buf = Buffer.from(text, 'utf8');
		const slowMs = state.faults.state.slowMs ?? 0;
		if (slowMs > 0) entry.fault ??= 'slow';
		state.log.add(entry);
		if (res.headersSent || res.destroyed) return;
		res.writeHead(reply.status, {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Length': String(buf.length),
			// The server clock (shifted by the clockSkewSeconds fault): clients can compare it with their own.
			Date: new Date(state.now()).toUTCString(),
			...headers,
			...reply.headers,
		});
		if (slowMs > 0 && buf.length > 0) {
			const pieces = Math.min(10, buf.length);
			const size = Math.ceil(buf.length / pieces);
			for (let i = 0; i < buf.length; i += size) {
				if (res.destroyed) return;
				await sleep(slowMs / pieces);
				if (i + size >= buf.length) res.end(buf.subarray(i));
				else res.write(buf.subarray(i, i + size));
			}
			return;
		}
		res.end(buf);
	}

	async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, api: 'v2' | 'v3', rest: string): Promise<void> {
		const method = (req.method ?? 'GET').toUpperCase();
		const segments = pathSegments(rest);
		const limit = payloadLimit(method, segments);
		const body = await readBody(req, limit.bytes);
		const entry: Omit<LogEntry, 'seq' | 'time'> = {
			method,
			path: url.pathname,
			query: queryObject(url.searchParams),
			body: null,
			auth: 'none',
			status: 0,
			api,
		};
		// Claimed identity (before verification) for rate limiting; logged only when it names a known user.
		const claimedRaw = state.auth.claimedUser(req.headers);
		const claimed = state.auth.isKnown(claimedRaw) ? claimedRaw : undefined;
		entry.auth = schemeOf(req.headers);
		let headers: Record<string, string> = {};
		const finish = (reply: Reply): Promise<void> => sendApi(res, reply, headers, entry);

		if (body.tooLarge) {
			entry.body = { tooLarge: true, bytes: body.bytes };
			headers = { Connection: 'close' };
			await finish(fail(413, 1, `Request Entity Too Large: the request payload exceeds ${limit.label}`));
			if (body.bytes > MAX_DRAIN_BYTES) req.socket.destroy();
			return;
		}
		// GET/DELETE bodies are not part of any Emarsys endpoint: they are logged but never parsed into an error.
		const hasBodySemantics = method === 'POST' || method === 'PUT' || method === 'PATCH';
		const parsedRaw = parseJson(body.text);
		const parsed: typeof parsedRaw = parsedRaw.ok || hasBodySemantics ? parsedRaw : { ok: true, value: undefined };
		entry.body = parsedRaw.ok ? (parsedRaw.value ?? null) : body.text.slice(0, 65536);

		// Fault: never answer. The socket stays open until the client gives up (or the sandbox stops).
		if (state.faults.takeHang()) {
			entry.fault = 'hang';
			entry.user = claimed;
			state.log.add(entry);
			hanging.add(res);
			res.on('close', () => hanging.delete(res));
			return;
		}
		const latency = state.faults.state.latencyMs ?? 0;
		if (latency > 0) {
			entry.fault = 'latency';
			await sleep(latency);
		}

		// Rate limit: forced window first, then the per-user budget.
		const until = state.faults.state.rateLimitUntil;
		if (until !== undefined && state.now() < until) {
			headers = {
				'X-RateLimit-Limit': String(state.limiter.limitPerMinute),
				'X-Ratelimit-Remaining': '0',
				// Whole seconds, rounded down, as the limiter's own header (see ratelimit.ts).
				'X-RateLimit-Reset': String(Math.floor(until / 1000)),
			};
			entry.fault = 'rateLimitWindow';
			entry.user = claimed;
			await finish(errorFor(429));
			return;
		}
		const rate = state.limiter.hit(claimedRaw ?? 'anonymous');
		headers = rateHeaders(rate);
		if (rate.limited) {
			entry.user = claimed;
			await finish(errorFor(429));
			return;
		}

		const er = state.faults.state.errorRate;
		if (er && er.rate > 0 && Math.random() < er.rate) {
			entry.fault = 'error';
			entry.user = claimed;
			await finish(errorFor(er.status));
			return;
		}

		const auth: AuthResult = api === 'v2' ? state.auth.verifyWsse(req.headers) : state.auth.verifyBearer(req.headers);
		entry.auth = auth.scheme;
		entry.user = auth.user;
		if (!auth.ok) {
			entry.authError = auth.failure;
			if (api === 'v3') {
				const desc = auth.failure === 'expired_token' ? 'The access token expired' : 'The access token is invalid';
				headers['WWW-Authenticate'] = `Bearer error="invalid_token", error_description="${desc}"`;
			}
			await finish(auth.failure === 'stale_created' ? fail(401, 1, 'Unauthorized Time frame is invalid') : errorFor(401));
			return;
		}
		const forbidden = checkPermission(state.auth.permissionsOf(api === 'v2' ? 'wsse' : 'oidc', auth.user ?? ''), segments, method);
		if (forbidden) {
			await finish(forbidden);
			return;
		}
		if (!parsed.ok || state.faults.refusesBody(body.text)) {
			if (parsed.ok) entry.fault = 'refuseBodyWith';
			await finish(fail(400, 1010, 'Invalid request payload.'));
			return;
		}
		const ctx: RouteContext = {
			method,
			segments,
			query: url.searchParams,
			body: parsed.value,
			store: state.store,
			api,
		};
		const evaluating = segments[0] === 'filter' && segments[2] === 'contacts' && segments.length === 3 && state.faults.takeSegmentEvaluating();
		const reply = evaluating ? fail(202, 10001, 'The segment is currently evaluated.') : route(ctx);
		// Fault: Emarsys processed the request, then the answer never reached the client.
		if (state.faults.takeLostAnswer(segments.join('/'))) {
			entry.fault = 'lostAnswer';
			entry.status = reply.status;
			entry.replyCode = reply.body.replyCode;
			state.log.add(entry);
			res.socket?.destroy();
			return;
		}
		await finish(reply);
	}

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		let url: URL;
		try {
			url = new URL(req.url ?? '/', 'http://sandbox.invalid');
		} catch {
			send(res, 400, { replyCode: 1001, replyText: 'One or more parameters are invalid or missing.', data: '' });
			return;
		}
		const method = (req.method ?? 'GET').toUpperCase();
		const path = url.pathname;

		if (path === '/__sandbox' || path.startsWith('/__sandbox/')) {
			const body = await readBody(req);
			if (body.tooLarge) {
				send(res, 413, { error: 'Body too large' }, { Connection: 'close' });
				return;
			}
			const parsed = parseJson(body.text);
			const reply = await handleHook(state, method, path, url.searchParams, parsed.ok ? parsed.value : undefined, !parsed.ok);
			send(res, reply.status, reply.body);
			return;
		}

		if (path === '/oauth2/token' || path === '/oauth2/token/') {
			const body = await readBody(req);
			if (body.tooLarge) {
				send(res, 413, { error: 'invalid_request', error_description: 'Body too large' }, { Connection: 'close' });
				return;
			}
			const reply = tokenEndpoint(state, method, req.headers, body.text);
			send(res, reply.status, reply.body, reply.headers);
			const basic = typeof req.headers.authorization === 'string' && /^Basic\s/i.test(req.headers.authorization);
			state.log.add({
				method,
				path,
				query: queryObject(url.searchParams),
				body: reply.loggedBody,
				auth: basic ? 'basic' : 'none',
				user: reply.user,
				status: reply.status,
			});
			return;
		}

		const m = API_RE.exec(path);
		if (m) {
			await handleApi(req, res, url, m[1] as 'v2' | 'v3', m[2] ?? '');
			return;
		}

		await readBody(req);
		send(res, 404, { replyCode: 1, replyText: 'Not Found', data: '' });
		state.log.add({ method, path, query: queryObject(url.searchParams), body: null, auth: 'none', status: 404, replyCode: 1 });
	}

	const server: Server = createServer((req, res) => {
		handle(req, res).catch((error: unknown) => {
			warn(`internal error: ${(error as Error)?.stack ?? String(error)}`);
			try {
				send(res, 500, { replyCode: 1003, replyText: 'Internal error.', data: '' });
			} catch {
				res.destroy();
			}
		});
	});
	server.on('clientError', (_err, socket: Socket) => {
		if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
		else socket.destroy();
	});
	server.keepAliveTimeout = 5000;
	server.requestTimeout = 0;

	const host = options.host ?? '127.0.0.1';
	await new Promise<void>((resolve, reject) => {
		const onError = (e: Error): void => reject(e);
		server.once('error', onError);
		server.listen(options.port ?? 0, host, () => {
			server.off('error', onError);
			resolve();
		});
	});
	server.on('error', (e) => warn(`server error: ${e.message}`));
	const port = (server.address() as AddressInfo).port;
	const urlHost = host.includes(':') ? `[${host}]` : host;

	let stopping: Promise<void> | undefined;
	return {
		url: `http://${urlHost}:${port}`,
		port,
		credentials,
		stop(): Promise<void> {
			stopping ??= (async () => {
				const closed = new Promise<void>((resolve) => server.close(() => resolve()));
				for (const res of hanging) res.destroy();
				server.closeAllConnections();
				await closed;
				await state.store.flush();
			})();
			return stopping;
		},
	};
}
