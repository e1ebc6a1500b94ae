/**
 * Small shared pieces for route handlers: the Emarsys reply envelope and the route context.
 *
 * Verified: every Emarsys Core API answer is `{replyCode, replyText, data}`; replyCode 0 with
 * replyText "OK" is success; error answers carry `data: ""` (examples in the Core API reference).
 */
import type { ContactStore } from './store';

export interface EmarsysBody {
	replyCode: number;
	replyText: string;
	data: unknown;
}

export interface Reply {
	status: number;
	body: EmarsysBody;
	headers?: Record<string, string>;
}

export interface RouteContext {
	method: string;
	/** Segments after `/api/v2/` (or v3), empty segments removed: `contact/getdata` -> ['contact','getdata']. */
	segments: string[];
	query: URLSearchParams;
	/** Parsed JSON body; `undefined` when the request had no body. */
	body: unknown;
	store: ContactStore;
	api: 'v2' | 'v3';
}

export function ok(data: unknown): Reply {
	return { status: 200, body: { replyCode: 0, replyText: 'OK', data } };
}

export function fail(status: number, replyCode: number, replyText: string, data: unknown = ''): Reply {
	return { status, body: { replyCode, replyText, data } };
}

export function isObject(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Emarsys is written in PHP: an empty associative array is JSON-encoded as `[]`, a non-empty one
 * as an object. The docs show exactly this for batch `errors` ("errors": [] when nothing failed).
 */
export function phpAssoc(o: Record<string, unknown>): Record<string, unknown> | [] {
	return Object.keys(o).length ? o : [];
}
