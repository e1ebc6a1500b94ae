/**
 * `npm run bench:chatbot` — chatbot traffic at the Emarsys rate limit (issue 19).
 *
 * Real n8n (scripts/n8n-stack.ts, the `npm start` setup) runs two copies of the chatbot demo
 * (workflows.ts): one with the dispatcher on (the node's defaults), one with it off
 * (`combineCalls: false`, `metadataCacheSeconds: 0`, the node's behaviour before issue 19), each on
 * its own webhook path. The sandbox answers every API call after 100 ms. In turn, each with a
 * fresh rate-limit window:
 *   - idle: 20 lone messages per copy, one at a time (on and off taking turns);
 *   - 300 messages in one minute (5 a second, open loop) at the default limit, 1000 calls a minute;
 *   - the same at a limit of 300 calls a minute.
 * Then the 300/min run with the dispatcher on in queue mode (scripts/queue-stack.ts: main + 2
 * workers), for information (only that one, so that the whole bench stays near 8 minutes).
 * It prints both copies side by side, the goals (goals.ts) judged on the dispatcher-on runs of the
 * single instance, a `CHATBOT_BENCH {...}` JSON line, and exits non-zero when a goal is missed.
 *
 * Then, on an n8n of its own, the fairness case (fairness.ts, issue 31): a 60,000-contact bulk
 * sync and chatbot messages on one API user (`--fairness` runs only that).
 *
 * `--smoke` (in .ci/run): single instance only, 10 messages per copy at 5 a second, correctness
 * and calls only (no timing goal). `--help` for the flags.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

import { startQueueStack } from '../../scripts/queue-stack';
import { restLogin, startE2eStack, STARTUP_TIMEOUT_MS } from '../../test/e2e/stack';
import { SandboxHooks } from '../lib/sandbox';
import { FAIRNESS, fairnessGoals, fairnessRuns, fairnessWorkflow } from './fairness';
import { defaultLimitGoals, idleGoal, limitedGoals, smokeGoals, type RunResult, type Verdict } from './goals';
import { figuresOf, TABLE_HEADER, tableRow, verdictLine, type Figures } from './report';
import { burst, DEFAULT_RATE_LIMIT, idle, type BurstSettings, type Target } from './scenarios';
import { storedWorkflowNodes } from './n8n-rest';
import { addBenchUsers, benchCredentials, benchWorkflow, WORKFLOW_IDS, wrongCopy, type Variant } from './workflows';

const LATENCY_MS = 100;
const IDLE_MESSAGES = 20;
const BURST = { messages: 300, intervalMs: 200 };
const LIMITED_RATE = 300;
const BURSTS: Array<[name: string, rateLimitPerMinute: number]> = [
	['300 msgs/min, limit 1000/min', DEFAULT_RATE_LIMIT],
	['300 msgs/min, limit 300/min', LIMITED_RATE],
];
const SMOKE = { messages: 10, intervalMs: 200, answerTimeoutMs: 60_000 };

const USAGE =
	'npm run bench:chatbot -- [--smoke] [--no-queue] [--answer-timeout SECONDS] [--out FILE]\n' +
	'  --smoke           single n8n only, 10 messages per copy, correctness and calls only (CI)\n' +
	'  --no-queue        skip the queue-mode runs\n' +
	'  --fairness        only the fairness case (a bulk sync and chatbot messages on one API user)\n' +
	'  --answer-timeout  seconds a message waits for its answer before it counts as unanswered (default 15)\n' +
	'  --out FILE        also write the JSON summary to FILE\n';

interface Flags {
	smoke: boolean;
	fairnessOnly: boolean;
	queue: boolean;
	answerTimeoutMs: number;
	out?: string;
}

function parseFlags(argv: string[]): Flags {
	const flags: Flags = { smoke: false, fairnessOnly: false, queue: true, answerTimeoutMs: 15_000 };
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i];
		if (flag === '--smoke') flags.smoke = true;
		else if (flag === '--no-queue') flags.queue = false;
		else if (flag === '--fairness') flags.fairnessOnly = true;
		else if (flag === '--answer-timeout') {
			const seconds = Number(argv[++i]);
			if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--answer-timeout needs a number of seconds > 0');
			flags.answerTimeoutMs = seconds * 1000;
		} else if (flag === '--out') flags.out = argv[++i];
		else if (flag === '--help') {
			process.stdout.write(USAGE);
			process.exit(0);
		} else throw new Error(`unknown flag ${flag} (see --help)`);
	}
	return flags;
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);
const note = (line: string): void => void process.stderr.write(`[bench:chatbot] ${line}\n`);

/** Every run of one deployment, by run name and variant. */
type Runs = Record<string, Partial<Record<Variant, RunResult>>>;

