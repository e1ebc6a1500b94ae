/** Shared setup of the node's integration tests: real n8n-core harness + sandbox on a free port. */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { EmarsysApi } from '../../credentials/EmarsysApi.credentials';
import { EmarsysOAuth2Api } from '../../credentials/EmarsysOAuth2Api.credentials';
import { Emarsys } from '../../nodes/Emarsys/Emarsys.node';
import { retryTiming } from '../../nodes/Emarsys/transport';
import { createHarness, type CredentialsByType, type InputItems, type N8nHarness } from '../helpers/n8n-harness';
import { startTestSandbox, type LogEntry, type TestSandbox } from '../helpers/sandbox';

export type Auth = 'wsse' | 'oAuth2';
export const AUTHS: Auth[] = ['wsse', 'oAuth2'];

export interface Env {
	sandbox: TestSandbox;
	harness: N8nHarness;
}

/** Keeps backoff waits short in tests (the transport clamps every wait to maxDelayMs). */
export function fastRetries(): void {
	retryTiming.baseDelayMs = 10;
	retryTiming.maxDelayMs = 3000;
}

export async function startEnv(): Promise<Env> {
	fastRetries();
	const sandbox = await startTestSandbox();
	const harness = createHarness({
		nodeTypes: [new Emarsys()],
		credentialTypes: [new EmarsysApi(), new EmarsysOAuth2Api()],
	});
	return { sandbox, harness };
}

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

export async function run(
	env: Env,
	auth: Auth,
	parameters: INodeParameters,
	inputItems?: InputItems,
	extra: { continueOnFail?: boolean } = {},
) {
	env.harness.clearCredentials();
	return await env.harness.runNode({
		nodeType: 'emarsys',
		parameters: { authentication: auth, ...parameters },
		credentials: credentialsFor(env.sandbox, auth),
		inputItems,
		continueOnFail: extra.continueOnFail,
	});
}

/** API calls in the sandbox log (token endpoint excluded), with the path below /api/vN/. */
export async function apiCalls(sandbox: TestSandbox, since = 0): Promise<Array<LogEntry & { endpoint: string }>> {
	const log = await sandbox.getLog(since);
	return log
		.filter((entry) => /^\/api\/v\d\//.test(entry.path))
		.map((entry) => ({ ...entry, endpoint: entry.path.replace(/^\/api\/v\d\//, '') }));
}

export function jsonOf(items: Array<{ json: IDataObject }>): IDataObject[] {
	return items.map((item) => item.json);
}
