/**
 * `npm run bench` — what the Emarsys node costs on top of n8n, measured against the sandbox.
 *
 * For each operation and N it runs a real workflow (input → Emarsys node) through n8n-core (in a
 * fresh worker process, see worker.ts) against the sandbox (in its own process, see
 * sandbox-child.ts) with injected latency per API call, and the same workflow with the n8n floor
 * (lib/n8n-floor.ts: the node's parameters read through n8n for every item, then exactly the calls
 * the job needs through n8n's request helper, one at a time) in its place — `--rounds` times each,
 * interleaved with a bare axios script making those calls; the median of each figure counts (wall
 * time, CPU time, peak RSS growth; at 100,000 peak RSS comes from memory rounds of node and n8n
 * floor run apart, at fixed V8 heap sizing: see FIXED_HEAP_SIZING). It prints per case:
 *   calls made (from the sandbox request log), items in/out, wall time, items/s, CPU time, peak RSS growth,
 *   ×n8n floor = node wall time / n8n floor wall time (what the package adds: the goal),
 *   ×floor     = node wall time / bare axios script wall time (information only),
 *   per-item   = one signed call per item, sequentially, and how many times faster the node and the n8n floor are.
 * Then a JSON summary (`BENCH_SUMMARY {...}`), a `KEY RATIOS:` line and the goals (lib/goals.ts):
 * it exits non-zero when one is missed, naming it.
 *
 * Flags: see lib/flags.ts (`--help`). `--smoke` (`npm run bench:smoke`, in CI) checks calls and
 * items only, at N = 1000, with no warm-up: it keeps the bench from rotting unnoticed.
 * BENCH_DEBUG=1 passes the workers' output through, with V8's --trace-gc (where memory goes).
 *
 * The sandbox's rate limit is raised to 1,000,000 calls/minute for the bench, so that the
 * per-item baseline is not throttled (real Emarsys allows ~1000/minute: there the per-item
 * approach would take at least N/1000 minutes). The lanes workloads (workloads.ts) answer in
 * 200 ms a call and meet Emarsys's own limit in their measured runs, each in a fresh window.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { arch, cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_CREDENTIALS } from '../sandbox/seed';
import { parseFlags, type Flags } from './lib/flags';
import { checkGoals, GOALS, type CaseResult, type GoalReport, type SubjectFigures, type TimedCalls } from './lib/goals';
import { countCalls, SandboxHooks, startSandboxProcess } from './lib/sandbox';
import { SignedClient } from './lib/signed';
import type { WorkerArgs, WorkerResult } from './worker';
import { EMARSYS_RATE_LIMIT_PER_MINUTE, seedContacts, WORKLOADS, type ExpectedCalls, type OpName, type Workload } from './workloads';

const BENCH_RATE_LIMIT = 1_000_000;

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
/** The middle value (of an even count, the lower middle one: a figure some round measured). */
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const fmtMs = (ms: number) => (ms >= 10_000 ? `${round(ms / 1000, 1)} s` : `${ms} ms`);
const signedMb = (mb: number) => `${mb < 0 ? '−' : '+'}${Math.abs(mb)} MB`;
const log = (line: string) => process.stdout.write(`${line}\n`);
const note = (line: string) => process.stderr.write(`${line}\n`);

/** What every case shares: the flags, the sandbox and a bare signed client to it. */
interface Bench {
	flags: Flags;
	url: string;
	hooks: SandboxHooks;
	client: SignedClient;
	/** Per-item baselines measured so far, by `op@N` (upsertAutoMap reuses upsert's). */
	perItem: Map<string, TimedCalls>;
}

/** BENCH_CPU_PROF=dir: each worker of the node writes a V8 CPU profile there (for finding where a run's time goes). */
function cpuProfile(args: WorkerArgs): string[] {
	const dir = process.env.BENCH_CPU_PROF;
	return dir && args.subject === 'node' ? ['--cpu-prof', '--cpu-prof-dir', dir] : [];
}

/**
 * Timed runs use V8's default heap sizing, as n8n does: the time figures depend on it. But with it,
 * peak RSS moves by tens of MB between rounds of the same code (V8 sizes its heap from how fast the
 * program runs; at 100,000 the rounds of node and n8n floor alike land in one of two modes ~120 MB
 * apart, docs/performance.md). So peak RSS is judged on memory rounds of their own, at fixed heap
 * sizing (young generation 16 MB per semi-space, old generation grown by 50 % after a full GC):
 * the same for both subjects, so that they differ only in what they hold. Fixed sizing is not used
 * for timing: measured 2026-12-05, it took upsertAutoMap's node from 1.02 to 1.23 times the n8n
 * floor's wall time at 10,000 (semi-spaces) and from 1.04 to 1.21 at 100,000 (old generation).
 */
