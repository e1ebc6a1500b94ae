import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INode,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, sleep } from 'n8n-workflow';

/**
 * The one place that talks to Emarsys.
 *
 * - Every call goes through `httpRequestWithAuthentication` with the credential the node's
 *   `authentication` parameter selects (WSSE signing or OAuth2 client credentials).
 * - Emarsys answers `{ replyCode, replyText, data }`; a non-zero replyCode is an error even on HTTP 200.
 * - 429: waits until `X-RateLimit-Reset` (or backs off with jitter) and retries the same call.
 * - 5xx, network errors, timeouts and unparseable answers: bounded retries with backoff, only for
 *   calls marked `retryable` (idempotent, or deduplicated by Emarsys through a trigger_id).
 * - Other 4xx: no retry, a NodeApiError with a hint.
 * - When `X-RateLimit-Remaining` nears zero, the next calls are paced until the window resets.
 */

export type EmarsysContext = IExecuteFunctions | ILoadOptionsFunctions;

export type EmarsysCredentialType = 'emarsysApi' | 'emarsysOAuth2Api';

export interface EmarsysReply<T = unknown> {
	replyCode: number;
	replyText: string;
	data: T;
}

export interface EmarsysRequest {
	method: IHttpRequestMethods;
	/** Path below the credential's base URL, e.g. `contact/getdata`. */
	endpoint: string;
	body?: IDataObject;
	qs?: IDataObject;
	/** Safe to send again after a 5xx / network error / timeout (idempotent or deduplicated). */
	retryable: boolean;
	/** Item the call is made for (error messages point at it); omit for calls shared by many items. */
	itemIndex?: number;
}

export interface ClientSettings {
	/** Retries after the first attempt (429, and for retryable calls 5xx / network errors). */
	maxRetries: number;
	/** Per-request timeout in milliseconds. */
	timeout: number;
}

export const DEFAULT_SETTINGS: ClientSettings = { maxRetries: 5, timeout: 30000 };

/**
 * Wait-time bounds. Tests shrink these (the transport is loaded in-process with the node).
 * Every wait the transport makes is clamped to `maxDelayMs`.
 */
export const retryTiming = {
	/** First backoff step for 5xx / network errors and for 429 without X-RateLimit-Reset. */
	baseDelayMs: 1000,
	/** Upper bound of any single wait (backoff, rate-limit reset, pacing). */
	maxDelayMs: 60000,
	/** Pace calls once X-RateLimit-Remaining is at or below this. */
	paceBelowRemaining: 2,
	/** The sleep function (tests may substitute one that records the waits). */
	sleep: async (ms: number): Promise<void> => await sleep(ms),
};

/** Emarsys limits: 1000 contacts / keys / events per call, 10 MB per payload. */
export const MAX_BATCH_SIZE = 1000;
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

interface HttpFailure {
	/** Every message along the error's cause chain (for classification, never shown as is). */
	trail?: string;
	status?: number;
	headers: Record<string, string>;
	body?: unknown;
	code?: string;
	message: string;
}

function isExecuteContext(ctx: EmarsysContext): ctx is IExecuteFunctions {
	return typeof (ctx as IExecuteFunctions).getInputData === 'function';
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
	const result: Record<string, string> = {};
	if (headers && typeof headers === 'object') {
		for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
			if (value !== undefined && value !== null) result[key.toLowerCase()] = String(value);
		}
	}
	return result;
}

/** Finds the HTTP response (status, headers, body) inside whatever n8n-core threw. */
function describeFailure(error: unknown): HttpFailure {
	let current: unknown = error;
	let code: string | undefined;
	let message = error instanceof Error ? error.message : String(error);
	const trail: string[] = [];
	for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
		const candidate = current as {
			response?: { status?: number; headers?: unknown; data?: unknown; body?: unknown };
			code?: unknown;
			cause?: unknown;
			message?: unknown;
		};
		if (typeof candidate.code === 'string' && !code) code = candidate.code;
		if (typeof candidate.message === 'string') trail.push(candidate.message);
		if (candidate.response && typeof candidate.response.status === 'number') {
			return {
				status: candidate.response.status,
				headers: lowerCaseHeaders(candidate.response.headers),
				body: candidate.response.data ?? candidate.response.body,
				code,
				message,
				trail: trail.join(' | '),
			};
		}
		if (depth > 0 && typeof candidate.message === 'string' && candidate.message) {
			message = candidate.message;
		}
		current = candidate.cause;
	}
	return { headers: {}, code, message, trail: trail.join(' | ') };
}

