/**
 * The batch engine's rules that batching.test.ts leaves open (found by mutation testing, engine
 * group): a failed call or a bad item stops the calls not started yet, Concurrent Requests is a
 * limit, an item too large for any call fails before a write sends anything, a call shared by
 * executions hands each its own answers, and the errors of failed items keep their hints.
 */
import type { INodeParameters } from 'n8n-workflow';

import { apiCalls, run, startEnv, storeCredentials, type Env } from './setup';

let env: Env;
beforeAll(async () => {
	env = await startEnv();
});
afterAll(async () => {
	await env.sandbox.stop();
});
beforeEach(async () => {
	await env.sandbox.reset();
});

const manualColumns = (value: Record<string, string>) => ({
	mappingMode: 'defineBelow',
	value,
	matchingColumns: [],
	schema: [],
	attemptToConvertTypes: false,
	convertFieldsToString: false,
});

const getParameters = (options: INodeParameters = {}): INodeParameters => ({
	resource: 'contact',
	operation: 'get',
	keyId: '3',
	contactId: '={{ $json.email }}',
	fields: ['1'],
	options,
});

/** The keys asked for by each getdata call, in the order the calls reached Emarsys. */
async function getdataKeys(): Promise<string[][]> {
	return (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata').map((c) => (c.body as { keyValues: string[] }).keyValues);
}

describe('a failed call stops a read at once', () => {
	it('an unknown contact in the first call: the read stops before it reaches a bad item thousands of items later', async () => {
		// Call 1 (Ada and 999 unknown contacts) is answered while later items are read; item 9000 has no key.
		const input = [{ email: 'ada@example.com' }, ...Array.from({ length: 9000 }, (_, i) => ({ email: i === 8999 ? '' : `unknown${i}@example.com` }))];
		const { items, error } = await run(env, 'wsse', getParameters(), input);
		expect(items).toEqual([]);
		expect(error?.message).toMatch(/No contact found.*unknown0@example.com/);
		expect((error as { context?: { itemIndex?: number } }).context?.itemIndex).toBe(1);
	}, 60000);
});

describe('one call at a time (Concurrent Requests 1): a run that fails starts no further call', () => {
	it('an unknown contact in the first call stops the read: the two calls after it never go', async () => {
		// Call 1: Ada and 999 unknown contacts; calls 2 and 3: 2,000 more.
		const input = [{ email: 'ada@example.com' }, ...Array.from({ length: 2999 }, (_, i) => ({ email: `unknown${i}@example.com` }))];
		await env.sandbox.setFaults({ latencyMs: 500 });
		const { items, error } = await run(env, 'wsse', getParameters({ concurrentRequests: 1 }), input);
		expect(items).toEqual([]);
		expect(error?.message).toMatch(/No contact found.*unknown0@example.com/);
		expect((error as { context?: { itemIndex?: number } }).context?.itemIndex).toBe(1);
		expect(await getdataKeys()).toEqual([input.slice(0, 1000).map((row) => row.email)]);
	}, 60000);

	it('a bad item read while the first call is under way: the call waiting for its turn never goes', async () => {
		const known = Array.from({ length: 1000 }, (_, i) => `known${i}@example.com`);
		const seeded = await run(env, 'wsse', { resource: 'contact', operation: 'upsert', keyId: '3', columns: manualColumns({ '3': '={{ $json.email }}' }) }, known.map((email) => ({ email })));
		expect(seeded.error).toBeUndefined();
		await env.sandbox.clearLog();
		// Call 1 (the 1000 known contacts) takes 3 s (reading the next 1,500 items takes some 0.2 s
		// here: room for a machine many times slower); call 2 is full at item 2000 and waits; item 2500 has no key.
		const input = [...known, ...Array.from({ length: 2000 }, (_, i) => `later${i}@example.com`)].map((email) => ({ email }));
		input[2500] = { email: '' };
		await env.sandbox.setFaults({ latencyMs: 3000 });
		const { items, error } = await run(env, 'wsse', getParameters({ concurrentRequests: 1 }), input);
		expect(items).toEqual([]);
		expect(error?.message).toMatch(/Parameter "contactId": is empty.*\[item 2500\]/);
		expect(await getdataKeys()).toEqual([known]);
	}, 60000);
});

describe('an item too large for any call', () => {
	// Emarsys takes at most 8 MB in one contact update; this item alone is 8 MB less some 500 bytes,
	// more than fits beside the rest of a call's body.
	const huge = 'x'.repeat(8_000_000 - 600);
	const input = Array.from({ length: 2600 }, (_, i) => ({ email: `big${i}@example.com`, first: i === 2500 ? huge : `Big ${i}` }));
	const upsert: INodeParameters = { resource: 'contact', operation: 'upsert', keyId: '3', columns: manualColumns({ '3': '={{ $json.email }}', '1': '={{ $json.first }}' }) };

	it('fails with its size and item index before a write sends anything, though two full calls came before it', async () => {
		const { items, error } = await run(env, 'wsse', upsert, input);
		expect(items).toEqual([]);
		expect(error?.message).toMatch(/Parameter "columns": the data of this item is \d+ bytes; Emarsys accepts at most 8 MB per call \[item 2500\]/);
		// A call sent without being awaited would still show up a little later.
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(await apiCalls(env.sandbox)).toEqual([]);
	}, 120000);

	it('with Continue On Fail it becomes an error item and every other contact is written', async () => {
		const { items, error } = await run(env, 'wsse', upsert, input, { continueOnFail: true });
		expect(error).toBeUndefined();
		expect(items.map((item) => (item.pairedItem as { item: number }).item)).toEqual(input.map((_, i) => i));
		expect(items[2500].json.error).toMatch(/the data of this item is \d+ bytes.*\[item 2500\]/);
		expect(items.filter((item) => item.json.error)).toHaveLength(1);
		const written = (await apiCalls(env.sandbox)).filter((c) => c.method === 'PUT').flatMap((c) => (c.body as { contacts: Array<Record<string, string>> }).contacts.map((contact) => contact['3']));
		expect(written).toEqual(input.filter((_, i) => i !== 2500).map((row) => row.email));
	}, 120000);
});

describe('calls shared by concurrent executions', () => {
	it('each execution gets the answer for its own contact, and a call carries one event only', async () => {
		await storeCredentials(env, 'wsse');
		await env.sandbox.setFaults({ latencyMs: 300 });
		const messages = ['1001', '1002'].flatMap((eventId) => ['ada@example.com', 'alan@example.com', 'grace@example.com'].map((email) => ({ eventId, email })));
		const runs = await Promise.all(
			messages.map(
				async ({ eventId, email }) =>
					await env.harness.runNode({
						nodeType: 'emarsys',
						parameters: { authentication: 'wsse', resource: 'event', operation: 'trigger', eventId, keyId: '3', contactId: '={{ $json.email }}', eventData: '{}' },
						inputItems: [{ email }],
						continueOnFail: true,
					}),
			),
		);
		runs.forEach((result, i) => {
			expect(result.error).toBeUndefined();
			expect(result.items).toHaveLength(1);
			expect(result.items[0].json).toMatchObject({ success: true, eventId: messages[i].eventId, contactId: messages[i].email });
		});
		const calls = (await apiCalls(env.sandbox)).map((c) => ({ endpoint: c.endpoint, contacts: (c.body as { contacts: Array<{ external_id: string }> }).contacts.map((x) => x.external_id) }));
		// Some call carried the contacts of several executions; every contact went once, with its own event.
		expect(calls.some((call) => call.contacts.length > 1)).toBe(true);
		const sent = calls.flatMap((call) => call.contacts.map((email) => `${call.endpoint} ${email}`)).sort();
		expect(sent).toEqual(messages.map(({ eventId, email }) => `event/${eventId}/trigger ${email}`).sort());
	}, 60000);
});

describe('the error of a failed item (Continue On Fail)', () => {
	it('a bad input keeps its hint', async () => {
		const { items, error } = await run(
			env,
			'wsse',
			{ resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: '={{ $json.email }}', eventData: '={{ $json.data }}' },
			[{ email: 'ada@example.com', data: '{}' }, { email: 'alan@example.com', data: '{"a": ' }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items[0].json.success).toBe(true);
		expect(items[1].json.error).toMatch(/Parameter "eventData": is not valid JSON.*\[item 1\]/);
		expect(items[1].error?.description).toMatch(/Give a JSON object/);
	});

	it("n8n's own check of a value: what is wrong is in the message, and not repeated below it", async () => {
		const { items, error } = await run(
			env,
			'wsse',
			{
				resource: 'contact',
				operation: 'upsert',
				keyId: '3',
				columns: {
					...manualColumns({ '3': '={{ $json.email }}', '26': '={{ $json.format }}' }),
					schema: [
						{ id: '3', displayName: 'E-Mail', required: false, defaultMatch: false, display: true, type: 'string', canBeUsedToMatch: true },
						{ id: '26', displayName: 'Preferred e-mail format', required: false, defaultMatch: false, display: true, type: 'options', options: [{ name: 'HTML', value: '1' }, { name: 'Text only', value: '2' }] },
					],
				},
			},
			[{ email: 'ada@example.com', format: '1' }, { email: 'alan@example.com', format: '9' }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items[0].json.error).toBeUndefined();
		expect(items[1].json.error).toMatch(/Invalid input for '26' \[item 1\]: '26' expects one of the following values: \[1, 2\] but we got '9'/);
		expect(items[1].error?.description ?? '').not.toMatch(/expects one of the following values/);
	});
});
