/**
 * A chatbot-style workflow of three Emarsys nodes run by n8n-core: upsert the contact, trigger an event
 * for it (reading the email through the paired item of the first node), then read it back with labels.
 */
import type { INode } from 'n8n-workflow';

import { apiCalls, credentialsFor, startEnv, type Env } from './setup';

let env: Env;
beforeAll(async () => {
	env = await startEnv();
});
afterAll(async () => {
	await env.sandbox.stop();
});

function emarsysNode(name: string, x: number, parameters: INode['parameters']): INode {
	return { id: name, name, type: 'emarsys', typeVersion: 1, position: [x, 0], parameters: { authentication: 'oAuth2', ...parameters } };
}

it('runs upsert → trigger → get with labels, with paired items resolved across nodes', async () => {
	await env.sandbox.reset();
	env.harness.clearCredentials();
	const nodes: INode[] = [
		emarsysNode('Save Contact', 0, {
			resource: 'contact', operation: 'upsert', keyId: '3',
			columns: {
				mappingMode: 'defineBelow',
				value: { '3': '={{ $json.email }}', '1': '={{ $json.firstName }}', '26': '={{ $json.format }}' },
				matchingColumns: [], schema: [], attemptToConvertTypes: false, convertFieldsToString: false,
			},
		}),
		emarsysNode('Trigger Welcome', 300, {
			resource: 'event', operation: 'trigger', eventId: '1002', keyId: '3',
			contactId: "={{ $('Save Contact').item.json.contactId }}",
			eventData: "={{ JSON.stringify({ global: { first_name: $('Save Contact').item.json.fields['1'] } }) }}",
		}),
		emarsysNode('Read Back', 600, {
			resource: 'contact', operation: 'getWithChoiceLabels', keyId: '3', contactId: '={{ $json.contactId }}',
			fields: ['1', '26'], options: { outputKeys: 'name' },
		}),
	];
	const result = await env.harness.runWorkflow(
		{
			nodes,
			connections: {
				'Save Contact': { main: [[{ node: 'Trigger Welcome', type: 'main', index: 0 }]] },
				'Trigger Welcome': { main: [[{ node: 'Read Back', type: 'main', index: 0 }]] },
			},
		},
		{
			credentials: credentialsFor(env.sandbox, 'oAuth2'),
			inputItems: [
				{ email: 'chat.one@example.com', firstName: 'One', format: '1' },
				{ email: 'chat.two@example.com', firstName: 'Two', format: '2' },
			],
		},
	);
	expect(result.error).toBeUndefined();
	expect(result.executionOrder).toEqual(['Save Contact', 'Trigger Welcome', 'Read Back']);
	expect(result.nodes['Read Back'].items.map((item) => item.json)).toEqual([
		expect.objectContaining({ 'First Name': 'One', 'Preferred e-mail format': 'HTML' }),
		expect.objectContaining({ 'First Name': 'Two', 'Preferred e-mail format': 'Text only' }),
	]);
	const triggers = await env.sandbox.getTriggers();
	expect(triggers.map((t) => [t.eventId, t.externalId, t.data])).toEqual([
		[1002, 'chat.one@example.com', { global: { first_name: 'One' } }],
		[1002, 'chat.two@example.com', { global: { first_name: 'Two' } }],
	]);
	// Three nodes, two items each: one call per node for the data, plus the labels' lookups.
	const endpoints = (await apiCalls(env.sandbox)).map((c) => `${c.method} ${c.endpoint}`);
	expect(endpoints.filter((e) => e === 'PUT contact/')).toHaveLength(1);
	expect(endpoints.filter((e) => e === 'POST event/1002/trigger')).toHaveLength(1);
	expect(endpoints.filter((e) => e === 'POST contact/getdata')).toHaveLength(1);
});

describe('OpenID Connect: a burst of runs on a credential that holds no token yet', () => {
	it('fetches one access token, not one per run', async () => {
		await env.sandbox.reset();
		env.harness.clearCredentials();
		await env.harness.setCredentials('emarsysOAuth2Api', credentialsFor(env.sandbox, 'oAuth2').emarsysOAuth2Api);
		const parameters = { authentication: 'oAuth2', resource: 'contact', operation: 'get', keyId: '3', contactId: 'ada@example.com', fields: ['1'] };
		const runs = await Promise.all(Array.from({ length: 5 }, async () => await env.harness.runNode({ nodeType: 'emarsys', parameters })));
		expect(runs.map((r) => r.error)).toEqual([undefined, undefined, undefined, undefined, undefined]);
		expect(runs.map((r) => r.items[0].json['1'])).toEqual(['Ada', 'Ada', 'Ada', 'Ada', 'Ada']);
		const tokenRequests = (await env.sandbox.getLog()).filter((entry) => entry.path === '/oauth2/token');
		expect(tokenRequests).toHaveLength(1);
	});
});
