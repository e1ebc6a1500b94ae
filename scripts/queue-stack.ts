/**
 * n8n in queue mode, as n8n documents it for scaling: Redis holds the queue of executions, one
 * PostgreSQL database is shared by every n8n process, a main instance takes the webhooks and
 * enqueues executions, and `n8n worker` processes run them.
 *
 * Everything here is throwaway and local: Redis and PostgreSQL (Debian's packages; installed by
 * scripts/ci-setup.sh) on free loopback ports with data folders under one temporary folder, the
 * main instance from scripts/n8n-stack.ts (the same setup as `npm start`, plus the queue
 * settings), and workers that get this package the way users install community nodes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import {
	StackError,
	ensureRuntime,
	freePort,
	httpOk,
	killGroup,
	n8nEnvironment,
	prepareUserFolder,
	processGroupAlive,
	sleep,
	spawnN8n,
	startStack,
	tail,
	waitForN8n,
	type N8nProcess,
	type RunningStack,
	type StackOptions,
} from './n8n-stack';

const INSTALL_HINT = 'run `bash scripts/ci-setup.sh` as root (it installs Debian\'s redis-server and postgresql)';

// ---------------------------------------------------------------------------------------------
// Redis

export interface RunningRedis {
	port: number;
	pid: number;
	stop(): Promise<void>;
}

/** Sends PING over a plain socket; true when Redis answers +PONG. */
async function redisPing(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(2_000, () => done(false));
		socket.once('error', () => done(false));
		socket.once('connect', () => socket.write('PING\r\n'));
		socket.once('data', (data) => done(data.toString('utf8').startsWith('+PONG')));
	});
}

export interface RedisOptions {
	/** The server to run: redis-server on PATH unless a path is given. */
	command?: string;
	timeoutMs?: number;
}

/** Redis on a free loopback port, nothing saved to disk, its working folder in `dir`. */
export async function startRedis(dir: string, options: RedisOptions = {}): Promise<RunningRedis> {
	const { command = 'redis-server', timeoutMs = 30_000 } = options;
	if (spawnSync(command, ['--version']).status !== 0) {
		throw new StackError(`${command} is not installed: ${INSTALL_HINT}`);
	}
	fs.mkdirSync(dir, { recursive: true });
	const port = await freePort();
	const logFile = path.join(dir, 'redis.log');
	const logFd = fs.openSync(logFile, 'w');
	const child = spawn(
		command,
		['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
		{ stdio: ['ignore', logFd, logFd], detached: true },
	);
	fs.closeSync(logFd);
	let exited: string | undefined;
	child.once('exit', (code, signal) => (exited = `redis-server exited (code ${code}, signal ${signal})`));
	const stop = async () => await killGroup(child, 10_000);
	const deadline = Date.now() + timeoutMs;
	while (!(await redisPing(port))) {
		if (exited || Date.now() > deadline) {
			await stop();
			const why = exited ?? `Redis did not answer PING on port ${port} within ${Math.round(timeoutMs / 1000)} s`;
			throw new StackError(`${why}. Last lines of its log:\n${readTail(logFile)}`);
		}
		await sleep(100);
	}
	return { port, pid: child.pid as number, stop };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export interface RunningPostgres {
	port: number;
	database: string;
	user: string;
	/** Runs SQL through psql; returns the rows, columns separated by tabs. */
	query(sql: string): string[][];
	stop(): Promise<void>;
}

/** Folder of initdb/pg_ctl/psql: Debian keeps them in /usr/lib/postgresql/<version>/bin, not on PATH. */
export function postgresBinDir(): string {
	const root = '/usr/lib/postgresql';
	const versions = fs.existsSync(root)
		? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a))
		: [];
	if (versions.length > 0) return path.join(root, versions[0], 'bin');
	const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
	if (onPath) return path.dirname(fs.realpathSync(onPath));
	throw new StackError(`PostgreSQL (initdb, pg_ctl) is not installed: ${INSTALL_HINT}`);
}

/**
 * PostgreSQL refuses to run as root. As root (CI), the cluster belongs to the `postgres` user that
 * Debian's package creates, and its commands run through runuser; otherwise as the current user.
 */
