/**
 * e2e helpers: the same stack as `npm start` (scripts/n8n-stack.ts) on free ports with a temporary
 * user folder, the sandbox's request log, and a check that nothing we started is still running.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { LogEntry } from '../../sandbox/index';
import { DEMO_OWNER, freePort, processGroupAlive, startStack, type RunningStack, type StackOptions } from '../../scripts/n8n-stack';

/** Bound for n8n to come up in the tests (CI machines are slower than laptops). */
export const STARTUP_TIMEOUT_MS = Number(process.env.E2E_N8N_STARTUP_TIMEOUT_MS ?? 180_000);

export interface E2eStack extends RunningStack {
	userFolder: string;
	/** Stops everything and removes the temporary user folder. */
	teardown(): Promise<void>;
}

export async function startE2eStack(overrides: Partial<StackOptions> = {}): Promise<E2eStack> {
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'emarsys-e2e-n8n-'));
	const n8nPort = await freePort();
	let brokerPort = await freePort();
	while (brokerPort === n8nPort) brokerPort = await freePort();
	let stack: RunningStack;
	try {
		stack = await startStack({
			n8nPort,
			brokerPort,
			sandboxPort: 0,
			userFolder,
			startupTimeoutMs: STARTUP_TIMEOUT_MS,
			importWorkflows: 'always',
			log: process.env.E2E_VERBOSE ? (m) => console.log(`[e2e stack] ${m}`) : undefined,
			...overrides,
		});
	} catch (error) {
		fs.rmSync(userFolder, { recursive: true, force: true });
		throw error;
	}
	return {
		...stack,
		userFolder,
		teardown: async () => {
			sessions.delete(stack.n8nUrl);
			await stack.stop();
			fs.rmSync(userFolder, { recursive: true, force: true });
		},
	};
}

/** The n8n the demo suites of this test file share (its module is one per test file). */
let demo: Promise<E2eStack> | undefined;

/**
 * The n8n that the demo suites (*.suite.ts) of one test file share, started by the first that
 * asks: every demo (chatbot, MCP, Emarsys Trigger) on n8n 2.41.1, or the chatbot demo alone on
 * the n8n named by E2E_N8N_VERSION (n8n 1.x has no MCP module). n8n logs at debug level, so
 * that the suites' secret searches cover all it logs. The test file stops it (stopDemoStack).
 */
export async function demoStack(): Promise<E2eStack> {
	const n8nVersion = process.env.E2E_N8N_VERSION || undefined;
	demo ??= startE2eStack({ env: { N8N_LOG_LEVEL: 'debug' }, n8nVersion, mcpDemo: !n8nVersion, triggerDemo: !n8nVersion });
	return await demo;
}

/** The last test of a file whose suites share demoStack(): stopping it leaves nothing running (and its teardown). */
export function stopDemoStackAtEnd(): void {
	test('stopping ends n8n, its task runner and the sandbox: no process is left behind', async () => {
		const stack = await demoStack();
		const sandboxPort = stack.sandbox!.port;
		expect(processesMentioning(stack.userFolder).length).toBeGreaterThanOrEqual(1);
		expect(processGroupAlive(stack.n8nPid)).toBe(true);
		await stack.stop();
		expect(processGroupAlive(stack.n8nPid)).toBe(false);
		expect(processesMentioning(stack.userFolder)).toEqual([]);
		expect(await portOpen(sandboxPort)).toBe(false);
	});
	afterAll(async () => await (await demo?.catch(() => undefined))?.teardown());
}

/**
 * Processes whose environment or command line mentions `marker` (a temporary folder unique to one
 * test run): n8n and its task runner carry N8N_USER_FOLDER, Chromium its --user-data-dir.
 */
export function processesMentioning(marker: string): Array<{ pid: number; cmd: string }> {
	const found: Array<{ pid: number; cmd: string }> = [];
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
		let environ = '';
		let cmdline = '';
		try {
			cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
			environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
		} catch {
			// Gone meanwhile, or not ours to read.
		}
		if (cmdline.includes(marker) || environ.includes(marker)) {
			found.push({ pid: Number(entry), cmd: cmdline.replace(/\0/g, ' ').trim() });
		}
	}
	return found;
}

export async function sandboxLog(sandboxUrl: string): Promise<LogEntry[]> {
	const response = await fetch(`${sandboxUrl}/__sandbox/log`);
	if (!response.ok) throw new Error(`sandbox log: HTTP ${response.status}`);
	return ((await response.json()) as { requests: LogEntry[] }).requests;
}

export async function clearSandboxLog(sandboxUrl: string): Promise<void> {
	const response = await fetch(`${sandboxUrl}/__sandbox/log`, { method: 'DELETE' });
	if (!response.ok) throw new Error(`clearing the sandbox log: HTTP ${response.status}`);
}

export interface SandboxContact {
	id: number;
	uid: string;
	fields: Record<string, string | null>;
}

export async function sandboxContacts(sandboxUrl: string): Promise<SandboxContact[]> {
	const response = await fetch(`${sandboxUrl}/__sandbox/contacts`);
	if (!response.ok) throw new Error(`sandbox contacts: HTTP ${response.status}`);
	return ((await response.json()) as { contacts: SandboxContact[] }).contacts;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export async function portOpen(port: number): Promise<boolean> {
	const net = await import('node:net');
	return await new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/** REST sessions of this test file, by n8n URL: n8n takes 5 logins a minute per user, and the demo suites share one n8n. */
const sessions = new Map<string, Promise<string>>();

/** Logs in as the demo owner through n8n's REST API (once per n8n and test file); returns the Cookie header for further calls. */
export async function restLogin(n8nUrl: string): Promise<string> {
	let session = sessions.get(n8nUrl);
	if (!session) {
		sessions.set(n8nUrl, (session = newRestSession(n8nUrl)));
		session.catch(() => sessions.delete(n8nUrl));
	}
	return await session;
}

async function newRestSession(n8nUrl: string): Promise<string> {
	const response = await fetch(`${n8nUrl}/rest/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ emailOrLdapLoginId: DEMO_OWNER.email, password: DEMO_OWNER.password }),
	});
	if (!response.ok) throw new Error(`n8n login: HTTP ${response.status}`);
	return response.headers
		.getSetCookie()
		.map((cookie) => cookie.split(';')[0])
		.join('; ');
}

/** Every file under a folder, as text (n8n's SQLite database and its WAL included). */
export function filesUnder(folder: string): Array<{ file: string; text: string }> {
	const out: Array<{ file: string; text: string }> = [];
	for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
		const file = path.join(folder, entry.name);
		if (entry.isDirectory()) {
			if (entry.name !== 'node_modules' && entry.name !== 'nodes') out.push(...filesUnder(file));
		} else if (entry.isFile()) {
			const text = readIfStillThere(file);
			if (text !== undefined) out.push({ file, text });
		}
	}
	return out;
}

/** A file's text, or undefined when n8n removed it since the folder was listed (SQLite's journal comes and goes). */
function readIfStillThere(file: string): string | undefined {
	try {
		return fs.readFileSync(file).toString('latin1');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
}
