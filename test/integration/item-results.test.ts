/**
 * What each input item gets back (helpers/results.ts, and the batch engine's last steps), and the
 * byte limit of a call shared by executions: found by mutation testing (engine group) after
 * batching.test.ts and batching-engine.test.ts.
 */
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

describe('items refused before any call (Continue On Fail)', () => {
	it('every item refused: one error item each, no call, and the run ends', async () => {
		const { items, error } = await run(
			env,
			'wsse',
			{ resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: '={{ $json.email }}', eventData: '={{ $json.data }}' },
			[{ email: 'ada@example.com', data: '[1]' }, { email: '', data: '{}' }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(items[0].json.error).toMatch(/Parameter "eventData".*\[item 0\]/);
		expect(items[1].json.error).toMatch(/Parameter "contactId": is empty.*\[item 1\]/);
		expect(await apiCalls(env.sandbox)).toEqual([]);
	});

	it('a refused item is not fetched for afterwards: only the good item\'s field list is asked for', async () => {
		const { items, error } = await run(
			env,
			'wsse',
			{ resource: 'field', operation: 'getAll', options: { language: '={{ $json.language }}' } },
			[{ language: 'de' }, { language: 'not a language' }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		const ofItem = (i: number) => items.filter((item) => (item.pairedItem as { item: number }).item === i);
		expect(ofItem(0).length).toBeGreaterThan(40);
		expect(ofItem(1)).toHaveLength(1);
		expect(ofItem(1)[0].json.error).toMatch(/Parameter "options.language": "not a language" is not a language code.*\[item 1\]/);
		expect((await apiCalls(env.sandbox)).map((call) => call.endpoint)).toEqual(['field/translate/de']);
	});
});

describe('an item whose call fails (Continue On Fail)', () => {
	it('gets its error; the other items get their output', async () => {
		const { items, error } = await run(
			env,
			'wsse',
			{ resource: 'field', operation: 'getSingleChoices', fieldId: '={{ $json.field }}' },
			[{ field: '5' }, { field: '424242' }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items.filter((item) => (item.pairedItem as { item: number }).item === 0).map((item) => item.json.choice)).toEqual(['Male', 'Female']);
		const failed = items.filter((item) => (item.pairedItem as { item: number }).item === 1);
		expect(failed).toHaveLength(1);
		expect(failed[0].json.error).toEqual(expect.any(String));
		expect(failed[0].error).toBeDefined();
	});
});

describe('an item that failed stays failed with its first error', () => {
	it('a field list Emarsys refuses (403): the item gets that error, not a later check\'s', async () => {
		// Key "first_name" is a string ID: the field list is fetched first to find its column.
		await env.sandbox.setFaults({ errorRate: { status: 403, rate: 1 } });
		const { items, error } = await run(
			env,
			'wsse',
			{ resource: 'segment', operation: 'containsContact', segmentId: { __rl: true, mode: 'id', value: '900001' }, keyId: 'first_name', contactId: 'Ada', options: { metadataCacheSeconds: 0 } },
			[{}],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(items[0].json.error).toMatch(/403/);
		expect(items[0].json.error).not.toMatch(/no field with string ID/);
		expect((await apiCalls(env.sandbox)).map((call) => call.endpoint)).toEqual(['field/translate/en']);
	});
});

describe('items naming the same contact', () => {
	it('each of three gets its own copy of the row: changing one changes no other', async () => {
		const { items, error } = await run(
			env,
			'wsse',
			// The key field among the fields asked for: the rows go out as Emarsys sent them, not renamed.
			{ resource: 'contact', operation: 'get', keyId: '3', contactId: '={{ $json.email }}', fields: ['1', '3'] },
			[{ email: 'ada@example.com' }, { email: 'ADA@example.com' }, { email: 'ada@example.com' }],
		);
		expect(error).toBeUndefined();
		expect(items).toHaveLength(3);
		expect(items[1].json).toEqual(items[0].json);
		expect(items[2].json).toEqual(items[0].json);
		items[1].json['1'] = 'Changed by a later node';
		expect(items[0].json['1']).toBe('Ada');
		expect(items[2].json['1']).toBe('Ada');
		expect((await apiCalls(env.sandbox)).filter((call) => call.endpoint === 'contact/getdata')).toHaveLength(1);
	});
});

describe('a call shared by executions stays within the byte limit of a trigger call (1 MB)', () => {
	const trigger = (email: string, data: string) => ({
		nodeType: 'emarsys',
		parameters: { authentication: 'wsse', resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: '={{ $json.email }}', eventData: '={{ $json.data }}' },
		inputItems: [{ email, data }],
		continueOnFail: true,
	});
	/** Ten contacts with about 99 kB of event data each (some 991 kB in all): one call of their own. */
	const big = Array.from({ length: 10 }, (_, i) => ({ email: `big${i}@example.com`, data: JSON.stringify({ global: { p: 'x'.repeat(99_000) } }) }));

	/** A first call under way, then the ten-contact execution and one with `extra` event data at once: the contacts of each call. */
	async function sharedCalls(extra: string): Promise<string[][]> {
		await storeCredentials(env, 'wsse');
		// The first call must be under way before the other two executions start, and still be when
		// they reach the dispatcher: margins of several times what each takes on a busy machine.
		await env.sandbox.setFaults({ latencyMs: 1500 });
		const first = env.harness.runNode(trigger('first@example.com', '{}'));
		await new Promise((resolve) => setTimeout(resolve, 500));
		const runs = await Promise.all([
			env.harness.runNode({ ...trigger('', ''), inputItems: big }),
			env.harness.runNode(trigger('small@example.com', JSON.stringify({ global: { p: extra } }))),
			first,
		]);
		runs.forEach((result) => expect(result.error).toBeUndefined());
		return (await apiCalls(env.sandbox)).map((call) => (call.body as { contacts: Array<{ external_id: string }> }).contacts.map((contact) => contact.external_id));
	}

	it('a small contact rides along with the ten', async () => {
		const calls = await sharedCalls('');
		expect(calls).toHaveLength(2);
		expect(calls[1].sort()).toEqual([...big.map((row) => row.email), 'small@example.com'].sort());
	}, 30000);

	it('one with 9 kB of event data, which would take the call a few hundred bytes past 1 MB less room for the envelope, goes in its own call', async () => {
		const calls = await sharedCalls('y'.repeat(9_000));
		expect(calls.map((contacts) => contacts.length).sort((a, b) => a - b)).toEqual([1, 1, 10]);
	}, 30000);
});
