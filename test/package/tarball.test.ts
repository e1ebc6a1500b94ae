/**
 * The package as `npm pack` makes it: what the tarball holds, and that it passes the ESLint rule
 * sets of n8n's community-package scanner (@n8n/scan-community-package, run for real on the
 * unpacked tarball and on the source, as the scanner does before n8n verifies a package).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { PROJECT_DIR, buildAndPack, makePackageCopy, npmEnv } from '../helpers/package-copy';

interface ScanResult {
	passed: boolean;
	message: string | null;
	details: string;
}

function scan(folder: string, leg: 'tarball' | 'source'): ScanResult {
	// Jest sets NODE_ENV=test, which eslint-plugin-n8n-nodes-base takes for its own test run (it then
	// treats every file as "Test.node.ts"); the scanner runs without it.
	const env = npmEnv();
	delete env.NODE_ENV;
	const out = execFileSync(process.execPath, [path.join(__dirname, 'run-scanner.mjs'), folder, leg], {
		cwd: PROJECT_DIR,
		env,
		encoding: 'utf8',
		timeout: 120_000,
	});
	return JSON.parse(out) as ScanResult;
}

/** Rule IDs of the errors in the scanner's (ESLint "stylish") report. */
const errorRules = (details: string) => [...details.matchAll(/^\s+\d+:\d+\s+error\s+.*?\s(\S+)$/gm)].map((m) => m[1]);

let copyDir: string;
let unpacked: string;
let files: string[];
const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'package.json'), 'utf8')) as {
	n8n: { nodes: string[]; credentials: string[]; strict?: boolean };
};

beforeAll(() => {
	copyDir = makePackageCopy({ publisherFields: true });
	({ unpacked, files } = buildAndPack(copyDir));
}, 240_000);

afterAll(() => {
	if (copyDir) fs.rmSync(copyDir, { recursive: true, force: true });
});

test('the tarball holds the compiled node and credentials n8n loads, the icons, and the documents; no sources, tests or sandbox', () => {
	for (const entry of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) expect(files).toContain(entry);
	expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'index.js']));
	expect(files.some((file) => file.endsWith('.svg'))).toBe(true);
	expect(files.filter((file) => /\.ts$|^(test|sandbox|bench|scripts|demo|docs)\//.test(file))).toEqual([]);
	expect(pkg.n8n.strict).toBe(true);
});

test('every source map in the tarball carries its sources (no map points at a file that is not shipped)', () => {
	const maps = files.filter((file) => file.endsWith('.map'));
	expect(maps.length).toBeGreaterThan(0);
	for (const map of maps) {
		const parsed = JSON.parse(fs.readFileSync(path.join(unpacked, map), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
		expect(parsed.sourcesContent?.length).toBe(parsed.sources.length);
		expect(parsed.sourcesContent!.every((content) => typeof content === 'string' && content.length > 0)).toBe(true);
	}
});

test("n8n's scanner passes the tarball (compiled JS and package.json) and the source", () => {
	const tarball = scan(unpacked, 'tarball');
	expect(tarball.details).toBe('');
	expect(tarball.passed).toBe(true);
	const source = scan(copyDir, 'source');
	expect(source.details).toBe('');
	expect(source.passed).toBe(true);
});

test("without the publisher's author e-mail the scanner refuses the package, for that reason only", () => {
	const pkgFile = path.join(unpacked, 'package.json');
	const original = fs.readFileSync(pkgFile, 'utf8');
	try {
		const { author, ...rest } = JSON.parse(original) as { author: { name: string } };
		fs.writeFileSync(pkgFile, JSON.stringify({ ...rest, author: { name: author.name } }, null, 2));
		const result = scan(unpacked, 'tarball');
		expect(result.passed).toBe(false);
		expect(errorRules(result.details)).toEqual(['@n8n/community-nodes/valid-author']);
	} finally {
		fs.writeFileSync(pkgFile, original);
	}
});

test('the scanner does read the compiled code: a console call planted in it fails the scan', () => {
	const nodeFile = path.join(unpacked, pkg.n8n.nodes[0]);
	const original = fs.readFileSync(nodeFile, 'utf8');
	try {
		fs.writeFileSync(nodeFile, `${original}\nconsole.log('planted');\n`);
		const result = scan(unpacked, 'tarball');
		expect(result.passed).toBe(false);
		expect(errorRules(result.details)).toEqual(['no-console']);
	} finally {
		fs.writeFileSync(nodeFile, original);
	}
});

test("prepublishOnly refuses to publish until the publisher has filled in author e-mail, repository and homepage", () => {
	const script = path.join(PROJECT_DIR, 'scripts', 'check-publish-fields.js');
	const refused = spawnSync(process.execPath, [script], { cwd: PROJECT_DIR, encoding: 'utf8' });
	expect(refused.status).toBe(1);
	for (const field of ['author.email', 'repository.url', 'homepage']) expect(refused.stderr).toContain(field);
	const accepted = spawnSync(process.execPath, [script], { cwd: copyDir, encoding: 'utf8' });
	expect(accepted.stderr).toBe('');
	expect(accepted.status).toBe(0);
	const prepublish = (JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.prepublishOnly;
	expect(prepublish).toBe('node scripts/check-publish-fields.js && npm run build');
});
