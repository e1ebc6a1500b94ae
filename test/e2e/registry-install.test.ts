/**
 * Installed the way users install community nodes: the package is published with `npm publish`
 * (its prepublishOnly builds it) to a local registry, and n8n 2.41.1 installs it from there —
 * through Settings › Community Nodes in Chromium, and through N8N_COMMUNITY_PACKAGES — after which
 * the node is in the node panel and the demo chatbot flow runs with it.
 *
 * n8n keeps its default registry setting (another registry is a licensed feature); it reaches
 * "registry.npmjs.org" through a loopback HTTPS proxy that serves the local registry and refuses
 * every other host (see registry.ts). Nothing leaves the machine.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { chromium, selectors, type BrowserContext, type Page } from 'playwright-core';

import { SEED_FIELDS } from '../../sandbox/seed';
import { DEMO_OWNER, DEMO_WEBHOOK_PATH, NODE_TYPE, PACKAGE_NAME, PROJECT_DIR, freePort, startStack, type RunningStack } from '../../scripts/n8n-stack';
import { makePackageCopy, npmEnv } from '../helpers/package-copy';
import { makeTestCertificates, proxiedEnvironment, registryGet, startLocalRegistry, startRegistryProxy, type LocalRegistry, type RegistryProxy } from './registry';
import { STARTUP_TIMEOUT_MS, processesMentioning, restLogin } from './stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT_DIR = path.join(PROJECT_DIR, 'test-results', 'e2e');
const VERSION = (JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'package.json'), 'utf8')) as { version: string }).version;
const FORMAT_FIELD = SEED_FIELDS.find((field) => field.id === 26)!;
/** What n8n's npm asks the registry for when it installs the package: its metadata, then its tarball. */
const METADATA_REQUEST = `GET /${PACKAGE_NAME}`;
const TARBALL_REQUEST = `GET /${PACKAGE_NAME}/-/${PACKAGE_NAME}-${VERSION}.tgz`;

let workDir: string;
let copyDir: string;
let registry: LocalRegistry;
let proxy: RegistryProxy;
let proxyEnv: Record<string, string>;
const userFolders: string[] = [];
const stacks: RunningStack[] = [];

/** n8n 2.41.1 with a user folder of its own; the package is whatever n8n installs itself. */
async function startN8n(userFolder: string, options: { demo: boolean; env?: Record<string, string> }): Promise<RunningStack> {
	const n8nPort = await freePort();
	let brokerPort = await freePort();
	while (brokerPort === n8nPort) brokerPort = await freePort();
	const stack = await startStack({
		n8nPort,
		brokerPort,
		sandboxPort: 0,
		userFolder,
		startupTimeoutMs: STARTUP_TIMEOUT_MS,
		communityPackage: 'installed-by-n8n',
		importWorkflows: options.demo ? 'always' : 'never',
		// Node writes every connection n8n opens, and the host name it looks up for it, to n8n's log.
		env: { ...proxyEnv, NODE_DEBUG: 'net', ...options.env },
	});
	stacks.push(stack);
	return stack;
}

function newUserFolder(): string {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'emarsys-e2e-n8n-'));
	userFolders.push(folder);
	return folder;
}

/** What n8n itself put into its user folder: a real copy of the published package, not a link. */
function installedPackageJson(userFolder: string): { name: string; version: string } {
	const dir = path.join(userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME);
	expect(fs.lstatSync(dir).isSymbolicLink()).toBe(false);
	expect(fs.existsSync(path.join(dir, 'dist', 'nodes', 'Emarsys', 'Emarsys.node.js'))).toBe(true);
	return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
}

