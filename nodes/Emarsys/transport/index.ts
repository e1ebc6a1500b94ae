import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, sleep } from 'n8n-workflow';

import { clockSkewFrom, emarsysApiError, refusedForWhatItCarries, type EmarsysFailure } from './errors';
import { dispatcherFor, type CallRequest, type CallResult, type Dispatcher } from './dispatcher';
import { backoffMs, msUntilNextWindow, pacingWaitMs, rateLimitWaitMs } from './waits';

export { emarsysApiError, emarsysErrorForItem, hintFor, permissionFor, type EmarsysFailure } from './errors';

/**
 * The one place that talks to Emarsys: every call goes through n8n's
 * `httpRequestWithAuthentication` with the credential the node's `authentication` parameter
 * selects (WSSE signing, or OpenID Connect client credentials).
 *
 * How an answer is read (Emarsys API guide, "Responses"): the body is `{replyCode, replyText, data}`;
 * replyCode 0 is success, anything else an error, also with HTTP 200. From the status, headers and
 * body alone:
 * - 2xx with replyCode 0: the answer.
 * - 429: wait for the next rate-limit window and send the same call again, for at most
 *   `maxRateLimitWaitMs` in all.
 * - 5xx, no answer (network, timeout) or a body that is not an Emarsys reply: retried with
 *   backoff up to `maxRetries`, only for calls marked `retryable` (safe to repeat).
 * - Anything else: Emarsys refused the call; a NodeApiError with a hint, no retry.
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
	/** Safe to send again after a 5xx, a network failure or a timeout (idempotent, or deduplicated by Emarsys). */
	retryable: boolean;
	/** The item the call is made for (its errors point at it); omit for calls shared by many items. */
	itemIndex?: number;
}

export interface ClientSettings {
	/** Retries after a 5xx, a network failure or a timeout (retryable calls only). */
	maxRetries: number;
	/** Milliseconds to wait for one answer. */
	timeout: number;
	/** Milliseconds one call may spend waiting for the rate limit (429) before it fails. */
	maxRateLimitWaitMs: number;
	/** Batch calls of one run under way at a time (1: one after the other). */
	concurrentRequests: number;
	/** Whether batch calls may be combined with those of other executions using the same credential. */
	combineCalls: boolean;
	/** Milliseconds the field list and choice lists are kept for later executions (0: fetched every run). */
	metadataCacheMs: number;
}

/** Two rate-limit windows: a call refused for longer than that reports the rate limit as its error. */
export const DEFAULT_SETTINGS: ClientSettings = {
	maxRetries: 5,
	timeout: 30_000,
	maxRateLimitWaitMs: 120_000,
	// Emarsys documents no limit on calls under way, only 1000 calls a minute per API user. At 200 ms a
	// call, 100,000 contacts took 9.6 s with 4, 7.2 s with 6 and 8.1 s with 8 (`npm run bench -- --ops
	// upsertAutoMap200ms`, 2026-12-05): beyond 6 the calls only queue up.
	concurrentRequests: 6,
	combineCalls: true,
	metadataCacheMs: 60_000,
};

/** Dropdowns and list searches should answer quickly, and always show the account as it is now. */
export const DROPDOWN_SETTINGS: ClientSettings = { ...DEFAULT_SETTINGS, maxRetries: 2, timeout: 15_000, maxRateLimitWaitMs: 10_000, metadataCacheMs: 0 };

/**
 * Emarsys limits: 1000 contacts / keys / events per call; 10 MB per payload (API guide,
 * "Miscellaneous"), 8 MB for `PUT contact` and 1 MB for an external event trigger (API reference
 * of each). Counted in decimal megabytes, which are the smaller reading of "MB".
 */
export const MAX_BATCH_SIZE = 1000;
export const MAX_PAYLOAD_BYTES = 10_000_000;
export const MAX_CONTACT_UPDATE_BYTES = 8_000_000;
export const MAX_TRIGGER_BYTES = 1_000_000;

/** What one attempt brought back: an HTTP answer, or the error n8n threw without one. */
type Attempt = { status: number; headers: Record<string, string>; body: unknown } | { thrown: NodeApiError };

