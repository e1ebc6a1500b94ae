/**
 * Fault injection for tests, benchmarks and the fault suite (`PUT /__sandbox/faults`).
 * These knobs do not exist in Emarsys; they make the failures Emarsys can produce reproducible.
 * They act on API requests (`/api/v2/...`, `/api/v3/...`) only, never on the hooks.
 */
export interface FaultSettings {
	/** Added delay before every API request is handled. */
	latencyMs?: number;
	/** Fraction `rate` (0..1) of API requests answered with `status` and an Emarsys-style body. */
	errorRate?: { status: number; rate: number };
	/** Every API request answers 429 for the next N seconds (set time). */
	rateLimitForSeconds?: number;
	/** The next N API answers are truncated JSON. */
	malformedJsonCount?: number;
	/** The next N API requests never answer (the socket is held until the client gives up). */
	hangCount?: number;
	/** Every API answer is dribbled out over this many milliseconds. */
	slowMs?: number;
	/** The server clock is shifted by this many seconds (WSSE Created window, token expiry, rate windows). */
	clockSkewSeconds?: number;
	/**
	 * The next `count` API requests (only those to `endpoint`, e.g. "contact" or "event/1001/trigger",
	 * when given) are processed in full — contacts written, events recorded — and then the
	 * connection is closed without an answer: "processed, but the answer was lost".
	 */
	lostAnswer?: { count: number; endpoint?: string };
	/**
	 * The next N requests for a segment's contacts (`GET filter/{id}/contacts`) answer HTTP 202,
	 * replyCode 10001 "The segment is currently evaluated." — what Emarsys answers while it runs
	 * the segment ("Call this resource again until you see the result", api docs "Listing
	 * Contacts in a Segment").
	 */
	segmentEvaluatingCount?: number;
	/**
	 * API requests whose body holds this text are refused as a whole, as Emarsys refuses a payload
	 * it cannot read: HTTP 400, replyCode 1010 "Invalid request payload.", nothing changed. Lets a
	 * test make one execution's data spoil a call it shares with others.
	 */
	refuseBodyWith?: string;
}

export interface FaultState extends FaultSettings {
	/** Unix ms until which every API request answers 429 (derived from rateLimitForSeconds). */
	rateLimitUntil?: number;
}

export class Faults {
	state: FaultState = {};

	clear(): void {
		this.state = {};
	}

	/** Validate and merge settings; returns an error text for bad input. */
	apply(input: unknown, realNow: number): string | undefined {
		if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'Body must be a JSON object';
		const o = input as Record<string, unknown>;
		const next: FaultState = { ...this.state };
		const num = (k: keyof FaultSettings, min: number, max: number): string | undefined => {
			if (!(k in o)) return undefined;
			const v = o[k];
			if (v === null) {
				delete next[k];
				return undefined;
			}
			if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) return `${k} must be a number between ${min} and ${max}`;
			(next as Record<string, unknown>)[k] = v;
			return undefined;
		};
		const errors = [
			num('latencyMs', 0, 600_000),
			num('malformedJsonCount', 0, 1_000_000),
			num('hangCount', 0, 1_000_000),
			num('slowMs', 0, 600_000),
			num('clockSkewSeconds', -100 * 366 * 86400, 100 * 366 * 86400),
			num('rateLimitForSeconds', 0, 86_400),
			num('segmentEvaluatingCount', 0, 1_000_000),
		].filter(Boolean);
		if (errors.length) return errors[0];
		if ('errorRate' in o) {
			const er = o.errorRate as Record<string, unknown> | null;
			if (er === null) delete next.errorRate;
			else if (
				typeof er !== 'object' ||
				typeof er.status !== 'number' ||
				!Number.isInteger(er.status) ||
				er.status < 400 ||
				er.status > 599 ||
				typeof er.rate !== 'number' ||
				er.rate < 0 ||
				er.rate > 1
			) {
				return 'errorRate must be { status: 400..599, rate: 0..1 }';
			} else next.errorRate = { status: er.status, rate: er.rate };
		}
		if ('refuseBodyWith' in o) {
			const text = o.refuseBodyWith;
			if (text === null) delete next.refuseBodyWith;
			else if (typeof text !== 'string' || text === '') return 'refuseBodyWith must be a non-empty string';
			else next.refuseBodyWith = text;
		}
		if ('lostAnswer' in o) {
			const la = o.lostAnswer as Record<string, unknown> | null;
			if (la === null) delete next.lostAnswer;
			else if (
				typeof la !== 'object' ||
				typeof la.count !== 'number' ||
				!Number.isInteger(la.count) ||
				la.count < 0 ||
				(la.endpoint !== undefined && typeof la.endpoint !== 'string')
			) {
				return 'lostAnswer must be { count: integer >= 0, endpoint?: string }';
			} else next.lostAnswer = { count: la.count, ...(la.endpoint ? { endpoint: la.endpoint.replace(/^\/+|\/+$/g, '') } : {}) };
		}
		if (typeof next.rateLimitForSeconds === 'number' && 'rateLimitForSeconds' in o) {
			next.rateLimitUntil = realNow + (next.clockSkewSeconds ?? 0) * 1000 + next.rateLimitForSeconds * 1000;
		}
		if ('rateLimitForSeconds' in o && o.rateLimitForSeconds === null) delete next.rateLimitUntil;
		this.state = next;
		return undefined;
	}

	takeHang(): boolean {
		if (this.state.hangCount && this.state.hangCount > 0) {
			this.state.hangCount--;
			return true;
		}
		return false;
	}

	/** True when this request (path below /api/vN/, no slashes around) loses its answer. */
	takeLostAnswer(endpoint: string): boolean {
		const la = this.state.lostAnswer;
		if (!la || la.count <= 0 || (la.endpoint !== undefined && la.endpoint !== endpoint)) return false;
		la.count--;
		return true;
	}

	/** True when a request with this body is refused as a whole (refuseBodyWith). */
	refusesBody(body: string): boolean {
		return this.state.refuseBodyWith !== undefined && body.includes(this.state.refuseBodyWith);
	}

	takeSegmentEvaluating(): boolean {
		if (this.state.segmentEvaluatingCount && this.state.segmentEvaluatingCount > 0) {
			this.state.segmentEvaluatingCount--;
			return true;
		}
		return false;
	}

	takeMalformed(): boolean {
		if (this.state.malformedJsonCount && this.state.malformedJsonCount > 0) {
			this.state.malformedJsonCount--;
			return true;
		}
		return false;
	}
}
