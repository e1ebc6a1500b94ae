/**
 * The secrets that protect the demo endpoints (scripts/n8n-stack.ts): one set per user folder,
 * random, kept across restarts, readable by the folder's owner only; and the shipped demo
 * workflows ask for them through the credentials `npm start` imports.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
	CHATBOT_SECRET_HEADER,
	ENDPOINT_CREDENTIALS,
	authHeadersFor,
	endpointCredentialsForImport,
	endpointSecrets,
	loadDemoWorkflow,
	loadMcpWorkflow,
	oidcVariant,
	type WorkflowJson,
} from '../../scripts/n8n-stack';

const folders: string[] = [];
function newFolder(): string {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'emarsys-secrets-'));
	folders.push(folder);
	return folder;
}

afterAll(() => {
	for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
});

describe('endpointSecrets', () => {
	it('makes two different random secrets for a new user folder and gives the same ones on the next start', () => {
		const folder = newFolder();
		const first = endpointSecrets(folder);
		expect(first.chatbotSecret).not.toBe(first.mcpToken);
		// 24 random bytes, base64url: 32 characters a shell and an HTTP header take as they are.
		for (const secret of [first.chatbotSecret, first.mcpToken]) expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
		expect(endpointSecrets(folder)).toEqual(first);
	});

	it('gives each user folder its own secrets', () => {
		expect(endpointSecrets(newFolder())).not.toEqual(endpointSecrets(newFolder()));
	});

	it('keeps them in a file only the owner can read', () => {
		const folder = newFolder();
		endpointSecrets(folder);
		const files = fs.readdirSync(folder);
		expect(files).toHaveLength(1);
		expect(fs.statSync(path.join(folder, files[0])).mode & 0o777).toBe(0o600);
	});

	it('refuses a damaged file, naming it, instead of quietly making new secrets', () => {
		const folder = newFolder();
		endpointSecrets(folder);
		const file = path.join(folder, fs.readdirSync(folder)[0]);
		fs.writeFileSync(file, '{"chatbotSecret":""}');
		expect(() => endpointSecrets(folder)).toThrow(file);
	});
});

describe('what callers send and what n8n is given', () => {
	const secrets = { chatbotSecret: 'chatbot-secret-1', mcpToken: 'mcp-token-1' };

	it('the chatbot sends the secret in its own header; the MCP client as a Bearer token', () => {
		expect(authHeadersFor(secrets)).toEqual({
			chatbot: { 'X-Chatbot-Secret': 'chatbot-secret-1' },
			mcp: { Authorization: 'Bearer mcp-token-1' },
		});
	});

	it('the credentials carry them in the fields of n8n\'s Header Auth and Bearer Auth credential types', () => {
		expect(endpointCredentialsForImport(secrets)).toEqual([
			expect.objectContaining({ type: 'httpHeaderAuth', data: { name: CHATBOT_SECRET_HEADER, value: 'chatbot-secret-1' } }),
			expect.objectContaining({ type: 'httpBearerAuth', data: { token: 'mcp-token-1' } }),
		]);
	});
});

describe('the shipped demo workflows ask for those credentials', () => {
	const byType = (workflow: WorkflowJson, type: string) => workflow.nodes.filter((node) => node.type === type);
	const reference = (credential: { id: string; name: string }) => ({ id: credential.id, name: credential.name });

	it.each([
		['chatbot (WSSE)', loadDemoWorkflow()],
		['chatbot (OpenID Connect)', oidcVariant(loadDemoWorkflow())],
	])('%s: the Webhook uses Header Auth with the chatbot webhook secret', (_, workflow) => {
		const [webhook] = byType(workflow, 'n8n-nodes-base.webhook');
		expect(webhook.parameters.authentication).toBe('headerAuth');
		expect(webhook.credentials).toEqual({ httpHeaderAuth: reference(ENDPOINT_CREDENTIALS.chatbot) });
	});

	it.each([
		['WSSE', { wsse: { baseUrl: 'x', username: 'u', secret: 's' } }],
		['OpenID Connect only', { oidc: { baseUrl: 'x', accessTokenUrl: 'x', clientId: 'c', clientSecret: 's' } }],
	])('MCP (%s): the MCP Server Trigger uses Bearer Auth with the MCP client token', (_, target) => {
		const [trigger] = byType(loadMcpWorkflow(target), '@n8n/n8n-nodes-langchain.mcpTrigger');
		expect(trigger.parameters.authentication).toBe('bearerAuth');
		expect(trigger.credentials).toEqual({ httpBearerAuth: reference(ENDPOINT_CREDENTIALS.mcp) });
	});
});
