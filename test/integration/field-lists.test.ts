/**
 * The field and choice lists (helpers/fields.ts list loaders): a fetch that gets a broken answer is
 * sent again, and the lists kept for later executions are kept apart per field. Found by mutation
 * testing (io group). Each test asks for lists no earlier test of this file has fetched (the
 * lists are kept per client for later executions).
 */
import type { INodeParameters } from 'n8n-workflow';

import { apiCalls, credentialsFor, run, startEnv, storeCredentials, type Env } from './setup';

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

const endpoints = async () => (await apiCalls(env.sandbox)).map((call) => call.endpoint);

describe('a list fetch that gets a truncated answer is sent again', () => {
	it('the field list', async () => {
		await env.sandbox.setFaults({ malformedJsonCount: 1 });
		const { items, error } = await run(env, 'wsse', { resource: 'field', operation: 'getAll', options: { language: 'fr' } });
		expect(error).toBeUndefined();
		expect(items.length).toBeGreaterThan(40);
		expect(await endpoints()).toEqual(['field/translate/fr', 'field/translate/fr']);
	});

	it('the choices of a single-choice field', async () => {
		await env.sandbox.setFaults({ malformedJsonCount: 1 });
		const { items, error } = await run(env, 'wsse', { resource: 'field', operation: 'getSingleChoices', fieldId: '5', options: { language: 'fr' } });
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.id)).toEqual(['1', '2']);
		expect(await endpoints()).toEqual(['field/5/choice/translate/fr', 'field/5/choice/translate/fr']);
	});

	it('the choices of multi-choice fields', async () => {
		await env.sandbox.setFaults({ malformedJsonCount: 1 });
		const { items, error } = await run(env, 'wsse', { resource: 'field', operation: 'getMultiChoices', fieldId: '0', options: { language: 'fr' } });
		expect(error).toBeUndefined();
		expect(items).toHaveLength(4);
		expect(await endpoints()).toEqual(['field/choices', 'field/choices']);
	});
});

describe('lists kept for later executions', () => {
	/** Runs with the credentials stored once, as executions of one workflow are (run() stores them anew each time). */
	const execute = async (parameters: INodeParameters) =>
		await env.harness.runNode({ nodeType: 'emarsys', parameters: { authentication: 'wsse', ...parameters }, inputItems: [{}] });
	beforeEach(async () => {
		await storeCredentials(env, 'wsse');
	});

	// Field operations always read fresh; Get With Choice Labels keeps the lists for Field List Cache seconds.
	const labels = (fields: string[]): INodeParameters => ({
		resource: 'contact',
		operation: 'getWithChoiceLabels',
		keyId: '3',
		contactId: 'ada@example.com',
		fields,
		options: { metadataCacheSeconds: 60 },
	});

	it('the choices of a single-choice field are fetched once', async () => {
		const first = await execute(labels(['5']));
		const second = await execute(labels(['5']));
		expect(first.items[0].json['5']).toBe('Female');
		expect(second.items[0].json['5']).toBe('Female');
		expect((await endpoints()).filter((endpoint) => endpoint === 'field/5/choice/translate/en')).toHaveLength(1);
	});

	it('the choices of one multi-choice field are kept apart from another\'s', async () => {
		const first = await execute(labels(['10500']));
		const other = await execute(labels(['0']));
		const again = await execute(labels(['10500']));
		expect(first.items[0].json['10500']).toEqual(['Shoes', 'Jackets']);
		expect(other.items[0].json['0']).toEqual(['Travel', 'Technology']);
		expect(again.items[0].json['10500']).toEqual(['Shoes', 'Jackets']);
		// The third run finds field 10500's choices kept from the first.
		expect((await endpoints()).filter((endpoint) => endpoint === 'field/choices')).toHaveLength(2);
	});
});

