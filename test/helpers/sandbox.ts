/**
 * Shared test helper: start an in-process Emarsys sandbox on a free loopback port and drive its
 * test hooks. Uses Node's global fetch (no extra dependency).
 *
 *   let sb: TestSandbox;
 *   beforeAll(async () => { sb = await startTestSandbox(); });
 *   afterAll(() => sb.stop());
 *   beforeEach(() => sb.reset());
 *   ...
 *   const log = await sb.getLog();           // every API request since the last reset
 *   await sb.setFaults({ errorRate: { status: 503, rate: 1 } });
 *   const headers = { 'X-WSSE': sb.wsseHeader() };
 */
import { randomBytes } from 'node:crypto';

import {
	startSandbox,
	wsseDigest,
	type ContactView,
	type FaultSettings,
	type LogEntry,
	type RunningSandbox,
	type SandboxOptions,
	type TriggerRecord,
} from '../../sandbox';

export type { ContactView, FaultSettings, LogEntry, TriggerRecord } from '../../sandbox';

export interface TestSandbox extends RunningSandbox {
	/** `${url}/api/v2` */
	v2: string;
	/** `${url}/api/v3` */
	v3: string;
	/** `${url}/oauth2/token` */
	tokenUrl: string;
	/** Request log entries (API and token endpoint), optionally only those after `since`. */
	getLog(since?: number, options?: { bodies?: boolean }): Promise<LogEntry[]>;
	/** Highest seq currently in the log (0 when empty) — pass to getLog(since) later. */
	lastSeq(): Promise<number>;
	clearLog(): Promise<void>;
	/** Seed data back; clears log, faults, rate-limit counters, nonces, tokens, triggers, config. */
	resetSandbox(): Promise<void>;
	/** Alias of resetSandbox. */
	reset(): Promise<void>;
	setFaults(faults: FaultSettings): Promise<void>;
	getFaults(): Promise<FaultSettings>;
	clearFaults(): Promise<void>;
	expireTokens(): Promise<void>;
	/** Every OIDC access token the sandbox issued since its last reset (they are secrets: search output for them). */
	issuedTokens(): Promise<string[]>;
	setConfig(config: { rateLimitPerMinute?: number; tokenTtlSeconds?: number; rateLimitWindowSeconds?: number }): Promise<void>;
	getContacts(): Promise<ContactView[]>;
	/** Contacts whose field `fieldId` renders exactly as `value` (e.g. ('3', 'ada@example.com')). */
	findContacts(fieldId: string | number, value: string): Promise<ContactView[]>;
	getTriggers(since?: number): Promise<TriggerRecord[]>;
	/** A fresh X-WSSE header value for the sandbox's WSSE user (new nonce, current time). */
	wsseHeader(options?: { user?: string; secret?: string; nonce?: string; created?: string }): string;
	/** Fetch an OIDC access token with the sandbox's client credentials. */
	getAccessToken(): Promise<string>;
}

async function hook(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
	const send = (): Promise<Response> =>
		fetch(`${base}/__sandbox/${path}`, {
			method,
			headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	// The sandbox runs in the test's process: when a node run keeps that process busy for longer
	// than the sandbox's 5 s keep-alive, the server closes the idle connection just as fetch reuses
	// it (ECONNRESET). Every hook can safely be sent again, on a new connection.
	const res = await send().catch(async (error: unknown) => {
		if ((error as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error;
		return await send();
	});
	const text = await res.text();
	if (!res.ok) throw new Error(`sandbox hook ${method} ${path} answered ${res.status}: ${text}`);
	return text ? JSON.parse(text) : undefined;
}

/** Build an Emarsys X-WSSE header value. */
export function buildWsseHeader(user: string, secret: string, nonce?: string, created?: string): string {
	const n = nonce ?? randomBytes(16).toString('hex');
	const c = created ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
	return `UsernameToken Username="${user}", PasswordDigest="${wsseDigest(n, c, secret)}", Nonce="${n}", Created="${c}"`;
}

/** Start a quiet sandbox on a free port (options are passed through to startSandbox). */
export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
	const sb = await startSandbox({ port: 0, quiet: true, ...options });
	const base = sb.url;
	const getLog = async (since = 0, o: { bodies?: boolean } = {}): Promise<LogEntry[]> => {
		const params = new URLSearchParams();
		if (since > 0) params.set('since', String(since));
		if (o.bodies === false) params.set('bodies', '0');
		const q = params.toString();
		const r = (await hook(base, 'GET', `log${q ? `?${q}` : ''}`)) as { requests: LogEntry[] };
		return r.requests;
	};
	const resetSandbox = async (): Promise<void> => {
		await hook(base, 'POST', 'reset');
	};
	const getContacts = async (): Promise<ContactView[]> =>
		((await hook(base, 'GET', 'contacts')) as { contacts: ContactView[] }).contacts;
	return {
		...sb,
		v2: `${base}/api/v2`,
		v3: `${base}/api/v3`,
		tokenUrl: `${base}/oauth2/token`,
		getLog,
		lastSeq: async () => ((await hook(base, 'GET', 'health')) as { lastSeq: number }).lastSeq,
		clearLog: async () => {
			await hook(base, 'DELETE', 'log');
		},
		resetSandbox,
		reset: resetSandbox,
		setFaults: async (f) => {
			await hook(base, 'PUT', 'faults', f);
		},
		getFaults: async () => (await hook(base, 'GET', 'faults')) as FaultSettings,
		clearFaults: async () => {
			await hook(base, 'DELETE', 'faults');
		},
		expireTokens: async () => {
			await hook(base, 'POST', 'tokens/expire');
		},
		issuedTokens: async () => ((await hook(base, 'GET', 'tokens')) as { tokens: string[] }).tokens,
		setConfig: async (c) => {
			await hook(base, 'PUT', 'config', c);
		},
		getContacts,
		findContacts: async (fieldId, value) => (await getContacts()).filter((c) => c.fields[String(fieldId)] === value),
		getTriggers: async (since = 0) =>
			((await hook(base, 'GET', `triggers${since > 0 ? `?since=${since}` : ''}`)) as { triggers: TriggerRecord[] }).triggers,
		wsseHeader: (o = {}) => buildWsseHeader(o.user ?? sb.credentials.wsseUser, o.secret ?? sb.credentials.wsseSecret, o.nonce, o.created),
		getAccessToken: async () => {
			const basic = Buffer.from(`${sb.credentials.oidcClientId}:${sb.credentials.oidcClientSecret}`).toString('base64');
			const res = await fetch(`${base}/oauth2/token`, {
				method: 'POST',
				headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
				body: 'grant_type=client_credentials',
			});
			if (!res.ok) throw new Error(`token endpoint answered ${res.status}`);
			return ((await res.json()) as { access_token: string }).access_token;
		},
	};
}
