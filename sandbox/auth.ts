/**
 * Authentication of the sandbox.
 *
 * WSSE (v2). Verified against the Emarsys authentication guide:
 *  - header `X-WSSE` (the guide: "you can also use the WSSE header name") with
 *    `UsernameToken Username="…", PasswordDigest="…", Nonce="…", Created="…"`;
 *  - PasswordDigest = base64( lowercase hex SHA-1 ( nonce + Created + secret ) ) — base64 of the
 *    40-character hex string, not of the 20 raw digest bytes;
 *  - Created is ISO 8601 with any time zone designator; requests more than 5 minutes from server
 *    time are rejected; a nonce must not be reused;
 *  - failures: HTTP 401, replyCode 1, "Credentials are invalid" (HTTP 401 errors page); a
 *    Created outside the window was observed answering replyCode 1 "Unauthorized Time frame is
 *    invalid" (emarsys-rb issue #13, which tells users to compare with the server's Date header).
 * Chosen: nonces are remembered per user for 10 minutes (twice the Created window, so a replayed
 * header is always caught); apart from the time frame, the reason of a rejection is recorded only
 * in the sandbox request log (`authError`), not in the answer.
 *
 * OAuth 2.0 client credentials (v3, token endpoint `POST /oauth2/token`): RFC 6749 §4.4 and §5.2.
 * Client authentication by HTTP Basic only (client_secret_basic); failures answer
 * 401 `{"error":"invalid_client"}` with `WWW-Authenticate: Basic`; a grant type other than
 * client_credentials answers 400 `unsupported_grant_type`. Tokens are opaque random strings
 * (clients must not parse them), expire after `tokenTtlSeconds`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type AuthFailure =
	| 'missing'
	| 'malformed'
	| 'unknown_user'
	| 'bad_digest'
	| 'nonce_reused'
	| 'stale_created'
	| 'wrong_scheme'
	| 'invalid_token'
	| 'expired_token';

export interface AuthResult {
	ok: boolean;
	scheme: 'wsse' | 'bearer' | 'basic' | 'none';
	/** WSSE username or OIDC client id that the request claims (never a secret). */
	user?: string;
	failure?: AuthFailure;
}

export interface WsseToken {
	username: string;
	digest: string;
	nonce: string;
	created: string;
}

/** Compute an Emarsys PasswordDigest. Exported for tests and tooling only. */
export function wsseDigest(nonce: string, created: string, secret: string): string {
	const hex = createHash('sha1').update(nonce + created + secret, 'utf8').digest('hex');
	return Buffer.from(hex, 'utf8').toString('base64');
}

export function parseWsse(header: string): WsseToken | undefined {
	const m = /^\s*UsernameToken\s+(.*)$/is.exec(header);
	if (!m) return undefined;
	const parts: Record<string, string> = {};
	const re = /(\w+)\s*=\s*"([^"]*)"/g;
	let p: RegExpExecArray | null;
	while ((p = re.exec(m[1])) !== null) parts[p[1].toLowerCase()] = p[2];
	const { username, passworddigest, nonce, created } = parts;
	if (!username || !passworddigest || !nonce || !created) return undefined;
	return { username, digest: passworddigest, nonce, created };
}

const CREATED_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
const WINDOW_MS = 5 * 60 * 1000;
const NONCE_TTL_MS = 2 * WINDOW_MS;

