/**
 * The chatbot demo workflow in a real n8n 2.x server: Webhook → Emarsys upsert → add to the
 * "Chatbot subscribers" contact list → trigger external event → get contact with choice labels →
 * Respond to Webhook, against the sandbox, first with the
 * WSSE credential and then with the OpenID Connect one. Run by demo-stack.test.ts (first of the
 * suites sharing its n8n) and chatbot-flow-n8n1.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { SEED_CONTACT_LISTS, SEED_EVENTS, SEED_FIELDS } from '../../sandbox/seed';
import type { LogEntry } from '../../sandbox/index';
import {
	CHATBOT_SECRET_HEADER,
	DEMO_WEBHOOK_PATH,
	OIDC_WEBHOOK_PATH,
	endpointSecrets,
	loadDemoWorkflow,
} from '../../scripts/n8n-stack';
import {
	clearSandboxLog,
	filesUnder,
	restLogin,
	sandboxContacts,
	sandboxLog,
	demoStack,
	type E2eStack,
} from './stack';

/** The single-choice field the chatbot answers (Preferred e-mail format) and its choices, from the seed. */
const FORMAT_FIELD = SEED_FIELDS.find((field) => field.id === 26)!;
const labelOf = (choiceId: number) => FORMAT_FIELD.choices!.find((choice) => choice.id === choiceId)!.choice;

/** The external event the demo workflow triggers, as configured in demo/chatbot-workflow.json. */
const demoEventId = String(
	(loadDemoWorkflow().nodes.find((node) => node.parameters.operation === 'trigger')!.parameters.eventId as { value: string }).value,
);

/** The contact list the demo workflow adds each contact to, as configured in demo/chatbot-workflow.json. */
const demoListId = String(
	(loadDemoWorkflow().nodes.find((node) => node.parameters.operation === 'addContacts')!.parameters.contactListId as { value: string }).value,
);

/** The internal contact IDs on a contact list of the sandbox. */
async function listMembers(sandboxUrl: string, listId: string): Promise<number[]> {
	const response = await fetch(`${sandboxUrl}/__sandbox/contactlists`);
	const { contactLists } = (await response.json()) as { contactLists: Array<{ id: number; contactIds: number[] }> };
	return contactLists.find((list) => String(list.id) === listId)?.contactIds ?? [];
}

let stack: E2eStack;

/** Another n8n version than the default 2.41.1 (set by chatbot-flow-n8n1.test.ts). */
const n8nVersion = process.env.E2E_N8N_VERSION || undefined;

beforeAll(async () => {
	// n8n logs at debug level there, so that the secret search below covers what it logs then.
	stack = await demoStack();
});

async function sendChatbotMessage(webhookPath: string, message: Record<string, string>) {
	const response = await fetch(stack.webhookUrl(webhookPath), {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...stack.authHeaders.chatbot },
		body: JSON.stringify(message),
		signal: AbortSignal.timeout(60_000),
	});
	const text = await response.text();
	return { status: response.status, text, json: JSON.parse(text) as { reply: string; contact: Record<string, unknown> } };
}

/** Requests to the Emarsys API itself (not the token endpoint). */
const apiCalls = (log: LogEntry[]) => log.filter((entry) => entry.path.startsWith('/api/'));

/**
 * One call per workflow step: exactly one upsert, one contact list add, one event trigger and one
 * getdata, in that order; the label look-ups of getWithChoiceLabels are reads of field metadata,
 * none repeated.
 */
