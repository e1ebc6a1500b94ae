/**
 * The bench's goals (issues 10 and 20) and their check. What the Emarsys node adds on top of n8n is
 * what this package controls, so timing and memory are measured against the n8n floor
 * (lib/n8n-floor.ts: the same parameters read through n8n for every item, the same calls through
 * n8n's request helper, one at a time, the same output). Every figure is the median of the rounds.
 * For every workload, at every size (the smoke checks only these):
 *  - calls exactly as expected; items in = items out, in input order; no answer 429; for a read,
 *    the node's output is the n8n floor's (else the comparison would be unfair: a bench fault).
 * Cost workloads (Concurrent Requests 1, 20 ms a call):
 *  - at N = 10,000 and 100,000: node wall time ≤ 1.10× the n8n floor's;
 *  - at N = 100,000: peak RSS growth ≤ the n8n floor's + 30 MB, measured on memory rounds of
 *    their own at fixed V8 heap sizing (bench/run.ts says why);
 *  - at N = 10,000: the node's speed-up over one signed call per item ≥ 0.9× the n8n floor's own.
 * Lanes workloads (the node's default Concurrent Requests, 200 ms a call, Emarsys's rate limit):
 *  - at N = 100,000: node wall time ≤ 0.35× the (sequential) n8n floor's.
 * The bare-axios ratio (×floor) and CPU times are printed for information only.
 */
import type { WorkerResult } from '../worker';
import { WORKLOADS, type OpName } from '../workloads';

export const GOALS = {
	n8nFloorRatioMax: 1.1,
	n8nFloorRatioSizes: [10_000, 100_000],
	rssOverN8nFloorMaxMb: 30,
	rssSize: 100_000,
	/** The node's per-item speed-up, as a share of the n8n floor's own for the same workload. */
	perItemOfN8nFloorMin: 0.9,
	perItemSize: 10_000,
	lanesN8nFloorRatioMax: 0.35,
	lanesSize: 100_000,
};

export interface TimedCalls {
	wallMs: number;
	calls: number;
	callsByEndpoint: Record<string, number>;
}

/** One subject's runs of a case (medians of wall time, CPU time and memory), and whether calls and items were right. */
export interface SubjectFigures {
	wallMs: number;
	cpuMs: number;
	calls: number;
	/** Median peak RSS growth: of the memory rounds (fixed V8 heap sizing) when `rssFixedHeap`, else of the timed rounds. */
	rssGrowthMb: number;
	rssFixedHeap: boolean;
	callsOk: boolean;
	itemsOk: boolean;
	/** Set when items or calls were wrong: what went wrong, from the first run that did. */
	problem?: string;
	/** Answers 429 over all rounds. */
	rateLimited: number;
	/** Every round's wall time, CPU time and peak RSS growth (the figures above are their medians). */
	wallMsPerRound: number[];
	cpuMsPerRound: number[];
	rssGrowthMbPerRound: number[];
	/** The timed rounds' peak RSS growth, at V8's default heap sizing (information when there are memory rounds). */
	rssDefaultHeapMbPerRound: number[];
	/** The run with the median wall time. */
	median: WorkerResult;
}

export interface CaseResult {
	op: OpName;
	n: number;
	expectedCalls: string;
	node: SubjectFigures;
	n8nFloor: SubjectFigures;
	/** Concurrent Requests at the node's default (200 ms a call), else 1 (see workloads.ts). */
	lanes: boolean;
	/** node / n8n floor wall time: the goal. */
	n8nFloorRatio: number;
	/** For a read: whether the node's output was the n8n floor's in every round. */
	sameOutput?: boolean;
	/** The bare axios script making the floor's calls (information only). */
	floor: TimedCalls & { wallMsPerRound: number[] };
	floorRatio: number;
	perItem?: TimedCalls;
	/** How many times faster than the per-item baseline the node is, and the n8n floor is. */
	perItemRatio?: number;
	n8nFloorPerItemRatio?: number;
}

export interface GoalReport {
	missed: string[];
	notChecked: string[];
}

