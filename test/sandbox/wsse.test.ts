import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { client, signWsse } from './util';

/*
 * Hand-computed vector (shell, not code under test):
 *   printf '%s' "d36e3162829ed4c89851497a717f2014-03-20T12:51:45Zsandbox-wsse-secret-7Qe2" | sha1sum
 *     -> cef82cb18c83e6ac9ee513ede1650e45d1278fa3
 *   printf '%s' cef82cb18c83e6ac9ee513ede1650e45d1278fa3 | base64
 *     -> Y2VmODJjYjE4YzgzZTZhYzllZTUxM2VkZTE2NTBlNDVkMTI3OGZhMw==
 *   base64 of the raw 20 digest bytes (the WRONG algorithm) -> zvgssYyD5qye5RPt4WUORdEnj6M=
 */
const VECTOR = {
	nonce: 'd36e3162829ed4c89851497a717f',
	created: '2014-03-20T12:51:45Z',
	secret: 'sandbox-wsse-secret-7Qe2',
	hexBase64Digest: 'Y2VmODJjYjE4YzgzZTZhYzllZTUxM2VkZTE2NTBlNDVkMTI3OGZhMw==',
	rawBytesDigest: 'zvgssYyD5qye5RPt4WUORdEnj6M=',
};

function header(user: string, digest: string, nonce: string, created: string): string {
	return `UsernameToken Username="${user}", PasswordDigest="${digest}", Nonce="${nonce}", Created="${created}"`;
}