function postgresRunner(): { prefix: string[]; uid?: number; gid?: number } {
	if (process.getuid?.() !== 0) return { prefix: [] };
	const entry = fs
		.readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.find((line) => line.startsWith('postgres:'));
	if (!entry) throw new StackError(`Running as root, but there is no postgres user to run PostgreSQL as: ${INSTALL_HINT}`);
	const [, , uid, gid] = entry.split(':');
	return { prefix: ['runuser', '-u', 'postgres', '--'], uid: Number(uid), gid: Number(gid) };
}

function runChecked(command: string[], what: string, timeoutMs: number): string {
	const result = spawnSync(command[0], command.slice(1), { encoding: 'utf8', timeout: timeoutMs });
	const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
	if (result.error || result.status !== 0) {
		throw new StackError(
			`${what} failed${result.error ? `: ${result.error.message}` : ` with exit ${result.status}`}\n${tail(output, 20)}`,
		);
	}
	return result.stdout ?? '';
}

export interface PostgresOptions {
	/** More server settings, each passed as `-c name=value` (values without spaces). */
	settings?: Record<string, string>;
	timeoutMs?: number;
}

/**
 * A new cluster in `dir` (trust authentication, listening on 127.0.0.1 only, no Unix socket)
 * with an empty database `n8n` owned by the superuser `n8n`.
 */
export async function startPostgres(dir: string, options: PostgresOptions = {}): Promise<RunningPostgres> {
	const timeoutMs = options.timeoutMs ?? 60_000;
	const bin = postgresBinDir();
	const runner = postgresRunner();
	fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
	if (runner.uid !== undefined) fs.chownSync(dir, runner.uid, runner.gid as number);
	const dataDir = path.join(dir, 'data');
	const logFile = path.join(dir, 'postgres.log');
	const port = await freePort();
	const user = 'n8n';
	const database = 'n8n';
	const pgCtl = (...args: string[]) => [...runner.prefix, path.join(bin, 'pg_ctl'), '-D', dataDir, ...args];
	runChecked(
		[...runner.prefix, path.join(bin, 'initdb'), '-D', dataDir, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
		'initdb (creating the PostgreSQL cluster)',
		timeoutMs,
	);
	const settings = Object.entries(options.settings ?? {}).map(([name, value]) => ` -c ${name}=${value}`);
	const serverOptions = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories='' -c max_connections=200${settings.join('')}`;
	let started = false;
	const stop = async (): Promise<void> => {
		if (!started) return;
		started = false;
		const command = pgCtl('stop', '-m', 'fast', '-w', '-t', '30');
		const result = spawnSync(command[0], command.slice(1), { encoding: 'utf8', timeout: 40_000 });
		if (result.status !== 0) killPostmaster(dataDir);
		// The postmaster forks its helpers; wait until the last of them is gone.
		const deadline = Date.now() + 10_000;
		while (postmasterPid(dataDir) !== undefined && Date.now() < deadline) await sleep(100);
	};
	started = true;
	try {
		runChecked(
			pgCtl('start', '-w', '-t', String(Math.ceil(timeoutMs / 1000)), '-l', logFile, '-o', serverOptions),
			'pg_ctl start (starting PostgreSQL)',
			timeoutMs + 5_000,
		);
		const psql = (sql: string, db = database) =>
			runChecked(
				[path.join(bin, 'psql'), '-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', db, '-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql],
				`psql (${sql.slice(0, 60)})`,
				30_000,
			);
		psql(`CREATE DATABASE ${database}`, 'postgres');
		return {
			port,
			database,
			user,
			query: (sql) =>
				psql(sql)
					.split('\n')
					.filter((line) => line !== '')
					.map((line) => line.split('\t')),
			stop,
		};
	} catch (error) {
		await stop();
		throw error instanceof StackError
			? new StackError(`${error.message}\nLast lines of the PostgreSQL log:\n${readTail(logFile)}`)
			: error;
	}
}

function postmasterPid(dataDir: string): number | undefined {
	try {
		const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
		process.kill(pid, 0);
		return pid;
	} catch {
		return undefined;
	}
}

function killPostmaster(dataDir: string): void {
	const pid = postmasterPid(dataDir);
	if (pid === undefined) return;
	try {
		process.kill(pid, 'SIGQUIT'); // PostgreSQL's "immediate shutdown": ends the server and its children
	} catch {
		/* already gone */
	}
}

function readTail(file: string, lines = 20): string {
	try {
		return tail(fs.readFileSync(file, 'utf8'), lines);
	} catch {
		return '(no log)';
	}
}

// ---------------------------------------------------------------------------------------------
// n8n in queue mode

/** The settings that put an n8n process (main or worker) in queue mode on this Redis and database. */
export function queueModeEnv(redis: RunningRedis, postgres: RunningPostgres, encryptionKey: string): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: postgres.database,
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: '',
		// Every process must decrypt the credentials the main stored: one key for all.
		N8N_ENCRYPTION_KEY: encryptionKey,
		// Manual runs from the editor go to the workers too, so the main runs nothing itself.
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
	};
}

export interface RunningWorker extends N8nProcess {
	userFolder: string;
	healthPort: number;
}

export interface WorkerOptions {
	runtime: { nodeBin: string; n8nBin: string };
	userFolder: string;
	/** Queue settings (queueModeEnv) and anything else for the worker. */
	env: Record<string, string>;
	concurrency: number;
	startupTimeoutMs: number;
	/** Name of the log file in the user folder. */
	logName?: string;
}

/** `n8n worker`, ready once its health server says the database and Redis are connected. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
	fs.mkdirSync(options.userFolder, { recursive: true });
	prepareUserFolder(options.userFolder);
	const healthPort = await freePort();
	let brokerPort = await freePort();
	while (brokerPort === healthPort) brokerPort = await freePort();
	const env = n8nEnvironment(
		{
			n8nPort: healthPort,
			brokerPort,
			userFolder: options.userFolder,
			env: {
				...options.env,
				QUEUE_HEALTH_CHECK_ACTIVE: 'true',
				QUEUE_HEALTH_CHECK_PORT: String(healthPort),
				N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
			},
		},
		path.dirname(options.runtime.nodeBin),
	);
	const logFile = path.join(options.userFolder, options.logName ?? 'worker.log');
	const worker = spawnN8n(options.runtime, ['worker', `--concurrency=${options.concurrency}`], env, logFile);
	const deadline = Date.now() + options.startupTimeoutMs;
	try {
		await waitForN8n(
			`the worker's readiness (${logFile})`,
			async () => (await httpOk(`http://127.0.0.1:${healthPort}/healthz/readiness`))?.status === 200,
			{ process: worker, deadline, timeoutMs: options.startupTimeoutMs },
		);
	} catch (error) {
		await worker.stop(5_000);
		throw error;
	}
	return { ...worker, userFolder: options.userFolder, healthPort };
}

