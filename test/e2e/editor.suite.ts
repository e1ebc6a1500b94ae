/**
 * The Emarsys node in the real n8n 2.x editor, driven through Debian's Chromium with playwright-core:
 * sign in, open the demo workflow and its Emarsys nodes, pick dropdown entries that exist only in
 * the sandbox's seed (a hard-coded list in the node could not offer them), run the node from the
 * editor and read its output panel, and test credentials from the credential dialog.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { BrowserContext, Locator, Page } from 'playwright-core';

import type { ICredentialTestRequest } from 'n8n-workflow';

import { EmarsysApi } from '../../credentials/EmarsysApi.credentials';
import { EmarsysOAuth2Api } from '../../credentials/EmarsysOAuth2Api.credentials';
import type { LogEntry } from '../../sandbox/index';
import { SEED_CONTACTS, SEED_CONTACT_LISTS, SEED_EVENTS, SEED_FIELDS } from '../../sandbox/seed';
import {
	CREDENTIAL_NAMES,
	DEMO_WORKFLOW_ID,
	PROJECT_DIR,
	loadDemoWorkflow,
} from '../../scripts/n8n-stack';
import { launchEditorBrowser, signIn, type EditorBrowser } from './browser';
import { clearSandboxLog, demoStack, processesMentioning, sandboxLog, type E2eStack } from './stack';

const SCREENSHOT_DIR = path.join(PROJECT_DIR, 'test-results', 'e2e');
const README_SCREENSHOT = path.join(PROJECT_DIR, 'docs', 'screenshot-node-dropdown.png');

// --- What the sandbox has and a hard-coded list could not: its custom fields (ids 10500+) and events.
const customFields = SEED_FIELDS.filter((field) => field.id >= 10500);
const customKeyField = customFields.find((field) => field.application_type === 'shorttext')!;
const customChoiceField = customFields.find((field) => field.application_type === 'singlechoice')!;
const customNumberField = customFields.find((field) => field.application_type === 'numeric')!;
/** A seeded contact that has a value in each of those fields. */
const seedContact = SEED_CONTACTS.find((contact) =>
	[customKeyField, customChoiceField, customNumberField].every((field) => contact.fields[String(field.id)] != null),
)!;
const expectedChoiceLabel = customChoiceField.choices!.find(
	(choice) => choice.id === Number(seedContact.fields[String(customChoiceField.id)]),
)!.choice;
const expectedNumber = String(seedContact.fields[String(customNumberField.id)]);

const demo = loadDemoWorkflow();
const readNodeName = demo.nodes.find((node) => node.parameters.operation === 'getWithChoiceLabels')!.name;
const triggerNode = demo.nodes.find((node) => node.parameters.operation === 'trigger')!;
/** The event the demo workflow has selected (a resource locator value) and another seeded one, so that picking it changes something. */
const demoEventId = String((triggerNode.parameters.eventId as { value: string }).value);
const eventToPick = SEED_EVENTS.find((event) => String(event.id) !== demoEventId)!;
const listNode = demo.nodes.find((node) => node.parameters.operation === 'addContacts')!;
/** A seeded contact list other than the demo's, so that picking it changes something. */
const listToPick = SEED_CONTACT_LISTS.find((list) => String(list.id) !== String((listNode.parameters.contactListId as { value: string }).value))!;

let stack: E2eStack;
let browser: EditorBrowser;
let userDataDir: string;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
	expect([customKeyField, customChoiceField, customNumberField, seedContact, eventToPick].every(Boolean)).toBe(true);
	stack = await demoStack();
	browser = await launchEditorBrowser();
	({ context, page, userDataDir } = browser);
	fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
});

afterAll(async () => {
	if (page && !page.isClosed()) {
		await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'last-state.png') }).catch(() => undefined);
	}
	await browser?.close();
});

const ndv = () => page.getByTestId('ndv');

/** n8n lets one tab edit a workflow at a time; a page opened earlier may still hold it. */
async function takeOverEditing(): Promise<void> {
	const editHere = page.getByText('Edit here', { exact: true });
	if (await editHere.isVisible().catch(() => false)) await editHere.click();
}

async function openWorkflow(): Promise<void> {
	await page.goto(`${stack.n8nUrl}/workflow/${DEMO_WORKFLOW_ID}`);
	await page.getByTestId('canvas-node').first().waitFor();
	await takeOverEditing();
	await closeProductionChecklist(5000);
}

/**
 * n8n 2.x shows a "Production Checklist" popover over the left of the canvas of a published
 * workflow; with the demo's six steps zoomed to fit, it covers the first Emarsys node.
 */
