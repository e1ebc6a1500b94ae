/**
 * One measured n8n run, in a fresh process (so peak RSS is n8n-core's and the subject's alone,
 * with no leftovers from earlier runs): builds the harness, warms up (not counted), then runs the
 * workflow "input → subject" for N items through n8n-core's WorkflowExecute and prints one line
 * `BENCH_RESULT {json}`. The subject is the Emarsys node, or the n8n floor (bench/lib/n8n-floor.ts).
 *
 *   node --expose-gc --import tsx bench/worker.ts '{"op":"get","n":1000,"url":"http://…","prefix":"bench",
 *     "warmup":1000,"warmupPrefix":"bench","control":false,"subject":"node"}'
 */
import { EmarsysApi } from '../credentials/EmarsysApi.credentials';
import { EmarsysOAuth2Api } from '../credentials/EmarsysOAuth2Api.credentials';
import { DEFAULT_CREDENTIALS } from '../sandbox/seed';
import { createHarness } from '../test/helpers/n8n-harness';
import { N8N_FLOOR_TYPE, n8nFloorNode } from './lib/n8n-floor';
import { parameterReaderFor, PARAMETER_READER_TYPE } from './lib/parameter-reader';
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
	/** Items of the warm-up run (not measured, not counted). */
	warmup: number;
	/** Key prefix of the warm-up items (get/trigger: the seeded prefix; upsert: its own). */
	warmupPrefix: string;
	/** Also time the control node (n8n's own evaluation of the parameters); once per case is enough. */
	control: boolean;
	/** What runs over the N items: the Emarsys node, or the floor's calls made by a bare n8n node. */
	subject: 'node' | 'n8nFloor';
}

export interface WorkerResult {
	op: OpName;
	n: number;
	itemsIn: number;
	itemsOut: number;
	errorItems: number;
	firstError?: string;
	runError?: string;
	wallMs: number;
	calls: number;
	callsByEndpoint: Record<string, number>;
	nonOkAnswers: number;
	rss: { baselineMb: number; peakMb: number; growthMb: number; heldAfterGcMb: number };
	/**
	 * Wall time of the same workflow with a no-call control node that reads the same parameters
	 * through n8n's getNodeParameter for every item: what evaluating the expressions through n8n
	 * would cost (the node resolves `{{ $json… }}` expressions itself and skips most of it).
	 */
	parameterReadMs?: number;
}

async function main(): Promise<void> {
	const args = JSON.parse(process.argv[2]) as WorkerArgs;
	const workload = WORKLOADS[args.op];
	const hooks = new SandboxHooks(args.url);
	const emarsys = new Emarsys();
	const harness = createHarness({
		nodeTypes: [emarsys, parameterReaderFor(emarsys), n8nFloorNode],
		credentialTypes: [new EmarsysApi(), new EmarsysOAuth2Api()],
	});
	const credentials = {
		emarsysApi: { username: DEFAULT_CREDENTIALS.wsseUser, secret: DEFAULT_CREDENTIALS.wsseSecret, baseUrl: `${args.url}/api/v2` },
	};

	const subject = (prefix: string) =>
		args.subject === 'node'
			? { nodeType: 'emarsys', parameters: workload.parameters() }
			: { nodeType: N8N_FLOOR_TYPE, parameters: { op: args.op, prefix } };

	// Warm-up (JIT, n8n-core singletons): not measured, not counted.
	const rounds = args.warmup > 0 ? warmupRounds(args.warmup) : 0;
	for (let round = 0; round < rounds; round++) {
		const warm = await harness.runNode({ ...subject(args.warmupPrefix), credentials, inputItems: workload.inputItems(args.warmup, args.warmupPrefix) });
		if (warm.error) throw new Error(`warm-up run failed: ${warm.error.message}`);
		// The control only indicates what n8n's evaluation would cost (it is many times slower): a short warm-up.
		if (args.control && round < 2) {
			const controlItems = workload.inputItems(Math.min(1000, args.warmup), args.warmupPrefix);
			await harness.runNode({ nodeType: PARAMETER_READER_TYPE, parameters: workload.parameters(), inputItems: controlItems });
		}
	}

	const gc = (globalThis as { gc?: () => void }).gc;
	const seqBefore = await hooks.lastSeq();
	const rss = new RssSampler(10);
	const maxRssBefore = process.resourceUsage().maxRSS;
	rss.start();
	const inputItems = workload.inputItems(args.n, args.prefix);
	const started = process.hrtime.bigint();
	const result = await harness.runNode({ ...subject(args.prefix), credentials, inputItems });
	const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
	const memory = rss.stop();
	// The kernel's high-water mark is exact; use it when it rose during the run.
	const maxRssAfter = process.resourceUsage().maxRSS;
	if (maxRssAfter > maxRssBefore) {
		const peakMb = Math.round((maxRssAfter / 1024) * 10) / 10;
		if (peakMb > memory.peakMb) {
			memory.peakMb = peakMb;
			memory.growthMb = Math.round((peakMb - memory.baselineMb) * 10) / 10;
		}
	}

	// What stays after a full GC while the run's output is still held (as n8n holds run data).
	gc?.();
	const heldMb = Math.round(((process.memoryUsage.rss() - memory.baselineMb * 1024 * 1024) / 1024 / 1024) * 10) / 10;
	const calls = countCalls(await hooks.log(seqBefore));

	// Control (after the measured run, so that it does not pre-grow the heap the RSS figure is taken on):
	// the same N items through a node that only reads the same parameters (no calls).
	let parameterReadMs: number | undefined;
	if (args.control) {
		const controlItems = workload.inputItems(args.n, args.prefix);
		gc?.();
		const controlStarted = process.hrtime.bigint();
		const control = await harness.runNode({ nodeType: PARAMETER_READER_TYPE, parameters: workload.parameters(), inputItems: controlItems });
		parameterReadMs = Math.round(Number(process.hrtime.bigint() - controlStarted) / 1e6);
		if (control.error || control.items.length !== args.n) throw new Error(`control run failed: ${control.error?.message ?? control.items.length}`);
	}

	const errorItems = result.items.filter((item) => item.json.error !== undefined || item.error !== undefined);
	const out: WorkerResult = {
		op: args.op,
		n: args.n,
		itemsIn: inputItems.length,
		itemsOut: result.items.length,
		errorItems: errorItems.length,
		// keep the run's output referenced until here (the held-memory figure above includes it)
		firstError: errorItems[0] ? String(errorItems[0].json.error) : undefined,
		runError: result.error ? result.error.message : undefined,
		wallMs: Math.round(wallMs),
		calls: calls.total,
		callsByEndpoint: calls.byEndpoint,
		nonOkAnswers: calls.nonOk,
		rss: { ...memory, heldAfterGcMb: heldMb },
		parameterReadMs,
	};
	process.stdout.write(`BENCH_RESULT ${JSON.stringify(out)}\n`);
}

main().then(
	() => process.exit(0),
	(error) => {
		process.stderr.write(`bench worker failed: ${error instanceof Error ? error.message : String(error)}\n`);
		process.exit(1);
	},
);