/** The sandbox set up for the bench, and a check that n8n stored the two copies as meant. */
async function targetOf(n8nUrl: string, sandboxUrl: string): Promise<Target> {
	const hooks = new SandboxHooks(sandboxUrl);
	await hooks.setFaults({ latencyMs: LATENCY_MS });
	await addBenchUsers(hooks);
	const cookie = await restLogin(n8nUrl);
	for (const variant of ['on', 'off'] as const) {
		const problem = wrongCopy(variant, await storedWorkflowNodes(n8nUrl, cookie, WORKFLOW_IDS[variant]));
		if (problem) throw new Error(`n8n did not store the bench's workflows as meant: ${problem}`);
	}
	return { n8nUrl, hooks, cookie };
}

/** The single instance's runs: idle, then every burst with the dispatcher on, then off. */
async function fullRuns(target: Target, flags: Flags): Promise<Runs> {
	note('idle: lone messages, one at a time');
	const runs: Runs = { idle: await idle(target, IDLE_MESSAGES, flags.answerTimeoutMs) };
	for (const variant of ['on', 'off'] as const) note(tableRow('idle', variant, figuresOf(runs.idle[variant]!)));
	// All runs of the dispatcher-on copy first: the off copy's runs leave executions waiting out 429s.
	return await burstRuns(target, flags, ['on', 'off'], BURSTS, runs);
}

async function burstRuns(target: Target, flags: Flags, variants: Variant[], bursts: typeof BURSTS, runs: Runs = {}): Promise<Runs> {
	for (const variant of variants) {
		for (const [name, rateLimitPerMinute] of bursts) {
			note(`${name}, dispatcher ${variant}`);
			const settings: BurstSettings = { ...BURST, rateLimitPerMinute, answerTimeoutMs: flags.answerTimeoutMs };
			const result = await burst(target, variant, `rate${rateLimitPerMinute}`, settings);
			runs[name] = { ...runs[name], [variant]: result };
			note(tableRow(name, variant, figuresOf(result)));
		}
	}
	return runs;
}

async function smokeRuns(target: Target): Promise<Runs> {
	const settings: BurstSettings = { ...SMOKE, rateLimitPerMinute: DEFAULT_RATE_LIMIT };
	return { smoke: { on: await burst(target, 'on', 'smoke', settings), off: await burst(target, 'off', 'smoke', settings) } };
}

async function singleInstance(flags: Flags): Promise<Runs> {
	note('starting n8n (single instance) and the sandbox');
	const stack = await startE2eStack({ adaptWorkflow: benchWorkflow, extraCredentials: benchCredentials, log: note });
	try {
		const target = await targetOf(stack.n8nUrl, stack.sandbox!.url);
		return flags.smoke ? await smokeRuns(target) : await fullRuns(target, flags);
	} finally {
		await stack.teardown();
	}
}

async function queueMode(flags: Flags): Promise<Runs> {
	note('starting n8n in queue mode (Redis, PostgreSQL, main, 2 workers)');
	const stack = await startQueueStack({ workers: 2, concurrency: 10, startupTimeoutMs: STARTUP_TIMEOUT_MS, adaptWorkflow: benchWorkflow, extraCredentials: benchCredentials, log: note });
	try {
		const target = await targetOf(stack.main.n8nUrl, stack.main.sandbox!.url);
		// The headline run only, dispatcher on: the whole bench stays near 8 minutes.
		return await burstRuns(target, flags, ['on'], BURSTS.filter(([, rate]) => rate === LIMITED_RATE));
	} finally {
		await stack.stop();
	}
}

