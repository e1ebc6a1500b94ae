/**
 * When n8n cannot come up, starting fails with a clear message within the bound instead of
 * hanging, and leaves no process behind.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { StackError, freePort, startStack } from '../../scripts/n8n-stack';
import { portOpen, processesMentioning } from './stack';

const folders: string[] = [];
function tempUserFolder(): string {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'emarsys-e2e-fail-'));
	folders.push(folder);
	return folder;
}

afterAll(() => {
	for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
});

test('n8n not up within the bound: a StackError naming the bound and the step, n8n and sandbox stopped', async () => {
	const userFolder = tempUserFolder();
	const n8nPort = await freePort();
	const sandboxPort = await freePort();
	const attempt = startStack({
		n8nPort,
		brokerPort: await freePort(),
		sandboxPort,
		userFolder,
		// n8n needs seconds to boot: a 1 ms bound is always missed.
		startupTimeoutMs: 1,
	});
	await expect(attempt).rejects.toThrow(StackError);
	await expect(attempt).rejects.toThrow(/n8n did not come up within 0 s \(still waiting for \/healthz\)/);
	// The message points at n8n's log for the reason.
	await expect(attempt).rejects.toThrow(new RegExp(`Last lines of its log \\(${path.join(userFolder, 'n8n.log')}\\)`));
	expect(processesMentioning(userFolder)).toEqual([]);
	expect(await portOpen(n8nPort)).toBe(false);
	expect(await portOpen(sandboxPort)).toBe(false);
});

test('n8n port already taken: a clear message before anything is started', async () => {
	const blocker = net.createServer();
	await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
	const busyPort = (blocker.address() as net.AddressInfo).port;
	const userFolder = tempUserFolder();
	try {
		await expect(
			startStack({ n8nPort: busyPort, brokerPort: await freePort(), sandboxPort: 0, userFolder, startupTimeoutMs: 60_000 }),
		).rejects.toThrow(`Port ${busyPort} (n8n) is already in use`);
		expect(processesMentioning(userFolder)).toEqual([]);
	} finally {
		await new Promise((resolve) => blocker.close(resolve));
	}
});