const FIXED_HEAP_SIZING = ['--min-semi-space-size=16', '--max-semi-space-size=16', '--heap-growing-percent=50'];

async function runWorker(args: WorkerArgs, heapSizing: 'default' | 'fixed' = 'default'): Promise<WorkerResult> {
	const debug = Boolean(process.env.BENCH_DEBUG);
	const v8Flags = [...(debug ? ['--trace-gc'] : []), ...cpuProfile(args), '--expose-gc', ...(heapSizing === 'fixed' ? FIXED_HEAP_SIZING : [])];
	const child = spawn(process.execPath, [...v8Flags, '--import', 'tsx', join(__dirname, 'worker.ts'), JSON.stringify(args)], {
		stdio: ['ignore', 'pipe', 'inherit'],
		cwd: join(__dirname, '..'),
	});
	let stdout = '';
	child.stdout.on('data', (chunk: Buffer) => {
		stdout += chunk.toString('utf8');
		if (debug) process.stderr.write(chunk);
	});
	return await new Promise<WorkerResult>((resolve, reject) => {
		child.on('error', reject);
		child.on('exit', (code) => {
			const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
			if (code !== 0 || !line) return reject(new Error(`bench worker (${args.subject}) for ${args.op} N=${args.n} exited with ${code}`));
			resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as WorkerResult);
		});
	});
}

async function timed(hooks: SandboxHooks, work: () => Promise<unknown>): Promise<TimedCalls> {
	const seq = await hooks.lastSeq();
	const started = process.hrtime.bigint();
	await work();
	const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
	const calls = countCalls(await hooks.log(seq));
	return { wallMs: Math.round(wallMs), calls: calls.total, callsByEndpoint: calls.byEndpoint };
}

/** Seed data back, bench rate limit, the workload's latency. */
async function prepare(bench: Bench, workload: Workload): Promise<void> {
	await bench.hooks.reset();
	await bench.hooks.setConfig({ rateLimitPerMinute: BENCH_RATE_LIMIT });
	await bench.hooks.setFaults({ latencyMs: latencyOf(bench, workload) });
}

const latencyOf = (bench: Bench, workload: Workload) => workload.latencyMs ?? bench.flags.latency;

const callsMatch = (expected: ExpectedCalls, calls: number) =>
	expected.exact !== undefined ? calls === expected.exact : calls >= expected.min! && calls <= expected.max!;

const describeExpected = (expected: ExpectedCalls) =>
	`${expected.exact !== undefined ? expected.exact : `${expected.min}..${expected.max}`} (${expected.rule})`;

function itemsProblem(run: WorkerResult, n: number): string | undefined {
	if (run.runError) return `run error: ${run.runError}`;
	if (run.itemsIn !== n || run.itemsOut !== n) return `items in/out ${run.itemsIn}/${run.itemsOut}, expected ${n}/${n}`;
	if (run.errorItems > 0) return `${run.errorItems} error items, first: ${run.firstError}`;
	return run.orderProblem;
}

/**
 * One subject's figures over its rounds: the median of each, every run checked. Peak RSS comes from
 * the memory rounds when the case has them (at fixed heap sizing, see FIXED_HEAP_SIZING), else from
 * the timed rounds.
 */
function figuresOf(runs: WorkerResult[], memoryRuns: WorkerResult[], expected: ExpectedCalls, n: number): SubjectFigures {
	const wallMs = median(runs.map((run) => run.wallMs));
	const medianRun = runs.find((run) => run.wallMs === wallMs)!;
	const everyRun = [...runs, ...memoryRuns];
	const wrongCalls = everyRun.find((run) => !callsMatch(expected, run.calls));
	const problem = everyRun.map((run) => itemsProblem(run, n)).find((text) => text !== undefined);
	const rssRuns = memoryRuns.length > 0 ? memoryRuns : runs;
	return {
		wallMs,
		cpuMs: median(runs.map((run) => run.cpuMs)),
		calls: (wrongCalls ?? medianRun).calls,
		rssGrowthMb: median(rssRuns.map((run) => run.rss.growthMb)),
		rssFixedHeap: memoryRuns.length > 0,
		callsOk: wrongCalls === undefined,
		itemsOk: problem === undefined,
		problem,
		rateLimited: everyRun.reduce((sum, run) => sum + run.rateLimited, 0),
		wallMsPerRound: runs.map((run) => run.wallMs),
		cpuMsPerRound: runs.map((run) => run.cpuMs),
		rssGrowthMbPerRound: rssRuns.map((run) => run.rss.growthMb),
		rssDefaultHeapMbPerRound: runs.map((run) => run.rss.growthMb),
		median: medianRun,
	};
}