function expectOneCallPerStep(log: LogEntry[], generation: 'v2' | 'v3', email: string): void {
	const api = apiCalls(log);
	const upserts = api.filter((e) => e.method === 'PUT' && /^\/api\/v[23]\/contact\/?$/.test(e.path));
	const listAdds = api.filter((e) => e.method === 'POST' && e.path === `/api/${generation}/contactlist/${demoListId}/add`);
	expect(listAdds).toHaveLength(1);
	expect(listAdds[0].body).toEqual({ key_id: '3', external_ids: [email] });
	const triggers = api.filter((e) => e.method === 'POST' && e.path.replace(/\/$/, '') === `/api/${generation}/event/${demoEventId}/trigger`);
	const reads = api.filter((e) => e.method === 'POST' && /\/contact\/getdata\/?$/.test(e.path));
	expect(upserts).toHaveLength(1);
	expect(triggers).toHaveLength(1);
	expect(reads).toHaveLength(1);
	expect(upserts[0].seq).toBeLessThan(listAdds[0].seq);
	expect(listAdds[0].seq).toBeLessThan(triggers[0].seq);
	expect(triggers[0].seq).toBeLessThan(reads[0].seq);
	// What each step sent is about the chatbot's contact.
	expect(JSON.stringify(upserts[0].body)).toContain(email);
	expect(JSON.stringify(triggers[0].body)).toContain(email);
	expect(JSON.stringify(reads[0].body)).toContain(email);
	const others = api.filter((e) => !upserts.includes(e) && !listAdds.includes(e) && !triggers.includes(e) && !reads.includes(e));
	for (const entry of others) {
		expect(entry.method).toBe('GET');
		expect(entry.path).toMatch(new RegExp(`^/api/${generation}/field`));
	}
	const keys = others.map((e) => `${e.path}?${JSON.stringify(e.query)}`);
	expect(new Set(keys).size).toBe(keys.length);
	for (const entry of api) {
		expect(entry.path.startsWith(`/api/${generation}/`)).toBe(true);
		expect(entry.status).toBe(200);
	}
}

test('n8n has loaded the package as the community node n8n-nodes-emarsys.emarsys, with both credential types', async () => {
	if (n8nVersion) expect(stack.n8nVersion).toBe(n8nVersion);
	const cookie = await restLogin(stack.n8nUrl);
	const nodeTypes = (await (await fetch(`${stack.n8nUrl}/types/nodes.json`, { headers: { cookie } })).json()) as Array<{ name: string }>;
	const names = nodeTypes.map((type) => type.name);
	expect(names).toContain('n8n-nodes-emarsys.emarsys');
	expect(names.filter((name) => /^CUSTOM\./.test(name))).toEqual([]);
	const credentialTypes = (await (await fetch(`${stack.n8nUrl}/types/credentials.json`, { headers: { cookie } })).json()) as Array<{ name: string }>;
	expect(credentialTypes.map((type) => type.name)).toEqual(expect.arrayContaining(['emarsysApi', 'emarsysOAuth2Api']));
	// Both demo workflows (whose Emarsys nodes carry that type) were activated: their webhooks answer.
	expect(stack.webhookPaths).toEqual([DEMO_WEBHOOK_PATH, OIDC_WEBHOOK_PATH]);
	expect(fs.readFileSync(stack.n8nLogFile, 'utf8')).not.toMatch(/Unrecognized node type|There was a problem activating/i);
});

test.each([
	['without the secret header', (): Record<string, string> => ({})],
	['with a wrong secret', (): Record<string, string> => ({ [CHATBOT_SECRET_HEADER]: 'not-the-secret' })],
	['with the secret in another header', (secret: string): Record<string, string> => ({ 'x-api-key': secret })],
])('the chatbot webhook refuses a message %s (HTTP 403), before any call to Emarsys', async (_, headersFor) => {
	await clearSandboxLog(stack.sandbox!.url);
	const email = `mallory.${Date.now()}@example.com`;
	const { chatbotSecret } = endpointSecrets(stack.userFolder);
	for (const webhookPath of [DEMO_WEBHOOK_PATH, OIDC_WEBHOOK_PATH]) {
		const response = await fetch(stack.webhookUrl(webhookPath), {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headersFor(chatbotSecret) },
			body: JSON.stringify({ email, firstName: 'Mallory', emailFormat: '1' }),
			signal: AbortSignal.timeout(60_000),
		});
		expect({ webhookPath, status: response.status }).toEqual({ webhookPath, status: 403 });
		expect(await response.text()).not.toContain(chatbotSecret);
	}
	expect(await sandboxLog(stack.sandbox!.url)).toEqual([]);
	expect((await sandboxContacts(stack.sandbox!.url)).some((c) => c.fields['3'] === email)).toBe(false);
});

