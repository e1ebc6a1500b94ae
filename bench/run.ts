/**
 * `npm run bench` — what the Emarsys node costs, measured against the sandbox.
 *
 * For each operation and N it runs a real workflow (input → Emarsys node) through n8n-core
 * (in a fresh worker process, see worker.ts) against the sandbox (in its own process, see
 * sandbox-child.ts) with injected latency per API call — node and floor `--rounds` times each,
 * interleaved, the best wall time of each counting — and prints:
 *   calls made (from the sandbox request log), wall time, items/s, peak RSS growth,
 *   ×floor   = node wall time / wall time of a bare axios script making exactly the calls the job
 *              needs at 1000 per call (ceil(N/1000), plus the metadata calls for choice labels),
 *   ×n8n floor = node wall time / wall time of a bench-only n8n node making the floor's calls
 *              through n8n's request helper over the same N items (n8n's own cost; its peak RSS too),
 *   ×perItem = wall time of one signed call per item, sequentially / node wall time.
 * Then a JSON summary (`BENCH_SUMMARY {...}`) and, last, one line with the key ratios.
 *
 * Flags: --sizes 1000,10000,100000  --latency 20  --ops upsert,get,getWithChoiceLabels,trigger
 *        --baseline-sizes 10000 (sizes at which the per-item baseline runs; 'none' to skip)
 *        --rounds 3 (runs of node and floor per case)
 *        --quick (sizes 1000,10000, baseline at 1000)  --out FILE (write the JSON summary)
 * BENCH_DEBUG=1 passes the workers' output through, with V8's --trace-gc (where memory goes).
 *
 * The sandbox's rate limit is raised to 1,000,000 calls/minute for the bench, so that the
 * per-item baseline is not throttled (real Emarsys allows ~1000/minute: there the per-item
 * approach would take at least N/1000 minutes).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { arch, cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_CREDENTIALS } from '../sandbox/seed';
import { countCalls, SandboxHooks, startSandboxProcess } from './lib/sandbox';
import { SignedClient } from './lib/signed';
import type { WorkerArgs, WorkerResult } from './worker';
import { ALL_OPS, seedContacts, WORKLOADS, type OpName } from './workloads';

interface Flags {
	sizes: number[];
	latency: number;
	ops: OpName[];
	baselineSizes: number[];
	/** Node and floor each run this many times, interleaved; the best wall time of each counts. */
	rounds: number;
	out?: string;
}

const BENCH_RATE_LIMIT = 1_000_000;
const GOALS = { floorMax: 1.15, perItemMinAt10k: 100, rssGrowthMaxMbAt100k: 150 };

function parseFlags(argv: string[]): Flags {
	const flags: Flags = { sizes: [1000, 10000, 100000], latency: 20, ops: [...ALL_OPS], baselineSizes: [10000], rounds: 3 };
	let baselineGiven = false;
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const value = () => {
			const v = argv[++i];
			if (v === undefined) throw new Error(`${arg} needs a value`);
			return v;
		};
		const numbers = (text: string) =>
			text.split(',').map((part) => {
				const n = Number(part.trim());
				if (!Number.isInteger(n) || n < 1) throw new Error(`${arg}: "${part}" is not a positive whole number`);
				return n;
			});
		switch (arg) {
			case '--sizes':
				flags.sizes = numbers(value());
				break;
			case '--latency': {
				const n = Number(value());
				if (!Number.isFinite(n) || n < 0) throw new Error('--latency must be >= 0');
				flags.latency = n;
				break;
			}
			case '--ops': {
				const ops = value().split(',').map((op) => op.trim()) as OpName[];
				for (const op of ops) if (!ALL_OPS.includes(op)) throw new Error(`--ops: unknown operation "${op}" (known: ${ALL_OPS.join(', ')})`);
				flags.ops = ops;
				break;
			}
			case '--baseline-sizes': {
				const v = value();
				flags.baselineSizes = v === 'none' ? [] : numbers(v);
				baselineGiven = true;
				break;
			}
			case '--quick':
				flags.sizes = [1000, 10000];
				if (!baselineGiven) flags.baselineSizes = [1000];
				break;
			case '--rounds':
				[flags.rounds] = numbers(value());
				break;
			case '--out':
				flags.out = value();
				break;
			case '--help':
				process.stdout.write(
					'npm run bench -- [--sizes 1000,10000,100000] [--latency 20] [--ops upsert,get,getWithChoiceLabels,trigger] [--baseline-sizes 10000|none] [--rounds 3] [--quick] [--out FILE]\n',
				);
				process.exit(0);
				break;
			default:
				throw new Error(`unknown flag ${arg} (see --help)`);
		}
	}
	return flags;
}

