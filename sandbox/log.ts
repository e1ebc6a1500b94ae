/**
 * Request log for tests (`GET /__sandbox/log`). It records what a client sent and what the
 * sandbox answered — never a secret: no headers are stored at all (so no X-WSSE digest, bearer
 * token or Basic credentials), only the scheme and the claimed user name / client id, and the
 * token endpoint's form body is stored with `client_secret` / `client_assertion` removed.
 */
import type { AuthFailure } from './auth';

export interface LogEntry {
	seq: number;
	time: string;
	method: string;
	/** Path without query string, e.g. `/api/v2/contact/getdata`. */
	path: string;
	query: Record<string, string | string[]>;
	/** Parsed JSON body, form fields for the token endpoint, the raw text when it is not JSON, or null. */
	body: unknown;
	auth: 'wsse' | 'bearer' | 'basic' | 'none';
	user?: string;
	status: number;
	replyCode?: number;
	/** Why authentication failed (sandbox-only diagnostic). */
	authError?: AuthFailure;
	/** Fault that shaped this answer (sandbox-only diagnostic). */
	fault?: 'latency' | 'error' | 'rateLimitWindow' | 'malformedJson' | 'hang' | 'slow' | 'lostAnswer' | 'refuseBodyWith';
	/** API generation, for /api/ requests. */
	api?: 'v2' | 'v3';
}

/** The log keeps at least the last MAX_ENTRIES requests (and at most TRIM_STEP more). */
const MAX_ENTRIES = 200_000;
const TRIM_STEP = 50_000;

export class RequestLog {
	private entries: LogEntry[] = [];
	private seq = 0;

	add(entry: Omit<LogEntry, 'seq' | 'time'>): LogEntry {
		const full: LogEntry = { seq: ++this.seq, time: new Date().toISOString(), ...entry };
		this.entries.push(full);
		// Trimmed in steps (trimming on every add is quadratic once the log is full).
		if (this.entries.length > MAX_ENTRIES + TRIM_STEP) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
		return full;
	}

	clear(): void {
		this.entries = [];
	}

	get lastSeq(): number {
		return this.seq;
	}

	list(since: number, withBodies: boolean): LogEntry[] {
		let start = 0;
		if (since > 0) {
			// entries are sorted by seq: binary search the first entry after `since`
			let lo = 0;
			let hi = this.entries.length;
			while (lo < hi) {
				const mid = (lo + hi) >>> 1;
				if (this.entries[mid].seq <= since) lo = mid + 1;
				else hi = mid;
			}
			start = lo;
		}
		const slice = this.entries.slice(start);
		return withBodies ? slice : slice.map(({ body: _body, ...rest }) => ({ ...rest, body: undefined }));
	}
}