/** The fairness case (fairness.ts) on an n8n of its own: the chatbot copy and the bulk sync, one API user. */
async function fairnessCase(): Promise<Verdict[]> {
	note(`fairness: a ${FAIRNESS.contacts}-contact bulk sync and chatbot messages every ${FAIRNESS.intervalMs} ms on one API user, ${FAIRNESS.latencyMs} ms a call`);
	const stack = await startE2eStack({ adaptWorkflow: fairnessWorkflow, extraCredentials: benchCredentials, log: note });
	try {
		const hooks = new SandboxHooks(stack.sandbox!.url);
		await addBenchUsers(hooks);
		return fairnessGoals(await fairnessRuns(stack.n8nUrl, hooks, await restLogin(stack.n8nUrl), note));
	} finally {
		await stack.teardown();
	}
}

function judge(single: Runs, smoke: boolean): Verdict[] {
	const run = (name: string, variant: Variant) => single[name][variant]!;
	if (smoke) return smokeGoals(run('smoke', 'on'), run('smoke', 'off'));
	return [
		idleGoal(run('idle', 'on'), run('idle', 'off')),
		...defaultLimitGoals(run('300 msgs/min, limit 1000/min', 'on')),
		...limitedGoals(run('300 msgs/min, limit 300/min', 'on')),
	];
}

function printRuns(title: string, runs: Runs): Record<string, Partial<Record<Variant, Figures>>> {
	const figures: Record<string, Partial<Record<Variant, Figures>>> = {};
	log(`\n== ${title}`);
	log(TABLE_HEADER);
	for (const [name, byVariant] of Object.entries(runs)) {
		figures[name] = {};
		for (const [variant, result] of Object.entries(byVariant) as Array<[Variant, RunResult]>) {
			figures[name][variant] = figuresOf(result);
			log(tableRow(name, variant, figures[name][variant]!));
		}
	}
	return figures;
}

async function main(): Promise<void> {
	const flags = parseFlags(process.argv.slice(2));
	const started = Date.now();
	// The figures depend on what else the machine runs: the load is part of the record.
	const machine = { cores: cpus().length, loadAverageAtStart: loadavg()[0] };
	const single = flags.fairnessOnly ? {} : await singleInstance(flags);
	// Queue mode has no goal: when it cannot run (no Redis or PostgreSQL here), say so and go on.
	const queue = !flags.smoke && !flags.fairnessOnly && flags.queue ? await queueMode(flags).catch((error: Error) => note(`queue mode failed: ${error.message}`)) : undefined;
	const fairness = flags.smoke ? [] : await fairnessCase();
	log(`\nChatbot bench${flags.smoke ? ' (smoke: correctness and calls only)' : ''}: sandbox ${LATENCY_MS} ms per call; answers awaited ${(flags.smoke ? SMOKE.answerTimeoutMs : flags.answerTimeoutMs) / 1000} s at most`);
	const summary: Record<string, unknown> = { single: printRuns('single n8n instance (the npm start setup)', single) };
	if (queue) summary.queue = printRuns('queue mode: main + 2 workers (no goal; limit 300/min, dispatcher on only)', queue);
	const verdicts = [...(flags.fairnessOnly ? [] : judge(single, flags.smoke)), ...fairness];
	log(`\n== goals (single instance, dispatcher on)`);
	for (const verdict of verdicts) log(verdictLine(verdict));
	const missed = verdicts.filter((verdict) => !verdict.met).map((verdict) => verdict.goal);
	summary.goals = verdicts;
	summary.missed = missed;
	summary.wallSeconds = Math.round((Date.now() - started) / 1000);
	summary.machine = { ...machine, loadAverageAtEnd: loadavg()[0] };
	log(`machine: ${machine.cores} cores, load average ${machine.loadAverageAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`);
	log(`\nCHATBOT_BENCH ${JSON.stringify(summary)}`);
	if (flags.out) writeFileSync(flags.out, `${JSON.stringify(summary, null, 2)}\n`);
	log(`\nwhole bench: ${summary.wallSeconds} s; ${missed.length ? `${missed.length} goal(s) MISSED` : 'every goal met'}`);
	if (missed.length) process.exitCode = 1;
}

main().catch((error: unknown) => {
	process.stderr.write(`bench:chatbot failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exitCode = 2;
});