async function chatbotAnswers(stack: RunningStack): Promise<void> {
	const email = `rita.${Date.now()}@example.com`;
	const response = await fetch(stack.webhookUrl(DEMO_WEBHOOK_PATH), {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...stack.authHeaders.chatbot },
		body: JSON.stringify({ email, firstName: 'Rita', emailFormat: '2' }),
		signal: AbortSignal.timeout(60_000),
	});
	const answer = (await response.json()) as { contact: Record<string, unknown> };
	expect(response.status).toBe(200);
	expect(answer.contact['E-Mail']).toBe(email);
	expect(answer.contact['Preferred e-mail format']).toBe(FORMAT_FIELD.choices!.find((choice) => choice.id === 2)!.choice);
}

beforeAll(async () => {
	if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run bash scripts/ci-setup.sh`);
	workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emarsys-e2e-registry-'));
	registry = await startLocalRegistry(workDir);
	const certificates = makeTestCertificates(workDir);
	proxy = await startRegistryProxy(registry.url, certificates);
	proxyEnv = proxiedEnvironment(proxy.url, certificates.caFile);
	copyDir = makePackageCopy({ publisherFields: true });
}, 600_000);

afterAll(async () => {
	for (const stack of stacks) await stack.stop();
	await proxy?.stop();
	await registry?.stop();
	for (const dir of [...userFolders, workDir, copyDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('npm publish builds the package (prepublishOnly) and publishes it to the local registry', async () => {
	expect(fs.existsSync(path.join(copyDir, 'dist'))).toBe(false);
	execFileSync('npm', ['publish', '--ignore-scripts=false', '--userconfig', registry.npmrc, '--registry', `${registry.url}/`], {
		cwd: copyDir,
		env: npmEnv(),
		stdio: 'pipe',
		timeout: 180_000,
	});
	const metadata = (await registryGet(`${registry.url}/${PACKAGE_NAME}`)) as {
		'dist-tags': { latest: string };
		versions: Record<string, { dist: { tarball: string } }>;
	};
	expect(metadata['dist-tags'].latest).toBe(VERSION);
	expect(metadata.versions[VERSION].dist.tarball).toBe(`https://registry.npmjs.org/${PACKAGE_NAME}/-/${PACKAGE_NAME}-${VERSION}.tgz`);
});

describe('Settings › Community Nodes in Chromium', () => {
	let userFolder: string;
	let userDataDir: string;
	let context: BrowserContext;
	let page: Page;

	beforeAll(async () => {
		userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emarsys-e2e-chromium-'));
		context = await chromium.launchPersistentContext(userDataDir, {
			executablePath: CHROMIUM,
			headless: true,
			args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
			viewport: { width: 1440, height: 900 },
		});
		context.setDefaultTimeout(30_000);
		page = context.pages()[0] ?? (await context.newPage());
		selectors.setTestIdAttribute('data-test-id');
		fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
	});

	afterAll(async () => {
		if (page && !page.isClosed()) await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'registry-install-last-state.png') }).catch(() => undefined);
		await context?.close().catch(() => undefined);
		if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
	});

	test('installs n8n-nodes-emarsys typed as a user would, and the Emarsys node is in the node panel', async () => {
		userFolder = newUserFolder();
		const stack = await startN8n(userFolder, { demo: false });
		await page.goto(`${stack.n8nUrl}/signin`);
		await page.fill('#emailOrLdapLoginId', DEMO_OWNER.email);
		await page.fill('#password', DEMO_OWNER.password);
		await page.getByTestId('form-submit-button').click();
		await page.waitForURL((url) => !url.pathname.startsWith('/signin'));

		await page.goto(`${stack.n8nUrl}/settings/community-nodes`);
		await page.getByRole('button', { name: 'Install a community node' }).click();
		const modal = page.getByTestId('communityPackageInstall-modal');
		await modal.getByTestId('package-name-input').pressSequentially(PACKAGE_NAME);
		await modal.getByTestId('user-agreement-checkbox').click();
		await modal.getByTestId('install-community-package-button').click();
		const card = page.getByTestId('community-package-card');
		await card.waitFor({ timeout: 120_000 });
		await expectText(card, PACKAGE_NAME);
		await expectText(card, `v${VERSION}`);
		await expectText(card, 'Emarsys');
		await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'registry-install-community-nodes.png') });
		expect(installedPackageJson(userFolder)).toMatchObject({ name: PACKAGE_NAME, version: VERSION });

		await page.goto(`${stack.n8nUrl}/workflow/new`);
		await page.getByTestId('canvas-plus-button').click();
		await page.getByTestId('node-creator').waitFor();
		await page.keyboard.type('Emarsys'); // the search field has the focus when the panel opens
		const item = page.getByTestId('node-creator-item-name').filter({ hasText: /^Emarsys$/ });
		await item.waitFor();
		await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'registry-install-node-panel.png') });
		// The package was fetched through the proxy from the local registry: metadata and tarball.
		expect(proxy.forwarded).toEqual(expect.arrayContaining([METADATA_REQUEST, TARBALL_REQUEST]));
		await stack.stop();
	});

	test('after a restart, the demo chatbot flow runs with the package n8n installed', async () => {
		const stack = await startN8n(userFolder, { demo: true });
		try {
			await chatbotAnswers(stack);
			const cookie = await restLogin(stack.n8nUrl);
			const packages = (await (await fetch(`${stack.n8nUrl}/rest/community-packages`, { headers: { cookie } })).json()) as {
				data: Array<{ packageName: string; installedVersion: string; installedNodes: Array<{ type: string }> }>;
			};
			// The package's two nodes: Emarsys and Emarsys Trigger.
			const installedNodes = [expect.objectContaining({ type: NODE_TYPE }), expect.objectContaining({ type: `${PACKAGE_NAME}.emarsysTrigger` })];
			expect(packages.data).toEqual([expect.objectContaining({ packageName: PACKAGE_NAME, installedVersion: VERSION, installedNodes })]);
		} finally {
			await stack.stop();
		}
	});
});