function safeEqual(a: string, b: string): boolean {
	const ab = Buffer.from(a, 'utf8');
	const bb = Buffer.from(b, 'utf8');
	return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export interface AuthConfig {
	wsseUser: string;
	wsseSecret: string;
	oidcClientId: string;
	oidcClientSecret: string;
	tokenTtlSeconds: number;
}

interface IssuedToken {
	clientId: string;
	expiresAt: number;
}

/** An API user added at run time (`POST /__sandbox/users`), with its own secret and permissions. */
export interface ExtraUser {
	scheme: 'wsse' | 'oidc';
	name: string;
	secret: string;
	permissions: ReadonlySet<string>;
}

export class Authenticator {
	private nonces = new Map<string, number>();
	private tokens = new Map<string, IssuedToken>();
	/** Added API users by scheme and name; the seeded WSSE user and OIDC client are not in here. */
	private extra = new Map<string, ExtraUser>();

	constructor(
		private readonly config: AuthConfig,
		private readonly now: () => number,
	) {}

	addUser(user: ExtraUser): void {
		this.extra.set(`${user.scheme}\u0000${user.name}`, user);
	}

	/** Permissions of an authenticated user; undefined means every permission (the seeded users). */
	permissionsOf(scheme: 'wsse' | 'oidc', name: string): ReadonlySet<string> | undefined {
		return this.extra.get(`${scheme}\u0000${name}`)?.permissions;
	}

	/** True for a user name or client id the sandbox knows (logged; an unknown name is never logged). */
	isKnown(name: string | undefined): boolean {
		if (name === undefined) return false;
		if (name === this.config.wsseUser || name === this.config.oidcClientId) return true;
		return this.extra.has(`wsse\u0000${name}`) || this.extra.has(`oidc\u0000${name}`);
	}

	private secretOf(scheme: 'wsse' | 'oidc', name: string): string | undefined {
		if (scheme === 'wsse' && name === this.config.wsseUser) return this.config.wsseSecret;
		if (scheme === 'oidc' && name === this.config.oidcClientId) return this.config.oidcClientSecret;
		return this.extra.get(`${scheme}\u0000${name}`)?.secret;
	}

	setTokenTtl(seconds: number): void {
		this.config.tokenTtlSeconds = seconds;
	}

	reset(): void {
		this.nonces.clear();
		this.tokens.clear();
		this.extra.clear();
	}

	/** Claimed identity, before verification (rate limiting is per API user). */
	claimedUser(headers: Record<string, string | string[] | undefined>): string | undefined {
		const wsse = header(headers, 'x-wsse') ?? header(headers, 'wsse');
		if (wsse) return parseWsse(wsse)?.username;
		const bearer = bearerToken(headers);
		if (bearer) return this.tokens.get(bearer)?.clientId;
		return undefined;
	}

	verifyWsse(headers: Record<string, string | string[] | undefined>): AuthResult {
		const raw = header(headers, 'x-wsse') ?? header(headers, 'wsse');
		if (!raw) {
			if (bearerToken(headers)) return { ok: false, scheme: 'bearer', failure: 'wrong_scheme' };
			return { ok: false, scheme: 'none', failure: 'missing' };
		}
		const token = parseWsse(raw);
		if (!token) return { ok: false, scheme: 'wsse', failure: 'malformed' };
		const base: AuthResult = { ok: false, scheme: 'wsse', user: token.username };
		const secret = this.secretOf('wsse', token.username);
		if (secret === undefined) return { ...base, user: undefined, failure: 'unknown_user' };
		if (!CREATED_RE.test(token.created)) return { ...base, failure: 'malformed' };
		const created = Date.parse(token.created);
		if (!Number.isFinite(created)) return { ...base, failure: 'malformed' };
		const now = this.now();
		if (Math.abs(now - created) > WINDOW_MS) return { ...base, failure: 'stale_created' };
		const expected = wsseDigest(token.nonce, token.created, secret);
		if (!safeEqual(expected, token.digest)) return { ...base, failure: 'bad_digest' };
		const nonceKey = `${token.username}\u0000${token.nonce}`;
		const seen = this.nonces.get(nonceKey);
		if (seen !== undefined && seen > now) return { ...base, failure: 'nonce_reused' };
		this.rememberNonce(nonceKey, now);
		return { ...base, ok: true };
	}

	private rememberNonce(key: string, now: number): void {
		if (this.nonces.size > 50_000) {
			for (const [k, exp] of this.nonces) if (exp <= now) this.nonces.delete(k);
		}
		this.nonces.set(key, now + NONCE_TTL_MS);
	}

	verifyBearer(headers: Record<string, string | string[] | undefined>): AuthResult {
		const token = bearerToken(headers);
		if (!token) {
			if (header(headers, 'x-wsse') ?? header(headers, 'wsse')) return { ok: false, scheme: 'wsse', failure: 'wrong_scheme' };
			const auth = header(headers, 'authorization');
			return { ok: false, scheme: auth ? 'basic' : 'none', failure: auth ? 'wrong_scheme' : 'missing' };
		}
		const issued = this.tokens.get(token);
		if (!issued) return { ok: false, scheme: 'bearer', failure: 'invalid_token' };
		if (issued.expiresAt <= this.now()) return { ok: false, scheme: 'bearer', user: issued.clientId, failure: 'expired_token' };
		return { ok: true, scheme: 'bearer', user: issued.clientId };
	}

	/** Client authentication for the token endpoint (HTTP Basic). */
	verifyClient(headers: Record<string, string | string[] | undefined>): { ok: boolean; clientId?: string } {
		const auth = header(headers, 'authorization');
		const m = auth ? /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(auth) : null;
		if (!m) return { ok: false };
		const decoded = Buffer.from(m[1], 'base64').toString('utf8');
		const i = decoded.indexOf(':');
		if (i < 0) return { ok: false };
		// RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding.
		let id: string;
		let secret: string;
		try {
			id = decodeURIComponent(decoded.slice(0, i).replace(/\+/g, ' '));
			secret = decodeURIComponent(decoded.slice(i + 1).replace(/\+/g, ' '));
		} catch {
			return { ok: false };
		}
		const expected = this.secretOf('oidc', id);
		if (expected === undefined) return { ok: false };
		if (!safeEqual(secret, expected)) return { ok: false, clientId: id };
		return { ok: true, clientId: id };
	}

	issueToken(clientId: string): { access_token: string; token_type: 'Bearer'; expires_in: number } {
		const now = this.now();
		if (this.tokens.size > 10_000) {
			for (const [k, t] of this.tokens) if (t.expiresAt <= now) this.tokens.delete(k);
		}
		const token = randomBytes(32).toString('base64url');
		const ttl = this.config.tokenTtlSeconds;
		this.tokens.set(token, { clientId, expiresAt: now + ttl * 1000 });
		return { access_token: token, token_type: 'Bearer', expires_in: ttl };
	}

	/** Every access token issued since the last reset (for tests that search output for them). */
	issuedTokens(): string[] {
		return [...this.tokens.keys()];
	}

	expireAllTokens(): number {
		const now = this.now();
		for (const t of this.tokens.values()) t.expiresAt = Math.min(t.expiresAt, now);
		return this.tokens.size;
	}
}

export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
	const v = headers[name];
	if (Array.isArray(v)) return v[0];
	return v === undefined || v === '' ? undefined : v;
}

function bearerToken(headers: Record<string, string | string[] | undefined>): string | undefined {
	const auth = header(headers, 'authorization');
	const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
	return m ? m[1] : undefined;
}