/** Error codes of failures worth retrying: the network or Emarsys may be fine a moment later. */
const NETWORK_ERROR_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ERR_NETWORK',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** A failure without HTTP answer that is a network problem or timeout (not e.g. an invalid URL). */
function isNetworkFailure(failure: HttpFailure): boolean {
	if (failure.code && NETWORK_ERROR_CODES.has(failure.code)) return true;
	return /timeout|timed out|socket hang up|ECONNRESET|ECONNREFUSED|network error/i.test(
		`${failure.trail ?? ''} ${failure.message}`,
	);
}

function parseReply(body: unknown): Partial<EmarsysReply> | undefined {
	let value = body;
	if (typeof value === 'string') {
		try {
			value = JSON.parse(value);
		} catch {
			return undefined;
		}
	}
	if (value && typeof value === 'object' && !Array.isArray(value)) {
		return value as Partial<EmarsysReply>;
	}
	return undefined;
}

/** The API permission an endpoint needs, as named in the Emarsys permission window. */
export function permissionFor(endpoint = ''): string {
	if (endpoint.startsWith('contact/getdata')) return 'contacts: get contact data';
	if (endpoint.startsWith('contact')) return 'contacts: update and create contacts';
	if (/^event\/[^/]+\/trigger/.test(endpoint)) return 'external events: trigger an external event';
	if (endpoint.startsWith('event')) return 'external events: list external events';
	if (/^field\/(.+\/)?choice/.test(endpoint)) return 'fields: list field choices';
	if (endpoint.startsWith('field')) return 'fields: list available fields';
	if (endpoint.startsWith('settings')) return 'settings';
	return 'the endpoint called';
}

/** What the user should do about an Emarsys error, by HTTP status and replyCode. */
export function hintFor(
	status: number | undefined,
	replyCode: number | undefined,
	replyText = '',
	endpoint = '',
): string {
	if (replyCode === 2008) {
		return endpoint.startsWith('contact/getdata') || !endpoint.startsWith('contact')
			? 'No contact has this value in the chosen key field. Check the Contact ID and the Key Field; the contact must exist in Emarsys.'
			: 'No contact has this value in the chosen key field. Check the Contact ID and the Key Field, or switch on "Create If Missing" to create it.';
	}
	switch (replyCode) {
		case 2004:
			return 'Emarsys does not accept this key field here. Pick the Key Field from the list; the Emarsys contact ID (id) or UID can only update existing contacts, not create them.';
		case 2005:
			return 'The contact has no value for the key field. Fill in Contact ID, or map a value to the key field.';
		case 2006:
			return 'A field ID does not exist in this Emarsys account. Pick the fields from the list (reload it if fields were changed in Emarsys).';
		case 2007:
			return 'Emarsys does not accept this value for the field: check the field type and format (dates as YYYY-MM-DD, choice fields as choice IDs, multi-choice fields as a list of choice IDs; read-only fields cannot be written).';
		case 2009:
		case 2010:
			return 'Several contacts share this key value. Use a unique key field such as the Emarsys contact ID, or clean up the duplicates in Emarsys.';
		case 1002:
			return 'Emarsys does not know this language code. Use a two-letter code Emarsys supports, such as en, de or fr.';
		case 5001:
			return 'The external event does not exist: pick it from the External Event list or check its ID in Emarsys (Automation > External Events).';
		case 5010:
			return 'Emarsys did not accept the event time. Give it as an ISO-8601 date-time, e.g. 2026-01-31T09:05:00Z.';
		case 5011:
			return 'The event data must be a JSON object, e.g. {"order_id": "A-1"}.';
		default:
			break;
	}
	switch (status) {
		case 401:
			return 'Emarsys did not accept the credentials. Check the API username/secret (or client ID/secret and token URL). For WSSE, also check that the server clock is correct: Emarsys refuses signatures more than 5 minutes off.';
		case 403:
			return `The API user is authenticated but lacks the permission "${permissionFor(endpoint)}"${replyText ? ` (Emarsys: ${replyText})` : ''}. In Emarsys, Management > Security Settings, open the API credential and switch this permission on.`;
		case 404:
			return 'Emarsys has no such resource: check the IDs used and the API Base URL of the credential.';
		case 413:
			return 'The payload is too large for Emarsys (10 MB per call). Send fewer or smaller items.';
		case 429:
			return 'The Emarsys rate limit was still exceeded after all retries. Raise "Max Retries", slow the workflow down, or spread the load over time.';
		default:
			break;
	}
	if (status !== undefined && status >= 500) {
		return 'Emarsys had a server problem. Try again later; idempotent calls were already retried.';
	}
	if (status === undefined) {
		return 'Emarsys could not be reached or did not answer in time. Check the API Base URL and the network, or raise the Timeout option.';
	}
	return 'Check the values sent in this call.';
}

