/**
 * The fairness case of `npm run bench:chatbot` (issue 31): a nightly sync and a chatbot on one API
 * user. A 60,000-contact bulk upsert (webhook → Code node making the contacts → Emarsys upsert,
 * Map Automatically) and chatbot messages every 0.5 s to the demo (dispatcher on), the sandbox
 * answering every call after 1.5 s. Three runs, each after the last has ended:
 *   - the bulk run alone;
 *   - idle: messages every 0.5 s for as long as the bulk run took, with no bulk run (a 4-step flow
 *     at that rate waits for shared calls of its own, up to a call per step: that is the baseline);
 *   - the bulk run again with the same messages while it lasts.
 * Goals: the messages sent during the bulk run answer with p95 ≤ idle p95 + 2 s, and the bulk run
 * with messages takes ≤ 1.1× its time alone. The bulk upsert shares the demo's upsert route (same
 * credential, endpoint, key field E-Mail, Create If Missing, default options): before issue 31 a
 * message's upsert waited for the whole sync.
 */
import { randomUUID } from 'node:crypto';

import { NODE_TYPE, type WorkflowJson } from '../../scripts/n8n-stack';
import type { SandboxHooks } from '../lib/sandbox';
import type { Verdict } from './goals';
import { stopRunningExecutions } from './n8n-rest';
import { makeMessages, quantileMs, sendMessage, sendOpenLoop, wrongAnswer, type Answer } from './traffic';
import { benchWorkflow, WEBHOOK_PATHS, WORKFLOW_IDS } from './workflows';

export const FAIRNESS = { contacts: 60_000, latencyMs: 1500, intervalMs: 500, answerTimeoutMs: 120_000 };

const BULK_PATH = 'chatbot-bench-bulk';

/** The stack's two demo copies as the fairness case wants them: the chatbot (dispatcher on), and the bulk sync in place of the second. */
export function fairnessWorkflow(workflow: WorkflowJson): WorkflowJson {
	if (workflow.id === WORKFLOW_IDS.off) return bulkWorkflow(benchWorkflow(workflow), benchWorkflow({ ...workflow, id: WORKFLOW_IDS.on }));
	return benchWorkflow(workflow);
}

/** Webhook (answers when the run ends) → Code node making `count` contacts → the chatbot copy's upsert node, mapping them automatically. */
function bulkWorkflow(off: WorkflowJson, on: WorkflowJson): WorkflowJson {
	const upsert = on.nodes.find((node) => node.type === NODE_TYPE && node.parameters.operation === 'upsert')!;
	const code = `const n = $input.first().json.body.count;\nreturn Array.from({ length: n }, (_, i) => ({ json: { email: \`bulk-\${i}@example.com\`, first_name: 'Bulk' + i } }));`;
	const nodes = [
		{ id: randomUUID(), name: 'Sync', type: 'n8n-nodes-base.webhook', typeVersion: 2.1, position: [0, 0], webhookId: randomUUID(), parameters: { httpMethod: 'POST', path: BULK_PATH, responseMode: 'lastNode', options: { responseData: 'noData' } } },
		{ id: randomUUID(), name: 'Contacts', type: 'n8n-nodes-base.code', typeVersion: 2, position: [200, 0], parameters: { jsCode: code } },
		{ ...upsert, id: randomUUID(), name: 'Bulk upsert', position: [400, 0], parameters: { ...upsert.parameters, contactId: '', columns: { mappingMode: 'autoMapInputData', value: {}, matchingColumns: [], schema: [] } } },
	];
	const main = (to: string) => ({ main: [[{ node: to, type: 'main', index: 0 }]] });
	return { ...off, name: 'Chatbot bench (bulk sync)', nodes, connections: { Sync: main('Contacts'), Contacts: main('Bulk upsert') } } as WorkflowJson;
}