function correctness(r: CaseResult): string[] {
	const missed: string[] = [];
	const at = `${r.op} N=${r.n}`;
	if (!r.node.callsOk) missed.push(`${at}: the node made ${r.node.calls} calls, expected ${r.expectedCalls}`);
	if (!r.node.itemsOk) missed.push(`${at}: items in ≠ items out, out of order, or items failed: ${r.node.problem}`);
	if (r.node.rateLimited > 0) missed.push(`${at}: Emarsys answered 429 (rate limit) ${r.node.rateLimited} times`);
	if (!r.n8nFloor.callsOk || !r.n8nFloor.itemsOk) {
		missed.push(`${at}: bench fault, the n8n floor went wrong (${r.n8nFloor.calls} calls; ${r.n8nFloor.problem ?? 'items ok'})`);
	}
	if (r.sameOutput === false) missed.push(`${at}: the node's output is not the n8n floor's (a wrong answer, or a floor that does not do the same job)`);
	return missed;
}

function costTiming(r: CaseResult): string[] {
	const missed: string[] = [];
	const at = `${r.op} N=${r.n}`;
	if (GOALS.n8nFloorRatioSizes.includes(r.n) && r.n8nFloorRatio > GOALS.n8nFloorRatioMax) {
		missed.push(`${at}: wall ${r.node.wallMs} ms is ×${r.n8nFloorRatio} the n8n floor's ${r.n8nFloor.wallMs} ms (goal ≤ ×${GOALS.n8nFloorRatioMax})`);
	}
	const rssOver = Math.round((r.node.rssGrowthMb - r.n8nFloor.rssGrowthMb) * 10) / 10;
	if (r.n === GOALS.rssSize && rssOver > GOALS.rssOverN8nFloorMaxMb) {
		missed.push(`${at}: peak RSS +${r.node.rssGrowthMb} MB is ${rssOver} MB over the n8n floor's +${r.n8nFloor.rssGrowthMb} MB (goal ≤ ${GOALS.rssOverN8nFloorMaxMb} MB${r.node.rssFixedHeap ? '; memory rounds at fixed heap sizing' : ''})`);
	}
	const { perItemRatio, n8nFloorPerItemRatio } = r;
	if (r.n === GOALS.perItemSize && perItemRatio !== undefined && n8nFloorPerItemRatio !== undefined && perItemRatio < GOALS.perItemOfN8nFloorMin * n8nFloorPerItemRatio) {
		missed.push(`${at}: ${perItemRatio}× faster than one call per item, the n8n floor ${n8nFloorPerItemRatio}× (goal ≥ ${GOALS.perItemOfN8nFloorMin}× the floor's)`);
	}
	return missed;
}

function lanesTiming(r: CaseResult): string[] {
	if (r.n !== GOALS.lanesSize || r.n8nFloorRatio <= GOALS.lanesN8nFloorRatioMax) return [];
	return [`${r.op} N=${r.n}: wall ${r.node.wallMs} ms is ×${r.n8nFloorRatio} the sequential n8n floor's ${r.n8nFloor.wallMs} ms (goal ≤ ×${GOALS.lanesN8nFloorRatioMax})`];
}

/** Timing goals that a run could not check (a size or the per-item baseline not measured). */
function unchecked(results: CaseResult[], ops: OpName[]): string[] {
	const notChecked: string[] = [];
	const has = (op: OpName, n: number) => results.some((r) => r.op === op && r.n === n);
	for (const op of ops) {
		if (WORKLOADS[op].lanes) {
			if (!has(op, GOALS.lanesSize)) notChecked.push(`${op}: ×n8n floor at N=${GOALS.lanesSize}`);
			continue;
		}
		const missing = GOALS.n8nFloorRatioSizes.filter((n) => !has(op, n));
		if (missing.length > 0) notChecked.push(`${op}: ×n8n floor at N=${missing.join(', ')}${missing.includes(GOALS.rssSize) ? ', peak RSS' : ''}`);
		const at10k = results.find((r) => r.op === op && r.n === GOALS.perItemSize);
		if (!at10k || at10k.perItemRatio === undefined) notChecked.push(`${op}: per-item × at N=${GOALS.perItemSize}`);
	}
	return notChecked;
}

/** Every goal a run missed, in words; with `smoke`, calls and items only. */
export function checkGoals(results: CaseResult[], ops: OpName[], smoke: boolean): GoalReport {
	const timing = (r: CaseResult) => (smoke ? [] : r.lanes ? lanesTiming(r) : costTiming(r));
	const missed = results.flatMap((r) => [...correctness(r), ...timing(r)]);
	return { missed, notChecked: smoke ? ['timing and memory (smoke: calls and items only)'] : unchecked(results, ops) };
}
