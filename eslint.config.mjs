// The rule sets n8n's community-package scanner applies before it verifies a community node:
// eslint-plugin-n8n-nodes-base (community on package.json, credentials, nodes) and
// @n8n/eslint-plugin-community-nodes (recommended) on the package's own code.
import tsParser from '@typescript-eslint/parser';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import communityNodes from '@n8n/eslint-plugin-community-nodes';

const languageOptions = {
	parser: tsParser,
	parserOptions: { sourceType: 'module', extraFileExtensions: ['.json'] },
};

export default [
	{ ignores: ['dist/**', 'node_modules/**', '.cache/**', '.n8n-local/**', 'test/**', 'sandbox/**', 'bench/**', 'scripts/**', '*.js', '*.mjs', '.github/**', '.stryker-tmp/**', 'reports/**'] },
	{
		files: ['package.json'],
		languageOptions,
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: n8nNodesBase.configs.community.rules,
	},
	{
		files: ['credentials/**/*.ts'],
		languageOptions,
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: n8nNodesBase.configs.credentials.rules,
	},
	{
		files: ['nodes/**/*.ts'],
		languageOptions,
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: n8nNodesBase.configs.nodes.rules,
	},
	{
		files: ['credentials/**/*.ts', 'nodes/**/*.ts', 'package.json'],
		languageOptions,
		...communityNodes.configs.recommended,
	},
	{
		// The author e-mail is the publisher's to fill in (none is invented here); `npm publish` refuses
		// to run without it (scripts/check-publish-fields.js), and test/package/tarball.test.ts runs
		// n8n's scanner on the tarball with and without it. See CONTRIBUTING.md.
		files: ['package.json'],
		rules: { '@n8n/community-nodes/valid-author': 'off', '@n8n/community-nodes/require-homepage': 'off' },
	},
];
