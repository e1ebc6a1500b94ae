/**
 * Executions still running after a run's last answer came or timed out (the node waiting out a
 * 429 for minutes, with the dispatcher off) would make calls during the next run: the bench stops
 * them through n8n's REST API, as the editor's "Stop" button does, and waits until none runs.
 */
import { sleep } from '../../scripts/n8n-stack';

interface ExecutionSummary {
	id: string;
	status: string;
}

async function rest<T>(n8nUrl: string, cookie: string, method: string, path: string): Promise<T> {
	const response = await fetch(`${n8nUrl}/rest/${path}`, { method, headers: { cookie }, signal: AbortSignal.timeout(30_000) });
	const text = await response.text();
	if (!response.ok) throw new Error(`n8n REST ${method} /rest/${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
	return (JSON.parse(text) as { data: T }).data;
}

async function runningExecutions(n8nUrl: string, cookie: string): Promise<ExecutionSummary[]> {
	const filter = encodeURIComponent(JSON.stringify({ status: ['running', 'new'] }));
	const page = await rest<{ results: ExecutionSummary[] }>(n8nUrl, cookie, 'GET', `executions?filter=${filter}&limit=1000`);
	return page.results.filter((execution) => execution.status === 'running' || execution.status === 'new');
}

/** Stops every running execution; returns how many were stopped. Throws when some still run after `timeoutMs`. */
export async function stopRunningExecutions(n8nUrl: string, cookie: string, timeoutMs = 60_000): Promise<number> {
	const deadline = Date.now() + timeoutMs;
	const stopped = new Set<string>();
	for (;;) {
		const running = await runningExecutions(n8nUrl, cookie);
		if (running.length === 0) return stopped.size;
		if (Date.now() > deadline) throw new Error(`${running.length} n8n executions still run ${timeoutMs / 1000} s after being stopped`);
		for (const { id } of running.filter((execution) => !stopped.has(execution.id))) {
			await rest(n8nUrl, cookie, 'POST', `executions/${id}/stop`).catch(() => undefined); // it may have just finished
			stopped.add(id);
		}
		await sleep(500);
	}
}
