/**
 * The Emarsys Trigger's token check against fixed tokens made by hand in a shell, independent of
 * any signing code in this repository (the sandbox's included):
 *   b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
 *   h=$(printf '%s' '{"alg":"HS256","typ":"JWT"}' | b64url); p=$(printf '%s' '<payload JSON>' | b64url)
 *   s=$(printf '%s' "$h.$p" | openssl dgst -sha256 -hmac "$SECRET" -binary | b64url); echo "$h.$p.$s"
 * (-sha512 for HS512). SECRET = emarsys-webhook-test-secret-1 unless a test says otherwise.
 * "Now" is fixed at 1767225600 (2026-01-01T00:00:00Z).
 */
import { bearerToken, verifyJwt } from '../../nodes/EmarsysTrigger/jwt';
import { bodyProblem, contactItem } from '../../nodes/EmarsysTrigger/EmarsysTrigger.node';

const SECRET = 'emarsys-webhook-test-secret-1';
const NOW = 1767225600;

const TOKENS = {
	// {"alg":"HS256","typ":"JWT"} . {"iat":1767225590,"exp":1767225890}
	goodHs256:
		'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjU1OTAsImV4cCI6MTc2NzIyNTg5MH0.jzYpH4r1G8ECbL8j_BwCrVkaNu50svAiSd64p5FxKos',
	// {"iat":1767225500}: no exp, issued 100 s ago
	goodIatOnly: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjU1MDB9.AxNuSV9-L6n0EVO96yQo5F_N_VJuGoStiqH8uKrl4tY',
	// {"alg":"HS512","typ":"JWT"}, same claims as goodHs256
	goodHs512:
		'eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjU1OTAsImV4cCI6MTc2NzIyNTg5MH0.pBQrDMJls4ThPkzhek1ceBH5zwWvA3hsVbWqXlLOWJ-uW3RQCEq_bDEMvXAg9Zyy85Q59ThiPdewLlacR57KEA',
	// exp 1767225570: 30 s ago, within the 60 s clock allowance
	expInAllowance:
		'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjUyMDAsImV4cCI6MTc2NzIyNTU3MH0.N1Inko4u89ZMlkebx6mK7jq6IXIHBDfr7HDlEDHVWjY',
	// goodHs256's claims signed with the secret "wrong-secret"
	wrongSecret:
		'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjU1OTAsImV4cCI6MTc2NzIyNTg5MH0.hcsN4hTMCxfYuU9Ton8Oc9tvkgvEMXy7BoWtJSdWRqM',
	// exp 1767225539: 61 s ago
	expired:
		'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjUyMDAsImV4cCI6MTc2NzIyNTUzOX0.1UupYfxCWKmxbCIBqws3Eo2rvYPziWLeQXa3IW6jLhk',
	// goodHs256's header and signature with the payload {"iat":1767225590,"exp":1767299999}
	tamperedPayload:
		'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjU1OTAsImV4cCI6MTc2NzI5OTk5OX0.jzYpH4r1G8ECbL8j_BwCrVkaNu50svAiSd64p5FxKos',
	// iat 1767225720: 120 s in the future
	iatInFuture:
		'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjU3MjAsImV4cCI6MTc2NzIyNjAwMH0.zSAdjpqaKEJ1HLiJIyKWlAiBtVNuFq4kf5fyGziioSI',
	// {"sub":"emarsys"}: neither exp nor iat
	noTimeClaims: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJlbWFyc3lzIn0.awVGvm_HJ4rbb088ke8JmsdK-J4lZECbmoqDIsOJ-QI',
	// {"iat":1767225200}: no exp, issued 400 s ago
	iatTooOld: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjUyMDB9.vL2WGvsDDVqNPR1It8aDgiVX2NgZMJJNTqCYuteKcaI',
	// {"alg":"none","typ":"JWT"} with no signature
	algNoneUnsigned: 'eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpYXQiOjE3NjcyMjU1OTAsImV4cCI6MTc2NzIyNTg5MH0.',
	// {"alg":"none"} but an HS256 signature made with the right secret
	algNoneSigned:
		'eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpYXQiOjE3NjcyMjU1OTAsImV4cCI6MTc2NzIyNTg5MH0.6Hdj0NqP7PwNClBKV-BLYzg6NUkI9gAFgcKdoFwdWCs',
	// {"alg":"RS256"} with an HMAC-SHA256 signature made with the right secret
	rs256:
		'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjU1OTAsImV4cCI6MTc2NzIyNTg5MH0.L9LZcRQrFW8jkpFaH0w5R5Xrwu3wY93kSnxZXk0Fhok',
	// {"alg":"constructor"}, {"alg":"__proto__"}, {"alg":"toString"}: names every JavaScript object
	// has (a lookup in a plain object finds them), each with an HMAC-SHA256 signature made with the right secret
	algConstructor:
		'eyJhbGciOiJjb25zdHJ1Y3RvciIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjU1OTAsImV4cCI6MTc2NzIyNTg5MH0.Lq_jiYZUOegfxppUh2uljrPa8ZgmbvhMzB40XoCKXeI',
	algProto:
		'eyJhbGciOiJfX3Byb3RvX18iLCJ0eXAiOiJKV1QifQ.eyJpYXQiOjE3NjcyMjU1OTAsImV4cCI6MTc2NzIyNTg5MH0.z8pQZOVnitwLl4IqY4T69c6OwfE5Ei6TbzaMiW0bqw8',
	algToString:
		'eyJhbGciOiJ0b1N0cmluZyIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjU1OTAsImV4cCI6MTc2NzIyNTg5MH0.YGWoH6509c7GgEsJ3ey2YLAfndpKcaGa2bKP3DVAyAI',
	// exp as a string "1767225890"
	expString:
		'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjU1OTAsImV4cCI6IjE3NjcyMjU4OTAifQ.X6RTx5u-m_bYukY2cv0DZ-HpkrfYyKiJhY4apuRZWWk',
	// header {"alg":"HS256","crit":["b64"],"b64":false}
	crit: 'eyJhbGciOiJIUzI1NiIsImNyaXQiOlsiYjY0Il0sImI2NCI6ZmFsc2V9.eyJpYXQiOjE3NjcyMjU1OTAsImV4cCI6MTc2NzIyNTg5MH0.ZskhLe0I_gxAm3ajahg_8G6lJQijDCY_yAmR9XQDLXI',
	// nbf 1767225700: 100 s in the future
	nbfInFuture:
		'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3NjcyMjU1OTAsImV4cCI6MTc2NzIyNTg5MCwibmJmIjoxNzY3MjI1NzAwfQ.qis_Bxb6FaKmwIxI2G3zH2DSEPLc-JDHoe7UGl5n19k',
};

