/** Shared setup of the node's integration tests: real n8n-core harness + sandbox on a free port. */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { retryTiming } from '../../nodes/Emarsys/transport';
import { apiCalls, AUTHS, createEnv, credentialsFor, type Auth, type Env } from '../helpers/emarsys-env';
import type { InputItems } from '../helpers/n8n-harness';

export { apiCalls, AUTHS, credentialsFor, type Auth, type Env };

/** Keeps backoff waits short in tests (the transport clamps every wait to maxDelayMs). */
export function fastRetries(): void {
	retryTiming.baseDelayMs = 10;
	retryTiming.maxDelayMs = 3000;
}

export async function startEnv(): Promise<Env> {
	fastRetries();
	return await createEnv();
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

export function jsonOf(items: Array<{ json: IDataObject }>): IDataObject[] {
	return items.map((item) => item.json);
}