/** For a read: whether every round's node output is every round's n8n floor output (undefined: not compared). */
function sameOutput(workload: Workload, runs: { node: WorkerResult[]; n8nFloor: WorkerResult[] }): boolean | undefined {
	if (!workload.sameOutput) return undefined;
	return new Set([...runs.node, ...runs.n8nFloor].map((run) => run.outputDigest)).size === 1;
}

/** Peak RSS is judged for the cost workloads at GOALS.rssSize, on memory rounds of its own (not in the smoke). */
const judgesMemory = (bench: Bench, workload: Workload, n: number) => !bench.flags.smoke && !workload.lanes && n === GOALS.rssSize;

/**
 * Node, n8n floor and bare script, `rounds` times each, interleaved, so that all three meet the
 * same sandbox state and machine load; the median of each counts (the machine may be shared).
 */
async function measureRounds(bench: Bench, op: OpName, n: number, prefix: string) {
	const workload = WORKLOADS[op];
	const worker = (subject: WorkerArgs['subject'], heapSizing: 'default' | 'fixed' = 'default') =>
		runWorker({
			op,
			n,
			url: bench.url,
			prefix,
			// Warm up on runs as large as the measured one (the first large run of a process also
			// grows V8's heap: not the node's steady cost), except at 100,000, where the memory figure
			// is taken: a heap pre-grown by 10,000-item runs would hide 30–45 MB of the growth
			// (measured 2026-11-27). Warm-ups of 1000 items there. The smoke does not warm up.
			warmup: bench.flags.smoke ? 0 : n <= 10_000 ? n : 1000,
			warmupPrefix: workload.needsContacts ? prefix : `warmup-${prefix}`,
			subject,
			rateLimitPerMinute: workload.lanes ? EMARSYS_RATE_LIMIT_PER_MINUTE : undefined,
		}, heapSizing);
	// Warm-ups run at the bench's rate limit; a lanes workload's measured runs set Emarsys's own.
	const fresh = async () => {
		if (workload.freshStoreEachRun) await prepare(bench, workload);
		else await bench.hooks.setConfig({ rateLimitPerMinute: BENCH_RATE_LIMIT });
		await bench.hooks.clearLog();
	};
	const runs = { node: [] as WorkerResult[], n8nFloor: [] as WorkerResult[], floor: [] as TimedCalls[], nodeMemory: [] as WorkerResult[], n8nFloorMemory: [] as WorkerResult[] };
	for (let r = 0; r < bench.flags.rounds; r++) {
		if (r > 0) await fresh();
		runs.node.push(await worker('node'));
		await fresh();
		runs.n8nFloor.push(await worker('n8nFloor'));
		await fresh();
		await bench.client.call('GET', 'settings'); // warm-up: JIT and keep-alive socket, not counted
		if (workload.lanes) await bench.hooks.setConfig({ rateLimitPerMinute: EMARSYS_RATE_LIMIT_PER_MINUTE, rateLimitWindowSeconds: 60 });
		runs.floor.push(await timed(bench.hooks, () => workload.floor(bench.client, n, prefix)));
	}
	if (!judgesMemory(bench, workload, n)) return runs;
	for (let r = 0; r < bench.flags.rounds; r++) {
		await fresh();
		runs.nodeMemory.push(await worker('node', 'fixed'));
		await fresh();
		runs.n8nFloorMemory.push(await worker('n8nFloor', 'fixed'));
	}
	return runs;
}

/** One signed call per item, sequentially (only at the baseline sizes: at 20 ms a call this takes minutes). */
async function perItemBaseline(bench: Bench, op: OpName, n: number, prefix: string): Promise<TimedCalls | undefined> {
	const baselineOp = WORKLOADS[op].perItemAs ?? op;
	const baseline = WORKLOADS[baselineOp];
	const key = `${baselineOp}@${n}`;
	if (!bench.flags.baselineSizes.includes(n) || !baseline.perItem) return undefined;
	if (bench.perItem.has(key)) return bench.perItem.get(key);
	if (baseline.freshStoreEachRun) await prepare(bench, baseline);
	const started = Date.now();
	note(`  per-item baseline for ${baselineOp}, N=${n}: one signed call per item, sequentially…`);
	const progress = (done: number) => {
		if (done % 1000 !== 0 && done !== n) return;
		const elapsed = (Date.now() - started) / 1000;
		note(`    ${done}/${n} calls, ${round(elapsed, 1)} s, ~${round((elapsed / done) * (n - done), 0)} s left`);
	};
	const result = await timed(bench.hooks, () => baseline.perItem!(bench.client, n, prefix, progress));
	bench.perItem.set(key, result);
	return result;
}

