import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { client, signWsse } from './util';

function basic(id: string, secret: string): string {
	return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('sandbox OAuth 2.0 token endpoint and v3 Bearer authentication', () => {
	let sb: TestSandbox;
	const http = () => client(sb.url);
	const id = () => sb.credentials.oidcClientId;
	const secret = () => sb.credentials.oidcClientSecret;

	beforeAll(async () => {
		sb = await startTestSandbox();
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	async function token(): Promise<{ status: number; data: Record<string, unknown>; headers: Record<string, unknown> }> {
		const res = await http().post('/oauth2/token', 'grant_type=client_credentials', {
			headers: { ...FORM, Authorization: basic(id(), secret()) },
		});
		return { status: res.status, data: res.data, headers: res.headers as Record<string, unknown> };
	}

	it('issues a Bearer token for client_credentials with Basic client authentication', async () => {
		const res = await token();
		expect(res.status).toBe(200);
		expect(res.data).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
		expect((res.data.access_token as string).length).toBeGreaterThan(20);
		expect(res.headers['cache-control']).toBe('no-store');
	});

	it('serves the API under /api/v3 with the Bearer token', async () => {
		const { data } = await token();
		const res = await client(`${sb.v3}/`).get('field', { headers: { Authorization: `Bearer ${data.access_token}` } });
		expect(res.status).toBe(200);
		expect(res.data.replyCode).toBe(0);
		expect(res.data.data.find((f: { id: number }) => f.id === 3)).toMatchObject({ name: 'E-Mail', string_id: 'email' });
		const entry = (await sb.getLog()).find((e) => e.path === '/api/v3/field');
		expect(entry).toMatchObject({ auth: 'bearer', user: id(), status: 200, api: 'v3' });
	});

	it('rejects a wrong client secret with 401 invalid_client', async () => {
		const res = await http().post('/oauth2/token', 'grant_type=client_credentials', {
			headers: { ...FORM, Authorization: basic(id(), 'wrong-secret') },
		});
		expect(res.status).toBe(401);
		expect(res.data.error).toBe('invalid_client');
		expect(res.headers['www-authenticate']).toMatch(/^Basic/);
	});

	it('rejects an unknown client, a missing Basic header and credentials in the body', async () => {
		const unknown = await http().post('/oauth2/token', 'grant_type=client_credentials', {
			headers: { ...FORM, Authorization: basic('nobody', secret()) },
		});
		expect(unknown.status).toBe(401);
		const missing = await http().post('/oauth2/token', 'grant_type=client_credentials', { headers: FORM });
		expect(missing.status).toBe(401);
		expect(missing.data.error).toBe('invalid_client');
		const inBody = await http().post(
			'/oauth2/token',
			`grant_type=client_credentials&client_id=${id()}&client_secret=${secret()}`,
			{ headers: FORM },
		);
		expect(inBody.status).toBe(401);
	});

	it('rejects unsupported grant types with 400 unsupported_grant_type, a missing one with invalid_request', async () => {
		const pw = await http().post('/oauth2/token', 'grant_type=password&username=a&password=b', {
			headers: { ...FORM, Authorization: basic(id(), secret()) },
		});
		expect(pw.status).toBe(400);
		expect(pw.data.error).toBe('unsupported_grant_type');
		const none = await http().post('/oauth2/token', '', { headers: { ...FORM, Authorization: basic(id(), secret()) } });
		expect(none.status).toBe(400);
		expect(none.data.error).toBe('invalid_request');
		const get = await http().get('/oauth2/token', { headers: { Authorization: basic(id(), secret()) } });
		expect(get.status).toBe(405);
	});

	it('answers 401 on v3 without a token, with an unknown token, and with WSSE', async () => {
		const v3 = client(`${sb.v3}/`);
		const none = await v3.get('settings');
		expect(none.status).toBe(401);
		expect(none.data).toEqual({ replyCode: 1, replyText: 'Credentials are invalid', data: '' });
		const bogus = await v3.get('settings', { headers: { Authorization: 'Bearer not-a-token' } });
		expect(bogus.status).toBe(401);
		expect(bogus.headers['www-authenticate']).toContain('invalid_token');
		const wsse = await v3.get('settings', { headers: { 'X-WSSE': signWsse(sb.credentials.wsseUser, sb.credentials.wsseSecret) } });
		expect(wsse.status).toBe(401);
	});

	it('expires tokens on request (hook) and by time (server clock moved past expires_in)', async () => {
		const v3 = client(`${sb.v3}/`);
		const first = (await token()).data.access_token as string;
		expect((await v3.get('settings', { headers: { Authorization: `Bearer ${first}` } })).status).toBe(200);
		await sb.expireTokens();
		const expired = await v3.get('settings', { headers: { Authorization: `Bearer ${first}` } });
		expect(expired.status).toBe(401);
		expect(expired.headers['www-authenticate']).toContain('expired');

		const second = (await token()).data.access_token as string;
		expect((await v3.get('settings', { headers: { Authorization: `Bearer ${second}` } })).status).toBe(200);
		await sb.setFaults({ clockSkewSeconds: 3601 });
		expect((await v3.get('settings', { headers: { Authorization: `Bearer ${second}` } })).status).toBe(401);
		const log = await sb.getLog();
		expect(log.filter((e) => e.authError === 'expired_token')).toHaveLength(2);
	});

	it('uses the configured token lifetime and client credentials from options', async () => {
		const custom = await startTestSandbox({ oidcClientId: 'my-client', oidcClientSecret: 'my secret:with/odd+chars', tokenTtlSeconds: 120 });
		try {
			// RFC 6749 §2.3.1: id and secret are form-urlencoded before the Basic encoding.
			const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
			const res = await client(custom.url).post('/oauth2/token', 'grant_type=client_credentials', {
				headers: { ...FORM, Authorization: basic(enc('my-client'), enc('my secret:with/odd+chars')) },
			});
			expect(res.status).toBe(200);
			expect(res.data.expires_in).toBe(120);
		} finally {
			await custom.stop();
		}
	});
});
