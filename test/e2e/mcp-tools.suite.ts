/**
 * The MCP demo (demo/mcp-workflow.json) in a real n8n 2.x server, used the way an AI agent uses
 * it: a real MCP client (the official TypeScript SDK, over Streamable HTTP) connects to n8n's MCP
 * Server Trigger, lists the Emarsys tools and calls them against the sandbox. No language model
 * is needed: the test plays the agent and fills in the arguments itself.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import type { LogEntry } from '../../sandbox/index';
import { SEED_CONTACTS, SEED_FIELDS } from '../../sandbox/seed';
import { DEMO_WORKFLOW_FILE, MCP_PATH, MCP_WORKFLOW_FILE, endpointSecrets, type WorkflowJson } from '../../scripts/n8n-stack';
import { clearSandboxLog, demoStack, restLogin, sandboxContacts, sandboxLog, type E2eStack } from './stack';

/** The event the trigger tool fires, as fixed in the workflow. */
const EVENT_ID = 1001;

const labelOf = (fieldId: number, choiceId: number) =>
	SEED_FIELDS.find((field) => field.id === fieldId)!.choices!.find((choice) => choice.id === choiceId)!.choice;

let stack: E2eStack;
let client: Client;
let transport: StreamableHTTPClientTransport;
/** Every text a tool call answered, for the check that no secret and no stack trace leaks. */
const answers: string[] = [];

beforeAll(async () => {
	stack = await demoStack();
	client = new Client({ name: 'emarsys-e2e-agent', version: '1.0.0' });
	transport = new StreamableHTTPClientTransport(new URL(stack.mcpUrl!), { requestInit: { headers: stack.authHeaders.mcp } });
	await client.connect(transport);
});

afterAll(async () => {
	await client?.close();
});

interface ToolAnswer {
	isError: boolean;
	text: string;
}

/** Calls a tool as an agent would; the answer's text (JSON for results, a message for errors). */
async function callTool(name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
	const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as {
		isError?: boolean;
		content: Array<{ type: string; text?: string }>;
	};
	const text = result.content.map((part) => part.text ?? '').join('\n');
	answers.push(text);
	return { isError: result.isError === true, text };
}

const apiCalls = (log: LogEntry[]) => log.filter((entry) => entry.path.startsWith('/api/'));
const describeCalls = (log: LogEntry[]) => apiCalls(log).map((entry) => `${entry.method} ${entry.path}`);

async function triggers(): Promise<Array<{ eventId: number; externalId: string; duplicate: boolean }>> {
	const response = await fetch(`${stack.sandbox!.url}/__sandbox/triggers`);
	return ((await response.json()) as { triggers: Array<{ eventId: number; externalId: string; duplicate: boolean }> }).triggers;
}

test('npm start and the tests serve the MCP endpoint under /mcp/, with the server instructions', () => {
	expect(stack.mcpUrl).toBe(`${stack.n8nUrl}/mcp/${MCP_PATH}`);
	// n8n 2.41.1 offers the community node as a tool with no setting: n8n 1.x's one is not set here.
	expect(fs.readFileSync(`/proc/${stack.n8nPid}/environ`, 'utf8')).not.toContain('ALLOW_TOOL_USAGE');
	expect(client.getInstructions()).toMatch(/get_contact.*create_or_update_contact.*trigger_order_confirmation.*list_fields/s);
});

describe('the endpoint asks for the Bearer token of the MCP client token credential', () => {
	/** A tools/call of list_fields (which reads the fields from Emarsys) in the connected client's session, sent with `headers`. */
	async function listFieldsCall(headers: Record<string, string>): Promise<{ status: number; text: string }> {
		const response = await fetch(stack.mcpUrl!, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				accept: 'application/json, text/event-stream',
				...(transport.sessionId ? { 'mcp-session-id': transport.sessionId } : {}),
				...headers,
			},
			body: JSON.stringify({ jsonrpc: '2.0', id: 9001, method: 'tools/call', params: { name: 'list_fields', arguments: {} } }),
			signal: AbortSignal.timeout(60_000),
		});
		return { status: response.status, text: await response.text() };
	}

	test('with the token, that call reads the fields from Emarsys', async () => {
		await clearSandboxLog(stack.sandbox!.url);
		const answer = await listFieldsCall(stack.authHeaders.mcp);
		expect(answer.status).toBe(200);
		expect(answer.text).toContain('Preferred e-mail format');
		expect(describeCalls(await sandboxLog(stack.sandbox!.url))).toEqual(['GET /api/v2/field/translate/en']);
	});

	test.each([
		['without a token', (): Record<string, string> => ({})],
		['with a wrong token', (): Record<string, string> => ({ authorization: 'Bearer not-the-token' })],
		['with the token, but not as a Bearer token', (token: string): Record<string, string> => ({ authorization: `Token ${token}` })],
	])('%s: refused (HTTP 403), no call to Emarsys', async (_, headersFor) => {
		await clearSandboxLog(stack.sandbox!.url);
		const answer = await listFieldsCall(headersFor(endpointSecrets(stack.userFolder).mcpToken));
		expect(answer.status).toBe(403);
		expect(await sandboxLog(stack.sandbox!.url)).toEqual([]);
	});

	test('an MCP client without the token cannot connect', async () => {
		const stranger = new Client({ name: 'emarsys-e2e-stranger', version: '1.0.0' });
		// n8n's answer to a refused call (HTTP 403) is the text the SDK's error carries.
		await expect(stranger.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl!)))).rejects.toThrow(
			'Authorization data is wrong!',
		);
	});
});

