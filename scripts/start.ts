/**
 * `npm start`: the Emarsys sandbox + a real n8n 2.x with this package, the demo credentials, the
 * active chatbot demo workflow and the MCP demo (Emarsys tools for AI agents), on
 * http://localhost:5678. Both demo endpoints ask for a secret of this user folder (header / Bearer
 * token, see scripts/n8n-stack.ts); the lines printed at the end carry it. Ctrl-C stops everything.
 *
 * Environment (all optional):
 *   N8N_PORT (5678), N8N_RUNNERS_BROKER_PORT (5679), EMARSYS_SANDBOX_PORT (8089),
 *   EMARSYS_N8N_USER_FOLDER (.n8n-local), N8N_STARTUP_TIMEOUT_SECONDS (120).
 *   A real Emarsys account instead of the sandbox (see CONTRIBUTING.md):
 *   EMARSYS_WSSE_USERNAME + EMARSYS_WSSE_SECRET [+ EMARSYS_API_BASE_URL], and/or
 *   EMARSYS_OIDC_CLIENT_ID + EMARSYS_OIDC_CLIENT_SECRET [+ EMARSYS_OIDC_TOKEN_URL, EMARSYS_OIDC_API_BASE_URL].
 */
import * as path from 'node:path';

import {
	DEMO_OWNER,
	DEMO_WEBHOOK_PATH,
	PROJECT_DIR,
	StackError,
	realTargetFromEnv,
	startStack,
	type RunningStack,
} from './n8n-stack';

function intEnv(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw.trim() === '') return fallback;
	const n = Number(raw);
	if (!Number.isInteger(n) || n < 1 || n > 65535) {
		console.error(`${name} must be a port number (1-65535), got ${JSON.stringify(raw)}`);
		process.exit(2);
	}
	return n;
}

/** Headers as written on a command line: `Name: value`. */
const headerLines = (headers: Record<string, string>) => Object.entries(headers).map(([name, value]) => `${name}: ${value}`);

async function main(): Promise<void> {
	const n8nPort = intEnv('N8N_PORT', 5678);
	const brokerPort = intEnv('N8N_RUNNERS_BROKER_PORT', 5679);
	const sandboxPort = intEnv('EMARSYS_SANDBOX_PORT', 8089);
	const userFolder = path.resolve(PROJECT_DIR, process.env.EMARSYS_N8N_USER_FOLDER || '.n8n-local');
	const startupTimeoutMs = intEnv('N8N_STARTUP_TIMEOUT_SECONDS', 120) * 1000;
	const target = realTargetFromEnv(process.env);
	const say = (m: string) => console.log(`[start] ${m}`);

	let stack: RunningStack | undefined;
	let stopping = false;
	const shutdown = async (reason: string, code: number) => {
		if (stopping) return;
		stopping = true;
		say(`${reason}: stopping n8n and the sandbox…`);
		try {
			await stack?.stop();
		} finally {
			say('Stopped.');
			process.exit(code);
		}
	};
	// Ctrl-C while starting up: startStack stops what it had started, then throws.
	const starting = new AbortController();
	const onSignal = (signal: NodeJS.Signals) => {
		if (stack) void shutdown(signal, 0);
		else starting.abort();
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	process.on('SIGHUP', onSignal);

	const started = Date.now();
	stack = await startStack({
		n8nPort,
		brokerPort,
		sandboxPort,
		userFolder,
		target,
		startupTimeoutMs,
		importWorkflows: 'once',
		mcpDemo: true,
		triggerDemo: true,
		sandboxDataFile: target ? undefined : path.join(userFolder, 'sandbox-contacts.json'),
		log: say,
		signal: starting.signal,
	});
	if (starting.signal.aborted) return shutdown('Interrupted', 130);

	const webhookPath = stack.webhookPaths.includes(DEMO_WEBHOOK_PATH) ? DEMO_WEBHOOK_PATH : stack.webhookPaths[0];
	const lines = [
		'',
		`n8n ${stack.n8nVersion} with n8n-nodes-emarsys is running (ready in ${Math.round((Date.now() - started) / 1000)} s).`,
		'',
		`  Editor:  ${stack.n8nUrl}`,
		`  Login:   ${DEMO_OWNER.email} / ${DEMO_OWNER.password}   (throwaway local account)`,
		stack.sandbox
			? `  Emarsys: sandbox at ${stack.sandbox.url} (request log: ${stack.sandbox.url}/__sandbox/log)`
			: `  Emarsys: your account (${stack.target.wsse?.baseUrl ?? stack.target.oidc?.baseUrl})`,
		'',
	];
	if (webhookPath) {
		lines.push(
			'  Send the demo workflow a chatbot message:',
			'',
			`  curl -s -X POST ${stack.webhookUrl(webhookPath)} -H 'Content-Type: application/json' \\`,
			...headerLines(stack.authHeaders.chatbot).map((header) => `    -H '${header}' \\`),
			`    -d '{"email":"nora.new@example.com","firstName":"Nora","emailFormat":"2"}'`,
			'',
		);
	}
	if (stack.mcpUrl) {
		const [mcpHeader] = headerLines(stack.authHeaders.mcp);
		lines.push(
			'  AI agents: the Emarsys tools over MCP (Streamable HTTP, see README "Use it from an AI agent"):',
			'',
			`  ${stack.mcpUrl}`,
			`  with the header  ${mcpHeader}`,
			'',
			'  From a client that starts local MCP servers only (Claude Desktop, for one):',
			'',
			`  npx mcp-remote ${stack.mcpUrl} --header "${mcpHeader}"`,
			'',
		);
	}
	if (stack.triggerUrl && stack.sandbox) {
		lines.push(
			'  Emarsys program → n8n: the sandbox plays a program whose contact reaches its Webhook node (signed call):',
			'',
			`  curl -s -X POST ${stack.sandbox.url}/__sandbox/webhook/fire -H 'Content-Type: application/json' -d '{"url":"${stack.triggerUrl}"}'`,
			'',
		);
	}
	lines.push('Press Ctrl-C to stop.');
	console.log(lines.join('\n'));

	const why = await stack.exited;
	if (!stopping) {
		console.error(`[start] ${why} unexpectedly; its log: ${stack.n8nLogFile}`);
		await shutdown('n8n stopped', 1);
	}
}

main().catch((error: unknown) => {
	const message = error instanceof StackError ? error.message : (error as Error)?.stack ?? String(error);
	console.error(`[start] ${message}`);
	process.exit(/^Interrupted/.test(message) ? 130 : 1);
});