/** n8n's request helper sets these as the `httpCode` of an error without HTTP answer: no answer in time. */
// (Each restore comment below stands before an element: at the end of a list Stryker would not see it, and the rest of the file would stay disabled.)
const TIMEOUT_CODES = new Set([
	// Stryker disable StringLiteral: timeouts no test on loopback can cause: connecting to a host that drops the packets (ETIMEDOUT; Node's attempts at each of a host's addresses, ERR_SOCKET_CONNECTION_TIMEOUT) and n8n's older request helper (ESOCKETTIMEDOUT)
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
	// Stryker restore StringLiteral
	'ECONNABORTED',
]);

/** ... and of the other failures to reach Emarsys, with what each means. Both kinds are sent again. */
const NETWORK_ERROR_CODES = new Map([
	// Stryker disable StringLiteral: the words for failures no test on loopback can cause (a write to a closed socket, DNS, routing); the codes themselves are tested
	['EPIPE', 'the connection was cut'],
	['EAI_AGAIN', 'the host name could not be looked up'],
	['EHOSTUNREACH', 'the host is unreachable'],
	['ENETUNREACH', 'the network is unreachable'],
	['ERR_NETWORK', 'a network error'],
	// Stryker restore StringLiteral
	['ECONNRESET', 'the connection was cut'],
	['ECONNREFUSED', 'the connection was refused'],
]);

/** The call got no answer in time, or did not reach Emarsys: both are sent again. */
function notReached(thrown: NodeApiError): boolean {
	const code = String(thrown.httpCode);
	return TIMEOUT_CODES.has(code) || NETWORK_ERROR_CODES.has(code);
}

/** A 5xx, or a 2xx that is no Emarsys reply (cut short on the way, say): the next attempt may be answered. */
function serverFailed(status: number, reply: EmarsysReply | undefined): boolean {
	// Stryker disable next-line EqualityOperator: `<= 300`: Emarsys sends no HTTP 300 (this also hides `> 500` and `< 500`, which the retries tests catch)
	return status >= 500 || (status < 300 && reply === undefined);
}

/** An answer's headers by lower-case name (Node's HTTP parser gives every header a value). */
function lowerCaseHeaders(headers: unknown): Record<string, string> {
	const result: Record<string, string> = {};
	for (const [key, value] of Object.entries((headers ?? {}) as Record<string, unknown>)) result[key.toLowerCase()] = String(value);
	return result;
}

/**
 * The body as an Emarsys reply, or undefined when it is not one (not JSON, no replyCode). n8n's
 * request helper (`json: true`) parses every JSON body itself: a body that is still text is not JSON.
 */
function emarsysReplyOf(body: unknown): EmarsysReply | undefined {
	const reply = body as Partial<EmarsysReply> | null | undefined;
	return typeof reply?.replyCode === 'number' ? (reply as EmarsysReply) : undefined;
}

/**
 * The first call of each OpenID Connect credential in this process while it holds no access token
 * yet. n8n fetches a token for every call that finds none stored and takes no lock for that, so
 * a burst of executions (a busy webhook, a queue-mode worker) would each fetch one; the others
 * wait for the first call instead, then use the token n8n stored.
 */
const firstTokenCalls = new Map<string, Promise<unknown>>();

/**
 * Token renewals under way, per OpenID Connect credential: calls of parallel lanes that meet the
 * same expired token wait for the one renewal, then are sent again with the new token.
 */
const tokenRenewals = new Map<string, Promise<unknown>>();

/** Account metadata (field list, choice lists) kept for later executions, per credential: until when, and the list. */
const sharedMetadata = new Map<string, { expires: number; value: Promise<unknown> }>();

/** Who a client calls Emarsys as: the base URL, the credential and its API user (calls of one may be combined), and the API user's dispatcher. */
interface ClientIdentity {
	baseUrl: string;
	credential: string;
	dispatcher: Dispatcher;
}

/** What a batch call came to for one execution: the call's answer and entries (its own at `offset`), or the error. */
export type CallOutcome<E, A> = CallResult<E, A> | { error: unknown };

export type { CallRequest };

export class EmarsysClient {
	/** Account metadata (field lists, choices) fetched during this client's life: one node run or one dropdown. */
	private readonly cache = new Map<string, Promise<unknown>>();

	/** An access token was already stored when this client last looked (OpenID Connect). */
	private tokenStored = false;

	private identityPromise?: Promise<ClientIdentity>;

	/** Set on a client that sends a call shared by several executions: it is cancelled only when all of them are. */
	private cancelCheck?: () => boolean;