/**
 * A shipped demo as another n8n gets it from Workflows › Import: the endpoint credential it names
 * does not exist there (here: the reference names an id and a name no credential of this n8n has),
 * and it is published at paths of its own next to the demos.
 */
async function publishWithoutEndpointCredential(file: string, copyPath: string): Promise<void> {
	const workflow = JSON.parse(fs.readFileSync(file, 'utf8')) as WorkflowJson;
	delete workflow.id;
	workflow.name = `${workflow.name} (imported elsewhere)`;
	for (const node of workflow.nodes) {
		if (!node.webhookId) continue;
		node.webhookId = randomUUID();
		node.parameters.path = copyPath;
		// n8n falls back to a credential of the same name and type when the id is unknown: neither is here.
		for (const reference of Object.values(node.credentials ?? {})) Object.assign(reference, { id: 'notInThisN8n1', name: 'Not in this n8n' });
	}
	const cookie = await restLogin(stack.n8nUrl);
	const headers = { cookie, 'content-type': 'application/json' };
	const created = await fetch(`${stack.n8nUrl}/rest/workflows`, { method: 'POST', headers, body: JSON.stringify(workflow) });
	expect(created.status).toBe(200);
	const { data } = (await created.json()) as { data: { id: string; versionId: string } };
	const published = await fetch(`${stack.n8nUrl}/rest/workflows/${data.id}/activate`, {
		method: 'POST',
		headers,
		body: JSON.stringify({ versionId: data.versionId }),
	});
	expect(published.status).toBe(200);
}

/** Waits until n8n has registered the endpoint of a just-published workflow (its CORS preflight answers). */
async function waitUntilRegistered(url: string): Promise<void> {
	const deadline = Date.now() + 60_000;
	const preflight = { method: 'OPTIONS', headers: { origin: stack.n8nUrl, 'access-control-request-method': 'POST' } };
	while ((await fetch(url, preflight)).status >= 400) {
		if (Date.now() > deadline) throw new Error(`${url} was not registered within 60 s`);
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

test('the shipped demos, published in an n8n without their endpoint credential, answer no one (HTTP 500) and call no Emarsys API', async () => {
	await publishWithoutEndpointCredential(MCP_WORKFLOW_FILE, 'emarsys-imported');
	await publishWithoutEndpointCredential(DEMO_WORKFLOW_FILE, 'chatbot-imported');
	await clearSandboxLog(stack.sandbox!.url);
	const chatbotMessage = JSON.stringify({ email: 'ada@example.com', firstName: 'Ada', emailFormat: '1' });
	const initialize = JSON.stringify({
		jsonrpc: '2.0',
		id: 1,
		method: 'initialize',
		params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'stranger', version: '1.0.0' } },
	});
	const calls: Array<{ url: string; body: string; headers: Record<string, string> }> = [
		{ url: `${stack.n8nUrl}/mcp/emarsys-imported`, body: initialize, headers: { accept: 'application/json, text/event-stream' } },
		{ url: stack.webhookUrl('chatbot-imported'), body: chatbotMessage, headers: {} },
	];
	for (const call of calls) {
		await waitUntilRegistered(call.url);
		for (const auth of [{}, stack.authHeaders.mcp, stack.authHeaders.chatbot]) {
			const response = await fetch(call.url, {
				method: 'POST',
				headers: { 'content-type': 'application/json', ...call.headers, ...auth },
				body: call.body,
				signal: AbortSignal.timeout(60_000),
			});
			expect({ url: call.url, status: response.status, text: await response.text() }).toEqual({
				url: call.url,
				status: 500,
				text: 'No authentication data defined on node!',
			});
		}
	}
	expect(await sandboxLog(stack.sandbox!.url)).toEqual([]);
});

