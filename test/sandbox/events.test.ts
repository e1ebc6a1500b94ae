import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { SHARED_EMAIL } from '../../sandbox/seed';
import { v2 } from './util';

describe('sandbox external events: POST event/{id}/trigger', () => {
	let sb: TestSandbox;
	const trigger = (eventId: number | string, body: unknown) => v2(sb.url, sb.credentials, 'POST', `event/${eventId}/trigger`, body);

	beforeAll(async () => {
		sb = await startTestSandbox();
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	it('single form triggers for one contact and answers data {}', async () => {
		const res = await trigger(1001, { key_id: 3, external_id: 'ada@example.com', data: { global: { orderId: 'A-1' } } });
		expect(res.status).toBe(200);
		expect(res.data).toEqual({ replyCode: 0, replyText: 'OK', data: {} });
		const [t] = await sb.getTriggers();
		expect(t).toMatchObject({ eventId: 1001, contactId: 100001, externalId: 'ada@example.com', data: { global: { orderId: 'A-1' } }, duplicate: false });
	});

	it('single form: unknown contact is 400 / 2008, shared key is 400 / 2010', async () => {
		const missing = await trigger(1001, { key_id: '3', external_id: 'ghost@example.com' });
		expect(missing.status).toBe(400);
		expect(missing.data).toEqual({ replyCode: 2008, replyText: 'No contact found with the external id: 3 - ghost@example.com', data: '' });
		const shared = await trigger(1001, { key_id: '3', external_id: SHARED_EMAIL });
		expect(shared.status).toBe(400);
		expect(shared.data.replyCode).toBe(2010);
		expect(await sb.getTriggers()).toEqual([]);
	});

	it('batch form answers ids of triggered contacts and errors per external_id', async () => {
		const res = await trigger(1002, {
			key_id: 'email',
			contacts: [
				{ external_id: 'ada@example.com', data: { global: { a: 1 } } },
				{ external_id: 'iron@man.com' },
				{ external_id: 'grace@example.com', event_time: '2024-05-01T10:00:00.000Z' },
			],
		});
		expect(res.status).toBe(200);
		expect(res.data.data).toEqual({
			ids: ['100001', '100003'],
			errors: { 'iron@man.com': { '2008': 'No contact found with the external id: 3 - iron@man.com' } },
		});
		const triggers = await sb.getTriggers();
		expect(triggers.map((t) => [t.eventId, t.contactId])).toEqual([
			[1002, 100001],
			[1002, 100003],
		]);
		expect(triggers[1].eventTime).toBe('2024-05-01T10:00:00.000Z');
	});

	it('batch form with no failures answers errors: []', async () => {
		const res = await trigger(1001, { key_id: 10502, contacts: [{ external_id: 'C-1002' }] });
		expect(res.data.data).toEqual({ ids: ['100002'], errors: [] });
	});

	it('ignores a duplicate trigger_id (accepted, not processed twice)', async () => {
		const body = { key_id: 3, external_id: 'alan@example.com', trigger_id: 'order-42' };
		expect((await trigger(1001, body)).data.replyCode).toBe(0);
		expect((await trigger(1001, body)).data.replyCode).toBe(0);
		const other = await trigger(1001, { ...body, trigger_id: 'order-43' });
		expect(other.data.replyCode).toBe(0);
		const triggers = await sb.getTriggers();
		expect(triggers.map((t) => [t.triggerId, t.duplicate])).toEqual([
			['order-42', false],
			['order-42', true],
			['order-43', false],
		]);
	});

	it('validates event_time, data, event id and key_id', async () => {
		const time = await trigger(1001, { key_id: 3, external_id: 'ada@example.com', event_time: '2024-05-01 10:00:00' });
		expect(time.status).toBe(400);
		expect(time.data).toEqual({ replyCode: 5010, replyText: 'Invalid event time format.', data: '' });
		const data = await trigger(1001, { key_id: 3, external_id: 'ada@example.com', data: 'not an object' });
		expect(data.status).toBe(400);
		expect(data.data.replyCode).toBe(5011);
		const event = await trigger(4242, { key_id: 3, external_id: 'ada@example.com' });
		expect(event.status).toBe(400);
		expect(event.data).toEqual({ replyCode: 5001, replyText: 'Invalid event id for customer.', data: '' });
		const noKey = await trigger(1001, { external_id: 'ada@example.com' });
		expect(noKey.status).toBe(400);
		expect(noKey.data.replyCode).toBe(10001);
		const badKey = await trigger(1001, { key_id: 'nope', external_id: 'ada@example.com' });
		expect(badKey.status).toBe(400);
		expect(badKey.data).toEqual({ replyCode: 2004, replyText: 'Invalid key field id: nope', data: '' });
		const noExternalId = await trigger(1001, { key_id: 3 });
		expect(noExternalId.status).toBe(400);
		expect(noExternalId.data).toEqual({ replyCode: 2005, replyText: 'No value provided for key field: 3', data: '' });
		expect(await sb.getTriggers()).toEqual([]);
	});
});
