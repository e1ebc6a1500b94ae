import { AUTHS, apiCalls, run, startEnv, type Env } from './setup';

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

describe.each(AUTHS)('smoke (%s)', (auth) => {
	it('lists fields', async () => {
		const { items, error } = await run(env, auth, { resource: 'field', operation: 'getAll' });
		expect(error).toBeUndefined();
		expect(items.length).toBeGreaterThan(10);
		console.log(JSON.stringify(items.slice(0, 3)), JSON.stringify(await apiCalls(env.sandbox)));
	});
});
