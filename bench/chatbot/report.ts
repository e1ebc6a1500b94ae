/** The figures of each run, as the bench prints them and writes them to its JSON summary. */
import type { RunResult, Verdict } from './goals';
import { quantileMs, wrongAnswer } from './traffic';

export interface Figures {
	messages: number;
	rightAnswers: number;
	/** Messages that got no answer within the answer timeout (their round trip counts as that timeout). */
	unanswered: number;
	p50Ms: number;
	p95Ms: number;
	maxMs: number;
	calls: number;
	callsPerMessage: number;
	callsByKind: Record<string, number>;
	answered429: number;
	otherErrors: number;
	notWrittenOnce: number;
	notFiredOnce: number;
	notOnList: number;
	wallMs: number;
	/** How late the latest message left compared with its schedule (the load generator's own lag). */
	maxSendLagMs: number;
	stoppedExecutions: number;
}

export function figuresOf(run: RunResult): Figures {
	const { audit, answers } = run;
	return {
		messages: answers.length,
		rightAnswers: answers.filter((answer) => wrongAnswer(answer) === undefined).length,
		unanswered: answers.filter((answer) => answer.status === 0).length,
		p50Ms: Math.round(quantileMs(answers, 0.5)),
		p95Ms: Math.round(quantileMs(answers, 0.95)),
		maxMs: Math.round(quantileMs(answers, 1)),
		calls: audit.calls,
		callsPerMessage: Math.round(audit.callsPerMessage * 100) / 100,
		callsByKind: audit.byKind,
		answered429: audit.tooMany,
		otherErrors: audit.otherErrors,
		notWrittenOnce: audit.notWrittenOnce.length,
		notFiredOnce: audit.notFiredOnce.length,
		notOnList: audit.notOnList.length,
		wallMs: Math.round(run.wallMs),
		maxSendLagMs: Math.round(Math.max(0, ...answers.map((answer) => answer.sendLagMs))),
		stoppedExecutions: run.stoppedExecutions,
	};
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export const TABLE_HEADER =
	'run                         dispatcher  right    no answer  p50      p95      max      calls  calls/msg  429   other err  not once (write/event/list)  send lag  stopped';

export function tableRow(run: string, variant: string, f: Figures): string {
	return [
		run.padEnd(27),
		variant.padEnd(10),
		`${f.rightAnswers}/${f.messages}`.padEnd(8),
		String(f.unanswered).padEnd(10),
		s(f.p50Ms).padEnd(8),
		s(f.p95Ms).padEnd(8),
		s(f.maxMs).padEnd(8),
		String(f.calls).padEnd(6),
		f.callsPerMessage.toFixed(2).padEnd(10),
		String(f.answered429).padEnd(5),
		String(f.otherErrors).padEnd(10),
		`${f.notWrittenOnce}/${f.notFiredOnce}/${f.notOnList}`.padEnd(28),
		`${f.maxSendLagMs} ms`.padEnd(9),
		String(f.stoppedExecutions),
	].join(' ');
}

export function verdictLine(verdict: Verdict): string {
	return `${verdict.met ? 'met   ' : 'MISSED'}  ${verdict.goal}: ${verdict.actual}`;
}