describe('verifyJwt accepts', () => {
	it('an HS256 token signed with the secret, and returns its claims', () => {
		expect(verifyJwt(TOKENS.goodHs256, SECRET, NOW)).toEqual({ valid: true, claims: { iat: 1767225590, exp: 1767225890 } });
	});

	it('an HS512 token, a token with only iat (recent), and one expired within the clock allowance', () => {
		expect(verifyJwt(TOKENS.goodHs512, SECRET, NOW).valid).toBe(true);
		expect(verifyJwt(TOKENS.goodIatOnly, SECRET, NOW).valid).toBe(true);
		expect(verifyJwt(TOKENS.expInAllowance, SECRET, NOW).valid).toBe(true);
	});
});

describe('verifyJwt refuses', () => {
	const refused: Array<[string, string, RegExp]> = [
		['a token signed with another secret', TOKENS.wrongSecret, /signature does not match/],
		['a token whose payload was changed after signing', TOKENS.tamperedPayload, /signature does not match/],
		['an expired token (61 s past exp)', TOKENS.expired, /expired/],
		['alg "none" without a signature', TOKENS.algNoneUnsigned, /not a signed JWT/],
		['alg "none" even with a valid HMAC signature', TOKENS.algNoneSigned, /algorithm "none" is not accepted/],
		['alg "RS256" carrying an HMAC signature', TOKENS.rs256, /algorithm "RS256" is not accepted/],
		['alg "constructor"', TOKENS.algConstructor, /algorithm "constructor" is not accepted/],
		['alg "__proto__"', TOKENS.algProto, /algorithm "__proto__" is not accepted/],
		['alg "toString"', TOKENS.algToString, /algorithm "toString" is not accepted/],
		['iat in the future', TOKENS.iatInFuture, /issued in the future/],
		['nbf in the future', TOKENS.nbfInFuture, /not valid yet/],
		['neither exp nor iat', TOKENS.noTimeClaims, /neither an expiry/],
		['only an iat older than the maximum age', TOKENS.iatTooOld, /no expiry and was issued more than 300 s ago/],
		['exp that is not a number', TOKENS.expString, /"exp" claim is not a number/],
		['critical header extensions', TOKENS.crit, /critical extensions/],
	];
	it.each(refused)('%s', (_what, token, reason) => {
		const check = verifyJwt(token, SECRET, NOW);
		expect(check.valid).toBe(false);
		expect(check.valid ? '' : check.reason).toMatch(reason);
	});

	it('malformed tokens: too few or too many parts, not base64url, header not JSON', () => {
		for (const token of ['abc', 'a.b', 'a.b.c.d', 'eyJhbGciOiJIUzI1NiJ9.e30.a+b/c=', 'bm90IGpzb24.e30.c2ln']) {
			expect(verifyJwt(token, SECRET, NOW).valid).toBe(false);
		}
	});

	it('every token when the credential has no secret', () => {
		expect(verifyJwt(TOKENS.goodHs256, '', NOW)).toEqual({ valid: false, reason: 'no secret is set in the credential' });
	});

	it('never puts the secret or the token into its reason', () => {
		for (const token of Object.values(TOKENS)) {
			const check = verifyJwt(token, SECRET, NOW);
			if (!check.valid) {
				expect(check.reason).not.toContain(SECRET);
				expect(check.reason).not.toContain(token.split('.')[2] || '\u0000');
			}
		}
	});
});

