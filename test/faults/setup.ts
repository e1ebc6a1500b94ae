/**
 * Shared pieces of the fault suite: a real n8n-core harness running the Emarsys node against an
 * in-process sandbox (loopback), large item sets, seeding through the sandbox's own API, and an
 * evidence collector that keeps every output item, error and sandbox log of the suite (and
 * everything printed) so that the last test can grep all of it for the secrets.
 */
import { LoggerProxy, jsonStringify, type IDataObject, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';

import { apiCalls as allApiCalls, createEnv, credentialsFor, type Auth, type Env } from '../helpers/emarsys-env';
import type { RunNodeResult } from '../helpers/n8n-harness';
import type { LogEntry, TestSandbox } from '../helpers/sandbox';
import { scaleBackoff } from '../../nodes/Emarsys/transport/waits';

export type { Auth, Env };

/**
 * The node runs with its real rate-limit waits (the next window after a 429) and a tenth of its
 * backoff after a 5xx (100 ms, 200 ms …: the same retries in the same order). n8n's logger runs at debug level in this suite (the harness is silent otherwise),
 * so that whatever n8n-core and the node log lands in the printed evidence.
 */
export async function startEnv(): Promise<Env> {
	// These tests count retries, not how long the backoff before each lasts (integration/retries does that).
	scaleBackoff(0.1);
	previousLogLevel = process.env.N8N_LOG_LEVEL;
	process.env.N8N_LOG_LEVEL = 'debug';
	return await createEnv();
}

let previousLogLevel: string | undefined;

/** Puts N8N_LOG_LEVEL back, so that test files run later in the same jest worker stay quiet. */
export function restoreLogLevel(): void {
	if (previousLogLevel === undefined) delete process.env.N8N_LOG_LEVEL;
	else process.env.N8N_LOG_LEVEL = previousLogLevel;
}

// ---------------------------------------------------------------------------------------------
// Evidence: everything the suite saw, for the secret grep
// ---------------------------------------------------------------------------------------------

export const evidence = {
	chunks: [] as string[],
	/** OIDC access tokens the sandbox issued during the suite (secrets too). */
	accessTokens: new Set<string>(),
	add(label: string, value: unknown): void {
		let text: string;
		try {
			text = typeof value === 'string' ? value : JSON.stringify(value);
		} catch {
			text = String(value);
		}
		this.chunks.push(`${label}: ${text ?? String(value)}`);
	},
	text(): string {
		return this.chunks.join('\n');
	},
};

/** Everything an error object carries that a user or a log could see. */
function errorEvidence(error: unknown): unknown {
	if (!error || typeof error !== 'object') return error;
	const e = error as Record<string, unknown> & { message?: string; description?: string; stack?: string };
	return {
		message: e.message,
		description: e.description,
		stack: e.stack,
		json: (() => {
			try {
				return JSON.stringify(error);
			} catch {
				return undefined;
			}
		})(),
		cause: errorEvidence(e.cause),
	};
}

/** Copies everything written to stdout / stderr / console into the evidence while the suite runs. */
export function capturePrinted(): () => void {
	const originals = {
		out: process.stdout.write.bind(process.stdout),
		err: process.stderr.write.bind(process.stderr),
		log: console.log,
		warn: console.warn,
		error: console.error,
		info: console.info,
		debug: console.debug,
	};
	const tap =
		(label: string, write: (...args: never[]) => boolean) =>
		(chunk: unknown, ...rest: unknown[]): boolean => {
			evidence.add(label, typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
			return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
		};
	process.stdout.write = tap('stdout', originals.out) as typeof process.stdout.write;
	process.stderr.write = tap('stderr', originals.err) as typeof process.stderr.write;
	for (const level of ['log', 'warn', 'error', 'info', 'debug'] as const) {
		const original = originals[level];
		console[level] = (...args: unknown[]) => {
			evidence.add(`console.${level}`, args.map((arg) => (typeof arg === 'string' ? arg : errorEvidence(arg))));
			original(...args);
		};
	}
	return () => {
		process.stdout.write = originals.out as typeof process.stdout.write;
		process.stderr.write = originals.err as typeof process.stderr.write;
		for (const level of ['log', 'warn', 'error', 'info', 'debug'] as const) console[level] = originals[level];
	};
}

/**
 * Everything n8n logs through its logger proxy (n8n-core's execution engine and the node), at every
 * level including debug, goes into the evidence — whether or not jest routes the console output
 * through capturePrinted. Set again before every run: n8n's own Logger re-points the proxy when
 * it is created.
 */
function recordN8nLog(): void {
	const record = (level: string) => (message: string, meta?: object) => evidence.add(`n8n log ${level}`, { message, meta });
	LoggerProxy.init({ error: record('error'), warn: record('warn'), info: record('info'), debug: record('debug') } as Parameters<typeof LoggerProxy.init>[0]);
}

/** Records the whole sandbox log (bodies included) and the issued access tokens; call before every reset. */
export async function collectSandboxLog(sandbox: TestSandbox): Promise<void> {
	evidence.add('sandbox log', await sandbox.getLog());
	for (const token of await sandbox.issuedTokens()) evidence.accessTokens.add(token);
}

// ---------------------------------------------------------------------------------------------
// Running the node
// ---------------------------------------------------------------------------------------------

export interface RunResult extends RunNodeResult {
	/** Output items that carry an error (continueOnFail). */
	errorItems: INodeExecutionData[];
}

export async function runNode(
	env: Env,
	parameters: INodeParameters,
	inputItems: IDataObject[],
	opts: { auth?: Auth; continueOnFail?: boolean; keepCredentials?: boolean } = {},
): Promise<RunResult> {
	const auth = opts.auth ?? 'wsse';
	if (!opts.keepCredentials) env.harness.clearCredentials();
	recordN8nLog();
	const result = await env.harness.runNode({
		nodeType: 'emarsys',
		parameters: { authentication: auth, ...parameters },
		credentials: credentialsFor(env.sandbox, auth),
		inputItems,
		continueOnFail: opts.continueOnFail,
	});
	evidence.add('output items', result.items.map((item) => ({ json: item.json, error: errorEvidence(item.error) })));
	if (result.error) evidence.add('run error', errorEvidence(result.error));
	// The execution as n8n saves it (run data of every node, error items and the run's error),
	// serialized as n8n does when it stores an execution.
	evidence.add('saved execution', jsonStringify(result.run, { replaceCircularRefs: true }));
	return { ...result, errorItems: result.items.filter((item) => item.json.error !== undefined) };
}

/** What a user sees of an error item: the message in json.error, the hint and codes on item.error. */
export function errorOf(item: INodeExecutionData): { message: string; description?: string; replyCode?: unknown; itemIndex?: number } {
	const error = item.error as
		| (Error & { description?: string; errorResponse?: { replyCode?: unknown }; context?: { itemIndex?: number } })
		| undefined;
	return {
		message: String(item.json.error),
		description: error?.description ?? undefined,
		replyCode: error?.errorResponse?.replyCode,
		itemIndex: error?.context?.itemIndex,
	};
}

/** Index of the input item an output item belongs to. */
export function inputIndexOf(item: INodeExecutionData): number {
	return (item.pairedItem as { item: number }).item;
}

/** Highest seq in the sandbox log now (0 when empty). */
export async function lastSeq(env: Env): Promise<number> {
	return await env.sandbox.lastSeq();
}

/** API calls in the sandbox log after `since`, with `endpoint` = path below /api/vN/ (no trailing slash). */
export async function apiCalls(sandbox: TestSandbox, since = 0): Promise<Array<LogEntry & { endpoint: string }>> {
	return (await allApiCalls(sandbox, since)).map((entry) => ({ ...entry, endpoint: entry.endpoint.replace(/\/+$/, '') }));
}

/** Polls `check` every 25 ms until it is true (or throws after `timeoutMs`). */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
	const end = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > end) throw new Error('waitFor: condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

export function email(prefix: string, i: number): string {
	return `${prefix}-${String(i).padStart(5, '0')}@example.com`;
}

export function range(n: number): number[] {
	return Array.from({ length: n }, (_, i) => i);
}

/** Creates contacts `${prefix}-00000@example.com`… through the sandbox API, 1000 per call. */
export async function seedContacts(sandbox: TestSandbox, prefix: string, n: number): Promise<void> {
	for (let start = 0; start < n; start += 1000) {
		const contacts = range(Math.min(1000, n - start)).map((k) => ({ '3': email(prefix, start + k), '1': `First${start + k}` }));
		const res = await fetch(`${sandbox.v2}/contact/?create_if_not_exists=1`, {
			method: 'PUT',
			headers: { 'Content-Type': 'application/json', 'X-WSSE': sandbox.wsseHeader() },
			body: JSON.stringify({ key_id: 3, contacts }),
		});
		const answer = (await res.json()) as { replyCode: number; data: { errors: unknown } };
		if (res.status !== 200 || answer.replyCode !== 0 || !Array.isArray(answer.data.errors)) {
			throw new Error(`seeding failed: HTTP ${res.status} ${JSON.stringify(answer).slice(0, 200)}`);
		}
	}
}

/** Upsert parameters: email (key) and first name mapped from each item, optional extra mapped fields. */
export function upsertParameters(extra: Record<string, string> = {}, options: INodeParameters = {}): INodeParameters {
	const value: Record<string, string> = { '3': '={{ $json.email }}', '1': '={{ $json.first }}', ...extra };
	return {
		resource: 'contact',
		operation: 'upsert',
		keyId: '3',
		columns: {
			mappingMode: 'defineBelow',
			value,
			matchingColumns: [],
			schema: Object.keys(value).map((id) => ({
				id,
				displayName: id,
				required: false,
				defaultMatch: false,
				display: true,
				type: 'string',
				canBeUsedToMatch: true,
			})),
		},
		createIfMissing: true,
		options,
	};
}

export function getParameters(options: INodeParameters = {}, fields: string[] = ['1', '3']): INodeParameters {
	return { resource: 'contact', operation: 'get', keyId: '3', contactId: '={{ $json.email }}', fields, options };
}

export function triggerParameters(options: INodeParameters = {}, eventData = '={{ JSON.stringify({ n: $json.n }) }}'): INodeParameters {
	return { resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: '={{ $json.email }}', eventData, options };
}

/** Key values (emails) of the contacts in a logged PUT contact / trigger / getdata body. */
export function keysInBody(body: unknown): string[] {
	const b = body as { contacts?: Array<Record<string, unknown>>; keyValues?: unknown[] };
	if (Array.isArray(b?.keyValues)) return b.keyValues.map(String);
	if (Array.isArray(b?.contacts)) return b.contacts.map((c) => String(c['3'] ?? c.external_id));
	return [];
}
