// @ts-check
/**
 * Mutation testing (StrykerJS) of the core every operation stands on. `npm run test:mutation`
 * (scripts/mutation.mjs) runs it one group at a time: each group mutates a few files and runs
 * only the tests that can reach them (a narrowed test set per file, docs/testing.md says which
 * and why). This file holds what all groups share; what each group mutates and runs is GROUPS in
 * scripts/mutation.mjs (the dispatcher, transport/dispatcher.ts, has its own group, against its unit tests).
 *
 * Equivalent mutants (no test can tell them from the original) are listed with their reason in
 * test/mutation/equivalent-mutants.mjs (files the lead is reshaping: transport/index.ts,
 * helpers/batch.ts) or next to the code as `// Stryker disable next-line <mutator>: reason`.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
	testRunner: 'jest',
	jest: { projectType: 'custom', configFile: 'jest.config.js', enableFindRelatedTests: true },
	checkers: ['typescript'],
	// The checker compiles only the node's sources: the whole project (tests, sandbox, bench) takes minutes on 2 cores.
	tsconfigFile: 'test/mutation/tsconfig.json',
	coverageAnalysis: 'perTest',
	incremental: true,
	// The runner needs none of these; copying .cache (the n8n runtimes) would take minutes.
	ignorePatterns: ['.cache', 'dist', 'demo', 'bench', 'docs', 'test/e2e', 'reports', '.n8n-local', 'test-results', 'coverage'],
	appendPlugins: ['./test/mutation/equivalent-mutants.mjs'],
	ignorers: ['equivalent-mutants'],
	concurrency: 2,
	// A mutant that turns a wait into a long one shows up as a timeout (counted as detected).
	timeoutMS: 15_000,
	reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
	// scripts/mutation.mjs fails the run when the score of the whole core is below 85 %.
	thresholds: { high: 90, low: 85 },
	tempDirName: '.stryker-tmp',
	cleanTempDir: 'always',
};