describe('a kept field list that does not know every key field', () => {
	beforeEach(async () => {
		await storeCredentials(env, 'wsse');
	});
	/** An upsert of each item's contact, named by the item's key field; field lists kept for a minute. */
	const upsert = async (inputItems: Array<{ key: string; id: string }>) =>
		await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: {
				authentication: 'wsse',
				resource: 'contact',
				operation: 'upsert',
				keyId: '={{ $json.key }}',
				contactId: '={{ $json.id }}',
				columns: { mappingMode: 'defineBelow', value: {}, matchingColumns: [], schema: [] },
				options: { metadataCacheSeconds: 60 },
			},
			inputItems,
			continueOnFail: true,
		});

	it('is fetched anew once when one key field of the run is new since (another is known)', async () => {
		expect((await upsert([{ key: 'email', id: 'ada@example.com' }])).error).toBeUndefined();
		const created = await env.harness.runNode({
			nodeType: 'emarsys',
			parameters: { authentication: 'wsse', resource: 'field', operation: 'create', name: 'Loyalty Tier', applicationType: 'shorttext' },
			inputItems: [{}],
		});
		const fieldId = String(created.items[0]?.json.id);
		await env.sandbox.clearLog();
		const { items, error } = await upsert([
			{ key: '3', id: 'ada@example.com' },
			{ key: 'loyalty_tier', id: 'gold-1' },
		]);
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ keyId: '3', contactId: 'ada@example.com' });
		// The new string ID was found in the list fetched anew and sent as the field's ID; Emarsys
		// then refuses it as a key (only indexed fields identify contacts), which is its answer to give.
		expect(items[1].json.error).toMatch(new RegExp(`Invalid key field id: ${fieldId}\\b`));
		const keyIds = (await apiCalls(env.sandbox)).filter((call) => call.endpoint === 'contact/').map((call) => String((call.body as { key_id: unknown }).key_id));
		expect(keyIds).toEqual(['3', fieldId]);
		// The list kept from the first run (or an earlier test) did not know the new key field: fetched once more.
		expect((await endpoints()).filter((endpoint) => endpoint === 'field/translate/en')).toHaveLength(1);
	});

	it('a custom key field (its type decides how keys compare) is found in the kept list; one created since fetches it anew once', async () => {
		// An API user of its own: lists kept by earlier tests may name field IDs the sandbox gives out again after its reset.
		const user = { username: 'keys_user', secret: 'keys_user-secret', baseUrl: env.sandbox.v2 };
		const added = await fetch(`${env.sandbox.url}/__sandbox/users`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ scheme: 'wsse', name: user.username, secret: user.secret, permissions: ['contacts', 'fields'] }),
		});
		expect(added.ok).toBe(true);
		const asUser = async (parameters: INodeParameters) =>
			await env.harness.runNode({ nodeType: 'emarsys', parameters: { authentication: 'wsse', ...parameters }, credentials: { emarsysApi: user }, continueOnFail: true });
		const getBy = async (keyId: string) => await asUser({ resource: 'contact', operation: 'get', keyId, contactId: '0042', fields: ['3'], options: { metadataCacheSeconds: 60 } });
		const listCalls = async () => (await endpoints()).filter((endpoint) => endpoint === 'field/translate/en').length;
		expect((await getBy('10502')).error).toBeUndefined();
		await env.sandbox.clearLog();
		expect((await getBy('10502')).error).toBeUndefined();
		expect(await listCalls()).toBe(0);
		const created = await asUser({ resource: 'field', operation: 'create', name: 'Member Number', applicationType: 'shorttext' });
		await env.sandbox.clearLog();
		await getBy(String(created.items[0]?.json.id));
		expect(await listCalls()).toBe(1);
	});
});

describe('the field dropdown', () => {
	it('lists the fields in English', async () => {
		const list = await env.harness.loadOptions({
			nodeType: 'emarsys',
			method: 'getFields',
			parameters: { authentication: 'wsse', resource: 'contact', operation: 'get' },
			credentials: credentialsFor(env.sandbox, 'wsse'),
		});
		expect(list).toContainEqual(expect.objectContaining({ name: 'E-Mail (3)', value: '3' }));
		expect(await endpoints()).toEqual(['field/translate/en']);
	});
});
