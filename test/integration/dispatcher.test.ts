/**
 * Calls shared by concurrent executions (transport/dispatcher.ts): many executions with one item
 * each — a chatbot's messages — run at the same time through n8n-core against the sandbox.
 */
import type { INodeParameters } from 'n8n-workflow';

import { apiCalls, credentialsFor, startEnv, type Auth, type Env } from './setup';

let env: Env;
beforeAll(async () => {
	env = await startEnv();
});
afterAll(async () => {
	await env.sandbox.stop();
});
beforeEach(async () => {
	await env.sandbox.reset();
	env.harness.clearCredentials();
	// Both credentials are stored once: concurrent runs must not replace each other's.
	for (const auth of ['wsse', 'oAuth2'] as Auth[]) {
		for (const [type, data] of Object.entries(credentialsFor(env.sandbox, auth))) await env.harness.setCredentials(type, data);
	}
});

const trigger = (auth: Auth, options: INodeParameters = {}): INodeParameters => ({
	authentication: auth,
	resource: 'event',
	operation: 'trigger',
	eventId: '1001',
	keyId: '3',
	contactId: '={{ $json.email }}',
	eventData: '={{ JSON.stringify({ global: { who: $json.email } }) }}',
	options,
});

/** One execution with one item, as one chatbot message is. */
async function message(parameters: INodeParameters, email: string, signal?: AbortSignal) {
	return await env.harness.runNode({ nodeType: 'emarsys', parameters, inputItems: [{ email }], continueOnFail: true, signal });
}

type TriggerCall = { user: string; endpoint: string; contacts: string[] };

async function triggerCalls(): Promise<TriggerCall[]> {
	return (await apiCalls(env.sandbox))
		.filter((call) => call.endpoint === 'event/1001/trigger')
		.map((call) => ({ user: String(call.user), endpoint: call.endpoint, contacts: (call.body as { contacts: Array<{ external_id: string }> }).contacts.map((c) => c.external_id) }));
}

const seeded = ['ada@example.com', 'alan@example.com', 'grace@example.com'];