test('lists the four Emarsys tools, each described, with every argument named, typed, described and required', async () => {
	const { tools } = await client.listTools();
	const byName = new Map(tools.map((tool) => [tool.name, tool]));
	expect([...byName.keys()].sort()).toEqual(['create_or_update_contact', 'get_contact', 'list_fields', 'trigger_order_confirmation']);

	const expectedArguments: Record<string, string[]> = {
		get_contact: ['email'],
		create_or_update_contact: ['email', 'email_format', 'first_name'],
		trigger_order_confirmation: ['email'],
		list_fields: [],
	};
	for (const [name, argumentNames] of Object.entries(expectedArguments)) {
		const tool = byName.get(name)!;
		expect(tool.description).toContain('Emarsys');
		expect(tool.description!.length).toBeGreaterThan(80);
		const schema = tool.inputSchema as { type: string; properties?: Record<string, { type?: string; description?: string }>; required?: string[] };
		expect(schema.type).toBe('object');
		expect(Object.keys(schema.properties ?? {}).sort()).toEqual(argumentNames);
		expect([...(schema.required ?? [])].sort()).toEqual(argumentNames);
		for (const argument of argumentNames) {
			expect(schema.properties![argument].type).toBe('string');
			expect(schema.properties![argument].description).toMatch(/e\.g\.|:/);
		}
	}
	// What an agent needs to fill the arguments in: the format of each and the choice IDs.
	const upsert = byName.get('create_or_update_contact')!.inputSchema as { properties: Record<string, { description: string }> };
	expect(upsert.properties.email.description).toContain('jane.doe@example.com');
	expect(upsert.properties.email_format.description).toMatch(/1 for HTML, 2 for Text only/);
	expect(byName.get('trigger_order_confirmation')!.description).toContain(String(EVENT_ID));
});

test('get_contact answers with choice labels, not codes, reading the contact once', async () => {
	const ada = SEED_CONTACTS.find((contact) => contact.fields['3'] === 'ada@example.com')!;
	await clearSandboxLog(stack.sandbox!.url);

	const answer = await callTool('get_contact', { email: 'ada@example.com' });

	expect(answer.isError).toBe(false);
	const [contact] = JSON.parse(answer.text) as Array<Record<string, string>>;
	expect(contact['First Name']).toBe('Ada');
	expect(contact['E-Mail']).toBe('ada@example.com');
	expect(contact.Gender).toBe(labelOf(5, Number(ada.fields['5'])));
	expect(contact.Gender).not.toBe(String(ada.fields['5']));
	expect(contact.id).toBe(String(ada.id));
	// One read of the contact; the rest are reads of field metadata for the labels, none repeated.
	const calls = describeCalls(await sandboxLog(stack.sandbox!.url));
	expect(calls.filter((call) => call === 'POST /api/v2/contact/getdata')).toHaveLength(1);
	const others = calls.filter((call) => call !== 'POST /api/v2/contact/getdata');
	for (const call of others) expect(call).toMatch(/^GET \/api\/v2\/field/);
	expect(new Set(others).size).toBe(others.length);
});

test('get_contact for an address no contact has: the error says so and what to do, after one read', async () => {
	await clearSandboxLog(stack.sandbox!.url);
	const answer = await callTool('get_contact', { email: 'nobody@example.com' });
	expect(answer.isError).toBe(true);
	expect(answer.text).toContain('No contact found');
	expect(answer.text).toContain('nobody@example.com');
	expect(answer.text).toContain('must exist');
	expect(describeCalls(await sandboxLog(stack.sandbox!.url)).filter((call) => !call.startsWith('GET /api/v2/field'))).toEqual(['POST /api/v2/contact/getdata']);
});

