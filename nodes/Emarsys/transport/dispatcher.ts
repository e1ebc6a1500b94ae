/**
 * The dispatcher: one per Emarsys API user in this process, the one place that decides when
 * batch calls go out. The batch engine plans calls; the client (transport/index.ts) sends and
 * retries them; the dispatcher sits between the two.
 *
 * Why: Emarsys allows about 1000 calls a minute per API user, shared by everything that uses it
 * (Emarsys API guide, "Rate limits": `X-RateLimit-Limit`, `X-Ratelimit-Remaining`,
 * `X-RateLimit-Reset`, then 429). A chatbot message is one n8n execution with one item, so one
 * execution has nothing to batch; concurrent executions do. So:
 * - Calls of the same route (same credential, endpoint, key field, event, list …) that wait at
 *   the same time go out as ONE call, each execution getting its own outcomes back.
 * - Group commit: a call goes at once while the API user has budget; calls that arrive while a
 *   combined call of their route is in flight join the next one. A bulk run's calls (full, not
 *   combined) hold nobody: a single call of another execution goes beside them.
 * - Linger: only when the budget left in the window cannot carry the calls asked for at the
 *   current rate are calls spaced out (so that the ones waiting merge), each for at most
 *   MAX_LINGER_MS.
 * - Order: a call naming a contact that an earlier call of its route still carries waits for it
 *   (the later write wins, as within one run).
 * - One pacing per API user: a window nearly used up, or a 429, holds every call of the user.
 */
import { sleep } from 'n8n-workflow';

/** A call may wait this long for budget to merge with others; then it goes anyway. */
export const MAX_LINGER_MS = 1000;

/** The share of the window's budget the dispatcher plans to use (the rest is slack for other processes and clock drift). */
export const BUDGET_SHARE = 0.9;

/** How far back the rate of calls asked for is measured. */
const DEMAND_WINDOW_MS = 5000;

/** A batch call that may share an Emarsys call with other executions' calls of the same route. */
export interface CallRequest<E, A> {
	/** Calls with the same route may be combined (includes the credential and the client settings). */
	route: string;
	entries: E[];
	/** The contacts of the entries (as Emarsys compares them): a merged call never names one twice. */
	contacts: string[];
	bytes: number;
	/** The most entries and bytes one Emarsys call of this route takes. */
	maxEntries: number;
	maxBytes: number;
	/** False: this call is never combined with others (it still keeps contact order and pacing). */
	combine: boolean;
	/** Sends one Emarsys call for the entries; `cancelled` tells whether every execution in it was cancelled. */
	send: (entries: E[], cancelled: () => boolean) => Promise<A>;
	/** Whether the execution that asked was cancelled. */
	cancelled: () => boolean;
	/**
	 * Whether an error is Emarsys refusing the call as a whole for what it carries (an invalid
	 * payload, say): each request of a merged call so refused is sent again on its own, so that
	 * the refusal reaches only the execution whose data Emarsys refuses. Absent: never.
	 */
	refusedForItsData?: (error: unknown) => boolean;
}

/** What a call came back with, for one request: the answer and where its entries stand in the call. */
export interface CallResult<E, A> {
	answer: A;
	entries: E[];
	offset: number;
}

interface Waiting {
	request: CallRequest<unknown, unknown>;
	offset: number;
	resolve: (result: CallResult<unknown, unknown>) => void;
	reject: (error: unknown) => void;
}

/** A call being filled: the requests that will go in it. */
interface PendingCall {
	route: string;
	waiting: Waiting[];
	count: number;
	bytes: number;
	contacts: Set<string>;
	/** Accepts further requests (combined calls only). */
	open: boolean;
	openedAt: number;
}

export class Dispatcher {
	private readonly pending: PendingCall[] = [];

	/** The calls under way (a contact is never in two of them: a call naming one waits). */
	private readonly inFlight = new Set<PendingCall>();

	/** No call starts before this time (a window used up, or a 429). */
	private pauseUntil = 0;

	/**
	 * The rate-limit headers of the last answer; `none` when answers carry none (the budget is not
	 * known, nothing is held back for it); undefined before the first answer.
	 */
	private budget?: { remaining: number; resetAt: number } | 'none';

	/** When calls were asked for, over the last DEMAND_WINDOW_MS. */
	private readonly asked: number[] = [];

	private lastStartAt = 0;

	/** When the dispatcher looks again at the calls waiting (Infinity: nothing waits for a time). */
	private wakeTime = Infinity;

