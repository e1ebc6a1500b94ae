/**
 * A local npm registry for the registry-install e2e test: verdaccio on 127.0.0.1 (installed by
 * scripts/ensure-verdaccio.sh), and an HTTPS proxy on 127.0.0.1 that serves it as
 * https://registry.npmjs.org.
 *
 * Why the proxy: n8n 2.x installs community packages from its default registry only; another
 * registry (N8N_COMMUNITY_PACKAGES_REGISTRY) is a licensed enterprise feature. So n8n keeps its
 * default, as users have it, and reaches "registry.npmjs.org" through HTTPS_PROXY: the proxy answers
 * for that host with a certificate from a throwaway test CA (trusted by n8n and its npm through
 * NODE_EXTRA_CA_CERTS) and forwards to verdaccio. Every other host is refused and recorded, so
 * nothing leaves the machine and the test can say what n8n tried to reach.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';

import { PROJECT_DIR, ensureRuntime, freePort, processGroupAlive } from '../../scripts/n8n-stack';

export const PUBLIC_REGISTRY_HOST = 'registry.npmjs.org';

export interface LocalRegistry {
	/** http://127.0.0.1:<port> (direct, for publishing). */
	url: string;
	/** An npm user config file with a publish token for `url`. */
	npmrc: string;
	stop(): Promise<void>;
}

function verdaccioDir(): string {
	const out = execFileSync('bash', [path.join(PROJECT_DIR, 'scripts', 'ensure-verdaccio.sh')], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
		timeout: 600_000,
	});
	return out.trim().split('\n').pop() as string;
}

function verdaccioConfig(dir: string, port: number): string {
	// No uplinks: the registry serves what was published to it and never asks another registry.
	return [
		`storage: ${dir}/storage`,
		'auth:',
		'  htpasswd:',
		`    file: ${dir}/htpasswd`,
		'    max_users: 1',
		'uplinks: {}',
		'packages:',
		"  '**':",
		'    access: $all',
		'    publish: $authenticated',
		'middlewares:',
		'  audit:',
		'    enabled: false',
		'web:',
		'  enable: false',
		'log: { type: stdout, format: json, level: warn }',
		`listen: 127.0.0.1:${port}`,
		'',
	].join('\n');
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`verdaccio exited (code ${child.exitCode})`);
		try {
			const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
			if (response.status < 500) return;
		} catch {
			/* not up yet */
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`verdaccio did not answer on ${url} within ${timeoutMs / 1000} s`);
}

async function stopGroup(child: ChildProcess): Promise<void> {
	const pgid = child.pid;
	if (!pgid || !processGroupAlive(pgid)) return;
	process.kill(-pgid, 'SIGTERM');
	const deadline = Date.now() + 10_000;
	while (processGroupAlive(pgid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
	if (processGroupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
}

/** Starts verdaccio in `workDir` on a free loopback port, with one user allowed to publish. */
export async function startLocalRegistry(workDir: string): Promise<LocalRegistry> {
	const installDir = verdaccioDir();
	const { nodeBin } = ensureRuntime(); // verdaccio 6.10 needs Node.js >= 22: the runtime's Node 24
	const port = await freePort();
	const configFile = path.join(workDir, 'verdaccio.yaml');
	fs.writeFileSync(configFile, verdaccioConfig(workDir, port));
	const logFd = fs.openSync(path.join(workDir, 'verdaccio.log'), 'w');
	const child = spawn(nodeBin, [path.join(installDir, 'node_modules', 'verdaccio', 'bin', 'verdaccio'), '--config', configFile], {
		// Tarball links in the metadata point where n8n's npm fetches them: the public name, through the proxy.
		env: { PATH: process.env.PATH, HOME: workDir, VERDACCIO_PUBLIC_URL: `https://${PUBLIC_REGISTRY_HOST}/` },
		stdio: ['ignore', logFd, logFd],
		detached: true,
	});
	fs.closeSync(logFd);
	const url = `http://127.0.0.1:${port}`;
	try {
		await waitForHttp(`${url}/-/ping`, child, 60_000);
		// The user npm's `adduser` would create; its token goes into a user config for `npm publish`.
		const response = await fetch(`${url}/-/user/org.couchdb.user:publisher`, {
			method: 'PUT',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ name: 'publisher', password: 'local-registry-only' }),
		});
		if (!response.ok) throw new Error(`creating the registry user: HTTP ${response.status} ${await response.text()}`);
		const { token } = (await response.json()) as { token: string };
		const npmrc = path.join(workDir, 'publisher.npmrc');
		fs.writeFileSync(npmrc, `registry=${url}/\n//127.0.0.1:${port}/:_authToken=${token}\n`, { mode: 0o600 });
		return { url, npmrc, stop: () => stopGroup(child) };
	} catch (error) {
		await stopGroup(child);
		throw error;
	}
}

/**
 * GET and parse JSON on a fresh connection (fetch would reuse a kept-alive socket that verdaccio
 * may have closed meanwhile).
 */
export async function registryGet(url: string): Promise<unknown> {
	return await new Promise((resolve, reject) => {
		const request = http.get(url, { agent: false, timeout: 15_000 }, (response) => {
			let body = '';
			response.setEncoding('utf8');
			response.on('data', (chunk: string) => (body += chunk));
			response.on('end', () => {
				if ((response.statusCode ?? 500) >= 400) reject(new Error(`GET ${url}: HTTP ${response.statusCode} ${body.slice(0, 200)}`));
				else resolve(JSON.parse(body));
			});
		});
		request.on('timeout', () => request.destroy(new Error(`GET ${url}: timed out`)));
		request.on('error', reject);
	});
}

/** A throwaway CA and a certificate for registry.npmjs.org signed by it (openssl, 2 days). */
export function makeTestCertificates(dir: string): { caFile: string; key: Buffer; cert: Buffer } {
	const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 30_000 });
	fs.writeFileSync(path.join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
	fs.writeFileSync(
		path.join(dir, 'server.ext'),
		`subjectAltName=DNS:${PUBLIC_REGISTRY_HOST}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
	);
	openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=emarsys e2e test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
	openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${PUBLIC_REGISTRY_HOST}`]);
	openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext']);
	return {
		caFile: path.join(dir, 'ca.pem'),
		key: fs.readFileSync(path.join(dir, 'server.key')),
		cert: fs.readFileSync(path.join(dir, 'server.pem')),
	};
}

