/**
 * WSSE signer. Expected digests were computed by hand in a shell, independent of the code:
 *   printf '%s' "<nonce><created><secret>" | sha1sum        -> lowercase hex
 *   printf '%s' "<that hex>" | base64                         -> PasswordDigest
 */
import { EmarsysApi } from '../../credentials/EmarsysApi.credentials';
import {
	createWsseHeader,
	wsseCreated,
	wsseNonce,
	wssePasswordDigest,
} from '../../nodes/Emarsys/helpers/wsse';

describe('wssePasswordDigest', () => {
	it('is base64 of the lowercase hex SHA-1 of nonce + created + secret', () => {
		// sha1 hex: d84e210fa4f5ddacc38a41131df3905b75e323d5
		expect(wssePasswordDigest('d36e316282959a9ed4c89851497a717f', '2026-01-31T09:05:00Z', 's3cr3t')).toBe(
			'ZDg0ZTIxMGZhNGY1ZGRhY2MzOGE0MTEzMWRmMzkwNWI3NWUzMjNkNQ==',
		);
	});

	it('hashes the UTF-8 bytes of non-ASCII secrets and accepts offsets in Created', () => {
		// sha1 hex: 14d1f24e06665cb6ec7410cb5cc53cb92d4ad7dd
		expect(wssePasswordDigest('abc', '2014-03-20T17:05:49+00:00', 'sándbox-ünïcode')).toBe(
			'MTRkMWYyNGUwNjY2NWNiNmVjNzQxMGNiNWNjNTNjYjkyZDRhZDdkZA==',
		);
	});
});

describe('createWsseHeader', () => {
	it('formats the UsernameToken header with the given nonce and Created', () => {
		expect(
			createWsseHeader('customer001', 's3cr3t', { nonce: 'd36e316282959a9ed4c89851497a717f', created: '2026-01-31T09:05:00Z' }),
		).toBe(
			'UsernameToken Username="customer001", PasswordDigest="ZDg0ZTIxMGZhNGY1ZGRhY2MzOGE0MTEzMWRmMzkwNWI3NWUzMjNkNQ==", Nonce="d36e316282959a9ed4c89851497a717f", Created="2026-01-31T09:05:00Z"',
		);
	});

	it('uses a fresh nonce and the current UTC time when none are given', () => {
		const before = Date.now();
		const first = createWsseHeader('u', 's');
		const second = createWsseHeader('u', 's');
		const nonceOf = (header: string) => /Nonce="([^"]+)"/.exec(header)?.[1];
		const createdOf = (header: string) => /Created="([^"]+)"/.exec(header)?.[1] ?? '';
		expect(nonceOf(first)).toMatch(/^[0-9a-f]{32}$/);
		expect(nonceOf(first)).not.toBe(nonceOf(second));
		expect(createdOf(first)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
		const created = Date.parse(createdOf(first));
		expect(created).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
		expect(created).toBeLessThanOrEqual(Date.now());
	});

	it('formats Created as UTC without milliseconds', () => {
		expect(wsseCreated(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)))).toBe('2026-01-02T03:04:05Z');
		expect(wsseNonce()).toMatch(/^[0-9a-f]{32}$/);
	});
});

describe('EmarsysApi credential authenticate', () => {
	it('adds an X-WSSE header for the username that verifies with the secret', async () => {
		const credential = new EmarsysApi();
		const authenticate = credential.authenticate as (
			credentials: Record<string, unknown>,
			options: { url: string; headers?: Record<string, string> },
		) => Promise<{ headers: Record<string, string> }>;
		const result = await authenticate(
			{ username: 'customer001', secret: 's3cr3t', baseUrl: 'https://api.emarsys.net/api/v2' },
			{ url: 'https://api.emarsys.net/api/v2/settings', headers: { Accept: 'application/json' } },
		);
		const header = result.headers['X-WSSE'];
		expect(result.headers.Accept).toBe('application/json');
		const parts = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
		expect(header.startsWith('UsernameToken ')).toBe(true);
		expect(parts.Username).toBe('customer001');
		expect(parts.PasswordDigest).toBe(wssePasswordDigest(parts.Nonce, parts.Created, 's3cr3t'));
		expect(header).not.toContain('s3cr3t');
	});
});