describe('sandbox WSSE authentication (v2)', () => {
	let sb: TestSandbox;
	const api = () => client(`${sb.v2}/`);
	const user = () => sb.credentials.wsseUser;
	const secret = () => sb.credentials.wsseSecret;

	beforeAll(async () => {
		sb = await startTestSandbox();
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	it('the local signer reproduces the hand-computed vector', () => {
		expect(signWsse('u', VECTOR.secret, { nonce: VECTOR.nonce, created: VECTOR.created })).toContain(
			`PasswordDigest="${VECTOR.hexBase64Digest}"`,
		);
	});

	it('accepts the hand-computed digest when the server clock is at its Created time', async () => {
		const skew = Math.round((Date.parse(VECTOR.created) - Date.now()) / 1000);
		await sb.setFaults({ clockSkewSeconds: skew });
		const res = await api().get('settings', {
			headers: { 'X-WSSE': header(user(), VECTOR.hexBase64Digest, VECTOR.nonce, VECTOR.created) },
		});
		expect(res.status).toBe(200);
		expect(res.data.replyCode).toBe(0);
		expect(res.data.replyText).toBe('OK');
	});

	it('rejects base64 of the raw SHA-1 bytes (the digest must be of the hex string)', async () => {
		const skew = Math.round((Date.parse(VECTOR.created) - Date.now()) / 1000);
		await sb.setFaults({ clockSkewSeconds: skew });
		const res = await api().get('settings', {
			headers: { 'X-WSSE': header(user(), VECTOR.rawBytesDigest, VECTOR.nonce, VECTOR.created) },
		});
		expect(res.status).toBe(401);
		const [entry] = await sb.getLog();
		expect(entry.authError).toBe('bad_digest');
	});

	it('sends the server clock in the Date header (shifted by clockSkewSeconds)', async () => {
		await sb.setFaults({ clockSkewSeconds: -3600 });
		const res = await api().get('settings');
		const serverTime = Date.parse(res.headers.date as string);
		expect(Math.abs(serverTime - (Date.now() - 3600_000))).toBeLessThan(60_000);
		// a request signed with the client's (now 1 h ahead) clock is outside the window
		expect(res.status).toBe(401);
		const signedWithServerClock = await api().get('settings', {
			headers: { 'X-WSSE': signWsse(user(), secret(), { created: new Date(serverTime).toISOString() }) },
		});
		expect(signedWithServerClock.status).toBe(200);
	});

	it('accepts a freshly signed request and logs the user and scheme', async () => {
		const res = await api().get('settings', { headers: { 'X-WSSE': signWsse(user(), secret()) } });
		expect(res.status).toBe(200);
		expect(res.data).toMatchObject({ replyCode: 0, replyText: 'OK' });
		const [entry] = await sb.getLog();
		expect(entry).toMatchObject({ method: 'GET', path: '/api/v2/settings', auth: 'wsse', user: user(), status: 200, replyCode: 0 });
	});

	it('accepts the alternative header name WSSE and a Created with a zone offset', async () => {
		// "now" written as local time in the +01:00 zone
		const d = new Date(Date.now() + 3600_000);
		const pad = (n: number) => String(n).padStart(2, '0');
		const local = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}+01:00`;
		const res = await api().get('settings', { headers: { WSSE: signWsse(user(), secret(), { created: local }) } });
		expect(res.status).toBe(200);
	});

	const INVALID = 'Credentials are invalid';
	const TIME_FRAME = 'Unauthorized Time frame is invalid';
	it.each([
		['an unknown user', () => signWsse('someone_else', secret()), 'unknown_user', INVALID],
		['a wrong secret', () => signWsse(user(), 'not-the-secret'), 'bad_digest', INVALID],
		['Created 6 minutes ago', () => signWsse(user(), secret(), { created: new Date(Date.now() - 6 * 60_000).toISOString() }), 'stale_created', TIME_FRAME],
		['Created 6 minutes ahead', () => signWsse(user(), secret(), { created: new Date(Date.now() + 6 * 60_000).toISOString() }), 'stale_created', TIME_FRAME],
		['a Created that is not ISO 8601', () => signWsse(user(), secret(), { created: 'yesterday' }), 'malformed', INVALID],
		['a header that is not a UsernameToken', () => 'Basic abc', 'malformed', INVALID],
		['a UsernameToken without Nonce', () => `UsernameToken Username="${user()}", PasswordDigest="x", Created="${new Date().toISOString()}"`, 'malformed', INVALID],
	])('rejects %s with HTTP 401 and an Emarsys body', async (_name, make, reason, text) => {
		const res = await api().get('settings', { headers: { 'X-WSSE': make() } });
		expect(res.status).toBe(401);
		expect(res.data).toEqual({ replyCode: 1, replyText: text, data: '' });
		const [entry] = await sb.getLog();
		expect(entry.authError).toBe(reason);
		expect(entry.status).toBe(401);
	});

	it('rejects a nonce that was already used', async () => {
		const nonce = 'a3f1c2d4e5f60718293a4b5c6d7e8f90';
		const created = new Date().toISOString();
		const first = await api().get('settings', { headers: { 'X-WSSE': signWsse(user(), secret(), { nonce, created }) } });
		expect(first.status).toBe(200);
		const replay = await api().get('settings', { headers: { 'X-WSSE': signWsse(user(), secret(), { nonce, created }) } });
		expect(replay.status).toBe(401);
		const sameNonceNewTime = await api().get('field', {
			headers: { 'X-WSSE': signWsse(user(), secret(), { nonce, created: new Date(Date.now() + 1000).toISOString() }) },
		});
		expect(sameNonceNewTime.status).toBe(401);
		const log = await sb.getLog();
		expect(log.map((e) => e.authError)).toEqual([undefined, 'nonce_reused', 'nonce_reused']);
	});

	it('answers 401 without any credentials and for a Bearer token on v2', async () => {
		const none = await api().get('field');
		expect(none.status).toBe(401);
		const token = await sb.getAccessToken();
		const bearer = await api().get('field', { headers: { Authorization: `Bearer ${token}` } });
		expect(bearer.status).toBe(401);
		expect(bearer.data.replyCode).toBe(1);
	});

	it('uses credentials given by options instead of the defaults', async () => {
		const custom = await startTestSandbox({ wsseUser: 'custom_user', wsseSecret: 'custom-secret' });
		try {
			const c = client(`${custom.v2}/`);
			expect((await c.get('settings', { headers: { 'X-WSSE': signWsse('custom_user', 'custom-secret') } })).status).toBe(200);
			expect((await c.get('settings', { headers: { 'X-WSSE': signWsse(user(), secret()) } })).status).toBe(401);
		} finally {
			await custom.stop();
		}
	});
});
