/**
 * Bare signed HTTP calls with axios — what a script without n8n would do. Signs with the node's
 * own WSSE module (one place for the algorithm). Used by the floor, the per-item baseline and
 * for seeding contacts. Errors carry method, endpoint, status and replyCode only (never headers).
 */
import axios, { type AxiosInstance, type Method } from 'axios';

import { createWsseHeader } from '../../nodes/Emarsys/helpers/wsse';

export interface EmarsysAnswer {
	replyCode: number;
	replyText: string;
	data: unknown;
}

/** What the floor and the per-item baseline call Emarsys with. */
export interface EmarsysCaller {
	call(method: Method, endpoint: string, body?: unknown, params?: Record<string, string>): Promise<EmarsysAnswer>;
}

export class SignedClient implements EmarsysCaller {
	private readonly http: AxiosInstance;

	calls = 0;

	constructor(
		/** `${sandbox}/api/v2` */
		baseUrl: string,
		private readonly username: string,
		private readonly secret: string,
	) {
		this.http = axios.create({ baseURL: baseUrl, validateStatus: () => true, timeout: 120_000 });
	}

	async call(method: Method, endpoint: string, body?: unknown, params?: Record<string, string>): Promise<EmarsysAnswer> {
		this.calls++;
		const res = await this.http.request({
			method,
			url: endpoint,
			data: body,
			params,
			headers: {
				'X-WSSE': createWsseHeader(this.username, this.secret),
				Accept: 'application/json',
				...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
			},
		});
		const answer = res.data as EmarsysAnswer | undefined;
		if (res.status !== 200 || !answer || answer.replyCode !== 0) {
			throw new Error(
				`${method} ${endpoint}: HTTP ${res.status}, replyCode ${answer?.replyCode ?? '-'} ${answer?.replyText ?? ''}`.trim(),
			);
		}
		return answer;
	}
}
