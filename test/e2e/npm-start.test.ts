/**
 * `npm start` as a newcomer uses it (scripts/start.ts, after the build that `npm start` and
 * `npm run test:e2e` both run): it prints the editor URL, the login, a curl line with the webhook's
 * secret header and the MCP URL with its Bearer token; that curl line, run as printed, gets the
 * chatbot's answer, and an MCP client with that token finds the Emarsys tools at that URL; Ctrl-C
 * stops everything. Ports and user folder are
 * moved out of the way through the documented environment variables.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { CHATBOT_SECRET_HEADER, DEMO_OWNER, PROJECT_DIR, endpointSecrets, freePort, processGroupAlive } from '../../scripts/n8n-stack';
import { STARTUP_TIMEOUT_MS, portOpen, processesMentioning } from './stack';

const run = promisify(execFile);

let userFolder: string;
let child: ChildProcess | undefined;
let output = '';

afterAll(async () => {
	if (child?.pid && processGroupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
	if (userFolder) fs.rmSync(userFolder, { recursive: true, force: true });
});

function waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			cleanup();
			reject(new Error(`npm start did not print ${pattern} within ${timeoutMs / 1000} s. Output so far:\n${output}`));
		}, timeoutMs);
		const check = () => {
			const match = output.match(pattern);
			if (match) {
				cleanup();
				resolve(match);
			}
		};
		const onExit = (code: number | null) => {
			cleanup();
			reject(new Error(`npm start exited (code ${code}) before printing ${pattern}. Output:\n${output}`));
		};
		const cleanup = () => {
			clearTimeout(timer);
			child?.stdout?.off('data', check);
			child?.off('exit', onExit);
		};
		child?.stdout?.on('data', check);
		child?.once('exit', onExit);
		check();
	});
}

test('prints editor URL, login, a curl line and an MCP URL that work as printed; Ctrl-C stops everything', async () => {
	userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'emarsys-e2e-start-'));
	const n8nPort = await freePort();
	const brokerPort = await freePort();
	const sandboxPort = await freePort();
	child = spawn(path.join(PROJECT_DIR, 'node_modules', '.bin', 'tsx'), ['scripts/start.ts'], {
		cwd: PROJECT_DIR,
		env: {
			...process.env,
			N8N_PORT: String(n8nPort),
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			EMARSYS_SANDBOX_PORT: String(sandboxPort),
			EMARSYS_N8N_USER_FOLDER: userFolder,
			N8N_STARTUP_TIMEOUT_SECONDS: String(Math.round(STARTUP_TIMEOUT_MS / 1000)),
		},
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true, // its own process group, like a terminal's foreground job
	});
	child.stdout!.setEncoding('utf8');
	child.stderr!.setEncoding('utf8');
	child.stdout!.on('data', (chunk: string) => (output += chunk));
	child.stderr!.on('data', (chunk: string) => (output += chunk));

	await waitForOutput(/Press Ctrl-C to stop\./, STARTUP_TIMEOUT_MS + 30_000);
	expect(output).toContain(`Editor:  http://localhost:${n8nPort}`);
	expect(output).toContain(`Login:   ${DEMO_OWNER.email} / ${DEMO_OWNER.password}`);
	expect(output).toContain(`sandbox at http://127.0.0.1:${sandboxPort}`);

	// The curl line, exactly as printed (lines joined by the shell's backslash-newline), with the
	// secret header of this user folder; without that header the webhook refuses the message.
	const curl = output.match(/^ {2}(curl -s -X POST .*\\\n(?:\s+-H .*\\\n)*\s+-d '.*')$/m);
	expect(curl).not.toBeNull();
	const { chatbotSecret, mcpToken } = endpointSecrets(userFolder);
	expect(curl![1]).toContain(`-H '${CHATBOT_SECRET_HEADER}: ${chatbotSecret}'`);
	const { stdout } = await run('bash', ['-c', curl![1]], { timeout: 60_000 });
	const answer = JSON.parse(stdout) as { reply: string; contact: Record<string, string> };
	const sent = JSON.parse(curl![1].match(/-d '(.*)'$/)![1]) as { email: string; firstName: string };
	expect(answer.contact['E-Mail']).toBe(sent.email);
	expect(answer.reply).toContain(sent.firstName);
	const withoutSecret = curl![1].replace(/ *-H '[^']*Secret[^']*' \\\n/, '');
	expect(withoutSecret).not.toContain(chatbotSecret);
	const refused = await run('bash', ['-c', withoutSecret.replace('curl -s', "curl -s -o /dev/null -w '%{http_code}'")], { timeout: 60_000 });
	expect(refused.stdout).toBe('403');

	// The MCP endpoint and its header, as printed: an MCP client with that header finds the Emarsys
	// tools; the mcp-remote line carries the same URL and header.
	const mcpUrl = output.match(/^ {2}(http:\/\/localhost:\d+\/mcp\/\S+)\n {2}with the header {2}(Authorization: Bearer \S+)$/m);
	expect(mcpUrl?.[1]).toBe(`http://localhost:${n8nPort}/mcp/emarsys`);
	expect(mcpUrl?.[2]).toBe(`Authorization: Bearer ${mcpToken}`);
	expect(output).toContain(`  npx mcp-remote ${mcpUrl![1]} --header "${mcpUrl![2]}"\n`);
	const client = new Client({ name: 'npm-start-e2e', version: '1.0.0' });
	const headers = { Authorization: mcpUrl![2].replace(/^Authorization: /, '') };
	await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl![1]), { requestInit: { headers } }));
	const { tools } = await client.listTools();
	await client.close();
	expect(tools.map((tool) => tool.name).sort()).toEqual(['create_or_update_contact', 'get_contact', 'list_fields', 'trigger_order_confirmation']);

	// The Emarsys Trigger demo's curl line, as printed: the sandbox sends one call signed with its
	// preset secret, and the active trigger accepts it (a token it could not verify would get 401).
	const fireLine = output.match(/^ {2}(curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/__sandbox\/webhook\/fire .*)$/m);
	expect(fireLine).not.toBeNull();
	const fired = JSON.parse((await run('bash', ['-c', fireLine![1]], { timeout: 60_000 })).stdout) as { calls: Array<{ status: number }> };
	expect(fired.calls.map((call) => call.status)).toEqual([200]);

	// Ctrl-C in a terminal sends SIGINT to the whole foreground process group.
	const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
	process.kill(-child.pid!, 'SIGINT');
	expect(await exited).toBe(0);
	expect(output).toContain('Stopped.');
	expect(processesMentioning(userFolder)).toEqual([]);
	expect(await portOpen(n8nPort)).toBe(false);
	expect(await portOpen(sandboxPort)).toBe(false);
	// What n8n keeps stays in the user folder.
	expect(fs.existsSync(path.join(userFolder, '.n8n', 'database.sqlite'))).toBe(true);
});
