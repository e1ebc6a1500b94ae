/**
 * Debian's Chromium driven with playwright-core, as the editor tests use it: a headless browser with
 * its own temporary profile, n8n's `data-test-id` attributes as test IDs, and the demo sign-in.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { chromium, selectors, type BrowserContext, type Page } from 'playwright-core';

import { DEMO_OWNER } from '../../scripts/n8n-stack';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

export interface EditorBrowser {
	context: BrowserContext;
	page: Page;
	/** The temporary profile folder (Chromium's processes carry it on their command line). */
	userDataDir: string;
	/** Closes the browser and removes the profile. */
	close(): Promise<void>;
}

export async function launchEditorBrowser(): Promise<EditorBrowser> {
	if (!fs.existsSync(CHROMIUM)) {
		throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
	}
	const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emarsys-e2e-chromium-'));
	const context = await chromium.launchPersistentContext(userDataDir, {
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_ARGS,
		viewport: { width: 1440, height: 900 },
	});
	context.setDefaultTimeout(30_000);
	const page = context.pages()[0] ?? (await context.newPage());
	selectors.setTestIdAttribute('data-test-id');
	return {
		context,
		page,
		userDataDir,
		close: async () => {
			await context.close().catch(() => undefined);
			fs.rmSync(userDataDir, { recursive: true, force: true });
		},
	};
}

/** Signs in through the editor's sign-in form with the demo login. */
export async function signIn(page: Page, n8nUrl: string): Promise<void> {
	await page.goto(`${n8nUrl}/signin`);
	await page.fill('#emailOrLdapLoginId', DEMO_OWNER.email);
	await page.fill('#password', DEMO_OWNER.password);
	await page.getByTestId('form-submit-button').click();
	await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
}
