/**
 * The sandbox as the Emarsys side of a Webhook node: POST /__sandbox/webhook/fire sends the
 * documented body shape to a local receiver, with a token that the Emarsys Trigger's own check
 * (written separately from the sandbox's signer) accepts — or, for the broken kinds, refuses.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { verifyJwt } from '../../nodes/EmarsysTrigger/jwt';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

interface Received {
	headers: IncomingHttpHeaders;
	body: Record<string, unknown>;
}

let sb: TestSandbox;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
/** The receiver answers this many next calls with 503 (n8n's answer when its database is busy). */
let unavailableFor = 0;

beforeAll(async () => {
	sb = await startTestSandbox();
	receiver = createServer((req, res) => {
		let text = '';
		req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
		req.on('end', () => {
			received.push({ headers: req.headers, body: JSON.parse(text) as Record<string, unknown> });
			if (unavailableFor > 0) {
				unavailableFor -= 1;
				res.writeHead(503).end('busy');
				return;
			}
			res.writeHead(202, { 'content-type': 'text/plain' }).end('accepted');
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
	receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
	await sb.stop();
	await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(() => {
	received.length = 0;
});

async function fire(request: Record<string, unknown>): Promise<{ status: number; body: { calls?: Array<{ contactId: number; status: number; answer: string; attempts: number }>; error?: string } }> {
	const response = await fetch(`${sb.url}/__sandbox/webhook/fire`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(request),
	});
	return { status: response.status, body: (await response.json()) as never };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

it('sends one POST per contact: contact fields on one level, event_data, scenario, a verifiable Bearer JWT', async () => {
	const { status, body } = await fire({ url: receiverUrl, count: 2, eventData: [{ order_id: 1 }, { order_id: 2 }], scenario: 'shipping_update' });
	expect(status).toBe(200);
	expect(body.calls!.map((call) => [call.status, call.answer])).toEqual([[202, 'accepted'], [202, 'accepted']]);
	expect(received).toHaveLength(2);
	const contacts = (await (await fetch(`${sb.url}/__sandbox/contacts`)).json()) as { contacts: Array<{ id: number; fields: Record<string, string | null> }> };
	for (const { headers, body: sent } of received) {
		expect(headers['content-type']).toBe('application/json');
		const contact = contacts.contacts.find((c) => c.id === sent.contact_id)!;
		expect(sent).toEqual({
			event_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
			contact_id: contact.id,
			first_name: contact.fields['1'],
			last_name: contact.fields['2'],
			email: contact.fields['3'],
			event_data: { order_id: expect.any(Number) },
			scenario: 'shipping_update',
		});
		const token = String(headers.authorization).replace(/^Bearer /, '');
		const check = verifyJwt(token, sb.credentials.webhookSecret, nowSeconds());
		expect(check.valid).toBe(true);
	}
	expect(received.map((r) => (r.body.event_data as { order_id: number }).order_id).sort()).toEqual([1, 2]);
});

it.each([
	['wrongSecret', /signature does not match/],
	['expired', /expired/],
	['algNone', /not a signed JWT/],
])('token "%s" is refused by the trigger\'s check', async (token, reason) => {
	await fire({ url: receiverUrl, token });
	const sent = String(received[0].headers.authorization).replace(/^Bearer /, '');
	const check = verifyJwt(sent, sb.credentials.webhookSecret, nowSeconds());
	expect(check.valid ? '' : check.reason).toMatch(reason);
});

it('token "missing" sends no Authorization header; an unreachable URL is reported, not thrown', async () => {
	await fire({ url: receiverUrl, token: 'missing' });
	expect(received[0].headers.authorization).toBeUndefined();
	const { body } = await fire({ url: 'http://127.0.0.1:1/nothing' });
	expect(body.calls![0]).toMatchObject({ status: 0, answer: expect.stringMatching(/^network error/) });
});

it('sends a call answered 5xx again (same body, fresh token) while retries remain; by default not at all', async () => {
	unavailableFor = 1;
	const once = await fire({ url: receiverUrl });
	expect(once.body.calls![0]).toMatchObject({ status: 503, attempts: 1 });
	expect(received).toHaveLength(1);

	received.length = 0;
	unavailableFor = 2;
	const retried = await fire({ url: receiverUrl, retries: 3 });
	expect(retried.body.calls![0]).toMatchObject({ status: 202, attempts: 3 });
	expect(received).toHaveLength(3);
	expect(received[1].body).toEqual(received[0].body);
	expect(received[2].body).toEqual(received[0].body);
});

it('refuses a bad request, naming the parameter, and sends nothing', async () => {
	for (const [request, error] of [
		[{}, /url must be/],
		[{ url: receiverUrl, count: 0 }, /count must be/],
		[{ url: receiverUrl, token: 'forged' }, /token must be one of/],
		[{ url: receiverUrl, count: 2, eventData: [{}] }, /eventData must be/],
		[{ url: receiverUrl, fieldIds: [99999] }, /fieldIds must be/],
		[{ url: receiverUrl, retries: 9 }, /retries must be/],
		[{ url: receiverUrl, timeoutSeconds: 0 }, /timeoutSeconds must be/],
	] as const) {
		const { status, body } = await fire(request);
		expect([status, body.error]).toEqual([400, expect.stringMatching(error)]);
	}
	expect(received).toEqual([]);
});

it('the secret never appears in the request log', async () => {
	await fire({ url: receiverUrl, count: 3 });
	expect(JSON.stringify(await sb.getLog())).not.toContain(sb.credentials.webhookSecret);
});
