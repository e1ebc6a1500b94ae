/**
 * Bench-side launcher: runs the Emarsys sandbox in its own process, so that its CPU time and
 * memory stay out of the figures measured for the node. Prints one JSON line `{"url": ...}` on
 * stdout once listening; stops on SIGTERM / SIGINT / when stdin closes (the parent went away).
 *
 *   node --import tsx bench/sandbox-child.ts
 */
import { startSandbox } from '../sandbox';

async function main(): Promise<void> {
	const sandbox = await startSandbox({ port: 0, quiet: true });
	process.stdout.write(`${JSON.stringify({ url: sandbox.url, pid: process.pid })}\n`);
	let stopping = false;
	const stop = async () => {
		if (stopping) return;
		stopping = true;
		await sandbox.stop();
		process.exit(0);
	};
	process.on('SIGTERM', () => void stop());
	process.on('SIGINT', () => void stop());
	process.stdin.on('end', () => void stop());
	process.stdin.resume();
}

main().catch((error) => {
	process.stderr.write(`sandbox child failed: ${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(1);
});
