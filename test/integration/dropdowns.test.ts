/** Every dropdown method and the resource mapper, through n8n-core's LoadOptionsContext, with both credentials. */
import type { INodeParameters } from 'n8n-workflow';

import { AUTHS, apiCalls, credentialsFor, startEnv, type Auth, type Env } from './setup';

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
});

async function options(auth: Auth, method: string, parameters: INodeParameters = {}) {
	return await env.harness.loadOptions({
		nodeType: 'emarsys',
		method,
		parameters: { authentication: auth, ...parameters },
		credentials: credentialsFor(env.sandbox, auth),
	});
}

async function search(auth: Auth, method: string, parameters: INodeParameters = {}, filter?: string) {
	return await env.harness.listSearch({
		nodeType: 'emarsys',
		method,
		filter,
		parameters: { authentication: auth, ...parameters },
		credentials: credentialsFor(env.sandbox, auth),
	});
}

describe.each(AUTHS)('with %s credentials', (auth) => {
	it('getFields lists every field of the account by name with its ID as value', async () => {
		const list = await options(auth, 'getFields', { resource: 'contact', operation: 'get' });
		expect(list).toContainEqual(expect.objectContaining({ name: 'E-Mail (3)', value: '3' }));
		expect(list).toContainEqual(expect.objectContaining({ name: 'Favourite Categories (10500)', value: '10500' }));
		expect(list.length).toBe(54);
		const names = list.map((option) => option.name);
		expect([...names].sort((a, b) => a.localeCompare(b))).toEqual(names);
		expect((await apiCalls(env.sandbox)).map((c) => c.endpoint)).toEqual(['field/translate/en']);
	});

	it('getKeyFields offers the fields it can know are keys: the contact ID, the UID and E-Mail', async () => {
		const list = await options(auth, 'getKeyFields', { resource: 'contact', operation: 'get' });
		expect(list.map((option) => option.value)).toEqual(['id', 'uid', '3']);
		expect(list[2].name).toBe('E-Mail (3)');
		// Custom fields are keys only when Emarsys has indexed them, which the field list does not tell.
		expect((await apiCalls(env.sandbox)).map((c) => c.endpoint)).toEqual(['field/translate/en']);
	});

	it('the field locators list single-choice fields (and Opt-In) and multi-choice fields, filtered by the typed text', async () => {
		const single = (await search(auth, 'searchSingleChoiceFields', { resource: 'field', operation: 'getSingleChoices' })).results.map((o) => o.value);
		expect(single).toEqual(expect.arrayContaining(['5', '14', '31', '10503']));
		expect(single).not.toContain('10500');
		expect(single).not.toContain('1');
		const multi = (await search(auth, 'searchMultiChoiceFields', { resource: 'field', operation: 'getMultiChoices' })).results.map((o) => o.value);
		expect(multi.sort()).toEqual(['0', '10500']);
		const gender = await search(auth, 'searchSingleChoiceFields', { resource: 'field', operation: 'getSingleChoices' }, 'GENDER');
		expect(gender.results).toEqual([{ name: 'Gender (5)', value: '5' }]);
		const byId = await search(auth, 'searchSingleChoiceFields', { resource: 'field', operation: 'getSingleChoices' }, '31');
		expect(byId.results.map((o) => o.value)).toContain('31');
	});

	it('the event locator lists the external events, filtered by the typed text', async () => {
		const list = await search(auth, 'searchEvents', { resource: 'event', operation: 'trigger' });
		expect(list.results).toEqual([
			{ name: 'back_in_stock (1003)', value: '1003' },
			{ name: 'order_confirmation (1001)', value: '1001' },
			{ name: 'password_reset (1002)', value: '1002' },
		]);
		const calls = await apiCalls(env.sandbox);
		expect(calls.map((c) => c.endpoint)).toEqual(['event']);
		expect(calls[0].auth).toBe(auth === 'wsse' ? 'wsse' : 'bearer');
		expect((await search(auth, 'searchEvents', { resource: 'event', operation: 'trigger' }, 'reset')).results).toEqual([
			{ name: 'password_reset (1002)', value: '1002' },
		]);
	});

	it('the upsert resource mapper lists every field with its type and single-choice fields with their choices', async () => {
		const { fields } = await env.harness.resourceMapping({
			nodeType: 'emarsys',
			method: 'getContactFields',
			parameters: { authentication: auth, resource: 'contact', operation: 'upsert' },
			credentials: credentialsFor(env.sandbox, auth),
		});
		expect(fields).toHaveLength(54);
		const byId = new Map(fields.map((field) => [field.id, field]));
		expect(byId.get('3')).toMatchObject({ displayName: 'E-Mail (3)', type: 'string', canBeUsedToMatch: true, defaultMatch: true, removed: false });
		expect(byId.get('5')).toMatchObject({
			type: 'options',
			options: [
				{ name: 'Male', value: '1' },
				{ name: 'Female', value: '2' },
			],
			canBeUsedToMatch: false,
			removed: true,
		});
		expect(byId.get('31')?.options).toEqual([
			{ name: 'True', value: '1' },
			{ name: 'False', value: '2' },
		]);
		expect(byId.get('10501')).toMatchObject({ type: 'number', canBeUsedToMatch: true });
		expect(byId.get('10500')).toMatchObject({ type: 'array' });
		expect(byId.get('4')).toMatchObject({ type: 'string', canBeUsedToMatch: false });
		// One field-list call plus one choice call per single-choice field.
		const calls = await apiCalls(env.sandbox);
		const singleChoiceCount = fields.filter((field) => field.type === 'options').length;
		expect(calls.filter((c) => c.endpoint === 'field/translate/en')).toHaveLength(1);
		expect(calls.filter((c) => /^field\/\d+\/choice/.test(c.endpoint))).toHaveLength(singleChoiceCount);
		expect(calls).toHaveLength(1 + singleChoiceCount);
	});
});