describe('bearerToken', () => {
	it('reads "Bearer <token>" (any case) and a bare token; nothing from an empty or missing header', () => {
		expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
		expect(bearerToken('bearer   abc.def.ghi ')).toBe('abc.def.ghi');
		expect(bearerToken('abc.def.ghi')).toBe('abc.def.ghi');
		expect(bearerToken('Bearer ')).toBeUndefined();
		expect(bearerToken(undefined)).toBeUndefined();
		expect(bearerToken(['Bearer a.b.c'])).toBeUndefined();
	});
});

describe('the output item', () => {
	it('keeps the fields as sent, event_data as an object, and adds receivedAt (and rawBody when asked)', () => {
		const body = { event_time: '2021-04-01T17:08:44Z', '3': 'a@example.com', event_data: { order_id: 4534322 }, scenario: 'shipping_update' };
		expect(contactItem(body, '2026-01-01T00:00:00.000Z', '{"raw":1}')).toEqual({
			event_time: '2021-04-01T17:08:44Z',
			'3': 'a@example.com',
			scenario: 'shipping_update',
			event_data: { order_id: 4534322 },
			receivedAt: '2026-01-01T00:00:00.000Z',
			rawBody: '{"raw":1}',
		});
		expect(contactItem({ email: 'b@example.com' }, 'T')).toEqual({ email: 'b@example.com', event_data: {}, receivedAt: 'T' });
	});

	it('names what is wrong with a body that is not the documented shape', () => {
		expect(bodyProblem({ email: 'a@example.com' })).toBeUndefined();
		expect(bodyProblem([{ email: 'a@example.com' }])).toBe('The body must be a JSON object');
		expect(bodyProblem('text')).toBe('The body must be a JSON object');
		expect(bodyProblem({ event_data: [1] })).toBe('event_data must be a JSON object');
	});
});
