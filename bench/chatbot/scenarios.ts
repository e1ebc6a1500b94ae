/**
 * The runs of the chatbot bench, against one running n8n (single instance or queue mode) and its
 * sandbox: each run sets the sandbox's rate limit and starts a fresh rate-limit window, sends the
 * messages, stops whatever is still running once the last answer came or timed out, and audits
 * what the sandbox saw.
 */
import { SandboxHooks } from '../lib/sandbox';
import { auditRun, type SandboxView } from './audit';
import type { RunResult } from './goals';
import { stopRunningExecutions } from './n8n-rest';
import { makeMessages, sendMessage, sendOpenLoop, type Answer, type Message } from './traffic';
import { API_USERS, WEBHOOK_PATHS, type Variant } from './workflows';

/** The contact list the demo adds every chatbot contact to (demo/chatbot-workflow.json). */
export const DEMO_LIST_ID = '900001';
/** Emarsys's default rate limit per API user. */
export const DEFAULT_RATE_LIMIT = 1000;

export interface Target {
	n8nUrl: string;
	hooks: SandboxHooks;
	/** Cookie of the demo owner's REST session (to stop executions left running). */
	cookie: string;
}

export interface BurstSettings {
	messages: number;
	intervalMs: number;
	rateLimitPerMinute: number;
	answerTimeoutMs: number;
}

/** A rate-limit window that starts with the run's first call, as a new minute would in Emarsys. */
async function freshWindow(hooks: SandboxHooks, rateLimitPerMinute: number): Promise<void> {
	await hooks.setConfig({ rateLimitPerMinute, rateLimitWindowSeconds: 60 });
}

/** The sandbox's state after a run, and the run's slice of its request log. */
export async function sandboxView(hooks: SandboxHooks, log: SandboxView['log']): Promise<SandboxView> {
	const [contacts, triggers, listMembers] = await Promise.all([hooks.contacts(), hooks.triggers(), hooks.listMembers(DEMO_LIST_ID)]);
	return { log, contacts, triggers, listMembers };
}

/** The run's calls: log entries after `seq` made with the copy's own API user. */
async function callsOf(hooks: SandboxHooks, variant: Variant, seq: number): Promise<SandboxView['log']> {
	return (await hooks.log(seq, { bodies: true })).filter((entry) => entry.user === API_USERS[variant].name);
}

async function finish(
	target: Target,
	run: { messages: Message[]; answers: Answer[]; log: SandboxView['log']; wallMs: number; stoppedExecutions: number },
): Promise<RunResult> {
	const { messages, answers, log, wallMs, stoppedExecutions } = run;
	return { answers, wallMs, stoppedExecutions, audit: auditRun(messages, await sandboxView(target.hooks, log)) };
}

/** Messages sent open loop (one every `intervalMs`) to one variant's webhook. */
export async function burst(target: Target, variant: Variant, tag: string, settings: BurstSettings): Promise<RunResult> {
	const messages = makeMessages(`${tag}-${variant}`, WEBHOOK_PATHS[variant], settings.messages);
	await freshWindow(target.hooks, settings.rateLimitPerMinute);
	const seq = await target.hooks.lastSeq();
	const started = performance.now();
	const answers = await sendOpenLoop(target.n8nUrl, messages, settings.intervalMs, settings.answerTimeoutMs);
	const wallMs = performance.now() - started;
	const stoppedExecutions = await stopRunningExecutions(target.n8nUrl, target.cookie);
	return await finish(target, { messages, answers, log: await callsOf(target.hooks, variant, seq), wallMs, stoppedExecutions });
}

/**
 * Lone messages, one at a time, taking turns between the variants (on, off, on, off …) so that
 * a change in the machine's load falls on both alike.
 */
export async function idle(target: Target, count: number, answerTimeoutMs: number): Promise<Record<Variant, RunResult>> {
	const variants: Variant[] = ['on', 'off'];
	const messages = Object.fromEntries(variants.map((v) => [v, makeMessages(`idle-${v}`, WEBHOOK_PATHS[v], count)])) as Record<Variant, Message[]>;
	const answers: Record<Variant, Answer[]> = { on: [], off: [] };
	const log: Record<Variant, SandboxView['log']> = { on: [], off: [] };
	await freshWindow(target.hooks, DEFAULT_RATE_LIMIT);
	const started = performance.now();
	for (let i = 0; i < count; i++) {
		for (const variant of variants) {
			const seq = await target.hooks.lastSeq();
			answers[variant].push(await sendMessage(target.n8nUrl, messages[variant][i], answerTimeoutMs));
			log[variant].push(...(await callsOf(target.hooks, variant, seq)));
		}
	}
	const wallMs = performance.now() - started;
	const stoppedExecutions = await stopRunningExecutions(target.n8nUrl, target.cookie);
	const result = (v: Variant) => finish(target, { messages: messages[v], answers: answers[v], log: log[v], wallMs, stoppedExecutions });
	return { on: await result('on'), off: await result('off') };
}
