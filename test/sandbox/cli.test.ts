import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { parseArgs } from '../../sandbox/cli';
import { client, signWsse } from './util';

const ROOT = join(__dirname, '..', '..');

describe('sandbox CLI arguments', () => {
	it('defaults to port 8089 on 127.0.0.1 with the documented credentials', () => {
		const { options } = parseArgs([], {});
		expect(options).toMatchObject({ port: 8089, host: '127.0.0.1' });
		expect(options.wsseUser).toBeUndefined();
	});

	it('reads the environment and lets flags win', () => {
		const env = {
			EMARSYS_SANDBOX_PORT: '9100',
			EMARSYS_SANDBOX_WSSE_USER: 'env_user',
			EMARSYS_SANDBOX_WSSE_SECRET: 'env_secret',
			EMARSYS_SANDBOX_OIDC_CLIENT_ID: 'env_client',
			EMARSYS_SANDBOX_OIDC_CLIENT_SECRET: 'env_client_secret',
		};
		expect(parseArgs([], env).options).toMatchObject({
			port: 9100,
			wsseUser: 'env_user',
			wsseSecret: 'env_secret',
			oidcClientId: 'env_client',
			oidcClientSecret: 'env_client_secret',
		});
		const { options } = parseArgs(['--port', '9200', '--data=/tmp/x.json', '--rate-limit', '50', '--quiet'], env);
		expect(options).toMatchObject({ port: 9200, dataFile: '/tmp/x.json', rateLimitPerMinute: 50, quiet: true });
	});

	it('rejects bad values and unknown flags', () => {
		expect(() => parseArgs(['--port', 'abc'], {})).toThrow(/--port/);
		expect(() => parseArgs(['--port', '70000'], {})).toThrow(/65535/);
		expect(() => parseArgs(['--bogus'], {})).toThrow(/Unknown option/);
		expect(() => parseArgs([], { EMARSYS_SANDBOX_PORT: '-1' })).toThrow(/EMARSYS_SANDBOX_PORT/);
		expect(parseArgs(['--help'], {}).help).toBe(true);
	});
});

describe('npm run sandbox (sandbox/cli.ts as a process)', () => {
	let child: ChildProcess | undefined;

	afterEach(() => {
		if (child && child.exitCode === null) child.kill('SIGKILL');
	});

	function start(args: string[], env: Record<string, string>): Promise<{ url: string; output: () => string }> {
		const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
		child = spawn(tsx, [join(ROOT, 'sandbox', 'cli.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
		let out = '';
		child.stderr!.on('data', (d) => (out += d.toString()));
		return new Promise((resolve, reject) => {
			child!.stdout!.on('data', (d) => {
				out += d.toString();
				const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
				if (m && out.includes('Press Ctrl+C')) resolve({ url: m[1], output: () => out });
			});
			child!.on('exit', (code) => reject(new Error(`sandbox exited early (${code}): ${out}`)));
		});
	}

	it('starts with credentials from the environment, prints them, and stops on SIGTERM', async () => {
		const { url, output } = await start(['--port', '0'], {
			EMARSYS_SANDBOX_WSSE_USER: 'cli_user',
			EMARSYS_SANDBOX_WSSE_SECRET: 'cli-secret',
			EMARSYS_SANDBOX_OIDC_CLIENT_ID: 'cli_client',
			EMARSYS_SANDBOX_OIDC_CLIENT_SECRET: 'cli-client-secret',
		});
		expect(output()).toContain('cli_user');
		expect(output()).toContain('cli_client');
		// secrets someone supplied are never printed, only where they came from
		expect(output()).not.toContain('cli-secret');
		expect(output()).not.toContain('cli-client-secret');
		expect(output()).toContain('EMARSYS_SANDBOX_WSSE_SECRET');
		const ok = await client(`${url}/api/v2/`).get('settings', { headers: { 'X-WSSE': signWsse('cli_user', 'cli-secret') } });
		expect(ok.status).toBe(200);
		const defaults = await client(`${url}/api/v2/`).get('settings', {
			headers: { 'X-WSSE': signWsse('sandbox_api_user', 'sandbox-wsse-secret-7Qe2') },
		});
		expect(defaults.status).toBe(401);
		const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
		child!.kill('SIGTERM');
		expect(await exited).toBe(0);
	});

	it('prints the seeded default credentials documented in docs/sandbox.md', async () => {
		const { output } = await start(['--port', '0'], {});
		const readme = readFileSync(join(ROOT, 'docs', 'sandbox.md'), 'utf8');
		for (const value of ['sandbox_api_user', 'sandbox-wsse-secret-7Qe2', 'sandbox_oidc_client', 'sandbox-oidc-secret-9Xk4']) {
			expect(output()).toContain(value);
			expect(readme).toContain(value);
		}
		const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
		child!.kill('SIGINT');
		expect(await exited).toBe(0);
	});
});

describe('sandbox isolation', () => {
	function files(dir: string): string[] {
		let out: string[] = [];
		let names: string[];
		try {
			names = readdirSync(dir);
		} catch {
			return out;
		}
		for (const name of names) {
			const p = join(dir, name);
			if (statSync(p).isDirectory()) out = out.concat(files(p));
			else if (/\.(ts|js|json)$/.test(name)) out.push(p);
		}
		return out;
	}

	it('nodes/ and credentials/ never import the sandbox', () => {
		const offenders = [...files(join(ROOT, 'nodes')), ...files(join(ROOT, 'credentials'))].filter((f) =>
			/from\s+['"][^'"]*sandbox|require\(\s*['"][^'"]*sandbox/.test(readFileSync(f, 'utf8')),
		);
		expect(offenders).toEqual([]);
	});

	it('the sandbox uses Node.js built-ins only', () => {
		const imports = files(join(ROOT, 'sandbox'))
			.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]))
			.filter((spec) => !spec.startsWith('.') && !spec.startsWith('node:'));
		expect(imports).toEqual([]);
	});
});