async function measureCase(bench: Bench, op: OpName, n: number): Promise<CaseResult> {
	const workload = WORKLOADS[op];
	const prefix = `bench-${op.toLowerCase()}-${n}`;
	await prepare(bench, workload);
	if (workload.needsContacts) {
		note(`  seeding ${n} contacts for ${op} (not measured)…`);
		await seedContacts(bench.client, n, prefix);
	}
	await bench.hooks.clearLog();
	const runs = await measureRounds(bench, op, n, prefix);
	const expected = workload.expectedCalls(n);
	const node = figuresOf(runs.node, runs.nodeMemory, expected, n);
	const n8nFloor = figuresOf(runs.n8nFloor, runs.n8nFloorMemory, expected, n);
	const floorMs = median(runs.floor.map((run) => run.wallMs));
	const floor = runs.floor.find((run) => run.wallMs === floorMs)!;
	const perItem = await perItemBaseline(bench, op, n, prefix);
	return {
		op,
		n,
		lanes: workload.lanes,
		expectedCalls: describeExpected(expected),
		node,
		n8nFloor,
		n8nFloorRatio: round(node.wallMs / n8nFloor.wallMs),
		sameOutput: sameOutput(workload, runs),
		floor: { ...floor, wallMsPerRound: runs.floor.map((run) => run.wallMs) },
		floorRatio: round(node.wallMs / floor.wallMs),
		perItem,
		perItemRatio: perItem ? round(perItem.wallMs / node.wallMs, 1) : undefined,
		n8nFloorPerItemRatio: perItem ? round(perItem.wallMs / n8nFloor.wallMs, 1) : undefined,
	};
}

function caseLine(r: CaseResult): string {
	const { node, n8nFloor, floor } = r;
	const floorWrong = n8nFloor.callsOk && n8nFloor.itemsOk ? '' : `; WRONG: ${n8nFloor.calls} calls, ${n8nFloor.problem ?? 'items ok'}`;
	return (
		`${r.op.padEnd(20)} N=${String(r.n).padStart(6)}  calls=${node.calls}${node.callsOk ? '' : ` (EXPECTED ${r.expectedCalls})`}` +
		`  items in/out=${node.median.itemsIn}/${node.median.itemsOut}${node.problem ? ` (${node.problem})` : ''}` +
		`${node.rateLimited > 0 ? `  429 ×${node.rateLimited}` : ''}${r.sameOutput === false ? '  OUTPUT ≠ n8n floor' : ''}` +
		`  wall=${fmtMs(node.wallMs)}  ${Math.round((r.n / node.wallMs) * 1000)} items/s  cpu=${fmtMs(node.cpuMs)}` +
		`  peak RSS ${signedMb(node.rssGrowthMb)} (held after GC ${signedMb(node.median.rss.heldAfterGcMb)})` +
		`  n8n floor=${fmtMs(n8nFloor.wallMs)} ×${r.n8nFloorRatio} (cpu=${fmtMs(n8nFloor.cpuMs)}, peak RSS ${signedMb(n8nFloor.rssGrowthMb)}${floorWrong})` +
		`  floor=${fmtMs(floor.wallMs)} (${floor.calls} calls) ×${r.floorRatio} (info)` +
		`  [rounds: node ${node.wallMsPerRound.join('/')}, n8n floor ${n8nFloor.wallMsPerRound.join('/')}, floor ${floor.wallMsPerRound.join('/')} ms;` +
		` peak RSS${node.rssFixedHeap ? ' (memory rounds, fixed heap sizing)' : ''} node ${node.rssGrowthMbPerRound.join('/')}, n8n floor ${n8nFloor.rssGrowthMbPerRound.join('/')} MB` +
		`${node.rssFixedHeap ? ` (timed rounds: ${node.rssDefaultHeapMbPerRound.join('/')}, ${n8nFloor.rssDefaultHeapMbPerRound.join('/')})` : ''}]` +
		(r.perItem ? `  per-item=${fmtMs(r.perItem.wallMs)} (${r.perItem.calls} calls) → node ${r.perItemRatio}× faster, n8n floor ${r.n8nFloorPerItemRatio}×` : '')
	);
}