async function runWorker(args: WorkerArgs): Promise<WorkerResult> {
	return await new Promise<WorkerResult>((resolve, reject) => {
		const child = spawn(process.execPath, [...(process.env.BENCH_DEBUG ? ['--trace-gc'] : []), '--expose-gc', '--import', 'tsx', join(__dirname, 'worker.ts'), JSON.stringify(args)], {
			stdio: ['ignore', 'pipe', 'inherit'],
			cwd: join(__dirname, '..'),
		});
		let stdout = '';
		child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); if (process.env.BENCH_DEBUG) process.stderr.write(chunk); });
		child.on('error', reject);
		child.on('exit', (code) => {
			const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
			if (code !== 0 || !line) return reject(new Error(`bench worker for ${args.op} N=${args.n} exited with ${code}`));
			resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as WorkerResult);
		});
	});
}

interface TimedCalls {
	wallMs: number;
	calls: number;
	callsByEndpoint: Record<string, number>;
}

async function timed(hooks: SandboxHooks, work: () => Promise<void>): Promise<TimedCalls> {
	const seq = await hooks.lastSeq();
	const started = process.hrtime.bigint();
	await work();
	const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
	const calls = countCalls(await hooks.log(seq));
	return { wallMs: Math.round(wallMs), calls: calls.total, callsByEndpoint: calls.byEndpoint };
}

