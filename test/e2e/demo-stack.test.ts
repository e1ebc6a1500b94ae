/**
 * The e2e suites that need n8n 2.41.1 with the demos and nothing else, against one n8n (an n8n
 * start is about 20 s): the chatbot flow first (its OpenID Connect test counts the first token
 * request), then the MCP tools, the Emarsys Trigger and the editor; last, stopping it leaves
 * nothing running. Each suite keeps its own browser, clients and hooks in its describe block.
 * To run one: `npx jest -c jest.e2e.config.js demo-stack -t 'MCP tools'`.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import { stopDemoStackAtEnd } from './stack';

describe('chatbot flow', () => {
	require('./chatbot-flow.suite');
});
describe('MCP tools', () => {
	require('./mcp-tools.suite');
});
describe('Emarsys Trigger', () => {
	require('./emarsys-trigger.suite');
});
describe('editor', () => {
	require('./editor.suite');
});

stopDemoStackAtEnd();