test('N8N_COMMUNITY_PACKAGES: n8n installs the package at startup and the demo chatbot flow runs', async () => {
	const userFolder = newUserFolder();
	const env = {
		N8N_COMMUNITY_PACKAGES_MANAGED_BY_ENV: 'true',
		N8N_COMMUNITY_PACKAGES: JSON.stringify([{ name: PACKAGE_NAME, version: VERSION }]),
	};
	const stack = await startN8n(userFolder, { demo: true, env });
	expect(installedPackageJson(userFolder)).toMatchObject({ name: PACKAGE_NAME, version: VERSION });
	await chatbotAnswers(stack);
	await stack.stop();
});

test('nothing left the machine: the proxy refused every host but the registry, and n8n resolved no outside name', () => {
	// n8n went through the proxy for everything outside loopback: the only other host it tried is
	// api.n8n.io, which it asks whether a package is banned before installing it (refused here; n8n
	// goes on when it cannot tell).
	expect(new Set(proxy.refused)).toEqual(new Set(['api.n8n.io:443']));
	// The installs above went through it, and it forwarded nothing but this package.
	expect(proxy.forwarded).toEqual(expect.arrayContaining([METADATA_REQUEST, TARBALL_REQUEST]));
	expect(proxy.forwarded.filter((request) => !request.startsWith(METADATA_REQUEST))).toEqual([]);
	for (const stack of stacks) {
		const log = fs.readFileSync(stack.n8nLogFile, 'utf8');
		// NODE_DEBUG=net (startN8n) traced n8n's connections; the only name looked up for one is localhost.
		expect(log).toMatch(/^NET \d+: createConnection/m);
		const lookedUp = [...log.matchAll(/^NET \d+: connect: find host (\S+)$/gm)].map((match) => match[1]);
		expect(lookedUp.filter((host) => host !== 'localhost')).toEqual([]);
		expect(log).not.toMatch(/ENOTFOUND|EAI_AGAIN|getaddrinfo/);
	}
	for (const folder of userFolders) expect(processesMentioning(folder)).toEqual([]);
});

async function expectText(locator: ReturnType<Page['getByTestId']>, text: string): Promise<void> {
	await locator.getByText(text, { exact: false }).first().waitFor();
}
