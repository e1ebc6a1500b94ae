/**
 * Every operation, with both credentials, run as real workflows through n8n-core against the sandbox.
 * Expected values come from the sandbox's seed (ada@example.com is contact 100001, etc.), not from the node.
 */
import { AUTHS, apiCalls, jsonOf, run, startEnv, type Env } from './setup';

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

describe.each(AUTHS)('with %s credentials', (auth) => {
	const expectedAuth = auth === 'wsse' ? 'wsse' : 'bearer';

	it('field.getAll lists every field once per run, in the requested language', async () => {
		const { items, error } = await run(env, auth, { resource: 'field', operation: 'getAll', options: { language: 'de' } }, [{}, {}]);
		expect(error).toBeUndefined();
		const firstName = items.find((item) => item.json.id === 1 && item.pairedItem && (item.pairedItem as { item: number }).item === 0);
		expect(firstName?.json).toEqual({ id: 1, name: 'Vorname', application_type: 'shorttext', string_id: 'first_name' });
		// Both input items get the list; pairedItem points at each.
		const perItem = [0, 1].map((i) => items.filter((item) => (item.pairedItem as { item: number }).item === i).length);
		expect(perItem[0]).toBeGreaterThan(40);
		expect(perItem[1]).toBe(perItem[0]);
		const calls = await apiCalls(env.sandbox);
		expect(calls.map((c) => c.endpoint)).toEqual(['field/translate/de']);
		expect(calls[0].auth).toBe(expectedAuth);
	});

	it('field.getSingleChoices lists the choices of a single-choice field', async () => {
		const { items, error } = await run(env, auth, { resource: 'field', operation: 'getSingleChoices', fieldId: '5' });
		expect(error).toBeUndefined();
		expect(jsonOf(items)).toEqual([
			{ fieldId: 5, id: '1', choice: 'Male' },
			{ fieldId: 5, id: '2', choice: 'Female' },
		]);
		expect((await apiCalls(env.sandbox)).map((c) => c.endpoint)).toEqual(['field/5/choice/translate/en']);
	});

	it('field.getMultiChoices asks for all fields of the run in one call', async () => {
		const { items, error } = await run(
			env,
			auth,
			{ resource: 'field', operation: 'getMultiChoices', fieldId: '={{ $json.field }}' },
			[{ field: '10500' }, { field: 0 }],
		);
		expect(error).toBeUndefined();
		const ofItem = (i: number) => items.filter((item) => (item.pairedItem as { item: number }).item === i).map((item) => item.json);
		expect(ofItem(0)).toEqual([
			{ fieldId: 10500, id: '1', choice: 'Shoes', bit_position: 0 },
			{ fieldId: 10500, id: '2', choice: 'Bags', bit_position: 1 },
			{ fieldId: 10500, id: '3', choice: 'Jackets', bit_position: 2 },
			{ fieldId: 10500, id: '5', choice: 'Accessories', bit_position: 3 },
		]);
		expect(ofItem(1).map((c) => c.choice)).toEqual(['Sports', 'Travel', 'Technology', 'Fashion']);
		const calls = await apiCalls(env.sandbox);
		expect(calls).toHaveLength(1);
		expect(calls[0].endpoint).toBe('field/choices');
		expect(calls[0].query).toEqual({ fields: '0,10500', language: 'en' });
	});

	it('contact.get returns the requested fields of each contact, keyed by field ID', async () => {
		const { items, error } = await run(
			env,
			auth,
			{ resource: 'contact', operation: 'get', keyId: '3', contactId: '={{ $json.email }}', fields: ['1', '2', '5'] },
			[{ email: 'ada@example.com' }, { email: 'ALAN@example.com' }],
		);
		expect(error).toBeUndefined();
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(items[0].json).toEqual({ '1': 'Ada', '2': 'Lovelace', '5': '2', id: '100001', uid: 'aLq3Xc9Tn1' });
		expect(items[1].json).toMatchObject({ '1': 'Alan', '2': 'Turing', '5': '1', id: '100002' });
		const calls = await apiCalls(env.sandbox);
		expect(calls).toHaveLength(1);
		expect(calls[0].endpoint).toBe('contact/getdata');
		expect(calls[0].body).toEqual({ keyId: '3', keyValues: ['ada@example.com', 'ALAN@example.com'], fields: ['1', '2', '5', '3'] });
	});

	it('contact.get can name the output keys by string ID or field name', async () => {
		const byStringId = await run(env, auth, {
			resource: 'contact', operation: 'get', keyId: '3', contactId: 'grace@example.com', fields: ['1', '10501'],
			options: { outputKeys: 'stringId' },
		});
		expect(byStringId.error).toBeUndefined();
		expect(byStringId.items[0].json).toEqual({ first_name: 'Grace', loyalty_points: '42.5', id: '100003', uid: 'cRw5Jd7Hs2' });
		const byName = await run(env, auth, {
			resource: 'contact', operation: 'get', keyId: '3', contactId: 'grace@example.com', fields: ['1'],
			options: { outputKeys: 'name' },
		});
		expect(byName.items[0].json).toEqual({ 'First Name': 'Grace', id: '100003', uid: 'cRw5Jd7Hs2' });
	});

	it('contact.get fails only the item whose key matches several contacts (2010), with a hint', async () => {
		const { items, error } = await run(
			env,
			auth,
			{ resource: 'contact', operation: 'get', keyId: '3', contactId: '={{ $json.email }}', fields: ['1'] },
			[{ email: 'shared@example.com' }, { email: 'ada@example.com' }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items).toHaveLength(2);
		expect(items[0].json.error).toBe('Emarsys: More contacts found with the external id: 3 - shared@example.com (replyCode 2010)');
		expect(items[0].error?.description).toMatch(/unique key field/);
		expect(items[1].json).toMatchObject({ '1': 'Ada' });
	});

	it('contact.upsert: a Key Field expression that is wrong for one item fails that item only, the others are written (Continue On Fail)', async () => {
		const { items, error } = await run(
			env,
			auth,
			{
				resource: 'contact', operation: 'upsert', keyId: '={{ $json.key.toLowerCase() }}', contactId: '={{ $json.email }}',
				columns: { mappingMode: 'defineBelow', value: { '1': '={{ $json.first }}' }, matchingColumns: [], schema: [] },
			},
			[{ key: 'EMAIL', email: 'ada@example.com', first: 'Ada' }, { email: 'alan@example.com', first: 'Alan' }, { key: '3', email: 'grace@example.com', first: 'Grace' }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items.map((item) => (item.pairedItem as { item: number }).item)).toEqual([0, 1, 2]);
		expect(items[0].json).toMatchObject({ keyId: '3', contactId: 'ada@example.com' });
		expect(items[1].json.error).toMatch(/Parameter "keyId": "undefined" is not a key field .*\[item 1\]/);
		expect(items[2].json).toMatchObject({ keyId: '3', contactId: 'grace@example.com' });
	});

	it('contact.get and contact.upsert accept the key field as string ID (email)', async () => {
		const get = await run(env, auth, { resource: 'contact', operation: 'get', keyId: 'email', contactId: 'Grace@Example.com', fields: ['1'] });
		expect(get.error).toBeUndefined();
		expect(jsonOf(get.items)).toEqual([{ '1': 'Grace', id: '100003', uid: 'cRw5Jd7Hs2' }]);
		const upsert = await run(env, auth, {
			resource: 'contact', operation: 'upsert', keyId: 'email', contactId: 'grace@example.com',
			columns: { mappingMode: 'defineBelow', value: { '2': 'Hopper-Murray' }, matchingColumns: [], schema: [] },
		});
		expect(upsert.error).toBeUndefined();
		expect(upsert.items[0].json).toMatchObject({ id: '100003', keyId: '3', contactId: 'grace@example.com' });
		expect((await env.sandbox.findContacts('3', 'grace@example.com'))[0].fields['2']).toBe('Hopper-Murray');
	});

	it('contact.get by the Emarsys contact ID', async () => {
		const { items, error } = await run(env, auth, { resource: 'contact', operation: 'get', keyId: 'id', contactId: '100004', fields: ['1', '3'] });
		expect(error).toBeUndefined();
		expect(jsonOf(items)).toEqual([{ '1': 'Sam', '3': 'shared@example.com', id: '100004', uid: 'dMn4Vb6Qe8' }]);
	});

	it('contact.getWithChoiceLabels returns choice labels with one field list, one call per single-choice field and one multi-choice call', async () => {
		const { items, error } = await run(
			env,
			auth,
			{
				resource: 'contact', operation: 'getWithChoiceLabels', keyId: '3', contactId: '={{ $json.email }}',
				fields: ['1', '5', '14', '31', '10500', '0'],
				// The calls of one run: nothing kept from earlier executions.
				options: { metadataCacheSeconds: 0 },
			},
			[{ email: 'ada@example.com' }, { email: 'alan@example.com' }, { email: 'grace@example.com' }],
		);
		expect(error).toBeUndefined();
		expect(items[0].json).toEqual({
			'1': 'Ada', '5': 'Female', '14': 'United Kingdom', '31': 'True', '10500': ['Shoes', 'Jackets'], '0': ['Travel', 'Technology'],
			id: '100001', uid: 'aLq3Xc9Tn1',
		});
		expect(items[1].json).toMatchObject({ '5': 'Male', '10500': ['Bags'], '0': null });
		expect(items[2].json).toMatchObject({ '14': 'United States of America', '31': 'False', '10500': null });
		const endpoints = (await apiCalls(env.sandbox)).map((c) => c.endpoint).sort();
		expect(endpoints).toEqual([
			'contact/getdata',
			'field/14/choice/translate/en',
			'field/31/choice/translate/en',
			'field/5/choice/translate/en',
			'field/choices',
			'field/translate/en',
		]);
	});

	it('contact.getWithChoiceLabels looks up no choices for a choice field that is empty in every row', async () => {
		// Grace has no multi-choice value (10500 is null): no multi-choice call; her gender is labelled.
		const { items, error } = await run(
			env,
			auth,
			// The calls of one run: nothing kept from earlier executions.
			{ resource: 'contact', operation: 'getWithChoiceLabels', keyId: '3', contactId: '={{ $json.email }}', fields: ['5', '10500'], options: { metadataCacheSeconds: 0 } },
			[{ email: 'grace@example.com' }, { email: 'grace@example.com' }],
		);
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json['10500'])).toEqual([null, null]);
		const endpoints = (await apiCalls(env.sandbox)).map((c) => c.endpoint).sort();
		expect(endpoints).toEqual(['contact/getdata', 'field/5/choice/translate/en', 'field/translate/en']);
	});

	it('contact.getWithChoiceLabels gives every item asking for the same contact the same labelled data', async () => {
		// Ada three times (one in other case) and Alan: one getdata call with two keys; each item its own output.
		const { items, error } = await run(
			env,
			auth,
			{ resource: 'contact', operation: 'getWithChoiceLabels', keyId: '3', contactId: '={{ $json.email }}', fields: ['5', '10500'] },
			[{ email: 'ada@example.com' }, { email: 'alan@example.com' }, { email: 'ADA@example.com' }, { email: 'ada@example.com' }],
		);
		expect(error).toBeUndefined();
		// The key field (3) was not asked for: it is requested to match rows, then left out.
		const ada = { '5': 'Female', '10500': ['Shoes', 'Jackets'], id: '100001', uid: 'aLq3Xc9Tn1' };
		expect(jsonOf(items)).toEqual([ada, { '5': 'Male', '10500': ['Bags'], id: '100002', uid: expect.any(String) }, ada, ada]);
		const getdata = (await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'contact/getdata');
		expect(getdata).toHaveLength(1);
		expect((getdata[0].body as { keyValues: string[] }).keyValues).toEqual(['ada@example.com', 'alan@example.com']);

		// With the key field asked for, no column is left out: still one output object per item
		// (items sharing one json object would see each other's changes downstream).
		const again = await run(
			env,
			auth,
			{ resource: 'contact', operation: 'getWithChoiceLabels', keyId: '3', contactId: '={{ $json.email }}', fields: ['3', '5', '10500'] },
			[{ email: 'ada@example.com' }, { email: 'ADA@example.com' }],
		);
		expect(again.error).toBeUndefined();
		expect(jsonOf(again.items)).toEqual([{ ...ada, '3': 'ada@example.com' }, { ...ada, '3': 'ada@example.com' }]);
		expect(again.items[0].json).not.toBe(again.items[1].json);
	});

	it('contact.getWithChoiceLabels labels every choice field when the key field is among the fields asked for', async () => {
		const { items, error } = await run(
			env,
			auth,
			{ resource: 'contact', operation: 'getWithChoiceLabels', keyId: '3', contactId: '={{ $json.email }}', fields: ['3', '5', '14', '10500', '0'] },
			[{ email: 'ada@example.com' }, { email: 'alan@example.com' }],
		);
		expect(error).toBeUndefined();
		expect(jsonOf(items)).toEqual([
			{ '3': 'ada@example.com', '5': 'Female', '14': 'United Kingdom', '10500': ['Shoes', 'Jackets'], '0': ['Travel', 'Technology'], id: '100001', uid: 'aLq3Xc9Tn1' },
			expect.objectContaining({ '3': 'alan@example.com', '5': 'Male', '10500': ['Bags'], '0': null }),
		]);
	});

	it('contact.getWithChoiceLabels uses the chosen language', async () => {
		const { items, error } = await run(env, auth, {
			resource: 'contact', operation: 'getWithChoiceLabels', keyId: '3', contactId: 'ada@example.com', fields: ['5', '10500'],
			options: { language: 'de', outputKeys: 'name' },
		});
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ Geschlecht: 'Weiblich', Lieblingskategorien: ['Schuhe', 'Jacken'] });
	});

	it('contact.upsert (map each field manually) creates a missing contact and updates an existing one', async () => {
		const { items, error } = await run(
			env,
			auth,
			{
				resource: 'contact', operation: 'upsert', keyId: '3',
				columns: {
					mappingMode: 'defineBelow',
					value: { '3': '={{ $json.email }}', '1': '={{ $json.first }}', '5': '2', '10500': '={{ $json.cats }}' },
					matchingColumns: [],
					schema: [
						{ id: '3', displayName: 'E-Mail (3)', required: false, defaultMatch: true, display: true, type: 'string' },
						{ id: '1', displayName: 'First Name (1)', required: false, defaultMatch: false, display: true, type: 'string' },
						{ id: '5', displayName: 'Gender (5)', required: false, defaultMatch: false, display: true, type: 'options', options: [{ name: 'Male', value: '1' }, { name: 'Female', value: '2' }] },
						{ id: '10500', displayName: 'Favourite Categories (10500)', required: false, defaultMatch: false, display: true, type: 'array' },
					],
					attemptToConvertTypes: false,
					convertFieldsToString: false,
				},
			},
			[
				{ email: 'new.person@example.com', first: 'Nova', cats: [2, 5] },
				{ email: 'ada@example.com', first: 'Augusta', cats: [1] },
			],
		);
		expect(error).toBeUndefined();
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(items[1].json).toMatchObject({ id: '100001', keyId: '3', contactId: 'ada@example.com' });
		const created = await env.sandbox.findContacts('3', 'new.person@example.com');
		expect(created).toHaveLength(1);
		expect(created[0].fields).toMatchObject({ '1': 'Nova', '5': '2', '10500': '2,5' });
		expect(items[0].json.id).toBe(String(created[0].id));
		const ada = await env.sandbox.findContacts('3', 'ada@example.com');
		expect(ada[0].fields).toMatchObject({ '1': 'Augusta', '2': 'Lovelace', '10500': '1' });
		const calls = await apiCalls(env.sandbox);
		expect(calls).toHaveLength(1);
		expect(calls[0].method).toBe('PUT');
		expect(calls[0].endpoint).toBe('contact/');
		expect(calls[0].query).toEqual({ create_if_not_exists: '1' });
	});

	it('contact.upsert (map automatically) maps input keys equal to a field ID or string ID, ignoring others', async () => {
		const { items, error } = await run(
			env,
			auth,
			{ resource: 'contact', operation: 'upsert', keyId: '3', columns: { mappingMode: 'autoMapInputData', value: null, matchingColumns: [], schema: [] } },
			[{ email: 'chat.user@example.com', first_name: 'Chatty', '2': 'Bot', loyalty_points: 7, session: 'abc-123' }],
		);
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		const [contact] = await env.sandbox.findContacts('3', 'chat.user@example.com');
		expect(contact.fields).toMatchObject({ '1': 'Chatty', '2': 'Bot', '10501': '7' });
		const put = (await apiCalls(env.sandbox)).find((c) => c.method === 'PUT');
		expect(put?.body).toEqual({ key_id: '3', contacts: [{ '3': 'chat.user@example.com', '1': 'Chatty', '2': 'Bot', '10501': 7 }] });
	});

	it('contact.upsert with "Create If Missing" off fails only the missing contact', async () => {
		const { items, error } = await run(
			env,
			auth,
			{
				resource: 'contact', operation: 'upsert', keyId: '3', contactId: '={{ $json.email }}', createIfMissing: false,
				columns: { mappingMode: 'defineBelow', value: { '1': '={{ $json.first }}' }, matchingColumns: [], schema: [] },
			},
			[{ email: 'ada@example.com', first: 'A' }, { email: 'ghost@example.com', first: 'G' }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items).toHaveLength(2);
		expect(items[0].json).toMatchObject({ id: '100001' });
		expect(items[1].pairedItem).toEqual({ item: 1 });
		expect(items[1].json.error).toMatch(/No contact found/);
		expect(items[1].json.error).toMatch(/replyCode 2008/);
		expect(items[1].error?.description).toMatch(/Create If Missing/);
		expect(await env.sandbox.findContacts('3', 'ghost@example.com')).toHaveLength(0);
		const calls = await apiCalls(env.sandbox);
		expect(calls).toHaveLength(1);
		expect(calls[0].query).toEqual({});
	});

	it('event.trigger triggers the event with data, a generated trigger_id and a UTC event time', async () => {
		const { items, error } = await run(
			env,
			auth,
			{
				resource: 'event', operation: 'trigger', eventId: '1001', keyId: '3', contactId: '={{ $json.email }}',
				eventData: '={{ JSON.stringify({ global: { order: $json.order } }) }}',
				options: { eventTime: '2026-03-01T14:00:00+01:00' },
			},
			[{ email: 'ada@example.com', order: 'A-1' }, { email: 'alan@example.com', order: 'A-2' }],
		);
		expect(error).toBeUndefined();
		expect(items).toHaveLength(2);
		const triggers = await env.sandbox.getTriggers();
		expect(triggers.map((t) => [t.eventId, t.contactId, t.data, t.eventTime])).toEqual([
			[1001, 100001, { global: { order: 'A-1' } }, '2026-03-01T13:00:00Z'],
			[1001, 100002, { global: { order: 'A-2' } }, '2026-03-01T13:00:00Z'],
		]);
		expect(triggers[0].triggerId).toMatch(/^n8n-[0-9a-f]{24}-0$/);
		expect(triggers[0].triggerId).not.toBe(triggers[1].triggerId);
		expect(items[0].json).toEqual({
			success: true, eventId: '1001', keyId: '3', contactId: 'ada@example.com', triggerId: triggers[0].triggerId, eventTime: '2026-03-01T13:00:00Z',
		});
		const calls = await apiCalls(env.sandbox);
		expect(calls.map((c) => `${c.method} ${c.endpoint}`)).toEqual(['POST event/1001/trigger']);
	});

	it('event.trigger sends the trigger_id the user gave', async () => {
		const { error } = await run(env, auth, {
			resource: 'event', operation: 'trigger', eventId: '1002', keyId: '3', contactId: 'grace@example.com', eventData: '{}',
			options: { triggerId: 'reset-42' },
		});
		expect(error).toBeUndefined();
		const triggers = await env.sandbox.getTriggers();
		expect(triggers).toHaveLength(1);
		expect(triggers[0]).toMatchObject({ eventId: 1002, contactId: 100003, triggerId: 'reset-42' });
	});

	// Parameters without an expression are read once per run (see ItemParameters); one with an
	// expression nested inside a collection must still be resolved for every item.
	it('event.trigger resolves an expression nested in Options for each item, next to constant parameters', async () => {
		const { error } = await run(env, auth, {
			resource: 'event', operation: 'trigger', eventId: '1002', keyId: '3', contactId: '={{ $json.email }}', eventData: '{}',
			options: { triggerId: '={{ "chat-" + $json.message }}' },
		}, [{ email: 'ada@example.com', message: 'm1' }, { email: 'grace@example.com', message: 'm2' }, { email: 'alan@example.com', message: 'm3' }]);
		expect(error).toBeUndefined();
		const triggers = await env.sandbox.getTriggers();
		expect(triggers.map((t) => [t.eventId, t.contactId, t.triggerId])).toEqual([
			[1002, 100001, 'chat-m1'],
			[1002, 100003, 'chat-m2'],
			[1002, 100002, 'chat-m3'],
		]);
	});

	it('event.trigger of an event no program uses (5005) fails every item of its call with what to do, naming the event', async () => {
		const { items, error } = await run(
			env,
			auth,
			{ resource: 'event', operation: 'trigger', eventId: '1003', keyId: '3', contactId: '={{ $json.email }}', eventData: '{}' },
			[{ email: 'ada@example.com' }, { email: 'grace@example.com' }],
			{ continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.error)).toEqual([
			'Emarsys: No program or campaign is triggered. (replyCode 5005, HTTP 400)',
			'Emarsys: No program or campaign is triggered. (replyCode 5005, HTTP 400)',
		]);
		expect(items.map((item) => item.error?.description)).toEqual([expect.stringMatching(/external event 1003.*launched program/), expect.stringMatching(/external event 1003/)]);
		expect(items.map((item) => (item.error as { context?: { itemIndex?: number } }).context?.itemIndex)).toEqual([0, 1]);
		expect((await apiCalls(env.sandbox)).filter((c) => c.endpoint === 'event/1003/trigger')).toHaveLength(1);
	});

	it('contact.get by a field Emarsys does not index as a key (2004) says which fields can be keys', async () => {
		const { error } = await run(env, auth, { resource: 'contact', operation: 'get', keyId: '1', contactId: 'Ada', fields: ['3'] });
		expect(error?.message).toMatch(/Invalid key field id: 1 \(replyCode 2004, HTTP 200\)/);
		expect(error?.description).toMatch(/E-Mail \(3\) and custom fields that Emarsys support has indexed/);
	});
});
