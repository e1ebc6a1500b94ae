/**
 * Executions still running after a run's last answer came or timed out (with the dispatcher off,
 * the node waits out 429s for up to two minutes per call) would keep calling during the next run:
 * the bench stops them through n8n's REST API (what the editor's "Stop" does for a selection of
 * executions: POST /rest/executions/stopMany) and waits until none runs. A stopped execution may
 * still send the call it was waiting to send (the node notices the stop when that call returns);
 * it goes out with its own copy's API user (workflows.ts).
 */
import { sleep } from '../../scripts/n8n-stack';

const UNFINISHED = ['new', 'running', 'waiting', 'unknown'];

async function rest<T>(n8nUrl: string, cookie: string, method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<T> {
	const response = await fetch(`${n8nUrl}/rest/${path}`, {
		method,
		headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: AbortSignal.timeout(timeoutMs),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`n8n REST ${method} /rest/${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
	return (JSON.parse(text) as { data: T }).data;
}

async function unfinishedCount(n8nUrl: string, cookie: string): Promise<number> {
	const filter = encodeURIComponent(JSON.stringify({ status: UNFINISHED }));
	const page = await rest<{ results: unknown[] }>(n8nUrl, cookie, 'GET', `executions?filter=${filter}&limit=100`);
	return page.results.length;
}

/**
 * Stops every unfinished execution; returns how many n8n stopped. n8n stops them one by one, each
 * with a few database queries: hundreds take minutes on a busy machine. Throws when some are still
 * unfinished after `timeoutMs`.
 */
export async function stopRunningExecutions(n8nUrl: string, cookie: string, timeoutMs = 300_000): Promise<number> {
	const deadline = Date.now() + timeoutMs;
	let stopped = 0;
	for (;;) {
		if ((await unfinishedCount(n8nUrl, cookie)) === 0) return stopped;
		const left = deadline - Date.now();
		if (left <= 0) throw new Error(`n8n executions still unfinished ${timeoutMs / 1000} s after the bench began stopping them`);
		const filter = { workflowId: 'all', status: UNFINISHED };
		stopped += (await rest<{ stopped: number }>(n8nUrl, cookie, 'POST', 'executions/stopMany', { filter }, left)).stopped;
		await sleep(500);
	}
}

/** The nodes of a workflow as n8n stored it. */
export async function storedWorkflowNodes(n8nUrl: string, cookie: string, workflowId: string): Promise<Array<{ type: string; parameters: Record<string, unknown> }>> {
	return (await rest<{ nodes: Array<{ type: string; parameters: Record<string, unknown> }> }>(n8nUrl, cookie, 'GET', `workflows/${workflowId}`)).nodes;
}
