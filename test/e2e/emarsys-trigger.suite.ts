/**
 * The Emarsys Trigger in a real n8n 2.x server: the demo workflow "Emarsys program → n8n" is
 * active, and the sandbox plays an Emarsys program whose contacts reach a Webhook node
 * (POST /__sandbox/webhook/fire): signed calls start one execution each with the contact's data;
 * refused calls answer 401 and start none (checked through n8n's execution list); the secret
 * appears in no log and no saved execution.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { launchEditorBrowser, signIn, type EditorBrowser } from './browser';
import { demoStack, filesUnder, processesMentioning, restLogin, sandboxContacts, type E2eStack, type SandboxContact } from './stack';

const WORKFLOW_ID = 'emarsysProgramDemo';

interface FiredCall {
	contactId: number;
	status: number;
	answer: string;
	ms: number;
	attempts: number;
}

let stack: E2eStack;
let cookie: string;
let contacts: SandboxContact[];

beforeAll(async () => {
	// At debug level, so that the secret search below covers everything n8n logs.
	stack = await demoStack();
	cookie = await restLogin(stack.n8nUrl);
	contacts = await sandboxContacts(stack.sandbox!.url);
});

async function fire(request: Record<string, unknown>): Promise<FiredCall[]> {
	const response = await fetch(`${stack.sandbox!.url}/__sandbox/webhook/fire`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ url: stack.triggerUrl, ...request }),
	});
	expect(response.status).toBe(200);
	return ((await response.json()) as { calls: FiredCall[] }).calls;
}

/** IDs of the demo workflow's executions, from n8n's own execution list (pages of 100, n8n's maximum). */
async function executionIds(): Promise<string[]> {
	const filter = encodeURIComponent(JSON.stringify({ workflowId: WORKFLOW_ID }));
	const ids: string[] = [];
	let cursor: string | undefined;
	do {
		const page = cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`;
		const response = await fetch(`${stack.n8nUrl}/rest/executions?filter=${filter}&limit=100${page}`, { headers: { cookie } });
		expect(response.status).toBe(200);
		const { data } = (await response.json()) as { data: { results: Array<{ id: string }>; nextCursor?: string | null } };
		ids.push(...data.results.map((execution) => String(execution.id)));
		cursor = data.nextCursor ?? undefined;
	} while (cursor !== undefined);
	return [...new Set(ids)];
}

/** Waits until the list holds `count` more executions than `before`, then `settleMs` longer to see that no more come. */
async function newExecutions(before: string[], count: number, settleMs = 2_000): Promise<string[]> {
	const deadline = Date.now() + 90_000;
	let added: string[] = [];
	while (Date.now() < deadline) {
		added = (await executionIds()).filter((id) => !before.includes(id));
		if (added.length >= count) break;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	await new Promise((resolve) => setTimeout(resolve, settleMs));
	return (await executionIds()).filter((id) => !before.includes(id));
}

/** n8n stores run data in the "flatted" format: a JSON array whose strings point at other entries. */
function unflatten(text: string): unknown {
	const table = JSON.parse(text) as unknown[];
	const revived = new Map<number, unknown>();
	const revive = (index: number): unknown => {
		if (revived.has(index)) return revived.get(index);
		const value = table[index];
		if (typeof value !== 'object' || value === null) return value;
		const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
		revived.set(index, out);
		for (const [key, entry] of Object.entries(value)) (out as Record<string, unknown>)[key] = typeof entry === 'string' ? revive(Number(entry)) : entry;
		return out;
	};
	return revive(0);
}

/** The item the Emarsys Trigger put out in one execution (with its status). */
async function triggerOutput(id: string): Promise<{ status: string; json: Record<string, unknown> }> {
	const response = await fetch(`${stack.n8nUrl}/rest/executions/${id}`, { headers: { cookie } });
	expect(response.status).toBe(200);
	const { data } = (await response.json()) as { data: { status: string; data: string } };
	const run = unflatten(data.data) as { resultData: { runData: Record<string, Array<{ data: { main: Array<Array<{ json: Record<string, unknown> }>> } }>> } };
	const items = run.resultData.runData['Emarsys Trigger'][0].data.main[0];
	expect(items).toHaveLength(1);
	return { status: data.status, json: items[0].json };
}

test('the demo trigger is active and its URL is the node\'s production URL (webhookId/emarsys)', () => {
	expect(stack.triggerUrl).toMatch(new RegExp(`^${stack.n8nUrl}/webhook/[0-9a-f-]{36}/emarsys$`));
});

test('three signed calls start three executions, each with the contact as sent, event_data and the time', async () => {
	const before = await executionIds();
	const startedAt = Date.now();
	const orders = [{ order_id: 4534322, status: 'shipped' }, { order_id: 4534323, status: 'shipped' }, { order_id: 4534324, status: 'late' }];
	const calls = await fire({ count: 3, eventData: orders, scenario: 'shipping_update' });
	expect(calls.map((call) => call.status)).toEqual([200, 200, 200]);

	const added = await newExecutions(before, 3);
	expect(added).toHaveLength(3);
	const outputs = await Promise.all(added.map(triggerOutput));
	const byOrder = new Map(outputs.map((output) => [(output.json.event_data as { order_id: number }).order_id, output]));
	calls.forEach((call, index) => {
		const output = byOrder.get(orders[index].order_id)!;
		const contact = contacts.find((c) => c.id === call.contactId)!;
		expect(output.status).toBe('success');
		expect(output.json).toMatchObject({
			contact_id: contact.id,
			email: contact.fields['3'],
			first_name: contact.fields['1'],
			last_name: contact.fields['2'],
			scenario: 'shipping_update',
			event_data: orders[index],
		});
		const receivedAt = Date.parse(String(output.json.receivedAt));
		expect(receivedAt).toBeGreaterThanOrEqual(startedAt - 1_000);
		expect(receivedAt).toBeLessThanOrEqual(Date.now());
		expect(output.json).not.toHaveProperty('rawBody');
	});
});

test.each([
	['a token signed with another secret', 'wrongSecret'],
	['no token', 'missing'],
	['an expired token', 'expired'],
	['alg "none"', 'algNone'],
])('%s: 401, and no execution', async (_what, token) => {
	const before = await executionIds();
	const calls = await fire({ token, count: 2 });
	expect(calls.map((call) => call.status)).toEqual([401, 401]);
	expect(JSON.parse(calls[0].answer)).toEqual({ message: 'Authorization failed' });
	expect(await newExecutions(before, 0, 3_000)).toEqual([]);
});

describe('in the editor (Chromium)', () => {
	let browser: EditorBrowser;

	beforeAll(async () => {
		browser = await launchEditorBrowser();
	});

	afterAll(async () => {
		await browser?.close();
	});

	test('the trigger shows how to fill in the preset, and "Listen for test event" receives a sandbox call', async () => {
		const { page } = browser;
		await signIn(page, stack.n8nUrl);
		await page.goto(`${stack.n8nUrl}/workflow/${WORKFLOW_ID}`);
		const node = page.locator('[data-test-id="canvas-node"][data-node-name="Emarsys Trigger"]');
		await node.waitFor();
		const editHere = page.getByText('Edit here', { exact: true });
		if (await editHere.isVisible().catch(() => false)) await editHere.click();
		await page.keyboard.press('Escape'); // n8n 2.x's "Production Checklist" popover, if it opened
		await node.dblclick();
		const ndv = page.getByTestId('ndv');
		await ndv.waitFor();
		const panelText = await ndv.innerText();
		expect(panelText).toContain('Webhook Node Presets');
		expect(panelText).toContain('Authentication Method = JWT authentication');
		expect(panelText).toContain('JWT Secret = the JWT Secret of this node\'s Emarsys Webhook API credential');

		// "Execute step" on a webhook trigger makes the editor listen for a test event.
		await ndv.getByTestId('node-execute-button').first().click();
		await ndv.getByText(/Listening for test event/i).first().waitFor();
		const testUrl = stack.triggerUrl!.replace('/webhook/', '/webhook-test/');
		// The test webhook is registered once the editor listens: until then n8n answers 404.
		let calls: FiredCall[] = [];
		const deadline = Date.now() + 30_000;
		do {
			calls = await fire({ url: testUrl, eventData: { source: 'editor-test' } });
			if (calls[0].status === 200) break;
			await page.waitForTimeout(500);
		} while (Date.now() < deadline);
		expect(calls[0].status).toBe(200);
		const contact = contacts.find((c) => c.id === calls[0].contactId)!;
		const output = ndv.getByTestId('output-panel');
		await output.getByText(String(contact.fields['3'])).first().waitFor({ timeout: 30_000 });
		expect(await output.innerText()).toContain('editor-test');
	});

	test('closing the browser leaves no Chromium process behind', async () => {
		await browser.close();
		expect(processesMentioning(browser.userDataDir)).toEqual([]);
	});
});

test('100 concurrent signed calls start 100 executions; none is lost', async () => {
	const before = await executionIds();
	const tags = Array.from({ length: 100 }, (_, index) => ({ call: `call-${String(index).padStart(3, '0')}` }));
	// On a busy machine n8n on SQLite answers some calls 503 "Database is not ready!" (before the
	// trigger runs, so without an execution); the sandbox sends those again, as a sender does with a
	// 5xx. None may be lost (every call ends 200 with one execution) and none doubled.
	const started = Date.now();
	const calls = await fire({ count: 100, eventData: tags, timeoutSeconds: 300, retries: 5 });
	const resent = calls.filter((call) => call.attempts > 1).length;
	console.log(`100 concurrent calls answered in ${Date.now() - started} ms (slowest ${Math.max(...calls.map((call) => call.ms))} ms; ${resent} sent again)`);
	expect(calls.filter((call) => call.status !== 200)).toEqual([]);

	const added = await newExecutions(before, 100);
	expect(added).toHaveLength(100);
	const seen: string[] = [];
	for (const id of added) seen.push(((await triggerOutput(id)).json.event_data as { call: string }).call);
	expect(seen.sort()).toEqual(tags.map((tag) => tag.call));
}, 600_000);

test('n8n logged why it refused calls, but the secret is in no log and no saved execution', async () => {
	const { webhookSecret } = stack.sandbox!.credentials;
	const n8nLog = fs.readFileSync(stack.n8nLogFile, 'utf8');
	expect(n8nLog).toMatch(/Emarsys Trigger refused a call: the signature does not match the secret/);
	expect(n8nLog).toMatch(/Emarsys Trigger refused a call: the token has expired/);
	const n8nFiles = filesUnder(path.join(stack.userFolder, '.n8n'));
	// The executions above are in n8n's database, so the search below does cover them.
	expect(n8nFiles.some((f) => /database\.sqlite/.test(f.file) && f.text.includes('call-099'))).toBe(true);
	const sandboxLog = await (await fetch(`${stack.sandbox!.url}/__sandbox/log`)).text();
	for (const needle of [webhookSecret, Buffer.from(webhookSecret).toString('base64')]) {
		expect(n8nLog).not.toContain(needle);
		expect(sandboxLog).not.toContain(needle);
		for (const { file, text } of n8nFiles) expect({ file, found: text.includes(needle) }).toEqual({ file, found: false });
	}
});