test('create_or_update_contact saves the contact in one call; get_contact then shows its e-mail format as a label', async () => {
	const email = `nora.${Date.now()}@example.com`;
	await clearSandboxLog(stack.sandbox!.url);

	const answer = await callTool('create_or_update_contact', { email, first_name: 'Nora', email_format: '2' });

	expect(answer.isError).toBe(false);
	const [written] = JSON.parse(answer.text) as Array<{ id: string; fields: Record<string, string> }>;
	expect(written.fields).toEqual({ '1': 'Nora', '3': email, '26': '2' });
	const saved = (await sandboxContacts(stack.sandbox!.url)).find((contact) => contact.fields['3'] === email);
	expect(saved?.fields['1']).toBe('Nora');
	expect(saved?.fields['26']).toBe('2');
	expect(written.id).toBe(String(saved!.id));
	expect(describeCalls(await sandboxLog(stack.sandbox!.url))).toEqual(['PUT /api/v2/contact/']);

	const read = await callTool('get_contact', { email });
	expect((JSON.parse(read.text) as Array<Record<string, string>>)[0]['Preferred e-mail format']).toBe(labelOf(26, 2));
});

test('trigger_order_confirmation fires the event for the contact with one call; it is in the sandbox trigger log', async () => {
	const email = `otto.${Date.now()}@example.com`;
	expect((await callTool('create_or_update_contact', { email, first_name: 'Otto', email_format: '1' })).isError).toBe(false);
	await clearSandboxLog(stack.sandbox!.url);
	const before = (await triggers()).length;

	const answer = await callTool('trigger_order_confirmation', { email });

	expect(answer.isError).toBe(false);
	expect(JSON.parse(answer.text)).toEqual([expect.objectContaining({ success: true, eventId: String(EVENT_ID), contactId: email })]);
	const fired = (await triggers()).slice(before);
	expect(fired).toEqual([expect.objectContaining({ eventId: EVENT_ID, externalId: email, duplicate: false })]);
	expect(describeCalls(await sandboxLog(stack.sandbox!.url))).toEqual([`POST /api/v2/event/${EVENT_ID}/trigger`]);
});

test('list_fields lists every field of the account with one call', async () => {
	await clearSandboxLog(stack.sandbox!.url);

	const answer = await callTool('list_fields', {});

	expect(answer.isError).toBe(false);
	const fields = JSON.parse(answer.text) as Array<{ id: number; name: string; application_type: string }>;
	expect(fields.map((field) => field.id).sort((a, b) => a - b)).toEqual(SEED_FIELDS.map((field) => field.id).sort((a, b) => a - b));
	expect(fields.find((field) => field.id === 26)).toEqual(expect.objectContaining({ name: 'Preferred e-mail format', application_type: 'singlechoice' }));
	expect(describeCalls(await sandboxLog(stack.sandbox!.url))).toEqual(['GET /api/v2/field/translate/en']);
});

describe('bad arguments get an error an agent can act on, and no call to Emarsys', () => {
	beforeEach(async () => await clearSandboxLog(stack.sandbox!.url));
	afterEach(async () => expect(await sandboxLog(stack.sandbox!.url)).toEqual([]));

	test.each([
		['get_contact', { email: 'ada.example.com' }],
		['create_or_update_contact', { email: 'nora at example.com', first_name: 'Nora', email_format: '1' }],
		['trigger_order_confirmation', { email: 'otto@example' }],
	])('%s: a malformed e-mail address', async (tool, args) => {
		const answer = await callTool(tool, args);
		expect(answer.isError).toBe(true);
		expect(answer.text).toContain(`"${args.email}" is not an e-mail address`);
		expect(answer.text).toContain('jane.doe@example.com');
	});

	test('create_or_update_contact: a choice the e-mail format field does not have', async () => {
		const email = `nils.${Date.now()}@example.com`;
		const answer = await callTool('create_or_update_contact', { email, first_name: 'Nils', email_format: 'HTML' });
		expect(answer.isError).toBe(true);
		// Names the field, the value given and the choices there are.
		expect(answer.text).toContain("'26'");
		expect(answer.text).toContain("'HTML'");
		expect(answer.text).toMatch(/\[1, 2\]/);
		expect((await sandboxContacts(stack.sandbox!.url)).some((contact) => contact.fields['3'] === email)).toBe(false);
	});

	test('create_or_update_contact: a missing argument', async () => {
		const answer = await callTool('create_or_update_contact', { email: 'nina@example.com', email_format: '1' });
		expect(answer.isError).toBe(true);
		expect(answer.text).toContain('first_name');
	});
});

test('no answer carries a stack trace or a secret', () => {
	expect(answers.length).toBeGreaterThan(8);
	const { wsseSecret, oidcClientSecret } = stack.sandbox!.credentials;
	for (const text of answers) {
		expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
		expect(text).not.toContain(wsseSecret);
		expect(text).not.toContain(oidcClientSecret);
		expect(text.length).toBeLessThan(text.startsWith('[') ? 100_000 : 600);
	}
});
