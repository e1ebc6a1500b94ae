import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startTestSandbox } from '../helpers/sandbox';
import { v2 } from './util';

describe('sandbox state and --data persistence', () => {
	let dir: string;

	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'emarsys-sandbox-'));
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	it('keeps contacts for the life of the process without a data file', async () => {
		const sb = await startTestSandbox();
		try {
			await v2(sb.url, sb.credentials, 'PUT', 'contact/?create_if_not_exists=1', { key_id: 3, '3': 'kept@example.com' });
			const res = await v2(sb.url, sb.credentials, 'POST', 'contact/getdata', { keyId: 3, keyValues: ['kept@example.com'], fields: [3] });
			expect(res.data.data.result).toHaveLength(1);
		} finally {
			await sb.stop();
		}
		const fresh = await startTestSandbox();
		try {
			expect(await fresh.findContacts(3, 'kept@example.com')).toHaveLength(0);
		} finally {
			await fresh.stop();
		}
	});

	it('keeps contacts across restarts with a data file, ids keep counting', async () => {
		const file = join(dir, 'contacts.json');
		const first = await startTestSandbox({ dataFile: file });
		let createdId: number;
		try {
			const res = await v2(first.url, first.credentials, 'PUT', 'contact/?create_if_not_exists=1', {
				key_id: 3,
				'3': 'persist@example.com',
				'1': 'Persisted',
				'10500': [1, 2],
			});
			createdId = res.data.data.id;
			await v2(first.url, first.credentials, 'PUT', 'contact', { key_id: 3, '3': 'ada@example.com', '1': 'Countess' });
		} finally {
			await first.stop();
		}
		const second = await startTestSandbox({ dataFile: file });
		try {
			const res = await v2(second.url, second.credentials, 'POST', 'contact/getdata', {
				keyId: 3,
				keyValues: ['persist@example.com', 'ada@example.com'],
				fields: [1, 10500],
			});
			expect(res.data.data.result).toEqual([
				{ '1': 'Persisted', '10500': '1,2', id: String(createdId), uid: expect.any(String) },
				{ '1': 'Countess', '10500': '1,3', id: '100001', uid: 'aLq3Xc9Tn1' },
			]);
			const next = await v2(second.url, second.credentials, 'PUT', 'contact/?create_if_not_exists=1', { key_id: 3, '3': 'next@example.com' });
			expect(next.data.data.id).toBeGreaterThan(createdId);
		} finally {
			await second.stop();
		}
	});

	it('writes atomically: the file is always complete JSON and no temporary files remain', async () => {
		const file = join(dir, 'contacts.json');
		const sb = await startTestSandbox({ dataFile: file });
		const reads: string[] = [];
		let reading = true;
		const reader = (async () => {
			while (reading) {
				try {
					reads.push(readFileSync(file, 'utf8'));
				} catch (error) {
					if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
				}
				await new Promise((r) => setImmediate(r));
			}
		})();
		try {
			for (let batch = 0; batch < 10; batch++) {
				const contacts = Array.from({ length: 200 }, (_, i) => ({ '3': `atomic${batch}-${i}@example.com`, '1': 'x'.repeat(200) }));
				await v2(sb.url, sb.credentials, 'PUT', 'contact/?create_if_not_exists=1', { key_id: 3, contacts });
				if (batch === 0) {
					// wait (bounded) for the first write, so the reader also runs while later writes replace the file
					for (let i = 0; i < 500 && reads.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
				}
			}
		} finally {
			await sb.stop();
			reading = false;
			await reader;
		}
		expect(reads.length).toBeGreaterThan(0);
		for (const text of reads) expect(() => JSON.parse(text)).not.toThrow();
		const final = JSON.parse(readFileSync(file, 'utf8')) as { contacts: unknown[] };
		expect(final.contacts).toHaveLength(6 + 2000);
		expect(readdirSync(dir)).toEqual(['contacts.json']);
	});

	it('reset also resets the data file', async () => {
		const file = join(dir, 'contacts.json');
		const sb = await startTestSandbox({ dataFile: file });
		try {
			await v2(sb.url, sb.credentials, 'PUT', 'contact/?create_if_not_exists=1', { key_id: 3, '3': 'gone@example.com' });
			await sb.resetSandbox();
		} finally {
			await sb.stop();
		}
		const saved = JSON.parse(readFileSync(file, 'utf8')) as { contacts: Array<{ fields: Record<string, unknown> }> };
		expect(saved.contacts.some((c) => c.fields['3'] === 'gone@example.com')).toBe(false);
		expect(saved.contacts).toHaveLength(6);
	});

	it('refuses to start on a data file that is not a sandbox contact file', async () => {
		const file = join(dir, 'broken.json');
		writeFileSync(file, '{"half": ');
		await expect(startTestSandbox({ dataFile: file })).rejects.toThrow(/not valid JSON/);
		writeFileSync(file, '{"something": "else"}');
		await expect(startTestSandbox({ dataFile: file })).rejects.toThrow(/not an Emarsys sandbox contact file/);
	});
});
