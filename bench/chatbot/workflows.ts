/**
 * The bench's two copies of the chatbot demo (demo/chatbot-workflow.json): webhook → upsert → add to
 * list → trigger → get with choice labels → respond, each on its own webhook path.
 *
 * - "on": the demo as users get it (the node's defaults: calls shared between concurrent
 *   executions, account metadata cached).
 * - "off": every Emarsys node with `combineCalls: false` and `metadataCacheSeconds: 0`, i.e. the
 *   node as it was before the dispatcher (issue 19).
 *
 * Both use the same WSSE credential: the runs take turns, and the sandbox's rate-limit window is
 * reset before each (see run.ts), so they never share a budget.
 *
 * The bench does not depend on how the demo's webhook is protected (issue 22 adds Header Auth to
 * it): its copies set the webhook's authentication to none, so the bench's messages need no secret.
 *
 * scripts/n8n-stack.ts imports the demo twice, as the WSSE workflow and as its OpenID Connect
 * variant; `benchWorkflow` (its `adaptWorkflow`) turns the first into "on" and the second into "off".
 */
import {
	CREDENTIAL_IDS,
	CREDENTIAL_NAMES,
	DEMO_WORKFLOW_ID,
	NODE_TYPE,
	OIDC_WORKFLOW_ID,
	type WorkflowJson,
} from '../../scripts/n8n-stack';

export type Variant = 'on' | 'off';

export const WEBHOOK_PATHS: Record<Variant, string> = { on: 'chatbot-bench-on', off: 'chatbot-bench-off' };

/** What the "off" copy sets in every Emarsys node's options. */
export const DISPATCHER_OFF = { combineCalls: false, metadataCacheSeconds: 0 } as const;

const WEBHOOK_IDS: Record<Variant, string> = {
	on: '7a61c0de-0b1e-4c61-9d2a-0e1f5b7c9b01',
	off: '7a61c0de-0b1e-4c61-9d2a-0e1f5b7c9b02',
};

/** The bench copy for one of the stack's two demo workflows (by its id). */
export function benchWorkflow(workflow: WorkflowJson): WorkflowJson {
	if (workflow.id === DEMO_WORKFLOW_ID) return variantOf(workflow, 'on');
	if (workflow.id === OIDC_WORKFLOW_ID) return variantOf(workflow, 'off');
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
		// Both copies on the WSSE credential (the stack's second copy comes on OpenID Connect).
		node.parameters.authentication = 'wsse';
		node.credentials = { emarsysApi: { id: CREDENTIAL_IDS.wsse, name: CREDENTIAL_NAMES.wsse } };
		if (variant === 'off') node.parameters.options = { ...(node.parameters.options as object), ...DISPATCHER_OFF };
	}
	return copy;
}
