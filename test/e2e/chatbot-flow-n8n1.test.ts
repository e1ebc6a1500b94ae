/**
 * The chatbot-flow end-to-end tests on the newest n8n 1.x (the README's Compatibility section names
 * it as the oldest n8n tested). Same tests as chatbot-flow.suite.ts, in n8n 1.123.81 on Node.js 22
 * from its own runtime folder (.cache/n8n-runtime-1.123.81, installed by scripts/ci-setup.sh).
 */
import { stopDemoStackAtEnd } from './stack';

export const N8N_1X_VERSION = '1.123.81';

process.env.E2E_N8N_VERSION = N8N_1X_VERSION;
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('./chatbot-flow.suite');
stopDemoStackAtEnd();

afterAll(() => {
	delete process.env.E2E_N8N_VERSION;
});
