/** Batching, partial batch errors, continueOnFail and input validation (zero calls for bad input). */
import type { INodeParameters, NodeApiError } from 'n8n-workflow';

import { apiCalls, jsonOf, run, startEnv, type Env } from './setup';

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

describe('batching', () => {
	it('sends 2,500 upserts as 3 calls of 1000/1000/500 contacts, in input order', async () => {
		const input = Array.from({ length: 2500 }, (_, i) => ({ email: `bulk${i}@example.com`, first: `Bulk ${i}` }));
		const { items, error } = await run(
			env,
			'wsse',
			{ resource: 'contact', operation: 'upsert', keyId: '3', columns: manualColumns({ '3': '={{ $json.email }}', '1': '={{ $json.first }}' }) },
			input,
		);
		expect(error).toBeUndefined();
		const puts = (await apiCalls(env.sandbox)).filter((c) => c.method === 'PUT');
		expect(puts).toHaveLength(3);
		const sent = puts.map((c) => (c.body as { contacts: Array<Record<string, string>> }).contacts);
		expect(sent.map((contacts) => contacts.length)).toEqual([1000, 1000, 500]);
		expect(sent.flat().map((contact) => contact['3'])).toEqual(input.map((row) => row.email));
		// One output item per input item, paired, in order, each with the ID Emarsys gave.
		expect(items).toHaveLength(2500);
		expect(items.map((item) => (item.pairedItem as { item: number }).item)).toEqual(input.map((_, i) => i));
		const stored = await env.sandbox.getContacts();
		const idOf = new Map(stored.map((contact) => [contact.fields['3'], String(contact.id)]));
		expect(items.map((item) => item.json.id)).toEqual(input.map((row) => idOf.get(row.email)));
	}, 120000);

	it('reads 1,200 items with one getdata call, sending each distinct key once', async () => {
		const input = Array.from({ length: 1200 }, (_, i) => ({ email: i % 2 === 0 ? 'ada@example.com' : `nobody${i}@example.com` }));
		input[1] = { email: 'alan@example.com' };
		const { items, error } = await run(
			env,
			'oAuth2',
			{ resource: 'contact', operation: 'get', keyId: '3', contactId: '={{ $json.email }}', fields: ['1'] },
			input,
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata');
		const keys = calls.map((c) => (c.body as { keyValues: string[] }).keyValues);
		// 601 distinct keys (ada, alan and 599 unknown ones) fit in one call.
		expect(keys.flat()).toHaveLength(new Set(input.map((row) => row.email)).size);
		expect(calls).toHaveLength(1);
		expect(items).toHaveLength(1200);
		expect(items[0].json).toMatchObject({ '1': 'Ada' });
		expect(items[1].json).toMatchObject({ '1': 'Alan' });
		expect(items[600].json).toMatchObject({ '1': 'Ada' });
		expect(items[3].json.error).toMatch(/No contact found/);
	});

	it('splits getdata calls at 1000 distinct keys', async () => {
		const input = Array.from({ length: 1001 }, (_, i) => ({ email: `k${i}@example.com` }));
		input[1000] = { email: 'grace@example.com' };
		const { items, error } = await run(
			env,
			'wsse',
			{ resource: 'contact', operation: 'get', keyId: '3', contactId: '={{ $json.email }}', fields: ['1'] },
			input,
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata');
		expect(calls.map((c) => (c.body as { keyValues: string[] }).keyValues.length)).toEqual([1000, 1]);
		expect(items[1000].json).toMatchObject({ '1': 'Grace' });
		expect(items.filter((item) => item.json.error)).toHaveLength(1000);
	});

	it('triggers events in batches per event, keeping each contact once per call', async () => {
		const input = [
			{ email: 'ada@example.com', event: '1001' },
			{ email: 'alan@example.com', event: '1002' },
			{ email: 'ada@example.com', event: '1001' },
			{ email: 'grace@example.com', event: '1001' },
		];
		const { items, error } = await run(env, 'wsse', {
			resource: 'event', operation: 'trigger', eventId: '={{ $json.event }}', keyId: '3', contactId: '={{ $json.email }}', eventData: '{}',
		}, input);
		expect(error).toBeUndefined();
		expect(items).toHaveLength(4);
		const calls = await apiCalls(env.sandbox);
		const bodies = (event: string) =>
			calls.filter((c) => c.endpoint === `event/${event}/trigger`).map((c) => (c.body as { contacts: Array<{ external_id: string }> }).contacts.map((x) => x.external_id));
		// Per event in input order (the two events' calls may run side by side).
		expect(bodies('1001')).toEqual([['ada@example.com'], ['ada@example.com', 'grace@example.com']]);
		expect(bodies('1002')).toEqual([['alan@example.com']]);
		expect(calls).toHaveLength(3);
		expect((await env.sandbox.getTriggers()).filter((t) => !t.duplicate)).toHaveLength(4);
	});
});

describe('partial batch errors and continueOnFail', () => {
	it('a per-contact error fails only that item; the others succeed', async () => {
		const { items, error } = await run(
			env,
			'wsse',
			{ resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: '={{ $json.email }}', eventData: '{}' },
			[{ email: 'ada@example.com' }, { email: 'ghost@example.com' }, { email: 'shared@example.com' }, { email: 'alan@example.com' }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(items[0].json.success).toBe(true);
		expect(items[1].json.error).toMatch(/No contact found.*ghost@example.com.*replyCode 2008/);
		expect(items[2].json.error).toMatch(/More contacts found.*replyCode 2010/);
		expect(items[3].json.success).toBe(true);
		expect((await apiCalls(env.sandbox))).toHaveLength(1);
		expect((await env.sandbox.getTriggers()).map((t) => t.contactId)).toEqual([100001, 100002]);
	});

	it('without continueOnFail the node fails with the item, the Emarsys reply and a hint', async () => {
		const { error } = await run(
			env,
			'wsse',
			{ resource: 'contact', operation: 'get', keyId: '3', contactId: '={{ $json.email }}', fields: ['1'] },
			[{ email: 'ada@example.com' }, { email: 'ghost@example.com' }],
		);
		expect(error).toBeDefined();
		expect(error?.message).toMatch(/No contact found.*replyCode 2008/);
		expect(error?.description).toMatch(/Check the Contact ID and the Key Field/);
		expect((error as NodeApiError).context.itemIndex).toBe(1);
	});

	it('a failed call gives one error item per input item of that call; nothing is dropped', async () => {
		const { items, error } = await run(
			env,
			'wsse',
			{ resource: 'event', operation: 'trigger', eventId: '={{ $json.event }}', keyId: '3', contactId: '={{ $json.email }}', eventData: '{}' },
			[{ email: 'ada@example.com', event: '9999' }, { email: 'alan@example.com', event: '1001' }, { email: 'grace@example.com', event: '9999' }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items).toHaveLength(3);
		expect(items[0].json.error).toMatch(/replyCode 5001, HTTP 400/);
		expect(items[1].json.success).toBe(true);
		expect(items[2].json.error).toMatch(/replyCode 5001/);
		expect(items[0].error?.description).toMatch(/External Events/);
	});
});

describe('bad input is rejected before any call', () => {
	const cases: Array<[string, INodeParameters, RegExp]> = [
		['a non-numeric field ID', { resource: 'contact', operation: 'get', keyId: '3', contactId: 'ada@example.com', fields: ['1', 'first name'] }, /Parameter "fields": "first name" is not a field ID.*\[item 0\]/],
		['an empty contact ID', { resource: 'contact', operation: 'get', keyId: '3', contactId: '  ', fields: ['1'] }, /Parameter "contactId": is empty.*\[item 0\]/],
		['event data that is not a JSON object', { resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: 'ada@example.com', eventData: '[1, 2]' }, /Parameter "eventData": must be a JSON object.*\[item 0\]/],
		['event data that is not JSON', { resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: 'ada@example.com', eventData: '{"a": ' }, /Parameter "eventData": is not valid JSON/],
		['a non-numeric event ID', { resource: 'event', operation: 'trigger', eventId: 'order_confirmation', keyId: '3', contactId: 'ada@example.com', eventData: '{}' }, /Parameter "eventId": "order_confirmation" is not an external event ID/],
		['a bad event time', { resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: 'ada@example.com', eventData: '{}', options: { eventTime: 'next friday' } }, /Parameter "options.eventTime"/],
		['a non-numeric choice field ID', { resource: 'field', operation: 'getSingleChoices', fieldId: 'gender' }, /Parameter "fieldId": "gender" is not a field ID/],
		['an upsert without a key value', { resource: 'contact', operation: 'upsert', keyId: '3', columns: manualColumns({ '1': 'Nobody' }) }, /Parameter "contactId": no value for the key field 3/],
		['a trigger ID longer than Emarsys accepts', { resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: 'ada@example.com', eventData: '{}', options: { triggerId: 'x'.repeat(256) } }, /Parameter "options.triggerId": is 256 characters long; at most 255/],
		['an unknown output key style', { resource: 'contact', operation: 'get', keyId: '3', contactId: 'ada@example.com', fields: ['1'], options: { outputKeys: 'labels' } }, /Parameter "options.outputKeys"/],
		['a key field that is not a field reference', { resource: 'contact', operation: 'get', keyId: 'e-mail address', contactId: 'ada@example.com', fields: ['1'] }, /Parameter "keyId"/],
		[
			// n8n's own check of Contact Data: its message only names the field; what is wrong is added.
			'a choice the field does not have',
			{
				resource: 'contact',
				operation: 'upsert',
				keyId: '3',
				columns: {
					...manualColumns({ '3': 'ada@example.com', '26': '={{ "9" }}' }),
					schema: [
						{ id: '3', displayName: 'E-Mail', required: false, defaultMatch: false, display: true, type: 'string', canBeUsedToMatch: true },
						{ id: '26', displayName: 'Preferred e-mail format', required: false, defaultMatch: false, display: true, type: 'options', options: [{ name: 'HTML', value: '1' }, { name: 'Text only', value: '2' }] },
					],
				},
			},
			/Invalid input for '26' \[item 0\]: '26' expects one of the following values: \[1, 2\] but we got '9'/,
		],
		['more fields than Emarsys accepts', { resource: 'contact', operation: 'get', keyId: '3', contactId: 'ada@example.com', fields: Array.from({ length: 1001 }, (_, i) => String(i)) }, /1001 fields given; Emarsys accepts at most 1000/],
	];

	it.each(cases)('%s', async (_name, parameters, message) => {
		const { error, items } = await run(env, 'wsse', parameters);
		expect(items).toEqual([]);
		expect(error?.message).toMatch(message);
		expect(await apiCalls(env.sandbox)).toEqual([]);
	});

	it('with continueOnFail the bad item becomes an error item and the good ones still run', async () => {
		const { items, error } = await run(
			env,
			'oAuth2',
			{ resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: '={{ $json.email }}', eventData: '={{ $json.data }}' },
			[{ email: 'ada@example.com', data: '{"a":1}' }, { email: 'alan@example.com', data: '"oops"' }, { email: '', data: '{}' }, { email: 'grace@example.com', data: '{}' }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(items[1].json.error).toMatch(/Parameter "eventData": must be a JSON object, got string.*\[item 1\]/);
		expect(items[2].json.error).toMatch(/Parameter "contactId": is empty.*\[item 2\]/);
		expect(jsonOf([items[0], items[3]]).map((json) => json.contactId)).toEqual(['ada@example.com', 'grace@example.com']);
		const calls = await apiCalls(env.sandbox);
		expect(calls).toHaveLength(1);
		expect((calls[0].body as { contacts: unknown[] }).contacts).toHaveLength(2);
	});
});

describe('parallel lanes', () => {
	it('a contact in calls 1 and 3 of a run: call 3 waits for call 1, the later value wins, output order kept', async () => {
		// 2,001 distinct contacts, then the first one again: calls of 1000, 1000, 1 and 1 (the repeat waits for call 1).
		const input = Array.from({ length: 2001 }, (_, i) => ({ email: `lane${i}@example.com`, first: `First ${i}` }));
		input.push({ email: 'lane0@example.com', first: 'Later value' });
		// One call first: the answer tells the node the window's budget (before it, one call at a time finds out).
		await run(env, 'wsse', { resource: 'contact', operation: 'get', keyId: '3', contactId: 'ada@example.com' }, [{}]);
		await env.sandbox.clearLog();
		await env.sandbox.setFaults({ latencyMs: 300 });
		const { items, error } = await run(
			env,
			'wsse',
			{ resource: 'contact', operation: 'upsert', keyId: '3', columns: manualColumns({ '3': '={{ $json.email }}', '1': '={{ $json.first }}' }), options: { concurrentRequests: 4 } },
			input,
		);
		expect(error).toBeUndefined();
		expect(items.map((item) => (item.pairedItem as { item: number }).item)).toEqual(input.map((_, i) => i));
		const puts = (await apiCalls(env.sandbox)).filter((c) => c.method === 'PUT');
		const contactsOf = (call: (typeof puts)[number]) => (call.body as { contacts: Array<Record<string, string>> }).contacts.map((c) => c['3']);
		const withLane0 = puts.filter((call) => contactsOf(call).includes('lane0@example.com'));
		expect(withLane0).toHaveLength(2);
		// The call carrying the repeat reached Emarsys only once the first one carrying lane0 (300 ms) was answered.
		expect(Date.parse(withLane0[1].time) - Date.parse(withLane0[0].time)).toBeGreaterThanOrEqual(300);
		// The other full call ran beside the first one.
		expect(Math.abs(Date.parse(puts[1].time) - Date.parse(puts[0].time))).toBeLessThan(300);
		expect((await env.sandbox.findContacts(3, 'lane0@example.com'))[0].fields['1']).toBe('Later value');
	}, 120000);
});

describe('a large read sends its calls while later items are still read', () => {
	/** 2,001 stored contacts (an upsert run, three calls), then a clean log. */
	const seed = async (): Promise<string[]> => {
		const emails = Array.from({ length: 2001 }, (_, i) => `read${i}@example.com`);
		const seeded = await run(env, 'wsse', { resource: 'contact', operation: 'upsert', keyId: '3', columns: manualColumns({ '3': '={{ $json.email }}', '1': '={{ $json.first }}' }) }, emails.map((email, i) => ({ email, first: `Reader ${i}` })));
		expect(seeded.error).toBeUndefined();
		await env.sandbox.clearLog();
		return emails;
	};
	const getParameters: INodeParameters = { resource: 'contact', operation: 'get', keyId: '3', contactId: '={{ $json.email }}', fields: ['1'] };

	it('a bad item after the first 1000 stops the read with its own error, after its first call went', async () => {
		const emails = await seed();
		const input = emails.map((email) => ({ email }));
		input[1500] = { email: '' };
		const { items, error } = await run(env, 'wsse', getParameters, input);
		expect(items).toEqual([]);
		expect(error?.message).toMatch(/Parameter "contactId": is empty.*\[item 1500\]/);
		// The first 1000 keys were asked for before item 1500 was read; nothing after the bad item.
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata');
		expect(calls.map((c) => (c.body as { keyValues: string[] }).keyValues)).toEqual([emails.slice(0, 1000)]);
	}, 120000);

	it('a write checks every item first: the same bad item sends nothing', async () => {
		const input = Array.from({ length: 2500 }, (_, i) => ({ email: `write${i}@example.com`, first: `Writer ${i}` }));
		input[1500] = { email: '', first: 'No key' };
		const { error } = await run(env, 'wsse', { resource: 'contact', operation: 'upsert', keyId: '3', columns: manualColumns({ '3': '={{ $json.email }}', '1': '={{ $json.first }}' }) }, input);
		expect(error?.message).toMatch(/Parameter "contactId".*\[item 1500\]/);
		expect(await apiCalls(env.sandbox)).toEqual([]);
	}, 120000);

	it('an item naming a contact whose call was answered before it was read gets that row too', async () => {
		// Ada, 9,999 unknown contacts (10 calls; nine go while later items are read), then Ada again:
		// her call was answered while items 1000 to 9999 were read.
		const input = [{ email: 'ada@example.com' }, ...Array.from({ length: 9999 }, (_, i) => ({ email: `nobody${i}@example.com` })), { email: 'ADA@example.com' }];
		const { items, error } = await run(env, 'wsse', getParameters, input, { continueOnFail: true });
		expect(error).toBeUndefined();
		const calls = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata');
		expect(calls.map((c) => (c.body as { keyValues: string[] }).keyValues.length)).toEqual(Array(10).fill(1000));
		expect(items.map((item) => (item.pairedItem as { item: number }).item)).toEqual(input.map((_, i) => i));
		expect(items[10000].json).toEqual(items[0].json);
		expect(items[10000].json).toMatchObject({ '1': 'Ada' });
		expect(items.filter((item) => item.json.error)).toHaveLength(9999);
	}, 120000);
});
