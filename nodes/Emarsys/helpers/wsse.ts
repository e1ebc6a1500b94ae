import { createHash, randomBytes } from 'crypto';

/**
 * Emarsys WSSE (UsernameToken) signing.
 *
 * PasswordDigest = base64( lowercase-hex( SHA-1( nonce + created + secret ) ) )
 * Note that Emarsys base64-encodes the 40-character HEX STRING of the digest, not the raw 20 bytes.
 */

export interface WsseToken {
	username: string;
	nonce: string;
	created: string;
	passwordDigest: string;
}

/** The digest of one token: base64 of the lowercase hex SHA-1 of nonce + created + secret. */
export function wssePasswordDigest(nonce: string, created: string, secret: string): string {
	const hex = createHash('sha1').update(`${nonce}${created}${secret}`, 'utf8').digest('hex');
	return Buffer.from(hex, 'utf8').toString('base64');
}

/** A random nonce: 16 random bytes as 32 lowercase hex characters. */
export function wsseNonce(): string {
	return randomBytes(16).toString('hex');
}

/** Current UTC time as ISO-8601 without milliseconds, e.g. `2026-01-31T09:05:00Z`. */
export function wsseCreated(now: Date = new Date()): string {
	return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Formats the `X-WSSE` header value for a token. */
export function formatWsseHeader(token: WsseToken): string {
	const quote = (value: string) => value.replace(/"/g, '');
	return (
		`UsernameToken Username="${quote(token.username)}", ` +
		`PasswordDigest="${token.passwordDigest}", ` +
		`Nonce="${token.nonce}", ` +
		`Created="${token.created}"`
	);
}

/** Builds a fresh `X-WSSE` header value (new nonce, current time) for a username and secret. */
export function createWsseHeader(
	username: string,
	secret: string,
	options: { nonce?: string; created?: string } = {},
): string {
	const nonce = options.nonce ?? wsseNonce();
	const created = options.created ?? wsseCreated();
	return formatWsseHeader({
		username,
		nonce,
		created,
		passwordDigest: wssePasswordDigest(nonce, created, secret),
	});
}
