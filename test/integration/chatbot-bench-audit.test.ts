/**
 * The chatbot bench's judge (bench/chatbot/audit.ts, goals.ts): what it counts from a real
 * sandbox's request log and state after the calls a chatbot message needs, made here by hand with
 * WSSE, one message at a time or combined into shared calls as the dispatcher sends them.
 */
import { auditRun } from '../../bench/chatbot/audit';
import { limitedGoals } from '../../bench/chatbot/goals';
import { DEMO_LIST_ID, sandboxView } from '../../bench/chatbot/scenarios';
import { makeMessages, wrongAnswer, type Answer, type Message } from '../../bench/chatbot/traffic';
import { SandboxHooks } from '../../bench/lib/sandbox';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

let sb: TestSandbox;
let hooks: SandboxHooks;

beforeAll(async () => {
	sb = await startTestSandbox();
	hooks = new SandboxHooks(sb.url);
});
afterAll(async () => await sb.stop());
beforeEach(async () => await sb.reset());

async function call(method: string, path: string, body?: unknown): Promise<number> {
	const response = await fetch(`${sb.v2}/${path}`, {
		method,
		headers: { 'X-WSSE': sb.wsseHeader(), 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	await response.text();
	return response.status;
}

/** The four calls of the chatbot flow for these messages, each call shared by all of them. */
async function chatbotCalls(messages: Message[], options: { firstName?: (m: Message) => string } = {}): Promise<void> {
	const bodies = messages.map((m) => m.body);
	await call('PUT', 'contact?create_if_not_exists=1', {
		key_id: '3',
		contacts: bodies.map((b, i) => ({ '1': options.firstName?.(messages[i]) ?? b.firstName, '3': b.email, '26': b.emailFormat })),
	});
	await call('POST', `contactlist/${DEMO_LIST_ID}/add`, { key_id: '3', external_ids: bodies.map((b) => b.email) });
	await call('POST', 'event/1001/trigger', { key_id: '3', contacts: bodies.map((b) => ({ external_id: b.email, trigger_id: b.messageId })) });
	await call('POST', 'contact/getdata', { keyId: '3', keyValues: bodies.map((b) => b.email), fields: ['1', '3', '26'] });
}

async function audit(messages: Message[]) {
	return auditRun(messages, await sandboxView(hooks, await hooks.log(0, { bodies: true })));
}

test('one message at a time: four calls per message, each contact written, listed and triggered once', async () => {
	const messages = makeMessages('lone', 'x', 3);
	for (const message of messages) await chatbotCalls([message]);
	await call('GET', 'field/26/choice');
	const result = await audit(messages);
	expect(result.calls).toBe(13);
	expect(result.byKind).toEqual({ upsert: 3, listAdd: 3, trigger: 3, read: 3, metadata: 1, other: 0 });
	expect(result.callsPerMessage).toBeCloseTo(13 / 3);
	expect([result.tooMany, result.otherErrors]).toEqual([0, 0]);
	expect([result.notWrittenOnce, result.notOnList, result.notFiredOnce, result.stepsNotOnce]).toEqual([[], [], [], []]);
});

test('messages sharing calls (as the dispatcher combines them): each still counted once, calls per message below one', async () => {
	const messages = makeMessages('shared', 'x', 10);
	await chatbotCalls(messages);
	const result = await audit(messages);
	expect(result.calls).toBe(4);
	expect(result.callsPerMessage).toBeCloseTo(0.4);
	expect([result.notWrittenOnce, result.notOnList, result.notFiredOnce, result.stepsNotOnce]).toEqual([[], [], [], []]);
});

test('a contact upserted twice, an event fired again, a wrong first name and a message never sent are each found', async () => {
	const [twice, again, misnamed, lost] = makeMessages('faulty', 'x', 4);
	await chatbotCalls([twice, again]);
	await chatbotCalls([misnamed], { firstName: () => 'Someone else' });
	await call('PUT', 'contact', { key_id: '3', contacts: [{ '3': twice.body.email, '1': twice.body.firstName }] });
	await call('POST', 'event/1001/trigger', { key_id: '3', contacts: [{ external_id: again.body.email, trigger_id: again.body.messageId }] });
	const result = await audit([twice, again, misnamed, lost]);
	const emailsIn = (list: string[]) => list.map((line) => line.split(' ')[0]);
	expect(emailsIn(result.notWrittenOnce)).toEqual([twice.body.email, misnamed.body.email, lost.body.email]);
	expect(emailsIn(result.notFiredOnce)).toEqual([again.body.email, lost.body.email]);
	expect(result.notFiredOnce[0]).toContain('repeats');
	expect(emailsIn(result.notOnList)).toEqual([lost.body.email]);
	expect(emailsIn(result.stepsNotOnce)).toEqual([twice.body.email, again.body.email, lost.body.email]);
});

test('calls refused with 429 are counted, and the 300/min goals are missed with them', async () => {
	await sb.setConfig({ rateLimitPerMinute: 4 });
	const messages = makeMessages('limited', 'x', 2);
	for (const message of messages) await chatbotCalls([message]);
	const result = await audit(messages);
	expect(result.tooMany).toBe(4);
	expect(result.calls).toBe(8);
	const answers: Answer[] = messages.map((message) => ({ message, status: 429, text: '', ms: 100, sendLagMs: 0 }));
	const missed = limitedGoals({ answers, audit: result, wallMs: 1000, stoppedExecutions: 0 }).filter((v) => !v.met).map((v) => v.goal);
	expect(missed).toEqual(expect.arrayContaining([expect.stringContaining('every reply right'), expect.stringContaining('≤ 1.0 Emarsys call per message')]));
	expect(missed.filter((goal) => goal.includes('p95'))).toEqual([]);
});

describe('an answer is right only when it is the sender\'s own contact with the label', () => {
	const [mine, other] = makeMessages('answer', 'x', 2);
	const answerWith = (contact: Record<string, string>, reply: string, status = 200): Answer => ({
		message: mine,
		status,
		text: JSON.stringify({ reply, contact }),
		ms: 1,
		sendLagMs: 0,
	});
	const own = { 'E-Mail': mine.body.email, 'First Name': mine.body.firstName, 'Preferred e-mail format': 'HTML' };
	const ownReply = `Thanks ${mine.body.firstName}! You will get our e-mails as: HTML.`;

	test('the sender\'s contact and reply: right', () => {
		expect(mine.body.emailFormat).toBe('1');
		expect(wrongAnswer(answerWith(own, ownReply))).toBeUndefined();
	});

	test('another sender\'s contact or reply, the choice ID instead of its label, or an error status: wrong', () => {
		expect(wrongAnswer(answerWith({ ...own, 'E-Mail': other.body.email }, ownReply))).toContain('E-Mail');
		expect(wrongAnswer(answerWith(own, `Thanks ${other.body.firstName}! You will get our e-mails as: HTML.`))).toContain('does not name');
		expect(wrongAnswer(answerWith({ ...own, 'Preferred e-mail format': '1' }, ownReply))).toContain('Preferred e-mail format');
		expect(wrongAnswer(answerWith(own, ownReply, 422))).toContain('HTTP 422');
	});
});