export interface QueueStackOptions {
	workers: number;
	/** Jobs each worker runs at once (n8n's default is 10). */
	concurrency?: number;
	startupTimeoutMs?: number;
	log?: (message: string) => void;
	/** Extra environment for every n8n process (main and workers). */
	env?: Record<string, string>;
	adaptWorkflow?: StackOptions['adaptWorkflow'];
	extraCredentials?: StackOptions['extraCredentials'];
	/** How Redis is started (the tests point it at a server that is not there). */
	redis?: RedisOptions;
	/** How PostgreSQL is started (the tests give it a setting it refuses). */
	postgres?: PostgresOptions;
}

export interface RunningQueueStack {
	/** The main instance (webhooks, editor) and the sandbox, as scripts/n8n-stack.ts starts them. */
	main: RunningStack;
	workers: RunningWorker[];
	redis: RunningRedis;
	postgres: RunningPostgres;
	/** The N8N_ENCRYPTION_KEY every process of this stack shares (another key cannot read its database). */
	encryptionKey: string;
	/** Temporary folder holding every data folder of this stack. */
	baseDir: string;
	/** Starts worker `index` again (after it was killed), with the same user folder. */
	restartWorker(index: number): Promise<RunningWorker>;
	/** Stops the workers, the main, the sandbox, PostgreSQL and Redis; removes baseDir. Safe to call twice. */
	stop(): Promise<void>;
}

/** What a queue stack has started so far: stopping it stops exactly these. */
interface StartedParts {
	redis?: RunningRedis;
	postgres?: RunningPostgres;
	main?: RunningStack;
	workers: RunningWorker[];
}

