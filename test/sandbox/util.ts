/**
 * Helpers for the sandbox's own tests. The WSSE signer here is written from the Emarsys
 * algorithm, independently of sandbox/auth.ts, so the tests do not check the sandbox against
 * itself: PasswordDigest = base64( hex( sha1( nonce + created + secret ) ) ).
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';

import axios, { type AxiosInstance, type AxiosResponse } from 'axios';

export function signWsse(user: string, secret: string, opts: { nonce?: string; created?: string } = {}): string {
	const nonce = opts.nonce ?? randomBytes(16).toString('hex');
	const created = opts.created ?? new Date().toISOString();
	const hexDigest = createHash('sha1').update(`${nonce}${created}${secret}`).digest('hex');
	const digest = Buffer.from(hexDigest).toString('base64');
	return `UsernameToken Username="${user}", PasswordDigest="${digest}", Nonce="${nonce}", Created="${created}"`;
}

/** axios instance that never throws on HTTP status. */
export function client(baseURL: string): AxiosInstance {
	return axios.create({ baseURL, validateStatus: () => true, proxy: false });
}

export interface WsseCreds {
	wsseUser: string;
	wsseSecret: string;
}

/** v2 call signed with a fresh WSSE header. */
export function v2(
	baseUrl: string,
	creds: WsseCreds,
	method: 'GET' | 'POST' | 'PUT' | 'DELETE',
	path: string,
	data?: unknown,
): Promise<AxiosResponse> {
	return client(`${baseUrl}/api/v2/`).request({
		method,
		url: path,
		data,
		headers: { 'X-WSSE': signWsse(creds.wsseUser, creds.wsseSecret), 'Content-Type': 'application/json' },
	});
}

/** Raw HTTP request that returns the header names exactly as sent on the wire. */
export function rawRequest(
	url: string,
	opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; rawHeaders: string[]; body: string }> {
	return new Promise((resolve, reject) => {
		const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString('utf8') }));
			res.on('error', reject);
		});
		req.on('error', reject);
		if (opts.body !== undefined) req.write(opts.body);
		req.end();
	});
}