export interface RegistryProxy {
	url: string;
	/** Hosts (host:port) n8n or npm asked to reach that the proxy refused. */
	refused: string[];
	/** Requests forwarded to the local registry (method and path). */
	forwarded: string[];
	stop(): Promise<void>;
}

/** The HTTPS proxy: CONNECT to registry.npmjs.org:443 is answered with TLS and sent to `registryUrl`. */
export async function startRegistryProxy(registryUrl: string, tlsFiles: { key: Buffer; cert: Buffer }): Promise<RegistryProxy> {
	const target = new URL(registryUrl);
	const refused: string[] = [];
	const forwarded: string[] = [];
	const sockets = new Set<net.Socket>();

	const forward = http.createServer((req, res) => {
		forwarded.push(`${req.method} ${req.url}`);
		const upstream = http.request(
			{
				host: target.hostname,
				port: target.port,
				method: req.method,
				path: req.url,
				headers: { ...req.headers, host: target.host },
			},
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		upstream.on('error', () => res.destroy());
		req.pipe(upstream);
	});

	const proxy = http.createServer((req, res) => {
		// Plain-HTTP proxying (http:// URLs): nothing of ours needs it.
		refused.push(req.headers.host ?? String(req.url));
		res.writeHead(403).end('refused by the e2e test proxy');
	});
	proxy.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	proxy.on('connect', (req, socket: net.Socket) => {
		socket.on('error', () => undefined);
		if (req.url !== `${PUBLIC_REGISTRY_HOST}:443`) {
			refused.push(String(req.url));
			socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
			return;
		}
		socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
		const secure = new tls.TLSSocket(socket, { isServer: true, key: tlsFiles.key, cert: tlsFiles.cert });
		secure.on('error', () => socket.destroy());
		forward.emit('connection', secure);
	});

	await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
	const { port } = proxy.address() as net.AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		refused,
		forwarded,
		stop: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => proxy.close(() => resolve()));
			forward.close();
		},
	};
}

/** The environment that sends n8n (and the npm it runs) to the proxy for everything but loopback. */
export function proxiedEnvironment(proxyUrl: string, caFile: string): Record<string, string> {
	return {
		HTTPS_PROXY: proxyUrl,
		HTTP_PROXY: proxyUrl,
		https_proxy: proxyUrl,
		http_proxy: proxyUrl,
		NO_PROXY: 'localhost,127.0.0.1',
		no_proxy: 'localhost,127.0.0.1',
		NODE_EXTRA_CA_CERTS: caFile,
	};
}
