/**
 * The environment of every test that runs the Emarsys node: the real n8n-core harness with the node
 * and both credential types, and a sandbox on a free loopback port.
 */
import { EmarsysApi } from '../../credentials/EmarsysApi.credentials';
import { EmarsysOAuth2Api } from '../../credentials/EmarsysOAuth2Api.credentials';
import { Emarsys } from '../../nodes/Emarsys/Emarsys.node';
import { createHarness, type CredentialsByType, type N8nHarness } from './n8n-harness';
import { startTestSandbox, type LogEntry, type TestSandbox } from './sandbox';

export type Auth = 'wsse' | 'oAuth2';
export const AUTHS: Auth[] = ['wsse', 'oAuth2'];

export interface Env {
	sandbox: TestSandbox;
	harness: N8nHarness;
}

export async function createEnv(): Promise<Env> {
	const sandbox = await startTestSandbox();
	const harness = createHarness({
		nodeTypes: [new Emarsys()],
		credentialTypes: [new EmarsysApi(), new EmarsysOAuth2Api()],
	});
	return { sandbox, harness };
}

/** The sandbox's seeded logins as the node's credentials: WSSE on /api/v2, OpenID Connect on /api/v3. */
export function credentialsFor(sandbox: TestSandbox, auth: Auth): CredentialsByType {
	if (auth === 'wsse') {
		return {
			emarsysApi: {
				username: sandbox.credentials.wsseUser,
				secret: sandbox.credentials.wsseSecret,
				baseUrl: sandbox.v2,
			},
		};
	}
	return {
		emarsysOAuth2Api: {
			clientId: sandbox.credentials.oidcClientId,
			clientSecret: sandbox.credentials.oidcClientSecret,
			accessTokenUrl: sandbox.tokenUrl,
			baseUrl: sandbox.v3,
		},
	};
}

/** API calls in the sandbox log after `since` (token endpoint excluded), with `endpoint` = the path below /api/vN/. */
export async function apiCalls(sandbox: TestSandbox, since = 0): Promise<Array<LogEntry & { endpoint: string }>> {
	return (await sandbox.getLog(since))
		.filter((entry) => /^\/api\/v\d\//.test(entry.path))
		.map((entry) => ({ ...entry, endpoint: entry.path.replace(/^\/api\/v\d\//, '') }));
}
