/**
 * The chatbot's side: messages, sent open loop (each at its scheduled time, never waiting for
 * earlier answers), and the check that each answer is right and is the sender's own.
 */
import { SEED_FIELDS } from '../../sandbox/seed';

export interface Message {
	webhookPath: string;
	body: { email: string; firstName: string; emailFormat: string; messageId: string };
}

export interface Answer {
	message: Message;
	/** HTTP status; 0 when no answer came (network error, or none within the answer timeout). */
	status: number;
	text: string;
	/** Round trip: from the moment the message was sent to the end of its answer. */
	ms: number;
	/** How late the message left compared with its schedule. */
	sendLagMs: number;
}

/** Preferred e-mail format (26), the single-choice field the chatbot's answer shows as a label. */
const FORMAT_FIELD = SEED_FIELDS.find((field) => field.id === 26)!;
const labelOf = (choiceId: string) => FORMAT_FIELD.choices!.find((choice) => String(choice.id) === choiceId)?.choice;

/** `count` messages to one webhook, each with its own contact (e-mail, first name) and message ID. */
export function makeMessages(tag: string, webhookPath: string, count: number): Message[] {
	const run = Date.now().toString(36);
	return Array.from({ length: count }, (_, i) => ({
		webhookPath,
		body: {
			email: `${tag}.${run}.${i}@example.com`,
			firstName: `${tag.replace(/\W/g, '')}${i}x${run}`,
			emailFormat: i % 2 === 0 ? '1' : '2',
			messageId: `${tag}-${run}-${i}`,
		},
	}));
}

/** Posts one message to its webhook and waits for the answer, at most `timeoutMs`. */
export async function sendMessage(n8nUrl: string, message: Message, timeoutMs: number, sendLagMs = 0): Promise<Answer> {
	const started = performance.now();
	const answer = (status: number, text: string): Answer => ({ message, status, text, ms: performance.now() - started, sendLagMs });
	try {
		const response = await fetch(`${n8nUrl}/webhook/${message.webhookPath}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(message.body),
			signal: AbortSignal.timeout(timeoutMs),
		});
		return answer(response.status, await response.text());
	} catch (error) {
		return answer(0, (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : String(error));
	}
}

/** Sends message i at `i * intervalMs` after the start, whether or not earlier ones were answered. */
export async function sendOpenLoop(n8nUrl: string, messages: Message[], intervalMs: number, timeoutMs: number): Promise<Answer[]> {
	const start = performance.now();
	const pending = messages.map(
		async (message, i) =>
			await new Promise<Answer>((resolve) => {
				const due = start + i * intervalMs;
				setTimeout(() => void sendMessage(n8nUrl, message, timeoutMs, performance.now() - due).then(resolve), due - performance.now());
			}),
	);
	return await Promise.all(pending);
}

/**
 * Why an answer is wrong, or undefined when it is right: HTTP 200, the contact read back is the
 * sender's (e-mail, first name), its e-mail format shown as the choice's label, and the reply
 * text names the sender.
 */
export function wrongAnswer(answer: Answer): string | undefined {
	const { email, firstName, emailFormat } = answer.message.body;
	if (answer.status === 0) return `${email}: ${answer.text}`;
	if (answer.status !== 200) return `${email}: HTTP ${answer.status} ${answer.text.slice(0, 160)}`;
	let json: { reply?: unknown; contact?: Record<string, unknown> };
	try {
		json = JSON.parse(answer.text) as typeof json;
	} catch {
		return `${email}: answer is not JSON: ${answer.text.slice(0, 160)}`;
	}
	const expected = { 'E-Mail': email, 'First Name': firstName, 'Preferred e-mail format': labelOf(emailFormat) };
	for (const [key, value] of Object.entries(expected)) {
		if (json.contact?.[key] !== value) return `${email}: ${key} is ${JSON.stringify(json.contact?.[key])}, expected ${JSON.stringify(value)}`;
	}
	if (typeof json.reply !== 'string' || !json.reply.includes(`Thanks ${firstName}!`)) return `${email}: the reply does not name its sender: ${String(json.reply)}`;
	return undefined;
}

/** The q-quantile (0..1) of the round trips, nearest rank. */
export function quantileMs(answers: Answer[], q: number): number {
	const times = answers.map((a) => a.ms).sort((a, b) => a - b);
	if (times.length === 0) return NaN;
	return times[Math.min(times.length - 1, Math.max(0, Math.ceil(q * times.length) - 1))];
}
