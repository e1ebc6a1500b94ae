/**
 * The goals of `npm run bench:chatbot` (issue 19), judged on the runs with the dispatcher on; the
 * runs with it off are printed next to them for comparison.
 *
 *  - idle (one message at a time): p50 round trip no worse than with the dispatcher off, within
 *    IDLE_NOISE (the two are sent alternately, one message each in turn, so that the machine's
 *    load drifts alike for both; what is left is noise of the shared machine);
 *  - 300 messages in a minute at a rate limit of 300 calls a minute: every reply right and its own,
 *    every contact written once and every event fired once, p95 ≤ 5 s, at most three calls answered
 *    429, at most one Emarsys call per message;
 *  - the same 300 messages at Emarsys's default limit (1000 a minute): no 429, p95 ≤ 2 s, every
 *    reply right and every contact and event once.
 * The smoke (`--smoke`) judges correctness and calls only: every reply right, each message's
 * contact upserted, listed, triggered and read once, no 429, and no more calls with the dispatcher
 * on than off.
 */
import type { Audit } from './audit';
import { quantileMs, wrongAnswer, type Answer } from './traffic';

export const GOALS = {
	idleNoise: 0.1,
	limitedP95Ms: 5000,
	limitedMax429: 3,
	limitedCallsPerMessage: 1.0,
	defaultP95Ms: 2000,
};

/** One run: the answers the chatbot got and what the sandbox saw. */
export interface RunResult {
	answers: Answer[];
	audit: Audit;
	wallMs: number;
	/** Executions n8n still ran after the last answer came or timed out, stopped by the bench. */
	stoppedExecutions: number;
}

export interface Verdict {
	goal: string;
	met: boolean;
	/** The figure the goal was judged on. */
	actual: string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The p95 round trip, saying how many messages got no answer (they count with the answer timeout, a lower bound). */
function p95Of(run: RunResult): { ms: number; text: string } {
	const ms = quantileMs(run.answers, 0.95);
	const unanswered = run.answers.filter((answer) => answer.status === 0).length;
	return { ms, text: `${seconds(ms)}${unanswered ? ` (${unanswered} messages unanswered, counted at the answer timeout)` : ''}` };
}

/** Replies right, contacts written once, on the list, events fired once. */
export function correctness(run: RunResult, scenario: string): Verdict[] {
	const wrong = run.answers.map(wrongAnswer).filter((why) => why !== undefined);
	const { notWrittenOnce, notOnList, notFiredOnce, stepsNotOnce } = run.audit;
	const sample = (list: string[]) => (list.length ? ` (e.g. ${list[0]})` : '');
	return [
		{ goal: `${scenario}: every reply right and its own`, met: wrong.length === 0, actual: `${wrong.length} wrong of ${run.answers.length}${sample(wrong)}` },
		{ goal: `${scenario}: every contact written once`, met: notWrittenOnce.length === 0, actual: `${notWrittenOnce.length} not${sample(notWrittenOnce)}` },
		{ goal: `${scenario}: every contact on the list`, met: notOnList.length === 0, actual: `${notOnList.length} not${sample(notOnList)}` },
		{ goal: `${scenario}: every event fired once`, met: notFiredOnce.length === 0, actual: `${notFiredOnce.length} not${sample(notFiredOnce)}` },
		{ goal: `${scenario}: one upsert, list add, trigger and read per message`, met: stepsNotOnce.length === 0, actual: `${stepsNotOnce.length} not${sample(stepsNotOnce)}` },
	];
}

export function idleGoal(on: RunResult, off: RunResult): Verdict {
	const p50On = quantileMs(on.answers, 0.5);
	const p50Off = quantileMs(off.answers, 0.5);
	return {
		goal: `idle: p50 no worse than dispatcher off (+${GOALS.idleNoise * 100}% noise)`,
		met: p50On <= p50Off * (1 + GOALS.idleNoise),
		actual: `${seconds(p50On)} vs ${seconds(p50Off)}`,
	};
}

export function limitedGoals(on: RunResult): Verdict[] {
	const p95 = p95Of(on);
	return [
		...correctness(on, 'limit 300/min'),
		{ goal: `limit 300/min: p95 ≤ ${seconds(GOALS.limitedP95Ms)}`, met: p95.ms <= GOALS.limitedP95Ms, actual: p95.text },
		{ goal: `limit 300/min: at most ${GOALS.limitedMax429} calls answered 429`, met: on.audit.tooMany <= GOALS.limitedMax429, actual: String(on.audit.tooMany) },
		{
			goal: `limit 300/min: ≤ ${GOALS.limitedCallsPerMessage.toFixed(1)} Emarsys call per message`,
			met: on.audit.callsPerMessage <= GOALS.limitedCallsPerMessage,
			actual: on.audit.callsPerMessage.toFixed(2),
		},
	];
}

export function defaultLimitGoals(on: RunResult): Verdict[] {
	const p95 = p95Of(on);
	return [
		...correctness(on, 'limit 1000/min'),
		{ goal: 'limit 1000/min: no call answered 429', met: on.audit.tooMany === 0, actual: String(on.audit.tooMany) },
		{ goal: `limit 1000/min: p95 ≤ ${seconds(GOALS.defaultP95Ms)}`, met: p95.ms <= GOALS.defaultP95Ms, actual: p95.text },
	];
}

export function smokeGoals(on: RunResult, off: RunResult): Verdict[] {
	return [
		...correctness(on, 'smoke, dispatcher on'),
		...correctness(off, 'smoke, dispatcher off'),
		{ goal: 'smoke: no call answered 429', met: on.audit.tooMany + off.audit.tooMany === 0, actual: `${on.audit.tooMany} on, ${off.audit.tooMany} off` },
		{ goal: 'smoke: no more calls with the dispatcher on than off', met: on.audit.calls <= off.audit.calls, actual: `${on.audit.calls} on, ${off.audit.calls} off` },
	];
}