/** WSSE signatures more than 5 minutes off are refused; from 4 minutes on, a 401 is reported as a clock problem. */
export const CLOCK_SKEW_REPORT_MS = 4 * 60_000;

/** Emarsys's clock minus this machine's, from an answer's `Date` header; undefined when unknown or small. */
export function clockSkewFrom(dateHeader: string | undefined, now = Date.now()): number | undefined {
	if (!dateHeader) return undefined;
	const serverTime = Date.parse(dateHeader);
	if (!Number.isFinite(serverTime)) return undefined;
	const skew = serverTime - now;
	return Math.abs(skew) >= CLOCK_SKEW_REPORT_MS ? skew : undefined;
}

function describeClockSkew(skewMs: number): string {
	const minutes = Math.round(Math.abs(skewMs) / 60_000);
	return `the clock of this machine is about ${minutes} minute${minutes === 1 ? '' : 's'} ${skewMs > 0 ? 'behind' : 'ahead of'} the Emarsys server clock`;
}

/** Builds a NodeApiError from plain facts only: never from the HTTP request (which carries the auth header). */
export function emarsysApiError(
	node: INode,
	details: {
		status?: number;
		replyCode?: number;
		replyText?: string;
		message?: string;
		itemIndex?: number;
		endpoint?: string;
		/** The OAuth2 token request failed (no API call was made). */
		tokenError?: boolean;
		/** Emarsys's clock (its `Date` header) minus this machine's, when a WSSE signature was refused far off. */
		clockSkewMs?: number;
	},
): NodeApiError {
	const { status, replyCode, replyText, itemIndex, endpoint } = details;
	const parts: string[] = [];
	if (replyText) parts.push(replyText);
	else if (details.message) parts.push(details.message);
	const codeText =
		replyCode !== undefined && replyCode !== 0
			? ` (replyCode ${replyCode}${status ? `, HTTP ${status}` : ''})`
			: status
				? ` (HTTP ${status})`
				: '';
	const skew = details.clockSkewMs !== undefined ? describeClockSkew(details.clockSkewMs) : undefined;
	const message = `Emarsys: ${parts.join(' ') || 'request failed'}${codeText}${skew ? ` — ${skew}` : ''}`;
	const response: JsonObject = {
		message,
		...(status !== undefined ? { httpCode: String(status) } : {}),
		...(replyCode !== undefined ? { replyCode } : {}),
		...(replyText ? { replyText } : {}),
		...(endpoint ? { endpoint } : {}),
	};
	const error = new NodeApiError(node, response, {
		message,
		description: details.tokenError
			? 'n8n could not get an access token for the OpenID Connect credential. Check the client ID, the client secret and the Access Token URL of the credential.'
			: skew
				? `Emarsys refuses WSSE signatures whose time is more than 5 minutes off its own clock, and ${skew}. Set the clock of the machine running n8n right (e.g. enable NTP time sync); the credentials themselves may be fine.`
				: hintFor(status, replyCode, replyText, endpoint),
		httpCode: status !== undefined ? String(status) : undefined,
		itemIndex,
	});
	if (replyCode !== undefined) error.context.replyCode = replyCode;
	return error;
}

function backoffMs(attempt: number): number {
	const exponential = retryTiming.baseDelayMs * 2 ** attempt;
	const jitter = Math.random() * retryTiming.baseDelayMs;
	return Math.min(exponential + jitter, retryTiming.maxDelayMs);
}

