/**
 * A copy of this package as a publisher's checkout has it (the files that go into the package and
 * what builds them, no dist/), with this project's node_modules linked in. Used to pack and publish
 * the package the way `npm pack` / `npm publish` do it, without touching the working tree's dist/.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const PROJECT_DIR = path.resolve(__dirname, '..', '..');

const SOURCES = [
	'package.json',
	'README.md',
	'LICENSE',
	'CHANGELOG.md',
	'index.js',
	'tsconfig.json',
	'tsconfig.build.json',
	'gulpfile.js',
	'credentials',
	'nodes',
	'scripts/check-publish-fields.js',
];

/** What a publisher fills in before the first release (CONTRIBUTING.md); made up for the tests only. */
export const PUBLISHER_FIELDS = {
	author: { name: 'Test Publisher', email: 'publisher@example.com' },
	homepage: 'https://github.com/example/n8n-nodes-emarsys#readme',
	repository: { type: 'git', url: 'git+https://github.com/example/n8n-nodes-emarsys.git' },
};

export function makePackageCopy(options: { publisherFields?: boolean } = {}): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emarsys-package-copy-'));
	for (const entry of SOURCES) {
		fs.cpSync(path.join(PROJECT_DIR, entry), path.join(dir, entry), { recursive: true });
	}
	fs.symlinkSync(path.join(PROJECT_DIR, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
	if (options.publisherFields) {
		const pkgFile = path.join(dir, 'package.json');
		const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as Record<string, unknown>;
		fs.writeFileSync(pkgFile, JSON.stringify({ ...pkg, ...PUBLISHER_FIELDS }, null, 2) + '\n');
	}
	return dir;
}

/** npm with only the settings given here (npm hands its own run's settings down as npm_config_*). */
export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
	for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
	delete env.NODE_OPTIONS;
	return { ...env, ...extra };
}

/** Builds the copy and packs it like `npm pack`; returns the unpacked tarball's folder and the file list. */
export function buildAndPack(copyDir: string): { tarball: string; unpacked: string; files: string[] } {
	const run = (args: string[]) =>
		execFileSync('npm', args, { cwd: copyDir, env: npmEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
	run(['run', 'build']);
	const packed = JSON.parse(run(['pack', '--json'])) as Array<{ filename: string; files: Array<{ path: string }> }>;
	const tarball = path.join(copyDir, packed[0].filename);
	const unpacked = path.join(copyDir, 'unpacked');
	fs.mkdirSync(unpacked);
	execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
	return { tarball, unpacked, files: packed[0].files.map((file) => file.path).sort() };
}