	/** Queues a batch call; resolves when the Emarsys call carrying it has answered. */
	async submit<E, A>(request: CallRequest<E, A>): Promise<CallResult<E, A>> {
		this.noteAsked();
		return await new Promise<CallResult<E, A>>((resolve, reject) => {
			const call = this.callToJoin(request as CallRequest<unknown, unknown>);
			call.waiting.push({ request: request as CallRequest<unknown, unknown>, offset: call.count, resolve: resolve as Waiting['resolve'], reject });
			call.count += request.entries.length;
			call.bytes += request.bytes;
			for (const contact of request.contacts) call.contacts.add(contact);
			this.pump();
		});
	}

	/** A call asked for counts toward the demand (only batch calls come through here yet: lists, pages and creations do not). */
	noteAsked(now = Date.now()): void {
		this.asked.push(now);
		this.forgetAsked(now);
	}

	/** Drops the asks older than DEMAND_WINDOW_MS (asked[0] is undefined once empty: the loop ends). */
	private forgetAsked(now: number): void {
		while (this.asked[0] < now - DEMAND_WINDOW_MS) this.asked.shift();
	}

	/** What an answer's rate-limit headers say: the budget left, and when the window resets. */
	observe(remaining: number | undefined, resetAt: number | undefined, pauseMs: number, now = Date.now()): void {
		if (remaining === undefined || resetAt === undefined) this.budget = 'none';
		// Answers of calls sent side by side come back in any order: within one window the lowest count left is the newest.
		else if (typeof this.budget === 'object' && this.budget.resetAt === resetAt) this.budget.remaining = Math.min(this.budget.remaining, remaining);
		else this.budget = { remaining, resetAt };
		this.pause(pauseMs, now);
	}

	/** Holds every call of the API user for `ms` (a window used up, or a 429). */
	pause(ms: number, now = Date.now()): void {
		this.pauseUntil = Math.max(this.pauseUntil, now + ms);
	}

	/** Milliseconds the next attempt of a call already under way must wait (retries are not queued again). */
	pausedFor(now = Date.now()): number {
		return Math.max(0, this.pauseUntil - now);
	}

	private callToJoin(request: CallRequest<unknown, unknown>): PendingCall {
		const fits = (call: PendingCall) =>
			call.open &&
			call.route === request.route &&
			call.count + request.entries.length <= request.maxEntries &&
			call.bytes + request.bytes <= request.maxBytes &&
			request.contacts.every((contact) => !call.contacts.has(contact));
		const existing = request.combine ? this.pending.find(fits) : undefined;
		if (existing) return existing;
		const call: PendingCall = { route: request.route, waiting: [], count: 0, bytes: 0, contacts: new Set(), open: request.combine, openedAt: Date.now() };
		this.pending.push(call);
		return call;
	}

	/** Starts every call that may go now, in the order they were asked for; sets a timer for the next one that must wait. */
	private pump(): void {
		const now = Date.now();
		let wakeAt = Infinity;
		const blockedContacts = new Map<string, Set<string>>();
		for (const call of [...this.pending]) {
			if (!this.mayGo(call, blockedContacts)) {
				let blocked = blockedContacts.get(call.route);
				if (!blocked) blockedContacts.set(call.route, (blocked = new Set()));
				for (const contact of call.contacts) blocked.add(contact);
				continue;
			}
			const wait = this.waitFor(call, now);
			if (wait > 0) {
				// Stryker disable next-line ArithmeticOperator: a wake-up too early only looks again (each ms until the wait is over): the same call starts at the same time.
				wakeAt = Math.min(wakeAt, now + wait);
				break; // the calls behind it wait for their turn too
			}
			this.start(call, now);
		}
		this.wakeAt(wakeAt, now);
	}

	/**
	 * Whether the call may go as far as its route is concerned: no contact of it in a call in flight
	 * or in an earlier call still waiting, and (a combined call) no combined call of its route in
	 * flight, so that what arrives meanwhile joins it. A bulk run's calls (not combined) hold no
	 * combined call: a chatbot's message would otherwise wait for the whole run.
	 */
	private mayGo(call: PendingCall, blockedContacts: Map<string, Set<string>>): boolean {
		for (const flying of this.inFlight) {
			if (flying.route !== call.route) continue;
			if (call.open && flying.open) return false;
			for (const contact of call.contacts) if (flying.contacts.has(contact)) return false;
		}
		const blocked = blockedContacts.get(call.route);
		for (const contact of call.contacts) if (blocked?.has(contact)) return false;
		return true;
	}