/** Runs the bulk sync; resolves with its wall time once n8n answers (at the end of the run). */
async function bulkRun(n8nUrl: string): Promise<number> {
	const started = performance.now();
	const response = await fetch(`${n8nUrl}/webhook/${BULK_PATH}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ count: FAIRNESS.contacts }),
		signal: AbortSignal.timeout(600_000),
	});
	await response.text();
	if (!response.ok) throw new Error(`the bulk sync answered HTTP ${response.status}`);
	return performance.now() - started;
}

export interface FairnessResult {
	idle: Answer[];
	bulkAloneMs: number;
	bulkWithMessagesMs: number;
	/** The messages sent while the bulk run was under way. */
	during: Answer[];
	/** Bulk contacts the sandbox holds after the runs (each run writes all of them). */
	bulkContacts: number;
}

/** The three runs against a stack started with fairnessWorkflow. */
export async function fairnessRuns(n8nUrl: string, hooks: SandboxHooks, cookie: string, note: (line: string) => void): Promise<FairnessResult> {
	await hooks.setFaults({ latencyMs: FAIRNESS.latencyMs });
	await hooks.setConfig({ rateLimitPerMinute: 1000, rateLimitWindowSeconds: 60 });
	// The first message fetches the field and choice lists (kept for 60 s): not part of what is compared.
	await sendMessage(n8nUrl, makeMessages('fair-warm', WEBHOOK_PATHS.on, 1)[0], FAIRNESS.answerTimeoutMs);
	const bulkAloneMs = await bulkRun(n8nUrl);
	note(`bulk sync of ${FAIRNESS.contacts} contacts alone: ${Math.round(bulkAloneMs)} ms`);
	// Messages every 0.5 s for as long as the bulk run took alone, without it and then with it.
	const count = Math.ceil(bulkAloneMs / FAIRNESS.intervalMs);
	const idle = await sendOpenLoop(n8nUrl, makeMessages('fair-idle', WEBHOOK_PATHS.on, count), FAIRNESS.intervalMs, FAIRNESS.answerTimeoutMs);
	note(`${count} messages every ${FAIRNESS.intervalMs} ms, no bulk run: p95 ${Math.round(quantileMs(idle, 0.95))} ms`);
	// Those sent after the bulk run ended are not counted.
	const messages = makeMessages('fair-during', WEBHOOK_PATHS.on, count);
	const runStart = performance.now();
	let bulkEnd = Infinity;
	const bulk = bulkRun(n8nUrl).then((ms) => ((bulkEnd = performance.now()), ms));
	await new Promise((resolve) => setTimeout(resolve, 1000));
	const sentFrom = performance.now();
	const [bulkWithMessagesMs, answers] = await Promise.all([bulk, sendOpenLoop(n8nUrl, messages, FAIRNESS.intervalMs, FAIRNESS.answerTimeoutMs)]);
	const during = answers.filter((_, i) => sentFrom + i * FAIRNESS.intervalMs < bulkEnd);
	note(`bulk sync with messages: ${Math.round(bulkWithMessagesMs)} ms (${Math.round(bulkEnd - runStart)} ms); ${during.length} messages sent during it, p95 ${Math.round(quantileMs(during, 0.95))} ms`);
	await stopRunningExecutions(n8nUrl, cookie);
	const bulkContacts = (await hooks.contacts()).filter((contact) => String(contact.fields['3'] ?? '').startsWith('bulk-')).length;
	return { idle, bulkAloneMs, bulkWithMessagesMs, during, bulkContacts };
}

/** The goals of the fairness case (issue 31), and that every answer was right and every contact written. */
export function fairnessGoals(result: FairnessResult): Verdict[] {
	const idleP95 = quantileMs(result.idle, 0.95);
	const duringP95 = quantileMs(result.during, 0.95);
	const wrong = [...result.idle, ...result.during].map(wrongAnswer).filter((problem) => problem !== undefined);
	const ratio = result.bulkWithMessagesMs / result.bulkAloneMs;
	return [
		{ goal: 'fairness: messages during a bulk sync, p95 ≤ idle p95 + 2 s', met: duringP95 <= idleP95 + 2000, actual: `${Math.round(duringP95)} ms vs idle ${Math.round(idleP95)} ms` },
		{ goal: 'fairness: bulk sync with messages ≤ 1.1× alone', met: ratio <= 1.1, actual: `${ratio.toFixed(2)}× (${Math.round(result.bulkWithMessagesMs)} vs ${Math.round(result.bulkAloneMs)} ms)` },
		{ goal: 'fairness: every answer right, every bulk contact written', met: wrong.length === 0 && result.bulkContacts === FAIRNESS.contacts, actual: wrong[0] ?? `${result.bulkContacts} bulk contacts` },
	];
}