describe('calls shared by concurrent executions', () => {
	it('50 concurrent messages share calls; the one with a contact Emarsys refuses fails alone, every other gets its own contact only', async () => {
		const emails = Array.from({ length: 50 }, (_, i) => (i === 17 ? 'ghost@example.com' : seeded[i % 3]));
		// Each seeded contact is named by several messages: a call never names one twice, so they go in turn.
		const runs = await Promise.all(emails.map(async (email) => await message(trigger('wsse'), email)));

		runs.forEach((run, i) => {
			expect(run.error).toBeUndefined();
			expect(run.items).toHaveLength(1);
			if (i === 17) expect(run.items[0].json.error).toMatch(/No contact found.*ghost@example.com/);
			else expect(run.items[0].json).toMatchObject({ success: true, contactId: emails[i], eventId: '1001' });
		});
		const calls = await triggerCalls();
		// Fewer calls than messages: shared; each message's contact sent exactly once.
		expect(calls.length).toBeLessThan(emails.length / 2);
		expect(calls.flatMap((call) => call.contacts).sort()).toEqual([...emails].sort());
		for (const call of calls) expect(new Set(call.contacts).size).toBe(call.contacts.length);
		const triggers = await env.sandbox.getTriggers();
		expect(triggers.filter((t) => !t.duplicate)).toHaveLength(49);
		// Each execution's event carries its own data.
		for (const t of triggers) expect(JSON.stringify(t)).toContain('"who"');
	});

	it('never combines calls of two credentials: each call carries one API user\'s contacts', async () => {
		const work = seeded.flatMap((email) => [
			message(trigger('wsse'), email),
			message(trigger('oAuth2'), email),
			message(trigger('wsse'), email.replace('@', '+w@')),
			message(trigger('oAuth2'), email.replace('@', '+o@')),
		]);
		await Promise.all(work);
		const calls = await triggerCalls();
		const users = new Set(calls.map((call) => call.user));
		expect(users.size).toBe(2);
		for (const call of calls) {
			const marker = call.user === env.sandbox.credentials.wsseUser ? '+o@' : '+w@';
			expect(call.contacts.some((contact) => contact.includes(marker))).toBe(false);
		}
		// Both API users sent all of their own contacts.
		const sentBy = (user: string) => calls.filter((call) => call.user === user).flatMap((call) => call.contacts).sort();
		expect(sentBy(env.sandbox.credentials.wsseUser)).toEqual([...seeded, ...seeded.map((e) => e.replace('@', '+w@'))].sort());
	});

	it('a shared call answered 500 then 200: every execution completes once, every event fires once', async () => {
		await env.sandbox.setFaults({ latencyMs: 300 });
		const first = message(trigger('wsse'), 'ada@example.com');
		await new Promise((resolve) => setTimeout(resolve, 100));
		// These two arrive while the first call is in flight: they go together in the next call.
		const rest = ['alan@example.com', 'grace@example.com'].map(async (email) => await message(trigger('wsse'), email));
		expect((await first).items[0].json).toMatchObject({ success: true });
		// The shared call is under way now: its answer is a 500; its retry (a second or more later) is not.
		await env.sandbox.setFaults({ latencyMs: 300, errorRate: { status: 500, rate: 1 } });
		setTimeout(() => void env.sandbox.setFaults({ latencyMs: 0, errorRate: null } as never), 600);
		for (const run of await Promise.all(rest)) expect(run.items[0].json).toMatchObject({ success: true });
		const calls = await triggerCalls();
		const statuses = (await apiCalls(env.sandbox)).map((call) => call.status);
		expect(calls.map((call) => call.contacts)).toEqual([['ada@example.com'], ['alan@example.com', 'grace@example.com'], ['alan@example.com', 'grace@example.com']]);
		expect(statuses).toEqual([200, 500, 200]);
		const triggers = await env.sandbox.getTriggers();
		expect(triggers.filter((t) => !t.duplicate)).toHaveLength(3);
	});

	it("a shared call Emarsys refuses as a whole for one execution's data: only that execution fails, the others' contacts are written once each", async () => {
		const upsert = (email: string, firstName: string): INodeParameters => ({
			authentication: 'wsse', resource: 'contact', operation: 'upsert', keyId: '3', contactId: email, createIfMissing: true,
			columns: { mappingMode: 'defineBelow', value: { '1': firstName }, matchingColumns: [], schema: [] },
		});
		await env.sandbox.setFaults({ latencyMs: 300, refuseBodyWith: 'Spoiled' });
		const opener = message(upsert('opener@example.com', 'Opener'), 'x');
		await new Promise((resolve) => setTimeout(resolve, 100));
		// These arrive while the opener's call is in flight: they go together in the next call, which the spoiled one spoils.
		const names = ['Ann', 'Spoiled', 'Bob', 'Cyd'];
		const rest = await Promise.all(names.map(async (name) => await message(upsert(`${name.toLowerCase()}@example.com`, name), 'x')));
		expect((await opener).items[0].json).toMatchObject({ contactId: 'opener@example.com' });
		expect(rest.map((run) => (run.items[0].json.error ? 'failed' : run.items[0].json.contactId))).toEqual(['ann@example.com', 'failed', 'bob@example.com', 'cyd@example.com']);
		expect(rest[1].items[0].json.error).toMatch(/Invalid request payload.*HTTP 400/);
		const puts = (await apiCalls(env.sandbox)).filter((call) => call.method === 'PUT' && call.endpoint.startsWith('contact'));
		const contactsOf = (call: (typeof puts)[number]) => (call.body as { contacts: Array<Record<string, string>> }).contacts.map((c) => c['3']).sort();
		// The refused shared call, then each execution's contact on its own; the spoiled one refused again.
		expect(puts.filter((call) => call.status === 400).map(contactsOf)).toEqual([['ann@example.com', 'bob@example.com', 'cyd@example.com', 'spoiled@example.com'], ['spoiled@example.com']]);
		expect(puts.filter((call) => call.status === 200).flatMap(contactsOf).sort()).toEqual(['ann@example.com', 'bob@example.com', 'cyd@example.com', 'opener@example.com']);
		for (const name of ['Ann', 'Bob', 'Cyd']) expect((await env.sandbox.findContacts('3', `${name.toLowerCase()}@example.com`))[0].fields['1']).toBe(name);
	});

	it('an execution cancelled while its contact rides in a shared call: the others complete, nothing is written twice', async () => {
		await env.sandbox.setFaults({ latencyMs: 400 });
		const opener = message(trigger('wsse'), 'ada@example.com');
		await new Promise((resolve) => setTimeout(resolve, 100));
		const stop = new AbortController();
		const cancelled = message(trigger('wsse'), 'alan@example.com', stop.signal);
		const other = message(trigger('wsse'), 'grace@example.com');
		// Both wait for the opener's call, then go together; the first is cancelled while that call is in flight.
		setTimeout(() => stop.abort(), 700);
		const [openerRun, otherRun] = await Promise.all([opener, other]);
		// n8n settles a cancelled execution in its own time: not waited for beyond a few seconds.
		await Promise.race([cancelled.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 3000))]);
		expect(openerRun.items[0].json).toMatchObject({ success: true, contactId: 'ada@example.com' });
		expect(otherRun.items[0].json).toMatchObject({ success: true, contactId: 'grace@example.com' });
		const calls = await triggerCalls();
		// n8n cut off the shared call it was sending for the cancelled execution: it went again for the other.
		expect(calls[0].contacts).toEqual(['ada@example.com']);
		for (const call of calls.slice(1)) expect(call.contacts).toEqual(['alan@example.com', 'grace@example.com']);
		const triggers = await env.sandbox.getTriggers();
		expect(triggers.filter((t) => !t.duplicate)).toHaveLength(3);
	});

	it('Combine Calls Across Executions off: one call per message', async () => {
		await Promise.all(seeded.map(async (email) => await message(trigger('wsse', { combineCalls: false }), email)));
		expect((await triggerCalls()).map((call) => call.contacts.length)).toEqual([1, 1, 1]);
	});
});

