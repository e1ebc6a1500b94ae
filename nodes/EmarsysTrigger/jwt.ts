import { createHmac, timingSafeEqual } from 'crypto';

/**
 * Verification of the JSON Web Token that an Emarsys Webhook node preset set to "JWT
 * authentication" sends with each call, signed with the preset's shared secret.
 *
 * Sources: help.emarsys.com "Nodes: Webhook node"
 * (https://help.emarsys.com/hc/en-us/articles/4408457148177-Nodes-Webhook-node) — presets hold the
 * connection and its authentication; the preset's fields "Authentication Method: JWT authentication"
 * and "JWT Secret" as shown in a third-party setup guide
 * (https://help.hello-charles.com/en/articles/365574-how-to-set-up-an-emarsys-automation).
 * The parts of those pages we could read name no algorithm, header or claim set, so this module
 * takes the safe reading (docs/emarsys-trigger.md lists each choice):
 * - a compact JWS (RFC 7515) with an HMAC algorithm (HS256, HS384 or HS512) keyed with the secret;
 *   `none` and every other algorithm are refused, whatever the token says;
 * - the signature is checked (constant-time) before any claim is read;
 * - `exp` and `nbf` are honoured with a small clock allowance; `iat` must not lie in the future;
 * - a token must carry `exp` or `iat`: without either it would be valid forever once leaked, so a
 *   token with only `iat` is accepted for MAX_TOKEN_AGE_SECONDS.
 */

/** Clock difference tolerated between Emarsys and this server, in seconds. */
export const CLOCK_ALLOWANCE_SECONDS = 60;
/** How long a token without `exp` is accepted after its `iat`, in seconds. */
export const MAX_TOKEN_AGE_SECONDS = 300;

/** A Map, not a plain object: `constructor` or `__proto__` in a token's header must find nothing. */
const HMAC_ALGORITHMS = new Map([
	['HS256', 'sha256'],
	['HS384', 'sha384'],
	['HS512', 'sha512'],
]);
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export type JwtClaims = Record<string, unknown>;

/** The outcome of a check. `reason` says what was wrong, never what the token or secret holds. */
export type JwtCheck = { valid: true; claims: JwtClaims } | { valid: false; reason: string };

const refuse = (reason: string): JwtCheck => ({ valid: false, reason });

/** The token of an `Authorization: Bearer <token>` header (the bare token is accepted too). */
export function bearerToken(header: unknown): string | undefined {
	if (typeof header !== 'string') return undefined;
	const token = header.replace(/^\s*Bearer(?:\s+|$)/i, '').trim();
	return token === '' ? undefined : token;
}

function decodeJsonObject(part: string): JwtClaims | undefined {
	try {
		const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JwtClaims) : undefined;
	} catch {
		return undefined;
	}
}

function signatureMatches(signingInput: string, signature: string, hash: string, secret: string): boolean {
	const expected = createHmac(hash, secret).update(signingInput, 'utf8').digest();
	const given = Buffer.from(signature, 'base64url');
	// The length of an HMAC is public (it follows from the algorithm): comparing it first leaks nothing.
	return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Checks exp / nbf / iat against `nowSeconds` (Unix time). */
export function checkTimeClaims(claims: JwtClaims, nowSeconds: number): JwtCheck {
	const { exp, nbf, iat } = claims;
	for (const [name, value] of [['exp', exp], ['nbf', nbf], ['iat', iat]] as const) {
		if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
			return refuse(`the "${name}" claim is not a number`);
		}
	}
	if (exp === undefined && iat === undefined) return refuse('the token carries neither an expiry (exp) nor an issue time (iat)');
	if (typeof exp === 'number' && nowSeconds > exp + CLOCK_ALLOWANCE_SECONDS) return refuse('the token has expired');
	if (typeof nbf === 'number' && nowSeconds + CLOCK_ALLOWANCE_SECONDS < nbf) return refuse('the token is not valid yet (nbf)');
	if (typeof iat === 'number' && iat > nowSeconds + CLOCK_ALLOWANCE_SECONDS) return refuse('the token was issued in the future (iat)');
	if (exp === undefined && nowSeconds > (iat as number) + MAX_TOKEN_AGE_SECONDS + CLOCK_ALLOWANCE_SECONDS) {
		return refuse(`the token has no expiry and was issued more than ${MAX_TOKEN_AGE_SECONDS} s ago`);
	}
	return { valid: true, claims };
}

/** Verifies a compact HMAC-signed JWT with `secret` at `nowSeconds` (Unix time). */
export function verifyJwt(token: string, secret: string, nowSeconds: number): JwtCheck {
	if (secret === '') return refuse('no secret is set in the credential');
	const parts = token.split('.');
	if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return refuse('the token is not a signed JWT');
	const [headerPart, payloadPart, signaturePart] = parts;
	const header = decodeJsonObject(headerPart);
	if (!header) return refuse('the token header is not a JSON object');
	const hash = typeof header.alg === 'string' ? HMAC_ALGORITHMS.get(header.alg) : undefined;
	if (!hash) return refuse(`the token algorithm ${JSON.stringify(String(header.alg).slice(0, 20))} is not accepted (HS256, HS384 or HS512)`);
	if (header.crit !== undefined) return refuse('the token asks for critical extensions (crit), which are not supported');
	if (!signatureMatches(`${headerPart}.${payloadPart}`, signaturePart, hash, secret)) return refuse('the signature does not match the secret');
	const claims = decodeJsonObject(payloadPart);
	if (!claims) return refuse('the token payload is not a JSON object');
	return checkTimeClaims(claims, nowSeconds);
}