test('WSSE: a new contact from the chatbot is saved, gets the event, and the answer carries choice labels', async () => {
	await clearSandboxLog(stack.sandbox!.url);
	const email = `nora.${Date.now()}@example.com`;
	expect((await sandboxContacts(stack.sandbox!.url)).some((c) => c.fields['3'] === email)).toBe(false);

	const answer = await sendChatbotMessage(DEMO_WEBHOOK_PATH, { email, firstName: 'Nora', emailFormat: '2' });

	expect(answer.status).toBe(200);
	expect(answer.json.contact['E-Mail']).toBe(email);
	expect(answer.json.contact['First Name']).toBe('Nora');
	expect(answer.json.contact['Preferred e-mail format']).toBe(labelOf(2));
	expect(answer.json.contact['Preferred e-mail format']).not.toBe('2');
	expect(answer.json.reply).toContain(labelOf(2));

	// The sandbox stored the choice as its code, so the label came from the label look-up.
	const saved = (await sandboxContacts(stack.sandbox!.url)).find((c) => c.fields['3'] === email);
	expect(saved?.fields['26']).toBe('2');
	expect(saved?.fields['1']).toBe('Nora');
	// …and put the contact on the chatbot's contact list ("Chatbot subscribers" in the seed).
	expect(await listMembers(stack.sandbox!.url, demoListId)).toContain(saved!.id);

	const log = await sandboxLog(stack.sandbox!.url);
	expectOneCallPerStep(log, 'v2', email);
	for (const entry of log) {
		// The sandbox checks every X-WSSE header (digest, nonce, time) and answers 401 otherwise.
		expect(entry.auth).toBe('wsse');
		expect(entry.user).toBe(stack.sandbox!.credentials.wsseUser);
	}
	expect(SEED_EVENTS.some((event) => String(event.id) === demoEventId)).toBe(true);
	expect(SEED_CONTACT_LISTS.find((list) => String(list.id) === demoListId)?.name).toBe('Chatbot subscribers');
});

test('WSSE: a choice ID the field does not have gets a clear 422 answer from the error branch, before any call', async () => {
	await clearSandboxLog(stack.sandbox!.url);
	const email = `nils.${Date.now()}@example.com`;
	const unknownChoice = String(Math.max(...FORMAT_FIELD.choices!.map((choice) => choice.id)) + 1);

	const response = await fetch(stack.webhookUrl(DEMO_WEBHOOK_PATH), {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...stack.authHeaders.chatbot },
		body: JSON.stringify({ email, firstName: 'Nils', emailFormat: unknownChoice }),
		signal: AbortSignal.timeout(60_000),
	});
	const answer = (await response.json()) as { reply: string; error: string };

	expect(response.status).toBe(422);
	// Refused before any call, by the check of Contact Data against the field's choices: the
	// message names the field, the item, the choices there are and the value given.
	expect(answer.error).toContain("'26'");
	expect(answer.error).toContain('[item 0]');
	for (const choice of FORMAT_FIELD.choices!) expect(answer.error).toContain(String(choice.id));
	expect(answer.error).toContain(`'${unknownChoice}'`);
	expect(answer.reply).toContain(answer.error);
	expect((await sandboxContacts(stack.sandbox!.url)).some((c) => c.fields['3'] === email)).toBe(false);
	// No call of any kind: no API call (GET included) and no token request.
	expect(await sandboxLog(stack.sandbox!.url)).toEqual([]);
});

test('OpenID Connect: the same flow with one token request and Bearer calls to the v3 API', async () => {
	await clearSandboxLog(stack.sandbox!.url);
	const email = `olga.${Date.now()}@example.com`;

	const answer = await sendChatbotMessage(OIDC_WEBHOOK_PATH, { email, firstName: 'Olga', emailFormat: '1' });

	expect(answer.status).toBe(200);
	expect(answer.json.contact['E-Mail']).toBe(email);
	expect(answer.json.contact['Preferred e-mail format']).toBe(labelOf(1));
	expect(answer.json.contact['Preferred e-mail format']).not.toBe('1');
	const saved = (await sandboxContacts(stack.sandbox!.url)).find((c) => c.fields['3'] === email);
	expect(await listMembers(stack.sandbox!.url, demoListId)).toContain(saved!.id);

	const log = await sandboxLog(stack.sandbox!.url);
	const tokenRequests = log.filter((entry) => entry.path === '/oauth2/token');
	expect(tokenRequests).toHaveLength(1);
	expect(tokenRequests[0].auth).toBe('basic');
	expect(tokenRequests[0].user).toBe(stack.sandbox!.credentials.oidcClientId);
	expect(tokenRequests[0].status).toBe(200);
	expect(tokenRequests[0].seq).toBeLessThan(Math.min(...apiCalls(log).map((e) => e.seq)));
	expectOneCallPerStep(log, 'v3', email);
	for (const entry of apiCalls(log)) {
		expect(entry.auth).toBe('bearer');
		expect(entry.user).toBe(stack.sandbox!.credentials.oidcClientId);
	}
});

