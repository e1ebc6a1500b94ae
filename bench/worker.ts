/**
 * One measured n8n run, in a fresh process (so peak RSS is n8n-core's and the subject's alone,
 * with no leftovers from earlier runs): builds the harness, warms up (not counted), then runs the
 * workflow "input → subject" for N items through n8n-core's WorkflowExecute and prints one line
 * `BENCH_RESULT {json}`. The subject is the Emarsys node, or the n8n floor (bench/lib/n8n-floor.ts)
 * given the same parameters.
 *
 *   node --expose-gc --import tsx bench/worker.ts '{"op":"get","n":1000,"url":"http://…","prefix":"bench",
 *     "warmup":1000,"warmupPrefix":"bench","subject":"node"}'
 */
import { createHash } from 'node:crypto';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { EmarsysApi } from '../credentials/EmarsysApi.credentials';
import { EmarsysOAuth2Api } from '../credentials/EmarsysOAuth2Api.credentials';
import { DEFAULT_CREDENTIALS } from '../sandbox/seed';
import { createHarness, type N8nHarness } from '../test/helpers/n8n-harness';
import { N8N_FLOOR_TYPE, n8nFloorFor, n8nFloorParameters } from './lib/n8n-floor';
import { RssSampler } from './lib/rss';
import { countCalls, SandboxHooks } from './lib/sandbox';
import { WORKLOADS, type OpName } from './workloads';

// Under tsx, '../nodes/Emarsys/Emarsys.node' resolves to the codex file Emarsys.node.json (Node
// tries .json before tsx's .ts); name the TypeScript file explicitly.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Emarsys } = require('../nodes/Emarsys/Emarsys.node.ts') as typeof import('../nodes/Emarsys/Emarsys.node');

/**
 * Warm-up runs before the measured one. n8n runs in a long-lived process where a workflow runs
 * again and again; these let V8 compile the hot paths (of n8n-core and of the node) as it would
 * have there, so that the figure is the node's steady cost, not a fresh process's start. Runs of
 * 1000 items took about 8 rounds to settle (measured in-process, 2026-11-27): the rounds cover at
 * least 20,000 items, and at least 5 rounds.
 */
function warmupRounds(warmupItems: number): number {
	if (process.env.BENCH_WARMUP_ROUNDS !== undefined) return Number(process.env.BENCH_WARMUP_ROUNDS);
	return Math.max(5, Math.ceil(20_000 / Math.max(1, warmupItems)));
}

export interface WorkerArgs {
	op: OpName;
	n: number;
	url: string;
	prefix: string;
	/** Items of each warm-up run (not measured, not counted); 0: no warm-up (smoke). */
	warmup: number;
	/** Key prefix of the warm-up items (get/trigger: the seeded prefix; upsert: its own). */
	warmupPrefix: string;
	/** What runs over the N items: the Emarsys node, or the n8n floor with the same parameters. */
	subject: 'node' | 'n8nFloor';
	/** The sandbox's rate limit for the measured run, in a fresh window (warm-ups run at the bench's). */
	rateLimitPerMinute?: number;
}