function keyRatios(results: CaseResult[], ops: OpName[]): string {
	const perOp = ops.map((op) => {
		const rows = results.filter((r) => r.op === op);
		const ratios = rows.map((r) => `n8nFloor×${r.n8nFloorRatio} floor×${r.floorRatio}@${r.n}`).join(' ');
		const perItem = rows.find((r) => r.perItemRatio !== undefined);
		return `${op} ${ratios}${perItem ? ` perItem×${perItem.perItemRatio}(n8nFloor×${perItem.n8nFloorPerItemRatio})@${perItem.n}` : ''}`;
	});
	return `KEY RATIOS: ${perOp.join(' | ')}`;
}

function printGoals(report: GoalReport, smoke: boolean): void {
	for (const text of report.notChecked) log(`not checked: ${text}`);
	for (const text of report.missed) log(`GOAL MISSED: ${text}`);
	const what = smoke
		? 'calls and items'
		: `calls, items in order, no 429; lanes off: ×n8n floor ≤ ${GOALS.n8nFloorRatioMax}, peak RSS ≤ n8n floor + ${GOALS.rssOverN8nFloorMaxMb} MB, ` +
			`per-item ≥ ${GOALS.perItemOfN8nFloorMin}× the n8n floor's; lanes at 200 ms: ×n8n floor ≤ ${GOALS.lanesN8nFloorRatioMax} at N=${GOALS.lanesSize}`;
	log(report.missed.length === 0 ? `BENCH GOALS MET (${what})` : `BENCH GOALS MISSED: ${report.missed.length} (${what})`);
}

function header(flags: Flags, url: string, machine: string): void {
	log(`Emarsys node benchmark${flags.smoke ? ' (smoke: calls and items only)' : ''} — ${new Date().toISOString()} — ${machine}`);
	log(
		`sandbox in its own process at ${url}; injected latency ${flags.latency} ms per API call (lanes workloads: 200 ms); ` +
			`sandbox rate limit raised to ${BENCH_RATE_LIMIT.toLocaleString('en')}/min so the per-item baseline is not throttled ` +
			`(lanes workloads' measured runs: ${EMARSYS_RATE_LIMIT_PER_MINUTE}/min, as Emarsys)`,
	);
	log(
		`ops: ${flags.ops.join(', ')}; sizes: ${flags.sizes.join(', ')}; per-item baseline at: ${flags.baselineSizes.join(', ') || 'none'}; ` +
			`node, n8n floor and floor ${flags.rounds}× each, interleaved, medians count`,
	);
	log('');
}

async function main(): Promise<void> {
	const flags = parseFlags(process.argv.slice(2));
	const started = Date.now();
	const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? arch()}), ${round(totalmem() / 1024 ** 3, 1)} GiB, Node ${process.versions.node}`;
	const sandbox = await startSandboxProcess();
	const bench: Bench = {
		flags,
		url: sandbox.url,
		hooks: new SandboxHooks(sandbox.url),
		client: new SignedClient(`${sandbox.url}/api/v2`, DEFAULT_CREDENTIALS.wsseUser, DEFAULT_CREDENTIALS.wsseSecret),
		perItem: new Map(),
	};
	header(flags, sandbox.url, machine);
	const results: CaseResult[] = [];
	try {
		for (const op of flags.ops) {
			for (const n of flags.sizes) {
				results.push(await measureCase(bench, op, n));
				log(caseLine(results[results.length - 1]));
			}
		}
	} finally {
		await sandbox.stop();
	}
	const report = checkGoals(results, flags.ops, flags.smoke);
	const summary = { date: new Date().toISOString(), machine, latencyMs: flags.latency, rounds: flags.rounds, smoke: flags.smoke, sandboxRateLimitPerMinute: BENCH_RATE_LIMIT, goals: GOALS, report, results };
	log('');
	log(`BENCH_SUMMARY ${JSON.stringify(summary)}`);
	if (flags.out) writeFileSync(flags.out, `${JSON.stringify(summary, null, 2)}\n`);
	log(keyRatios(results, flags.ops));
	printGoals(report, flags.smoke);
	log(`bench took ${round((Date.now() - started) / 1000, 1)} s`);
	if (report.missed.length > 0) process.exitCode = 1;
}

main().catch((error) => {
	process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
