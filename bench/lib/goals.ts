/**
 * The bench's goals (issue 10) and their check. What the Emarsys node adds on top of n8n is what
 * this package controls, so timing and memory are measured against the n8n floor (lib/n8n-floor.ts:
 * the same parameters read through n8n for every item, the same calls through n8n's request helper).
 * For every operation:
 *  - calls exactly as expected and items in = items out, at every size (the smoke checks only these);
 *  - at N = 10,000 and 100,000: node wall time ≤ 1.10× the n8n floor's;
 *  - at N = 100,000: peak RSS growth ≤ the n8n floor's + 30 MB;
 *  - at N = 10,000: at least 100× faster than one signed call per item.
 * The bare-axios ratio (×floor) is printed for information only.
 */
import type { WorkerResult } from '../worker';
import type { OpName } from '../workloads';

export const GOALS = {
	n8nFloorRatioMax: 1.1,
	n8nFloorRatioSizes: [10_000, 100_000],
	rssOverN8nFloorMaxMb: 30,
	rssSize: 100_000,
	perItemRatioMin: 100,
	perItemSize: 10_000,
};

export interface TimedCalls {
	wallMs: number;
	calls: number;
	callsByEndpoint: Record<string, number>;
}

/** One subject's runs of a case (best wall time, highest memory), and whether calls and items were right. */
export interface SubjectFigures {
	wallMs: number;
	calls: number;
	rssGrowthMb: number;
	callsOk: boolean;
	itemsOk: boolean;
	/** Set when items or calls were wrong: what went wrong, from the first run that did. */
	problem?: string;
	/** Every round's wall time (the figure above is the best). */
	wallMsPerRound: number[];
	best: WorkerResult;
}

export interface CaseResult {
	op: OpName;
	n: number;
	expectedCalls: string;
	node: SubjectFigures;
	n8nFloor: SubjectFigures;
	/** node / n8n floor wall time: the goal. */
	n8nFloorRatio: number;
	/** The bare axios script making the floor's calls (information only). */
	floor: TimedCalls & { wallMsPerRound: number[] };
	floorRatio: number;
	perItem?: TimedCalls;
	perItemRatio?: number;
}

export interface GoalReport {
	missed: string[];
	notChecked: string[];
}

function correctness(r: CaseResult): string[] {
	const missed: string[] = [];
	const at = `${r.op} N=${r.n}`;
	if (!r.node.callsOk) missed.push(`${at}: the node made ${r.node.calls} calls, expected ${r.expectedCalls}`);
	if (!r.node.itemsOk) missed.push(`${at}: items in ≠ items out or items failed: ${r.node.problem}`);
	if (!r.n8nFloor.callsOk || !r.n8nFloor.itemsOk) {
		missed.push(`${at}: bench fault, the n8n floor went wrong (${r.n8nFloor.calls} calls; ${r.n8nFloor.problem ?? 'items ok'})`);
	}
	return missed;
}

function timing(r: CaseResult): string[] {
	const missed: string[] = [];
	const at = `${r.op} N=${r.n}`;
	if (GOALS.n8nFloorRatioSizes.includes(r.n) && r.n8nFloorRatio > GOALS.n8nFloorRatioMax) {
		missed.push(`${at}: wall ${r.node.wallMs} ms is ×${r.n8nFloorRatio} the n8n floor's ${r.n8nFloor.wallMs} ms (goal ≤ ×${GOALS.n8nFloorRatioMax})`);
	}
	const rssOver = Math.round((r.node.rssGrowthMb - r.n8nFloor.rssGrowthMb) * 10) / 10;
	if (r.n === GOALS.rssSize && rssOver > GOALS.rssOverN8nFloorMaxMb) {
		missed.push(`${at}: peak RSS +${r.node.rssGrowthMb} MB is ${rssOver} MB over the n8n floor's +${r.n8nFloor.rssGrowthMb} MB (goal ≤ ${GOALS.rssOverN8nFloorMaxMb} MB)`);
	}
	if (r.n === GOALS.perItemSize && r.perItemRatio !== undefined && r.perItemRatio < GOALS.perItemRatioMin) {
		missed.push(`${at}: only ${r.perItemRatio}× faster than one call per item (goal ≥ ${GOALS.perItemRatioMin}×)`);
	}
	return missed;
}

/** Timing goals that a run could not check (a size or the per-item baseline not measured). */
function unchecked(results: CaseResult[], ops: OpName[]): string[] {
	const notChecked: string[] = [];
	const has = (op: OpName, n: number) => results.some((r) => r.op === op && r.n === n);
	for (const op of ops) {
		const missing = GOALS.n8nFloorRatioSizes.filter((n) => !has(op, n));
		if (missing.length > 0) notChecked.push(`${op}: ×n8n floor at N=${missing.join(', ')}${missing.includes(GOALS.rssSize) ? ', peak RSS' : ''}`);
		const at10k = results.find((r) => r.op === op && r.n === GOALS.perItemSize);
		if (!at10k || at10k.perItemRatio === undefined) notChecked.push(`${op}: per-item × at N=${GOALS.perItemSize}`);
	}
	return notChecked;
}

/** Every goal a run missed, in words; with `smoke`, calls and items only. */
export function checkGoals(results: CaseResult[], ops: OpName[], smoke: boolean): GoalReport {
	const missed = results.flatMap((r) => [...correctness(r), ...(smoke ? [] : timing(r))]);
	return { missed, notChecked: smoke ? ['timing and memory (smoke: calls and items only)'] : unchecked(results, ops) };
}