interface CaseResult {
	op: OpName;
	n: number;
	node: WorkerResult & { itemsPerSecond: number };
	expectedCalls: string;
	callsOk: boolean;
	itemsOk: boolean;
	floor: TimedCalls;
	floorRatio: number;
	/** The floor's calls made by a bare n8n node over the same N items (n8n's own cost included). */
	n8nFloor: { wallMs: number; calls: number; rssGrowthMb: number };
	/** node / n8nFloor: what the Emarsys node adds to the least any n8n node doing this job costs. */
	n8nFloorRatio: number;
	/** Every round's wall time (the figures above take the best of each). */
	wallMsPerRound: { node: number[]; n8nFloor: number[]; floor: number[] };
	perItem?: TimedCalls;
	perItemRatio?: number;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function fmtMs(ms: number): string {
	return ms >= 10_000 ? `${round(ms / 1000, 1)} s` : `${ms} ms`;
}

async function main(): Promise<void> {
	const flags = parseFlags(process.argv.slice(2));
	const log = (line: string) => process.stdout.write(`${line}\n`);
	const note = (line: string) => process.stderr.write(`${line}\n`);

	const sandbox = await startSandboxProcess();
	const hooks = new SandboxHooks(sandbox.url);
	const client = new SignedClient(`${sandbox.url}/api/v2`, DEFAULT_CREDENTIALS.wsseUser, DEFAULT_CREDENTIALS.wsseSecret);
	const prepare = async () => {
		await hooks.reset();
		await hooks.setConfig({ rateLimitPerMinute: BENCH_RATE_LIMIT });
		await hooks.setFaults({ latencyMs: flags.latency });
	};
	const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? arch()}), ${round(totalmem() / 1024 ** 3, 1)} GiB, Node ${process.versions.node}`;
	log(`Emarsys node benchmark — ${new Date().toISOString()} — ${machine}`);
	log(
		`sandbox in its own process at ${sandbox.url}; injected latency ${flags.latency} ms per API call; ` +
			`sandbox rate limit raised to ${BENCH_RATE_LIMIT.toLocaleString('en')}/min so the per-item baseline is not throttled`,
	);
	log(
		`ops: ${flags.ops.join(', ')}; sizes: ${flags.sizes.join(', ')}; per-item baseline at: ${flags.baselineSizes.join(', ') || 'none'}; ` +
			`node and floor ${flags.rounds}× each, interleaved, best wall time counts`,
	);
	log('');

	const results: CaseResult[] = [];
	try {
		for (const op of flags.ops) {
			const workload = WORKLOADS[op];
			for (const n of flags.sizes) {
				const prefix = `bench-${op.toLowerCase()}-${n}`;
				await prepare();
				if (workload.needsContacts) {
					note(`  seeding ${n} contacts for ${op} (not measured)…`);
					await seedContacts(client, n, prefix);
				}

				// 1. The node, through n8n-core, each time in a fresh process, and 2. the floor: a bare
				// script making exactly the calls the job needs. Interleaved, so that both meet the same
				// sandbox state and machine load; the best wall time of each counts (noise only adds time).
				const nodeRuns: WorkerResult[] = [];
				const n8nFloorRuns: WorkerResult[] = [];
				const floorRuns: TimedCalls[] = [];
				const worker = (subject: WorkerArgs['subject'], control: boolean) =>
					runWorker({
						op,
						n,
						url: sandbox.url,
						prefix,
						// Warm up on runs as large as the measured one (the first large run of a process
						// also grows V8's heap: not the node's steady cost), except at 100,000, where
						// the memory figure is taken: a heap pre-grown by 10,000-item runs would hide
						// 30–45 MB of the growth (measured 2026-11-27). Warm-ups of 1000 items there.
						warmup: n <= 10_000 ? n : 1000,
						warmupPrefix: workload.needsContacts ? prefix : `warmup-${prefix}`,
						control,
						subject,
					});
				for (let round = 0; round < flags.rounds; round++) {
					if (round > 0 && workload.freshStoreEachRun) await prepare();
					await hooks.clearLog();
					nodeRuns.push(await worker('node', round === 0));
					if (workload.freshStoreEachRun) await prepare();
					await hooks.clearLog();
					n8nFloorRuns.push(await worker('n8nFloor', false));
					if (workload.freshStoreEachRun) await prepare();
					await hooks.clearLog();
					await client.call('GET', 'settings'); // warm-up: JIT and keep-alive socket, not counted
					floorRuns.push(await timed(hooks, () => workload.floor(client, n, prefix)));
				}
				const best = nodeRuns.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
				const node: WorkerResult = {
					...best,
					// Memory: the highest of the runs (each in a fresh process).
					rss: nodeRuns.reduce((a, b) => (b.rss.growthMb > a.rss.growthMb ? b : a)).rss,
					parameterReadMs: nodeRuns[0].parameterReadMs,
				};
				const n8nFloor = n8nFloorRuns.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
				const floor = floorRuns.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
				const expected = workload.expectedCalls(n);
				const callsOk = nodeRuns.every((run) =>
					expected.exact !== undefined ? run.calls === expected.exact : run.calls >= expected.min! && run.calls <= expected.max!,
				);
				const itemsOk = nodeRuns.every((run) => run.itemsIn === n && run.itemsOut === n && run.errorItems === 0 && !run.runError);

				// 3. One signed call per item (only at the baseline sizes: at 20 ms a call this takes minutes).
				let perItem: TimedCalls | undefined;
				if (flags.baselineSizes.includes(n) && workload.perItem) {
					const perItemOf = workload.perItem.bind(workload);
					if (workload.freshStoreEachRun) await prepare();
					const started = Date.now();
					note(`  per-item baseline for ${op}, N=${n}: one signed call per item, sequentially…`);
					perItem = await timed(hooks, () =>
						perItemOf(client, n, prefix, (done) => {
							if (done % 1000 === 0 || done === n) {
								const elapsed = (Date.now() - started) / 1000;
								note(`    ${done}/${n} calls, ${round(elapsed, 1)} s, ~${round((elapsed / done) * (n - done), 0)} s left`);
							}
						}),
					);
				}

				const result: CaseResult = {
					op,
					n,
					node: { ...node, itemsPerSecond: Math.round((n / node.wallMs) * 1000) },
					expectedCalls: expected.exact !== undefined ? `${expected.exact} (${expected.rule})` : `${expected.min}..${expected.max} (${expected.rule})`,
					callsOk,
					itemsOk,
					floor,
					floorRatio: round(node.wallMs / floor.wallMs),
					n8nFloor: {
						wallMs: n8nFloor.wallMs,
						calls: n8nFloor.calls,
						// Memory: the highest of the runs, as for the node.
						rssGrowthMb: n8nFloorRuns.reduce((a, b) => (b.rss.growthMb > a.rss.growthMb ? b : a)).rss.growthMb,
					},
					n8nFloorRatio: round(node.wallMs / n8nFloor.wallMs),
					wallMsPerRound: {
						node: nodeRuns.map((run) => run.wallMs),
						n8nFloor: n8nFloorRuns.map((run) => run.wallMs),
						floor: floorRuns.map((run) => run.wallMs),
					},
					perItem,
					perItemRatio: perItem ? round(perItem.wallMs / node.wallMs, 1) : undefined,
				};
				results.push(result);
				log(
					`${op.padEnd(20)} N=${String(n).padStart(6)}  calls=${node.calls}${callsOk ? '' : ` (EXPECTED ${result.expectedCalls})`}` +
						`  items in/out=${node.itemsIn}/${node.itemsOut}${node.errorItems ? ` (${node.errorItems} errors: ${node.firstError})` : ''}` +
						`${node.runError ? ` RUN ERROR: ${node.runError}` : ''}` +
						`  wall=${fmtMs(node.wallMs)}  ${result.node.itemsPerSecond} items/s  peak RSS +${node.rss.growthMb} MB (held after GC +${node.rss.heldAfterGcMb} MB)` +
						`  floor=${fmtMs(floor.wallMs)} (${floor.calls} calls) ×${result.floorRatio}` +
						`  n8n floor=${fmtMs(n8nFloor.wallMs)} ×${result.n8nFloorRatio} (peak RSS +${result.n8nFloor.rssGrowthMb} MB)` +
						`  [best of ${flags.rounds}: node ${result.wallMsPerRound.node.join('/')}, n8n floor ${result.wallMsPerRound.n8nFloor.join('/')}, floor ${result.wallMsPerRound.floor.join('/')} ms]` +
						(node.parameterReadMs !== undefined ? `  [n8n's own evaluation of these parameters: ${fmtMs(node.parameterReadMs)}]` : '') +
						(perItem ? `  per-item=${fmtMs(perItem.wallMs)} (${perItem.calls} calls) → node ${result.perItemRatio}× faster` : ''),
				);
			}
		}
	} finally {
		await sandbox.stop();
	}

	// Goals.
	const largest = Math.max(...flags.sizes);
	const checks = {
		callsAsExpected: results.every((r) => r.callsOk),
		itemsInEqualsOut: results.every((r) => r.itemsOk),
		floorRatioMax: Math.max(...results.map((r) => r.floorRatio)),
		floorRatioAtLargestN: Math.max(...results.filter((r) => r.n === largest).map((r) => r.floorRatio)),
		n8nFloorRatioMax: Math.max(...results.map((r) => r.n8nFloorRatio)),
		perItemRatioMinAt10k: results.some((r) => r.n === 10000 && r.perItemRatio !== undefined)
			? Math.min(...results.filter((r) => r.n === 10000 && r.perItemRatio !== undefined).map((r) => r.perItemRatio!))
			: undefined,
		rssGrowthMaxMbAt100k: results.some((r) => r.n === 100000)
			? Math.max(...results.filter((r) => r.n === 100000).map((r) => r.node.rss.growthMb))
			: undefined,
		/** The same for the n8n floor: n8n's own peak for the same calls, with nothing kept. */
		n8nFloorRssGrowthMaxMbAt100k: results.some((r) => r.n === 100000)
			? Math.max(...results.filter((r) => r.n === 100000).map((r) => r.n8nFloor.rssGrowthMb))
			: undefined,
	};
	const summary = {
		date: new Date().toISOString(),
		machine,
		latencyMs: flags.latency,
		rounds: flags.rounds,
		sandboxRateLimitPerMinute: BENCH_RATE_LIMIT,
		goals: GOALS,
		checks,
		results,
	};
	log('');
	log(`BENCH_SUMMARY ${JSON.stringify(summary)}`);
	if (flags.out) writeFileSync(flags.out, `${JSON.stringify(summary, null, 2)}\n`);

	const perOp = flags.ops
		.map((op) => {
			const rows = results.filter((r) => r.op === op);
			const atLargest = rows.find((r) => r.n === largest);
			const at10k = rows.find((r) => r.n === 10000 && r.perItemRatio !== undefined) ?? rows.find((r) => r.perItemRatio !== undefined);
			return `${op} floor×${atLargest?.floorRatio ?? '-'}@${largest} (n8nFloor×${atLargest?.n8nFloorRatio ?? '-'})${at10k ? ` perItem×${at10k.perItemRatio}@${at10k.n}` : ''}`;
		})
		.join(' | ');
	log(
		`KEY RATIOS: ${perOp} | worst floor×${checks.floorRatioMax} at N=${results.find((r) => r.floorRatio === checks.floorRatioMax)?.n}, ` +
			`worst floor×${checks.floorRatioAtLargestN} at N=${largest} (goal ≤${GOALS.floorMax}) | worst n8nFloor×${checks.n8nFloorRatioMax}` +
			(checks.perItemRatioMinAt10k !== undefined ? ` | min perItem×${checks.perItemRatioMinAt10k}@10000 (goal ≥${GOALS.perItemMinAt10k})` : '') +
			(checks.rssGrowthMaxMbAt100k !== undefined
				? ` | peak RSS +${checks.rssGrowthMaxMbAt100k} MB@100000 (goal ≤${GOALS.rssGrowthMaxMbAt100k}; n8n floor +${checks.n8nFloorRssGrowthMaxMbAt100k} MB)`
				: '') +
			` | calls ${checks.callsAsExpected ? 'as expected' : 'NOT as expected'} | items in=out ${checks.itemsInEqualsOut ? 'yes' : 'NO'}`,
	);
	if (!checks.callsAsExpected || !checks.itemsInEqualsOut) process.exitCode = 1;
}

main().catch((error) => {
	process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
	process.exit(1);
});