export interface WorkerResult {
	op: OpName;
	n: number;
	itemsIn: number;
	itemsOut: number;
	errorItems: number;
	firstError?: string;
	runError?: string;
	/** Set when output item i is not input item i's (paired item, or the contact a read answered). */
	orderProblem?: string;
	/** SHA-256 of the output items' JSON, in order: a read's node and n8n floor must agree. */
	outputDigest: string;
	wallMs: number;
	/** CPU time of the process during the run (user + system): steadier than wall time on a shared machine. */
	cpuMs: number;
	calls: number;
	callsByEndpoint: Record<string, number>;
	nonOkAnswers: number;
	/** Answers 429 (rate limit) during the run. */
	rateLimited: number;
	rss: { baselineMb: number; peakMb: number; growthMb: number; heldAfterGcMb: number };
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

function harnessFor(args: WorkerArgs) {
	const emarsys = new Emarsys();
	const harness = createHarness({
		nodeTypes: [emarsys, n8nFloorFor(emarsys)],
		credentialTypes: [new EmarsysApi(), new EmarsysOAuth2Api()],
	});
	const credentials = {
		emarsysApi: { username: DEFAULT_CREDENTIALS.wsseUser, secret: DEFAULT_CREDENTIALS.wsseSecret, baseUrl: `${args.url}/api/v2` },
	};
	const workload = WORKLOADS[args.op];
	const subject = (prefix: string): { nodeType: string; parameters: INodeParameters } =>
		args.subject === 'node'
			? { nodeType: 'emarsys', parameters: workload.parameters() }
			: { nodeType: N8N_FLOOR_TYPE, parameters: n8nFloorParameters(args.op, prefix) as INodeParameters };
	/** One run of "input → subject" over `inputItems`. */
	return (prefix: string, inputItems: IDataObject[]) => harness.runNode({ ...subject(prefix), credentials, inputItems });
}

type RunOf = ReturnType<typeof harnessFor>;
type RunResult = Awaited<ReturnType<N8nHarness['runNode']>>;

async function warmUp(run: RunOf, args: WorkerArgs): Promise<void> {
	const rounds = args.warmup > 0 ? warmupRounds(args.warmup) : 0;
	for (let round = 0; round < rounds; round++) {
		const warm = await run(args.warmupPrefix, WORKLOADS[args.op].inputItems(args.warmup, args.warmupPrefix));
		if (warm.error) throw new Error(`warm-up run failed: ${warm.error.message}`);
	}
}

/**
 * Makes the input items, then runs over them, sampling RSS: the growth is the peak over the
 * baseline taken (after a GC) before the input items exist (they count, as n8n holds them too).
 * The wall time is the run's alone.
 */
async function measured(makeInput: () => IDataObject[], run: (inputItems: IDataObject[]) => Promise<RunResult>) {
	const rss = new RssSampler(10);
	const maxRssBefore = process.resourceUsage().maxRSS;
	rss.start();
	const inputItems = makeInput();
	const cpuBefore = process.cpuUsage();
	const started = process.hrtime.bigint();
	const result = await run(inputItems);
	const wallMs = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
	const cpu = process.cpuUsage(cpuBefore);
	const memory = rss.stop();
	// The kernel's high-water mark is exact; use it when it rose during the run.
	const maxRssAfter = process.resourceUsage().maxRSS;
	if (maxRssAfter > maxRssBefore && mb(maxRssAfter * 1024) > memory.peakMb) {
		memory.peakMb = mb(maxRssAfter * 1024);
		memory.growthMb = Math.round((memory.peakMb - memory.baselineMb) * 10) / 10;
	}
	// What stays after a full GC while the run's output is still held (as n8n holds run data).
	(globalThis as { gc?: () => void }).gc?.();
	const heldAfterGcMb = mb(process.memoryUsage.rss() - memory.baselineMb * 1024 * 1024);
	return { inputItems, result, wallMs, cpuMs: Math.round((cpu.user + cpu.system) / 1000), rss: { ...memory, heldAfterGcMb } };
}

async function main(): Promise<void> {
	const args = JSON.parse(process.argv[2]) as WorkerArgs;
	const hooks = new SandboxHooks(args.url);
	const run = harnessFor(args);
	await warmUp(run, args);
	// A fresh rate-limit window (setting the window resets the counters).
	if (args.rateLimitPerMinute) await hooks.setConfig({ rateLimitPerMinute: args.rateLimitPerMinute, rateLimitWindowSeconds: 60 });

	const seqBefore = await hooks.lastSeq();
	const { inputItems, result, ...measures } = await measured(
		() => WORKLOADS[args.op].inputItems(args.n, args.prefix),
		(items) => run(args.prefix, items),
	);
	const calls = countCalls(await hooks.log(seqBefore));
	process.stdout.write(`BENCH_RESULT ${JSON.stringify(summarise(args, inputItems, result, { ...measures, calls }))}\n`);
}

/** Where the output leaves input order: item i must pair with input i and, for a read, answer it. */
function orderProblemOf(args: WorkerArgs, inputItems: IDataObject[], result: RunResult): string | undefined {
	const { answers } = WORKLOADS[args.op];
	if (result.items.length !== inputItems.length) return undefined; // items in ≠ out is reported as such
	const i = result.items.findIndex((item, index) => {
		const paired = Array.isArray(item.pairedItem) ? item.pairedItem[0] : item.pairedItem;
		const pairedIndex = typeof paired === 'number' ? paired : paired?.item;
		return pairedIndex !== index || (answers !== undefined && !answers(inputItems[index], item.json));
	});
	return i < 0 ? undefined : `output item ${i} is not input item ${i}'s answer (paired item ${JSON.stringify(result.items[i].pairedItem)})`;
}

function summarise(
	args: WorkerArgs,
	inputItems: IDataObject[],
	result: RunResult,
	measures: Pick<WorkerResult, 'wallMs' | 'cpuMs' | 'rss'> & { calls: ReturnType<typeof countCalls> },
): WorkerResult {
	const errorItems = result.items.filter((item) => item.json.error !== undefined || item.error !== undefined);
	const digest = createHash('sha256');
	for (const item of result.items) digest.update(JSON.stringify(item.json));
	return {
		op: args.op,
		n: args.n,
		itemsIn: inputItems.length,
		itemsOut: result.items.length,
		errorItems: errorItems.length,
		firstError: errorItems[0] ? String(errorItems[0].json.error ?? errorItems[0].error?.message) : undefined,
		runError: result.error ? result.error.message : undefined,
		orderProblem: orderProblemOf(args, inputItems, result),
		outputDigest: digest.digest('hex'),
		wallMs: measures.wallMs,
		cpuMs: measures.cpuMs,
		calls: measures.calls.total,
		callsByEndpoint: measures.calls.byEndpoint,
		nonOkAnswers: measures.calls.nonOk,
		rateLimited: measures.calls.rateLimited,
		rss: measures.rss,
	};
}

main().then(
	() => process.exit(0),
	(error) => {
		const { cause } = (error ?? {}) as { cause?: unknown };
		process.stderr.write(`bench worker failed: ${error instanceof Error ? error.message : String(error)}${cause === undefined ? '' : ` (${String(cause)})`}\n`);
		process.exit(1);
	},
);