describe('field list and choice lists kept across executions', () => {
	const readLabels = (options: INodeParameters): INodeParameters => ({
		authentication: 'wsse' as Auth,
		resource: 'contact',
		operation: 'getWithChoiceLabels',
		keyId: '3',
		contactId: '={{ $json.email }}',
		fields: ['5'],
		options,
	});
	const renameFemale = async (label: string) => {
		const answer = await fetch(`${env.sandbox.url}/__sandbox/choices`, {
			method: 'PUT',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ fieldId: 5, choiceId: '2', choice: label }),
		});
		expect(answer.status).toBe(200);
	};
	const metadataCalls = async () => (await apiCalls(env.sandbox)).filter((call) => call.endpoint.startsWith('field')).length;

	it('a renamed choice shows once the cache time has passed; dropdowns and Field operations show it at once', async () => {
		const options = { metadataCacheSeconds: 2 };
		expect((await message(readLabels(options), 'ada@example.com')).items[0].json['5']).toBe('Female');
		expect(await metadataCalls()).toBe(2); // field list + field 5's choices
		await renameFemale('Woman');
		// Within the cache time: the kept list, and no metadata call.
		expect((await message(readLabels(options), 'ada@example.com')).items[0].json['5']).toBe('Female');
		expect(await metadataCalls()).toBe(2);
		// The editor and the Field operation read fresh.
		const mapper = await env.harness.resourceMapping({ nodeType: 'emarsys', method: 'getContactFields', parameters: { authentication: 'wsse', resource: 'contact', operation: 'upsert' } });
		expect(mapper.fields.find((field) => field.id === '5')?.options?.map((option) => option.name)).toContain('Woman');
		const fieldRun = await env.harness.runNode({ nodeType: 'emarsys', parameters: { authentication: 'wsse', resource: 'field', operation: 'getSingleChoices', fieldId: '5' } });
		expect(fieldRun.items.map((item) => item.json.choice)).toContain('Woman');
		await new Promise((resolve) => setTimeout(resolve, 2100));
		expect((await message(readLabels(options), 'ada@example.com')).items[0].json['5']).toBe('Woman');
	});

	it('Field List Cache 0: the lists are fetched in every execution; otherwise once for later executions', async () => {
		await message(readLabels({ metadataCacheSeconds: 60 }), 'alan@example.com');
		const once = await metadataCalls();
		await message(readLabels({ metadataCacheSeconds: 60 }), 'ada@example.com');
		expect(await metadataCalls()).toBe(once);
		await message(readLabels({ metadataCacheSeconds: 0 }), 'ada@example.com');
		expect(await metadataCalls()).toBe(once + 2);
	});
});