/** Milliseconds until the rate-limit window resets; accepts epoch seconds or seconds-from-now. */
export function msUntilReset(resetHeader: string | undefined, now = Date.now()): number | undefined {
	if (resetHeader === undefined || resetHeader.trim() === '') return undefined;
	const value = Number(resetHeader);
	if (!Number.isFinite(value) || value < 0) return undefined;
	const ms = value > 1e9 ? value * 1000 - now : value * 1000;
	return Math.max(0, ms);
}

function clamp(ms: number): number {
	return Math.max(0, Math.min(ms, retryTiming.maxDelayMs));
}

function failureAsCancelled(node: INode, itemIndex?: number): NodeApiError {
	return new NodeApiError(node, { message: 'The execution was cancelled' } as JsonObject, {
		message: 'Emarsys: the execution was cancelled before Emarsys answered',
		description: 'Nothing was retried after the cancellation.',
		itemIndex,
	});
}

export class EmarsysClient {
	/** Per-run cache for field lists, choices and other account metadata. */
	readonly cache = new Map<string, Promise<unknown>>();

	/** Number of HTTP requests sent (attempts included). */
	requestCount = 0;

	private pauseUntil = 0;

	private baseUrl?: string;

	constructor(
		private readonly ctx: EmarsysContext,
		readonly credentialType: EmarsysCredentialType,
		readonly settings: ClientSettings,
	) {}

	/** Builds a client from the node's `authentication` parameter and (for execute) its retry options. */
	static forContext(ctx: EmarsysContext, settings: Partial<ClientSettings> = {}): EmarsysClient {
		let authentication: unknown;
		if (isExecuteContext(ctx)) {
			authentication = ctx.getNodeParameter('authentication', 0, 'wsse');
		} else {
			authentication = ctx.getNodeParameter('authentication', 'wsse');
		}
		const credentialType: EmarsysCredentialType =
			authentication === 'oAuth2' ? 'emarsysOAuth2Api' : 'emarsysApi';
		const merged: ClientSettings = { ...DEFAULT_SETTINGS };
		if (typeof settings.maxRetries === 'number' && Number.isFinite(settings.maxRetries)) {
			merged.maxRetries = Math.max(0, Math.floor(settings.maxRetries));
		}
		if (typeof settings.timeout === 'number' && settings.timeout > 0) {
			merged.timeout = Math.floor(settings.timeout);
		}
		return new EmarsysClient(ctx, credentialType, merged);
	}