async function closeProductionChecklist(appearsWithinMs = 0): Promise<void> {
	const checklist = page.locator('[data-reka-popper-content-wrapper]').filter({ hasText: 'Production Checklist' });
	// It opens a moment after the canvas: right after opening the workflow, wait for it a little.
	if (appearsWithinMs > 0) await checklist.waitFor({ state: 'visible', timeout: appearsWithinMs }).catch(() => undefined);
	if (!(await checklist.isVisible().catch(() => false))) return;
	await page.keyboard.press('Escape');
	if (await checklist.isVisible().catch(() => false)) await checklist.getByRole('button').first().click();
	await checklist.waitFor({ state: 'hidden' });
}

async function openNode(name: string): Promise<void> {
	if (await ndv().isVisible().catch(() => false)) await page.getByTestId('ndv-close-button').click();
	await takeOverEditing();
	await closeProductionChecklist();
	await page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`).dblclick();
	await ndv().waitFor();
}

/** The dropdown entry for a seed field: its name and its ID both appear in the entry. */
function optionFor(field: { name: string; id: number }): Locator {
	return page.getByRole('option').filter({ hasText: field.name }).filter({ hasText: String(field.id) });
}

async function apiLogSince(entries: LogEntry[], predicate: (entry: LogEntry) => boolean): Promise<LogEntry[]> {
	return entries.filter(predicate);
}

test('signs in through the editor sign-in form with the documented demo login', async () => {
	await signIn(page, stack.n8nUrl);
});

test('the upsert node opens with its mapped fields and a current field list (the demo is not stale)', async () => {
	const upsertNode = demo.nodes.find((node) => node.parameters.operation === 'upsert')!;
	const mapped = Object.keys((upsertNode.parameters.columns as { value: Record<string, string> }).value);
	await openWorkflow();
	await clearSandboxLog(stack.sandbox!.url);
	await openNode(upsertNode.name);
	for (const fieldId of mapped) await ndv().getByTestId(`remove-field-button-${fieldId}`).waitFor();
	// The editor fetches the account's fields for the mapper and compares them with the saved schema.
	// A stale schema shows a warning (and hides "Add field to send"): then re-save the demo's
	// columns.schema from the editor (open the node, refresh the fields, export the workflow).
	const fetched = async () =>
		(await sandboxLog(stack.sandbox!.url)).some((e) => e.method === 'GET' && /^\/api\/v2\/field/.test(e.path) && e.status === 200);
	const staleWarning = ndv().locator('[class*="staleDataWarning"]');
	const addField = ndv().getByText('Add field to send');
	const deadline = Date.now() + 30_000;
	while (Date.now() < deadline && !((await fetched()) && ((await staleWarning.count()) > 0 || (await addField.isVisible())))) {
		await page.waitForTimeout(250);
	}
	// The parameter's option icons (the warning among them) are rendered while it is hovered.
	await ndv().getByTestId('mapping-fields-container').getByText('Values to Send').hover();
	await page.waitForTimeout(500);
	expect(await fetched()).toBe(true);
	expect(await staleWarning.count()).toBe(0);
	expect(await addField.isVisible()).toBe(true);
	await page.getByTestId('ndv-close-button').click();
});

test('the key-field dropdown offers the keys the node can know (loaded from the sandbox); an indexed custom key is given by ID', async () => {
	await openWorkflow();
	await clearSandboxLog(stack.sandbox!.url);
	await openNode(readNodeName);
	const keyField = ndv().getByTestId('parameter-input-keyId');
	await keyField.locator('input').click();
	await page.getByRole('option').filter({ hasText: 'E-Mail (3)' }).waitFor();
	const offered = await page.getByRole('option').allInnerTexts();
	expect(offered.map((text) => text.split('\n')[0])).toEqual(['Emarsys Contact ID (ID)', 'Emarsys UID (UID)', 'E-Mail (3)']);
	await page.keyboard.press('Escape');
	// A custom key (indexed by Emarsys) is typed as an expression.
	await keyField.hover();
	await page.getByTestId('keyId-parameter-input-options-container').getByTestId('radio-button-expression').click();
	const editor = ndv().getByTestId('parameter-input-keyId').locator('.cm-content');
	await editor.click();
	await page.keyboard.press('ControlOrMeta+a');
	await page.keyboard.type(String(customKeyField.id));
	await expect(editor.innerText()).resolves.toContain(String(customKeyField.id));
	// Leave the expression editor (a click on the panel's Parameters tab), so that its inline result popover closes.
	await ndv().getByText('Parameters', { exact: true }).first().click();

	const log = await sandboxLog(stack.sandbox!.url);
	const fieldListCalls = await apiLogSince(log, (e) => e.method === 'GET' && /^\/api\/v2\/field/.test(e.path));
	expect(fieldListCalls.length).toBeGreaterThan(0);
	for (const entry of fieldListCalls) {
		expect(entry.auth).toBe('wsse');
		expect(entry.status).toBe(200);
	}
});

test('the fields dropdown offers the custom fields; two are picked (screenshot of the open dropdown)', async () => {
	// Contact ID: a fixed value instead of the demo's expression, the seeded contact's custom key.
	const contactId = ndv().getByTestId('parameter-input-contactId');
	await contactId.hover();
	await page.getByTestId('contactId-parameter-input-options-container').getByTestId('radio-button-fixed').click();
	await ndv().getByTestId('parameter-input-contactId').locator('input').fill(String(seedContact.fields[String(customKeyField.id)]));

	const fields = ndv().getByTestId('parameter-input-fields');
	await fields.click();
	await optionFor(customChoiceField).click();
	await optionFor(customNumberField).click();
	await expect(optionFor(customChoiceField).isVisible()).resolves.toBe(true);
	await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'node-dropdown.png') });
	if (process.env.UPDATE_README_SCREENSHOT === '1') {
		fs.mkdirSync(path.dirname(README_SCREENSHOT), { recursive: true });
		fs.copyFileSync(path.join(SCREENSHOT_DIR, 'node-dropdown.png'), README_SCREENSHOT);
	}
	await page.keyboard.press('Escape');
	const chosen = await fields.innerText();
	expect(chosen).toContain(customChoiceField.name);
	expect(chosen).toContain(customNumberField.name);
});

test('runs the node from the editor; the output panel shows the contact with the choice label', async () => {
	await clearSandboxLog(stack.sandbox!.url);
	await ndv().getByTestId('node-execute-button').click();
	const output = ndv().getByTestId('output-panel');
	await output.getByTestId('radio-button-json').click();
	await output.getByText(expectedChoiceLabel).first().waitFor({ timeout: 60_000 });
	const text = await output.innerText();
	expect(text).toMatch(new RegExp(`"${customChoiceField.name}":\\s*"${expectedChoiceLabel}"`));
	expect(text).toMatch(new RegExp(`"${customNumberField.name}":\\s*"?${expectedNumber}"?`));

	// The answer came from the sandbox: one getdata by the custom key, signed with WSSE.
	const reads = (await sandboxLog(stack.sandbox!.url)).filter((e) => e.path === '/api/v2/contact/getdata');
	expect(reads).toHaveLength(1);
	expect(reads[0].auth).toBe('wsse');
	expect(reads[0].body).toMatchObject({
		keyId: String(customKeyField.id),
		keyValues: [String(seedContact.fields[String(customKeyField.id)])],
	});
});

/** What `read` gives once `done` holds, or what it gives after 10 s. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
	const end = Date.now() + 10_000;
	let value = await read();
	while (!done(value) && Date.now() < end) {
		await new Promise((resolve) => setTimeout(resolve, 100));
		value = await read();
	}
	return value;
}

/** The text box of an n8n input, whether the test ID sits on the input itself or on its wrapper. */
function textBox(scope: Locator | Page, testId: string): Locator {
	return scope.locator(`input[data-test-id="${testId}"], [data-test-id="${testId}"] input`).first();
}

test('the event locator lists the sandbox events and filters them as the user types; one is picked, another given by ID', async () => {
	await openNode(triggerNode.name);
	const locator = ndv().getByTestId('resource-locator-eventId');
	await textBox(locator, 'rlc-input').click();
	// The list opens in a popover outside the node's panel.
	const item = (event: { name: string; id: number }) => page.getByTestId('rlc-item').filter({ hasText: event.name }).filter({ hasText: String(event.id) });
	for (const event of SEED_EVENTS) await item(event).waitFor();
	// Typing filters the list (the node's listSearch method).
	await textBox(page, 'rlc-search').fill(eventToPick.name.slice(0, 6));
	expect(await eventually(async () => await page.getByTestId('rlc-item').count(), (count) => count === 1)).toBe(1);
	await item(eventToPick).click();
	expect(await eventually(async () => await textBox(locator, 'rlc-input').inputValue(), (value) => value.includes(eventToPick.name))).toContain(eventToPick.name);

	await locator.getByTestId('rlc-mode-selector').click();
	await page.getByTestId('mode-id').click();
	await textBox(locator, 'rlc-input').fill(demoEventId);
	expect(await textBox(locator, 'rlc-input').inputValue()).toBe(demoEventId);
	await page.getByTestId('ndv-close-button').click();
});

test('the contact list locator lists the sandbox\'s contact lists from GET contactlist; one is picked by typing part of its name', async () => {
	const since = (await sandboxLog(stack.sandbox!.url)).reduce((max, entry) => Math.max(max, entry.seq), 0);
	await openNode(listNode.name);
	const locator = ndv().getByTestId('resource-locator-contactListId');
	await textBox(locator, 'rlc-input').click();
	const item = (list: { name: string; id: number }) => page.getByTestId('rlc-item').filter({ hasText: list.name }).filter({ hasText: String(list.id) });
	for (const list of SEED_CONTACT_LISTS) await item(list).waitFor();
	await textBox(page, 'rlc-search').fill(listToPick.name.slice(0, 5).toLowerCase());
	expect(await eventually(async () => await page.getByTestId('rlc-item').count(), (count) => count === 1)).toBe(1);
	await item(listToPick).click();
	expect(await eventually(async () => await textBox(locator, 'rlc-input').inputValue(), (value) => value.includes(listToPick.name))).toContain(listToPick.name);
	const listCalls = (await sandboxLog(stack.sandbox!.url)).filter((e) => e.seq > since && e.method === 'GET' && e.path === '/api/v2/contactlist');
	expect(listCalls.length).toBeGreaterThanOrEqual(1);
	expect(listCalls.every((e) => e.status === 200)).toBe(true);
	await page.getByTestId('ndv-close-button').click();
});

async function openCredential(name: string): Promise<Locator> {
	await page.goto(`${stack.n8nUrl}/home/credentials`);
	await page.getByTestId('resources-list-item').filter({ hasText: name }).click();
	const modal = page.getByTestId('editCredential-modal');
	await modal.waitFor();
	return modal;
}

/** The message a credential type's test gives for an HTTP status (what the dialog should show). */
function testMessageFor(credential: { test?: ICredentialTestRequest }, status: number): string {
	const rule = credential.test?.rules?.find((r) => r.type === 'responseCode' && r.properties.value === status);
	if (!rule) throw new Error(`the credential test has no message for HTTP ${status}`);
	return rule.properties.message;
}

async function retestWith(modal: Locator, parameter: string, value: string): Promise<string> {
	await modal.getByTestId(`parameter-input-${parameter}`).locator('input').fill(value);
	await modal.getByText('Retry', { exact: true }).click();
	await modal.getByText(/Couldn.t connect with these settings/).waitFor();
	const details = modal.getByText('More details', { exact: true });
	if (await details.isVisible().catch(() => false)) await details.click();
	return await modal.innerText();
}

test('credential test (WSSE): good credentials pass; a wrong secret shows the credential\'s message for a refused signature', async () => {
	await clearSandboxLog(stack.sandbox!.url);
	const modal = await openCredential(CREDENTIAL_NAMES.wsse);
	// Opening a saved credential tests it.
	await modal.getByTestId('credentials-config-container-test-success').waitFor();
	let log = await sandboxLog(stack.sandbox!.url);
	expect(log.some((e) => e.path === '/api/v2/field/translate/en' && e.auth === 'wsse' && e.status === 200)).toBe(true);

	await clearSandboxLog(stack.sandbox!.url);
	const text = await retestWith(modal, 'secret', 'not-the-secret');
	// The dialog shows the credential's own message for a refused signature (the field labels
	// "Username" and "Secret" alone would match a looser check), and never the secret typed.
	expect(text).toContain(testMessageFor(new EmarsysApi(), 401));
	expect(text).not.toContain('not-the-secret');
	log = await sandboxLog(stack.sandbox!.url);
	expect(log.some((e) => e.path === '/api/v2/field/translate/en' && e.status === 401)).toBe(true);
	await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'credential-wrong-secret.png') });
});

test('credential test (OpenID Connect): good credentials pass; a wrong client secret shows n8n\'s "Client authentication failed" message', async () => {
	await clearSandboxLog(stack.sandbox!.url);
	const modal = await openCredential(CREDENTIAL_NAMES.oidc);
	await modal.getByTestId('credentials-config-container-test-success').waitFor();
	let log = await sandboxLog(stack.sandbox!.url);
	expect(log.some((e) => e.path === '/api/v3/field/translate/en' && e.auth === 'bearer' && e.status === 200)).toBe(true);

	await clearSandboxLog(stack.sandbox!.url);
	const text = await retestWith(modal, 'clientSecret', 'not-the-client-secret');
	// The token request fails before the credential's own test request is made, so the user sees
	// n8n's message for the token endpoint's `invalid_client` answer (not the credential's 401 rule).
	expect(text).toContain(
		'Failed to acquire OAuth2 access token: Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method).',
	);
	expect(text).not.toContain(testMessageFor(new EmarsysOAuth2Api(), 401));
	expect(text).not.toContain('not-the-client-secret');
	log = await sandboxLog(stack.sandbox!.url);
	expect(log.some((e) => e.path === '/oauth2/token' && e.status === 401)).toBe(true);
});

test('closing the browser leaves no Chromium process behind', async () => {
	await context.close();
	expect(processesMentioning(userDataDir)).toEqual([]);
});