	/**
	 * Milliseconds the call still waits for budget (Infinity: until a call under way answers): none
	 * while the window can carry what is asked for.
	 */
	private waitFor(call: PendingCall, now: number): number {
		if (now < this.pauseUntil) return this.pauseUntil - now;
		if (this.callsLeft(now) <= 0) {
			// With no call under way, only a known window not reset yet has no call left (callsLeft): wait for its reset.
			return this.inFlight.size === 0 ? (this.budget as { resetAt: number }).resetAt - now : Infinity;
		}
		const interval = this.spacingMs(now);
		const untilSlot = this.lastStartAt + interval - now;
		const lingerLeft = call.openedAt + MAX_LINGER_MS - now;
		return Math.max(0, Math.min(untilSlot, lingerLeft));
	}

	/**
	 * The time between call starts that keeps within the budget, or 0 when the calls asked for at
	 * the current rate fit in what is left of the window.
	 */
	private spacingMs(now: number): number {
		// A window already reset leaves msLeft <= 0: no spacing, as asked * msLeft <= 0 <= left.
		if (typeof this.budget !== 'object') return 0;
		const left = Math.max(0, this.budget.remaining - this.inFlight.size) * BUDGET_SHARE;
		const msLeft = this.budget.resetAt - now;
		this.forgetAsked(now);
		const askedPerMs = this.asked.length / DEMAND_WINDOW_MS;
		if (askedPerMs * msLeft <= left) return 0;
		// left > 0 here: waitFor asks only while callsLeft (remaining - calls under way) > 0.
		return msLeft / left;
	}

	/**
	 * Calls that may start now as far as the window goes: what the last answer said is left, less the
	 * calls under way. Before the first answer of a window, one call at a time finds out.
	 */
	private callsLeft(now: number): number {
		if (this.budget === 'none') return Infinity;
		if (!this.budget || this.budget.resetAt <= now) return this.inFlight.size === 0 ? 1 : 0;
		return this.budget.remaining - this.inFlight.size;
	}

	private start(call: PendingCall, now: number): void {
		this.pending.splice(this.pending.indexOf(call), 1);
		this.lastStartAt = now;
		this.inFlight.add(call);
		void this.send(call).finally(() => {
			this.inFlight.delete(call);
			this.pump();
		});
	}

	/**
	 * One Emarsys call for every request in the call, sent as its first request not cancelled sends
	 * it. n8n aborts the requests of a cancelled execution: a call cut off that way is sent again
	 * for the others (batch calls are safe to repeat: see each operation's `retryable`). A merged
	 * call refused for what it carries is split: each request goes again in a call of its own
	 * (queued now; it starts once this call has freed its contacts).
	 */
	private async send(call: PendingCall): Promise<void> {
		const entries = call.waiting.flatMap((waiting) => waiting.request.entries);
		const allCancelled = () => call.waiting.every((waiting) => waiting.request.cancelled());
		let failure: unknown = new Error('Every execution waiting for this call was cancelled');
		for (const sender of call.waiting) {
			if (sender.request.cancelled()) continue;
			try {
				const answer = await sender.request.send(entries, allCancelled);
				for (const waiting of call.waiting) waiting.resolve({ answer, entries, offset: waiting.offset });
				return;
			} catch (error) {
				failure = error;
				if (!sender.request.cancelled()) break;
			}
		}
		const split = call.waiting.length > 1 && call.waiting[0].request.refusedForItsData?.(failure) === true;
		for (const waiting of call.waiting) {
			if (split) void this.submit({ ...waiting.request, combine: false }).then(waiting.resolve, waiting.reject);
			else waiting.reject(failure);
		}
	}

	/** Looks again at `at`, unless it already will by then (a later wake-up that fires anyway only looks again: harmless). */
	private wakeAt(at: number, now: number): void {
		// Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: more wake-ups (or one for Infinity, which Node.js fires after 1 ms) only look again; pump decides what starts.
		if (at === Infinity || at >= this.wakeTime) return;
		this.wakeTime = at;
		void sleep(Math.max(1, at - now)).then(() => {
			// Stryker disable next-line ConditionalExpression: forgetting a later wake-up only sets another one; pump decides what starts.
			if (this.wakeTime === at) this.wakeTime = Infinity;
			this.pump();
		});
	}
}

/** The dispatchers of this process, one per API user (base URL and user name or client ID). */
const dispatchers = new Map<string, Dispatcher>();

export function dispatcherFor(apiUser: string): Dispatcher {
	let dispatcher = dispatchers.get(apiUser);
	if (!dispatcher) dispatchers.set(apiUser, (dispatcher = new Dispatcher()));
	return dispatcher;
}