test('OpenID Connect: n8n keeps the access token, so the next message needs no token request', async () => {
	await clearSandboxLog(stack.sandbox!.url);
	const email = `otto.${Date.now()}@example.com`;
	const answer = await sendChatbotMessage(OIDC_WEBHOOK_PATH, { email, firstName: 'Otto', emailFormat: '2' });
	expect(answer.status).toBe(200);
	expect(answer.json.contact['Preferred e-mail format']).toBe(labelOf(2));
	const log = await sandboxLog(stack.sandbox!.url);
	expect(log.filter((entry) => entry.path === '/oauth2/token')).toHaveLength(0);
	expectOneCallPerStep(log, 'v3', email);
});

test('no secret or access token appears in the sandbox log, the debug-level n8n log or n8n\'s saved executions', async () => {
	const { wsseSecret, oidcClientId, oidcClientSecret } = stack.sandbox!.credentials;
	const tokens = ((await (await fetch(`${stack.sandbox!.url}/__sandbox/tokens`)).json()) as { tokens: string[] }).tokens;
	// The OIDC flows above fetched at least one access token: it is a secret too.
	expect(tokens.length).toBeGreaterThanOrEqual(1);
	const needles = [
		...[wsseSecret, oidcClientSecret, ...tokens].flatMap((secret) => [secret, Buffer.from(secret).toString('base64')]),
		// The Basic header n8n sends to the token URL carries the client secret this way.
		Buffer.from(`${oidcClientId}:${oidcClientSecret}`).toString('base64'),
	];

	const log = JSON.stringify(await sandboxLog(stack.sandbox!.url));
	const n8nLog = fs.readFileSync(stack.n8nLogFile, 'utf8');
	// The n8n log is at debug level: n8n-core logs the start of each node only at that level …
	const saveContact = loadDemoWorkflow().nodes.find((node) => node.parameters.operation === 'upsert')!.name;
	expect(n8nLog).toContain(`Start executing node "${saveContact}"`);
	// … and n8n's own files hold the saved executions (the OIDC flow's contact is in them).
	const n8nFiles = filesUnder(path.join(stack.userFolder, '.n8n'));
	expect(n8nFiles.some((f) => /database\.sqlite/.test(f.file) && f.text.includes('otto.'))).toBe(true);
	// The demo endpoints' secrets are in no log either. (n8n's Webhook node keeps the request's
	// headers in the execution it saves, the chatbot's secret header too: not searched there.)
	const { chatbotSecret, mcpToken } = endpointSecrets(stack.userFolder);
	for (const needle of [chatbotSecret, mcpToken]) {
		expect(log).not.toContain(needle);
		expect(n8nLog).not.toContain(needle);
	}
	for (const needle of needles) {
		expect(log).not.toContain(needle);
		expect(n8nLog).not.toContain(needle);
		for (const { file, text } of n8nFiles) expect({ file, found: text.includes(needle) }).toEqual({ file, found: false });
	}
});

test('n8n tried no outbound connection (telemetry, catalogues, version checks are off)', () => {
	// Machines here reach no internet host, so every attempt would leave a DNS or connect error in the log.
	const n8nLog = fs.readFileSync(stack.n8nLogFile, 'utf8');
	expect(n8nLog).not.toMatch(/ENOTFOUND|EAI_AGAIN|getaddrinfo|ECONNREFUSED|ETIMEDOUT/);
});
