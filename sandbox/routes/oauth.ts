/**
 * POST /oauth2/token — OAuth 2.0 client credentials grant for the v3 API.
 *
 * Verified (RFC 6749 §2.3.1, §4.4, §5.1, §5.2; the issue's contract):
 *  - form-encoded body `grant_type=client_credentials`, client id/secret in an HTTP Basic header;
 *  - success: 200 `{access_token, token_type: "Bearer", expires_in}` with `Cache-Control: no-store`
 *    and `Pragma: no-cache`;
 *  - bad client authentication: 401 `{"error":"invalid_client", …}` with `WWW-Authenticate`;
 *  - other grant types: 400 `{"error":"unsupported_grant_type"}`; no grant type:
 *    400 `{"error":"invalid_request"}`.
 * Chosen: only client_secret_basic is accepted (credentials in the body are refused as
 * invalid_client, as an authorization server that registered the client for Basic does); the
 * optional `scope` parameter is accepted and ignored; tokens are opaque; errors are checked in
 * the order client authentication → grant type.
 */
import type { IncomingHttpHeaders } from 'node:http';

import type { SandboxState } from '../state';

export interface TokenReply {
	status: number;
	body: Record<string, unknown>;
	headers: Record<string, string>;
	user?: string;
	loggedBody: Record<string, string>;
}

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
const SECRET_PARAMS = new Set(['client_secret', 'client_assertion', 'password', 'refresh_token', 'code']);

export function tokenEndpoint(state: SandboxState, method: string, headers: IncomingHttpHeaders, raw: string): TokenReply {
	const form = new URLSearchParams(raw);
	const loggedBody: Record<string, string> = {};
	for (const [k, v] of form) loggedBody[k] = SECRET_PARAMS.has(k) ? '[redacted]' : v;
	if (method !== 'POST') {
		return {
			status: 405,
			body: { error: 'invalid_request', error_description: 'The token endpoint only accepts POST.' },
			headers: { ...NO_STORE, Allow: 'POST' },
			loggedBody,
		};
	}
	const client = state.auth.verifyClient(headers);
	if (!client.ok) {
		return {
			status: 401,
			body: { error: 'invalid_client', error_description: 'Client authentication failed.' },
			headers: { ...NO_STORE, 'WWW-Authenticate': 'Basic realm="oauth2"' },
			user: client.clientId,
			loggedBody,
		};
	}
	const grant = form.get('grant_type');
	if (!grant) {
		return {
			status: 400,
			body: { error: 'invalid_request', error_description: 'The request is missing the grant_type parameter.' },
			headers: NO_STORE,
			user: client.clientId,
			loggedBody,
		};
	}
	if (grant !== 'client_credentials') {
		return {
			status: 400,
			body: { error: 'unsupported_grant_type', error_description: `The grant type "${grant}" is not supported.` },
			headers: NO_STORE,
			user: client.clientId,
			loggedBody,
		};
	}
	return { status: 200, body: state.auth.issueToken(client.clientId!), headers: NO_STORE, user: client.clientId, loggedBody };
}