	constructor(
		private readonly ctx: EmarsysContext,
		readonly credentialType: EmarsysCredentialType,
		readonly settings: ClientSettings = DEFAULT_SETTINGS,
	) {}

	/** A client for the credential the node's `authentication` parameter selects. */
	static forContext(ctx: EmarsysContext, settings: Partial<ClientSettings> = {}): EmarsysClient {
		const authentication =
			// Stryker disable next-line StringLiteral: Authentication holds no expression, so an execution reads it alike with either signature; and it always has a value (n8n fills in its default, WSSE), so the 'wsse' fallbacks are never used
			'getInputData' in ctx ? ctx.getNodeParameter('authentication', 0, 'wsse') : ctx.getNodeParameter('authentication', 'wsse');
		const credentialType = authentication === 'oAuth2' ? 'emarsysOAuth2Api' : 'emarsysApi';
		const defined = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
		return new EmarsysClient(ctx, credentialType, { ...DEFAULT_SETTINGS, ...defined });
	}

	/** One promise per key for this client's life (failures are not kept). */
	async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
		let entry = this.cache.get(key) as Promise<T> | undefined;
		if (!entry) {
			entry = load();
			this.cache.set(key, entry);
			entry.catch(() => this.cache.delete(key));
		}
		return await entry;
	}

	/**
	 * Account metadata (the field list, choice lists): kept for `metadataCacheMs` for later
	 * executions with the same credential, else for this client's life. `fresh`: an answer showed
	 * that what an earlier execution kept is out of date.
	 */
	async metadata<T>(key: string, load: () => Promise<T>, fresh: boolean): Promise<T> {
		// A list this run fetched itself is fresh enough: `fresh` only passes over what an earlier execution kept.
		if (this.settings.metadataCacheMs <= 0) return await this.cached(key, load);
		const sharedKey = `${(await this.identity()).credential}|${key}`;
		const kept = sharedMetadata.get(sharedKey);
		// Stryker disable next-line EqualityOperator: `>=` keeps a list for one millisecond more, which no test can time
		if (kept && !fresh && kept.expires > Date.now()) {
			try {
				return (await kept.value) as T;
			} catch {
				// A fetch under way when this execution came failed, under the settings (Max Retries, Timeout) of the execution that
				// started it, or because that one was cancelled: this execution fetches for itself, under its own.
			}
		}
		const value = this.cached(key, load);
		sharedMetadata.set(sharedKey, { expires: Date.now() + this.settings.metadataCacheMs, value });
		// A failed list is not kept; one that replaced it meanwhile stays.
		// Stryker disable next-line ConditionalExpression: `true` drops that newer list only when an older fetch fails after it, so the next execution fetches once more (the same list); this also hides `false`, which the failed-list test catches
		value.catch(() => sharedMetadata.get(sharedKey)?.value === value && sharedMetadata.delete(sharedKey));
		return await value;
	}

	/**
	 * Hands a batch call to the API user's dispatcher (transport/dispatcher.ts), which may send it
	 * together with calls of other executions using the same credential and client settings.
	 */
	async dispatch<E, A>(
		call: Omit<CallRequest<E, A>, 'send' | 'cancelled'> & { send: (entries: E[], client: EmarsysClient) => Promise<A> },
	): Promise<CallOutcome<E, A>> {
		try {
			const { credential, dispatcher } = await this.identity();
			const { maxRetries, timeout, maxRateLimitWaitMs } = this.settings;
			return await dispatcher.submit<E, A>({
				...call,
				route: `${credential}|${maxRetries}|${timeout}|${maxRateLimitWaitMs}|${call.route}`,
				combine: call.combine && this.settings.combineCalls,
				send: async (entries, cancelled) => await call.send(entries, this.sharedBy(cancelled)),
				cancelled: () => this.cancelled(),
				refusedForItsData: refusedForWhatItCarries,
			});
		} catch (error) {
			return { error };
		}
	}

	/** This client, for a call that several executions share: cancelled only when all of them are. */
	private sharedBy(cancelled: () => boolean): EmarsysClient {
		const client = new EmarsysClient(this.ctx, this.credentialType, this.settings);
		client.identityPromise = this.identityPromise;
		client.tokenStored = this.tokenStored;
		client.cancelCheck = cancelled;
		return client;
	}

	/** Sends one call, with the waits and retries described above; resolves with the reply when replyCode is 0. */
	async request<T = unknown>(request: EmarsysRequest): Promise<EmarsysReply<T>> {
		const options = await this.httpOptions(request);
		const { dispatcher } = await this.identity();
		let rateLimitWaited = 0;
		for (let attempt = 0; ; attempt++) {
			const pause = dispatcher.pausedFor();
			// Stryker disable next-line ConditionalExpression,EqualityOperator: sleep(0) only yields to the event loop: the same calls at the same times
			if (pause > 0) await sleep(pause);
			const answer = await this.oneTokenFetchAtATime(async () => await this.send(options, dispatcher));
			const reply = 'status' in answer ? emarsysReplyOf(answer.body) : undefined;
			// Stryker disable next-line EqualityOperator: `<= 300` differs only for an HTTP 300 saying replyCode 0, which Emarsys never sends (this also hides `!== 0`, which every test catches)
			if ('status' in answer && answer.status < 300 && reply?.replyCode === 0) return reply as EmarsysReply<T>;

			const failure = this.failureOf(answer, reply, request.endpoint, options.url);
			// Stryker disable next-line ConditionalExpression,ObjectLiteral,StringLiteral: n8n aborts the requests of a cancelled execution (its helper passes the cancel signal), so a retry would fail at once anyway; only these words differ, and n8n shows no error for a cancelled execution
			if (this.cancelled()) throw emarsysApiError(this.ctx.getNode(), { message: 'The execution was cancelled before Emarsys answered' }, request.itemIndex);
			const wait = this.retryWait(answer, reply, request, attempt, rateLimitWaited);
			if (wait === undefined) throw emarsysApiError(this.ctx.getNode(), failure, request.itemIndex);
			if ('status' in answer && answer.status === 429) {
				rateLimitWaited += wait;
				// The window is used up for every call of the API user, not just this one.
				dispatcher.pause(wait);
			}
			await sleep(wait);
		}
	}

	/** Sends `attempt`, or, while the OpenID Connect credential holds no token, waits for the call that fetches one. */
	private async oneTokenFetchAtATime<T>(attempt: () => Promise<T>): Promise<T> {
		if (this.credentialType !== 'emarsysOAuth2Api' || this.tokenStored) return await attempt();
		const credentials = await this.ctx.getCredentials(this.credentialType);
		this.tokenStored = Boolean((credentials.oauthTokenData as { access_token?: string } | undefined)?.access_token);
		if (this.tokenStored) return await attempt();
		// Stryker disable next-line OptionalChaining,LogicalOperator,StringLiteral: n8n runs name their credential with an ID; the client ID is for a node that names none
		const key = this.ctx.getNode().credentials?.emarsysOAuth2Api?.id ?? String(credentials.clientId ?? '');
		const first = firstTokenCalls.get(key);
		if (first) {
			await first.catch(() => undefined);
			return await attempt();
		}
		const call = attempt();
		firstTokenCalls.set(key, call);
		try {
			return await call;
		} finally {
			firstTokenCalls.delete(key);
		}
	}

	/** Milliseconds to wait before sending the call again, or undefined when it is not sent again. */
	private retryWait(
		answer: Attempt,
		reply: EmarsysReply | undefined,
		request: EmarsysRequest,
		attempt: number,
		rateLimitWaited: number,
	): number | undefined {
		if ('status' in answer && answer.status === 429) {
			const wait = rateLimitWaitMs(answer.headers['x-ratelimit-reset'], attempt);
			// Stryker disable next-line EqualityOperator: a wait equal to Max Rate-Limit Wait to the millisecond cannot be arranged (waits run from the clock); `<` is the same rule
			return rateLimitWaited + wait <= this.settings.maxRateLimitWaitMs ? wait : undefined;
		}
		const transient = 'thrown' in answer ? notReached(answer.thrown) : serverFailed(answer.status, reply);
		return transient && request.retryable && attempt < this.settings.maxRetries ? backoffMs(attempt) : undefined;
	}

	/** The facts of a failed attempt, for its error. */
	private failureOf(answer: Attempt, reply: EmarsysReply | undefined, endpoint: string, url: string): EmarsysFailure {
		if ('thrown' in answer) {
			// No code reads as "undefined", which names no failure below.
			const code = String(answer.thrown.httpCode);
			if (TIMEOUT_CODES.has(code)) return { endpoint, replyText: `No answer within ${this.settings.timeout} ms` };
			// In words: n8n replaces a message naming the code (ECONNRESET…) with its own, without the hint.
			if (NETWORK_ERROR_CODES.has(code)) return { endpoint, replyText: `Could not reach Emarsys (${NETWORK_ERROR_CODES.get(code)})` };
			// HTTP errors come back as answers: n8n throws only when it cannot send the call. With a
			// valid URL and OpenID Connect, what failed is getting the access token.
			if (this.credentialType === 'emarsysOAuth2Api' && URL.canParse(url)) {
				return { endpoint, tokenError: true, replyText: 'Could not get an access token from the token URL' };
			}
			return { endpoint, replyText: `The request could not be sent (${answer.thrown.message})` };
		}
		// A 2xx without an Emarsys reply is no valid answer; an HTTP error's page is reported by its status.
		// Stryker disable next-line EqualityOperator: `<= 300`: Emarsys sends no HTTP 300 (this also hides `>= 300`, which the answers tests catch)
		const notAReply = answer.status < 300 ? 'Emarsys sent an answer that is not a valid Emarsys reply (not JSON or no replyCode)' : undefined;
		// Only a WSSE signature depends on the clock.
		// Stryker disable next-line ConditionalExpression: `true` changes nothing: with OpenID Connect a 401 is sent again through n8n's token renewal, and what fails then carries no headers (sendThroughTokenRefresh), so no Date to read a skew from
		const signedByClock = this.credentialType === 'emarsysApi';
		return {
			endpoint,
			status: answer.status,
			replyCode: reply?.replyCode,
			replyText: reply ? reply.replyText : notAReply,
			clockSkewMs: answer.status === 401 && signedByClock ? clockSkewFrom(answer.headers.date) : undefined,
		};
	}

	/** One attempt; HTTP errors come back as answers. */
	private async send(options: IHttpRequestOptions, dispatcher: Dispatcher): Promise<Attempt> {
		let response: { body: unknown; headers: unknown; statusCode: number };
		try {
			response = await this.call(options);
		} catch (error) {
			return { thrown: error instanceof NodeApiError ? error : new NodeApiError(this.ctx.getNode(), error as JsonObject) };
		}
		if (response.statusCode === 401 && this.credentialType === 'emarsysOAuth2Api') return await this.renewTokenOnce(options, dispatcher);
		return this.answerOf(response, dispatcher);
	}

	/** A 401 with OpenID Connect: the call is sent again through n8n's token renewal, or after the renewal under way. */
	private async renewTokenOnce(options: IHttpRequestOptions, dispatcher: Dispatcher): Promise<Attempt> {
		// Stryker disable next-line OptionalChaining,StringLiteral: an OpenID Connect run always names its credential, with an ID
		const key = this.ctx.getNode().credentials?.emarsysOAuth2Api?.id ?? '';
		const underWay = tokenRenewals.get(key);
		// Stryker disable next-line BlockStatement: n8n 2.x itself renews a credential's token once for the calls that meet it expired together (its OAuth helper's in-flight refreshes: the client-answers test saw one renewal for three executions with this block emptied); this keeps n8n 1.x, which the in-process tests cannot load, to one renewal too
		if (underWay) {
			await underWay.catch(() => undefined);
			return await this.send(options, dispatcher);
		}
		const renewal = this.sendThroughTokenRefresh(options, dispatcher);
		tokenRenewals.set(key, renewal);
		try {
			return await renewal;
		} finally {
			tokenRenewals.delete(key);
		}
	}

	/**
	 * n8n renews an expired OpenID Connect access token only when a call fails with 401 as an
	 * error: the call is sent once more that way. What then fails carries its HTTP status (and the
	 * Emarsys reply, when it is JSON) on n8n's error.
	 */
	private async sendThroughTokenRefresh(options: IHttpRequestOptions, dispatcher: Dispatcher): Promise<Attempt> {
		try {
			return this.answerOf(await this.call({ ...options, ignoreHttpStatusErrors: false }), dispatcher);
		} catch (error) {
			const thrown = error instanceof NodeApiError ? error : new NodeApiError(this.ctx.getNode(), error as JsonObject);
			const status = Number(thrown.httpCode);
			// No HTTP answer: n8n's httpCode is then an error code (ECONNREFUSED…) or missing.
			if (!Number.isInteger(status)) return { thrown };
			return { status, headers: {}, body: thrown.context.data };
		}
	}

	private async call(options: IHttpRequestOptions): Promise<{ body: unknown; headers: unknown; statusCode: number }> {
		return (await this.ctx.helpers.httpRequestWithAuthentication.call(this.ctx, this.credentialType, {
			...options,
			headers: { ...options.headers },
		})) as { body: unknown; headers: unknown; statusCode: number };
	}

	/** The answer as an attempt; its rate-limit headers go to the API user's dispatcher. */
	private answerOf(response: { body: unknown; headers: unknown; statusCode: number }, dispatcher: Dispatcher): Attempt {
		const headers = lowerCaseHeaders(response.headers);
		const now = Date.now();
		// Number(undefined) is NaN: no header, no budget known.
		const remaining = Number(headers['x-ratelimit-remaining']);
		const untilReset = msUntilNextWindow(headers['x-ratelimit-reset'], now);
		const known = Number.isFinite(remaining) && untilReset !== undefined;
		dispatcher.observe(known ? remaining : undefined, known ? now + untilReset : undefined, pacingWaitMs(headers, now), now);
		return { status: response.statusCode, headers, body: response.body };
	}

	private async httpOptions(request: EmarsysRequest): Promise<IHttpRequestOptions & { url: string }> {
		const { baseUrl } = await this.identity();
		return {
			method: request.method,
			// Endpoints are written without a leading slash (`contact/getdata`).
			url: `${baseUrl}/${request.endpoint}`,
			// Stryker disable next-line BooleanLiteral: n8n's helper sends an object body as JSON and parses a JSON answer either way (axios); set as n8n documents for JSON APIs
			json: true,
			timeout: this.settings.timeout,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			// Stryker disable next-line ObjectLiteral,StringLiteral: Emarsys documents JSON answers only, whatever Accept says; sent as its Postman collections do
			headers: { Accept: 'application/json' },
			// Stryker disable next-line ConditionalExpression: `true` sets `body: undefined`, which n8n treats as no body
			...(request.body !== undefined ? { body: request.body } : {}),
			// Stryker disable next-line ConditionalExpression: `true` sets `qs: undefined`, which n8n treats as no query (this also hides `false`, which the Create If Missing test catches)
			...(request.qs !== undefined ? { qs: request.qs } : {}),
		};
	}

	/** The base URL, the credential and the API user's dispatcher, from the credential (read once per client). */
	private async identity(): Promise<ClientIdentity> {
		this.identityPromise ??= (async () => {
			const credentials = await this.ctx.getCredentials(this.credentialType);
			// Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: only for a credential whose API Base URL was cleared (both credential types default to these URLs); no test may call the real Emarsys
			const fallback = this.credentialType === 'emarsysOAuth2Api' ? 'https://api.emarsys.net/api/v3' : 'https://api.emarsys.net/api/v2';
			// Stryker disable next-line StringLiteral: `?? ''` only for a credential saved without API Base URL, which then gets the fallback above
			const baseUrl = (String(credentials.baseUrl ?? '').trim() || fallback).replace(/\/+$/, '');
			// Stryker disable next-line StringLiteral: both credential types require their user name or client ID
			const apiUser = String(credentials.username ?? credentials.clientId ?? '');
			// Stryker disable next-line LogicalOperator,OptionalChaining: n8n runs name a credential with an ID; keyed by API user instead, two credentials of one user and base URL would share calls and lists of the same account, which changes no answer
			const credentialId = this.ctx.getNode().credentials?.[this.credentialType]?.id ?? apiUser;
			// The API user belongs in it: a credential edited to another user (or whose user is an expression) is another account.
			return { baseUrl, credential: `${this.credentialType}|${credentialId}|${baseUrl}|${apiUser}`, dispatcher: dispatcherFor(`${baseUrl}|${apiUser}`) };
		})();
		// Stryker disable next-line ArrowFunction: a client whose credential cannot be read fails its run and is not used again; kept so that a later call of the same client would read it anew
		this.identityPromise.catch(() => (this.identityPromise = undefined));
		return await this.identityPromise;
	}

	private cancelled(): boolean {
		if (this.cancelCheck) return this.cancelCheck();
		return 'getExecutionCancelSignal' in this.ctx && this.ctx.getExecutionCancelSignal()?.aborted === true;
	}
}