	/** Caches one promise per key for the lifetime of this client (one node run / one dropdown load). */
	async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
		let entry = this.cache.get(key) as Promise<T> | undefined;
		if (!entry) {
			entry = load();
			this.cache.set(key, entry);
			entry.catch(() => this.cache.delete(key));
		}
		return await entry;
	}

	private async getBaseUrl(): Promise<string> {
		if (this.baseUrl === undefined) {
			const credentials = await this.ctx.getCredentials(this.credentialType);
			const configured = String(credentials.baseUrl ?? '').trim();
			const fallback =
				this.credentialType === 'emarsysOAuth2Api'
					? 'https://api.emarsys.net/api/v3'
					: 'https://api.emarsys.net/api/v2';
			this.baseUrl = (configured || fallback).replace(/\/+$/, '');
		}
		return this.baseUrl;
	}

	private cancelled(): boolean {
		const ctx = this.ctx as { getExecutionCancelSignal?: () => AbortSignal | undefined };
		return typeof ctx.getExecutionCancelSignal === 'function' && ctx.getExecutionCancelSignal()?.aborted === true;
	}

	private notePacing(headers: Record<string, string>): void {
		const remaining = Number(headers['x-ratelimit-remaining']);
		if (!Number.isFinite(remaining) || headers['x-ratelimit-remaining'] === undefined) return;
		if (remaining > retryTiming.paceBelowRemaining) return;
		const untilReset = msUntilReset(headers['x-ratelimit-reset']);
		if (untilReset === undefined) return;
		// Spread the calls left in this window over the time left; none left: wait for the reset.
		const wait = remaining <= 0 ? untilReset : untilReset / (remaining + 1);
		this.pauseUntil = Math.max(this.pauseUntil, Date.now() + clamp(wait));
	}

	private async pace(): Promise<void> {
		const wait = this.pauseUntil - Date.now();
		if (wait > 0) await retryTiming.sleep(clamp(wait));
	}

	/** Sends one Emarsys call with retries; resolves with the reply when replyCode is 0. */
	async request<T = unknown>(request: EmarsysRequest): Promise<EmarsysReply<T>> {
		const node = this.ctx.getNode();
		const baseUrl = await this.getBaseUrl();
		const endpoint = request.endpoint.replace(/^\/+/, '');
		const options: IHttpRequestOptions = {
			method: request.method,
			url: `${baseUrl}/${endpoint}`,
			json: true,
			timeout: this.settings.timeout,
			returnFullResponse: true,
			headers: { Accept: 'application/json' },
		};
		if (request.body !== undefined) options.body = request.body;
		if (request.qs !== undefined) options.qs = request.qs;

		for (let attempt = 0; ; attempt++) {
			await this.pace();
			this.requestCount++;
			let failure: HttpFailure = { headers: {}, message: '' };
			let response: { body: unknown; headers: unknown; statusCode: number } | undefined;
			try {
				response = (await this.ctx.helpers.httpRequestWithAuthentication.call(
					this.ctx,
					this.credentialType,
					{ ...options, headers: { ...options.headers } },
				)) as { body: unknown; headers: unknown; statusCode: number };
			} catch (error) {
				response = undefined;
				failure = describeFailure(error);
			}
			if (response) {
				const headers = lowerCaseHeaders(response.headers);
				this.notePacing(headers);
				const reply = parseReply(response.body);
				if (reply && typeof reply.replyCode === 'number') {
					if (reply.replyCode !== 0) {
						// HTTP 200 with a non-zero replyCode is an error too; Emarsys refused it, no retry.
						throw emarsysApiError(node, {
							status: response.statusCode,
							replyCode: reply.replyCode,
							replyText: reply.replyText,
							itemIndex: request.itemIndex,
							endpoint,
						});
					}
					return reply as EmarsysReply<T>;
				}
				failure = {
					status: response.statusCode,
					headers,
					body: response.body,
					message: 'Emarsys sent an answer that is not a valid Emarsys reply (not JSON or no replyCode)',
					code: 'EMARSYS_MALFORMED',
				};
			} else {
				this.notePacing(failure.headers);
			}

			// The execution was cancelled: stop at once, without retrying or waiting.
			if (this.cancelled()) throw failureAsCancelled(node, request.itemIndex);

			// n8n could not get an OAuth2 access token: retrying the API call cannot help.
			if (failure.status === undefined && /access token/i.test(failure.trail ?? failure.message)) {
				throw emarsysApiError(node, {
					replyText: 'Could not get an access token from the token URL',
					message: failure.message,
					itemIndex: request.itemIndex,
					endpoint,
					tokenError: true,
				});
			}

			const reply = parseReply(failure.body);
			const status = failure.status;
			const malformed = failure.code === 'EMARSYS_MALFORMED';
			const transient = (status === undefined && isNetworkFailure(failure)) || (status ?? 0) >= 500 || malformed;

			if (attempt < this.settings.maxRetries) {
				if (status === 429) {
					const untilReset = msUntilReset(failure.headers['x-ratelimit-reset']);
					await retryTiming.sleep(clamp(untilReset !== undefined ? untilReset + 50 : backoffMs(attempt)));
					continue;
				}
				if (transient && request.retryable) {
					await retryTiming.sleep(backoffMs(attempt));
					continue;
				}
			}

			const timedOut =
				status === undefined && /timeout|ECONNABORTED|ETIMEDOUT|aborted/i.test(`${failure.code} ${failure.message}`);
			throw emarsysApiError(node, {
				status,
				replyCode: typeof reply?.replyCode === 'number' ? reply.replyCode : undefined,
				replyText:
					typeof reply?.replyText === 'string' && reply.replyText
						? reply.replyText
						: timedOut
							? `No answer within ${this.settings.timeout} ms`
							: malformed
								? failure.message
								: status === undefined
									? isNetworkFailure(failure)
										? `Could not reach Emarsys (${failure.code ?? 'network error'})`
										: `The request could not be sent (${failure.message})`
									: undefined,
				message: failure.message,
				itemIndex: request.itemIndex,
				endpoint,
				clockSkewMs:
					status === 401 && this.credentialType === 'emarsysApi' ? clockSkewFrom(failure.headers.date) : undefined,
			});
		}
	}
}
