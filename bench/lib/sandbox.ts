/**
 * The bench's view of the sandbox: start it in a child process, and drive its test hooks
 * (`/__sandbox/...`, plain JSON, no auth) with Node's fetch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { ContactView, FaultSettings, LogEntry, TriggerRecord } from '../../sandbox';

export interface SandboxProcess {
	url: string;
	child: ChildProcess;
	stop(): Promise<void>;
}

/** Starts `bench/sandbox-child.ts` with tsx and waits for its URL line. */
export async function startSandboxProcess(): Promise<SandboxProcess> {
	const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'sandbox-child.ts')], {
		stdio: ['pipe', 'pipe', 'inherit'],
		cwd: join(__dirname, '..', '..'),
	});
	const url = await new Promise<string>((resolve, reject) => {
		const lines = createInterface({ input: child.stdout! });
		lines.once('line', (line) => {
			try {
				resolve((JSON.parse(line) as { url: string }).url);
			} catch {
				reject(new Error(`sandbox child printed: ${line}`));
			}
		});
		child.once('exit', (code) => reject(new Error(`sandbox child exited with ${code}`)));
	});
	return {
		url,
		child,
		stop: async () => {
			if (child.exitCode !== null) return;
			const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
			child.kill('SIGTERM');
			await exited;
		},
	};
}

export class SandboxHooks {
	constructor(readonly url: string) {}

	private async hook<T>(method: string, path: string, body?: unknown): Promise<T> {
		const request = async () =>
			await fetch(`${this.url}/__sandbox/${path}`, {
				method,
				headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
		// fetch reuses an idle keep-alive socket. A worker's event loop is busy through its measured
		// run, so when that run outlasts the sandbox's 5 s keep-alive timeout, fetch does not see the
		// socket close and its next hook fails with no answer ("fetch failed", seen once). Each hook
		// reads or sets state, so a repeat leaves the same state: one retry.
		const res = await request().catch(async (error: unknown) => {
			process.stderr.write(`sandbox hook ${method} ${path}: ${String((error as { cause?: unknown }).cause ?? error)}; trying again\n`);
			return await request();
		});
		const text = await res.text();
		if (!res.ok) throw new Error(`sandbox hook ${method} ${path} answered ${res.status}: ${text}`);
		return (text ? JSON.parse(text) : undefined) as T;
	}

	/** Seed data back; clears log, faults, rate-limit counters, nonces, tokens, triggers, config. */
	async reset(): Promise<void> {
		await this.hook('POST', 'reset');
	}

	async setFaults(faults: FaultSettings): Promise<void> {
		await this.hook('PUT', 'faults', faults);
	}

	/** Setting `rateLimitWindowSeconds` also starts every API user's rate-limit window afresh. */
	async setConfig(config: { rateLimitPerMinute?: number; rateLimitWindowSeconds?: number }): Promise<void> {
		await this.hook('PUT', 'config', config);
	}

	/** Adds an API user holding only `permissions` (groups or single ones, see sandbox/permissions.ts). */
	async addUser(user: { scheme: 'wsse' | 'oidc'; name: string; secret: string; permissions: string[] }): Promise<void> {
		await this.hook('POST', 'users', user);
	}

	async lastSeq(): Promise<number> {
		return (await this.hook<{ lastSeq: number }>('GET', 'health')).lastSeq;
	}

	async contactCount(): Promise<number> {
		return (await this.hook<{ contacts: number }>('GET', 'health')).contacts;
	}

	/** Empties the request log (it keeps every body; over many large runs it slows the sandbox down). */
	async clearLog(): Promise<void> {
		await this.hook('DELETE', 'log');
	}

	/** Log entries after `since`, without bodies unless asked for. */
	async log(since: number, options: { bodies?: boolean } = {}): Promise<LogEntry[]> {
		return (await this.hook<{ requests: LogEntry[] }>('GET', `log?since=${since}&bodies=${options.bodies ? 1 : 0}`)).requests;
	}

	async contacts(): Promise<ContactView[]> {
		return (await this.hook<{ contacts: ContactView[] }>('GET', 'contacts')).contacts;
	}

	async triggers(): Promise<TriggerRecord[]> {
		return (await this.hook<{ triggers: TriggerRecord[] }>('GET', 'triggers')).triggers;
	}

	/** Internal IDs of the contacts on a contact list. */
	async listMembers(listId: string): Promise<number[]> {
		const { contactLists } = await this.hook<{ contactLists: Array<{ id: number; contactIds: number[] }> }>('GET', 'contactlists');
		return contactLists.find((list) => String(list.id) === listId)?.contactIds ?? [];
	}
}

/** API calls in a log slice, by `METHOD path` (query strings are not part of `path`). */
export function countCalls(entries: LogEntry[]): { total: number; byEndpoint: Record<string, number>; nonOk: number; rateLimited: number } {
	const byEndpoint: Record<string, number> = {};
	let total = 0;
	let nonOk = 0;
	let rateLimited = 0;
	for (const entry of entries) {
		if (!entry.path.startsWith('/api/')) continue;
		total++;
		if (entry.status !== 200 || (entry.replyCode !== undefined && entry.replyCode !== 0)) nonOk++;
		if (entry.status === 429) rateLimited++;
		const key = `${entry.method} ${entry.path.replace(/^\/api\/v[23]\//, '').replace(/\/+$/, '')}`;
		byEndpoint[key] = (byEndpoint[key] ?? 0) + 1;
	}
	return { total, byEndpoint, nonOk, rateLimited };
}