/** Stops every part that started, the n8n processes before the Redis and database they use, then removes baseDir. */
async function stopParts(started: StartedParts, baseDir: string): Promise<void> {
	await Promise.all(started.workers.map(async (worker) => await worker.stop(20_000)));
	await started.main?.stop();
	await started.postgres?.stop();
	await started.redis?.stop();
	fs.rmSync(baseDir, { recursive: true, force: true });
}

/**
 * Redis and PostgreSQL side by side. When one fails, the other's start is still waited for (a
 * missing Redis fails at once, PostgreSQL takes seconds more): each part records itself in
 * `started` as it comes up, so the caller's cleanup stops it instead of leaving it running.
 */
async function startRedisAndPostgres(
	baseDir: string,
	options: QueueStackOptions,
	started: StartedParts,
): Promise<{ redis: RunningRedis; postgres: RunningPostgres }> {
	const redis = startRedis(path.join(baseDir, 'redis'), options.redis).then((r) => (started.redis = r));
	const postgres = startPostgres(path.join(baseDir, 'postgres'), options.postgres).then((p) => (started.postgres = p));
	const [redisResult, postgresResult] = await Promise.allSettled([redis, postgres]);
	if (redisResult.status === 'rejected') throw redisResult.reason;
	if (postgresResult.status === 'rejected') throw postgresResult.reason;
	return { redis: redisResult.value, postgres: postgresResult.value };
}

/** The main instance: the `npm start` setup on free ports, with the queue settings in `env`. */
async function startQueueMain(
	baseDir: string,
	env: Record<string, string>,
	options: QueueStackOptions & { startupTimeoutMs: number; log: (message: string) => void },
): Promise<RunningStack> {
	const n8nPort = await freePort();
	let brokerPort = await freePort();
	while (brokerPort === n8nPort) brokerPort = await freePort();
	options.log('Starting the n8n main instance (queue mode)');
	return await startStack({
		n8nPort,
		brokerPort,
		sandboxPort: 0,
		userFolder: path.join(baseDir, 'main'),
		startupTimeoutMs: options.startupTimeoutMs,
		importWorkflows: 'always',
		env,
		log: options.log,
		adaptWorkflow: options.adaptWorkflow,
		extraCredentials: options.extraCredentials,
	});
}

export async function startQueueStack(options: QueueStackOptions): Promise<RunningQueueStack> {
	const log = options.log ?? ((): void => undefined);
	const startupTimeoutMs = options.startupTimeoutMs ?? 180_000;
	const runtime = ensureRuntime(log);
	const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emarsys-queue-'));
	const started: StartedParts = { workers: [] };
	let stopped = false;
	const stop = async (): Promise<void> => {
		if (stopped) return;
		stopped = true;
		await stopParts(started, baseDir);
	};
	try {
		fs.chmodSync(baseDir, 0o755); // the postgres user (as root) must reach its folder inside
		log(`Starting Redis and PostgreSQL (data folders in ${baseDir})`);
		const { redis, postgres } = await startRedisAndPostgres(baseDir, options, started);
		const encryptionKey = randomBytes(24).toString('hex');
		const env = { ...queueModeEnv(redis, postgres, encryptionKey), ...options.env };
		started.main = await startQueueMain(baseDir, env, { ...options, startupTimeoutMs, log });
		const workerOptions = (index: number): WorkerOptions => ({
			runtime,
			userFolder: path.join(baseDir, `worker-${index + 1}`),
			env,
			concurrency: options.concurrency ?? 10,
			startupTimeoutMs,
		});
		log(`Starting ${options.workers} n8n workers`);
		// One after the other: each worker's start takes both cores for a while.
		for (let i = 0; i < options.workers; i++) started.workers.push(await startWorker(workerOptions(i)));
		return {
			main: started.main,
			workers: started.workers,
			redis,
			postgres,
			encryptionKey,
			baseDir,
			restartWorker: async (index) => {
				const old = started.workers[index];
				if (stopped) throw new StackError('the queue stack is stopped: no worker is started again');
				if (processGroupAlive(old.pid)) throw new StackError(`worker ${index + 1} is still running`);
				const worker = await startWorker({ ...workerOptions(index), logName: `worker-restart-${Date.now()}.log` });
				started.workers[index] = worker;
				// A stop() while this worker was starting did not see it: it is stopped here instead.
				if (stopped) {
					await worker.stop(20_000);
					throw new StackError('the queue stack was stopped while the worker started');
				}
				return worker;
			},
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}
