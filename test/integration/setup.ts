/** Shared setup of the node's integration tests: real n8n-core harness + sandbox on a free port. */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { apiCalls, AUTHS, createEnv, credentialsFor, type Auth, type Env } from '../helpers/emarsys-env';
import type { InputItems } from '../helpers/n8n-harness';

export { apiCalls, AUTHS, credentialsFor, type Auth, type Env };

export async function startEnv(): Promise<Env> {
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

/**
 * Stores the credential once for the runs that follow (as executions of one workflow share it,
 * and with it the lists kept for later executions); `run()` stores it anew each time.
 */
export async function storeCredentials(env: Env, auth: Auth): Promise<void> {
	env.harness.clearCredentials();
	for (const [type, data] of Object.entries(credentialsFor(env.sandbox, auth))) await env.harness.setCredentials(type, data);
}

export function jsonOf(items: Array<{ json: IDataObject }>): IDataObject[] {
	return items.map((item) => item.json);
}
