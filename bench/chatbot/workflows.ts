/**
 * The bench's two copies of the chatbot demo (demo/chatbot-workflow.json): webhook → upsert → add to
 * list → trigger → get with choice labels → respond, each on its own webhook path.
 *
 * - "on": the demo as users get it (the node's defaults: calls shared between concurrent
 *   executions, account metadata cached).
 * - "off": every Emarsys node with `combineCalls: false` and `metadataCacheSeconds: 0`, i.e. the
 *   node as it was before the dispatcher (issue 19).
 *
 * Each copy has its own WSSE credential and sandbox API user, so that the two never share a
 * rate-limit budget: an execution stopped at the end of a run may still send one call (the node
 * finds out it was stopped only when that call returns), and it counts for its own copy's user.
 * The runs take turns, and each starts a fresh rate-limit window (scenarios.ts).
 *
 * The bench does not depend on how the demo's webhook is protected (issue 22 adds Header Auth to
 * it): its copies set the webhook's authentication to none, so the bench's messages need no secret.
 *
 * scripts/n8n-stack.ts imports the demo twice, as the WSSE workflow and as its OpenID Connect
 * variant; `benchWorkflow` (its `adaptWorkflow`) turns the first into "on" and the second into "off".
 */
import { randomBytes } from 'node:crypto';

import { DEMO_WORKFLOW_ID, NODE_TYPE, OIDC_WORKFLOW_ID, type EmarsysTarget, type WorkflowJson } from '../../scripts/n8n-stack';
import type { SandboxHooks } from '../lib/sandbox';

export type Variant = 'on' | 'off';

export const WEBHOOK_PATHS: Record<Variant, string> = { on: 'chatbot-bench-on', off: 'chatbot-bench-off' };

/** What the "off" copy sets in every Emarsys node's options. */
export const DISPATCHER_OFF = { combineCalls: false, metadataCacheSeconds: 0 } as const;

/** The sandbox API user (WSSE) and n8n credential of each copy; the secrets are new on every bench run. */
export const API_USERS: Record<Variant, { name: string; secret: string; credentialId: string; credentialName: string }> = {
	on: { name: 'chatbot_bench_on', secret: randomBytes(12).toString('hex'), credentialId: 'chatbotBenchOn1', credentialName: 'Chatbot bench, dispatcher on (WSSE)' },
	off: { name: 'chatbot_bench_off', secret: randomBytes(12).toString('hex'), credentialId: 'chatbotBenchOff1', credentialName: 'Chatbot bench, dispatcher off (WSSE)' },
};

/** The two credentials, for the stack's `extraCredentials` (imported into n8n before it starts). */
export function benchCredentials(target: EmarsysTarget): object[] {
	return (Object.values(API_USERS) as Array<(typeof API_USERS)[Variant]>).map((user) => ({
		id: user.credentialId,
		name: user.credentialName,
		type: 'emarsysApi',
		data: { username: user.name, secret: user.secret, baseUrl: target.wsse!.baseUrl },
	}));
}

/** Adds the two API users to the sandbox (holding what the chatbot flow needs). */
export async function addBenchUsers(hooks: SandboxHooks): Promise<void> {
	for (const user of Object.values(API_USERS)) {
		await hooks.addUser({ scheme: 'wsse', name: user.name, secret: user.secret, permissions: ['contacts', 'contactLists', 'events', 'fields'] });
	}
}

const WEBHOOK_IDS: Record<Variant, string> = {
	on: '7a61c0de-0b1e-4c61-9d2a-0e1f5b7c9b01',
	off: '7a61c0de-0b1e-4c61-9d2a-0e1f5b7c9b02',
};

/** The id n8n stores each copy under (the stack's ids of the demo and its second copy). */
export const WORKFLOW_IDS: Record<Variant, string> = { on: DEMO_WORKFLOW_ID, off: OIDC_WORKFLOW_ID };

/** Why the stored copy is not what the bench meant to compare, or undefined (n8n could drop options it does not know). */
export function wrongCopy(variant: Variant, nodes: Array<{ type: string; parameters: Record<string, unknown> }>): string | undefined {
	const emarsysNodes = nodes.filter((node) => node.type === NODE_TYPE);
	if (emarsysNodes.length !== 4) return `the ${variant} copy has ${emarsysNodes.length} Emarsys nodes, not 4`;
	for (const node of emarsysNodes) {
		const options = (node.parameters.options ?? {}) as Record<string, unknown>;
		const setOff = Object.entries(DISPATCHER_OFF).every(([key, value]) => options[key] === value);
		const setAny = Object.keys(DISPATCHER_OFF).some((key) => key in options);
		if (variant === 'off' ? !setOff : setAny) return `the ${variant} copy's options are ${JSON.stringify(options)}`;
	}
	return undefined;
}

/** The bench copy for one of the stack's two demo workflows (by its id). */
export function benchWorkflow(workflow: WorkflowJson): WorkflowJson {
	if (workflow.id === WORKFLOW_IDS.on) return variantOf(workflow, 'on');
	if (workflow.id === WORKFLOW_IDS.off) return variantOf(workflow, 'off');
	throw new Error(`bench: unexpected workflow ${workflow.id} from the stack`);
}

function variantOf(workflow: WorkflowJson, variant: Variant): WorkflowJson {
	const copy = JSON.parse(JSON.stringify(workflow)) as WorkflowJson;
	copy.name = `Chatbot bench (dispatcher ${variant})`;
	for (const node of copy.nodes) {
		if (node.type === 'n8n-nodes-base.webhook') {
			node.parameters.path = WEBHOOK_PATHS[variant];
			node.parameters.authentication = 'none';
			delete node.credentials;
			node.webhookId = WEBHOOK_IDS[variant];
		}
		if (node.type !== NODE_TYPE) continue;
		// Each copy on its own WSSE credential (the stack's second copy comes on OpenID Connect).
		node.parameters.authentication = 'wsse';
		node.credentials = { emarsysApi: { id: API_USERS[variant].credentialId, name: API_USERS[variant].credentialName } };
		if (variant === 'off') node.parameters.options = { ...(node.parameters.options as object), ...DISPATCHER_OFF };
	}
	return copy;
}
