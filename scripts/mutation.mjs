/**
 * `npm run test:mutation [group…]`: StrykerJS over the core every operation stands on, one group
 * at a time. Each group mutates a few files and runs only the tests that reach them (the fault
 * suite, the sandbox's own tests and e2e are left out: docs/testing.md says why). Results are kept
 * per group in test/mutation/incremental/ (committed), so a fresh clone re-tests only the mutants
 * whose code or tests changed. Prints the score per file and of the whole core, and fails below
 * BREAK_AT percent.
 */
import { Stryker } from '@stryker-mutator/core';

import baseConfig from '../stryker.config.mjs';

const BREAK_AT = 85;

const UNIT = '<rootDir>/test/unit/**/*.test.ts';
const integration = (name) => `<rootDir>/test/integration/${name}.test.ts`;

/** Which files each group mutates, and the tests it runs against them. */
export const GROUPS = [
	{
		name: 'pure',
		mutate: [
			'nodes/Emarsys/transport/waits.ts',
			'nodes/Emarsys/transport/errors.ts',
			'nodes/Emarsys/helpers/validation.ts',
			'nodes/Emarsys/helpers/paging.ts',
			'nodes/Emarsys/helpers/fields.ts',
		],
		tests: [UNIT, integration('dropdowns')],
	},
	{
		name: 'batch',
		mutate: ['nodes/Emarsys/helpers/batch.ts', 'nodes/Emarsys/helpers/results.ts'],
		tests: [UNIT, integration('batching')],
	},
	{
		name: 'client',
		mutate: [
			'nodes/Emarsys/transport/index.ts',
			// 'nodes/Emarsys/transport/dispatcher.ts', — the dispatcher, once it lands on main.
		],
		tests: [UNIT, integration('retries'), integration('credential-test'), integration('dropdowns')],
	},
];

async function runGroup(group) {
	const stryker = new Stryker({
		...baseConfig,
		mutate: group.mutate,
		jest: { ...baseConfig.jest, config: { testMatch: group.tests } },
		incrementalFile: `test/mutation/incremental/${group.name}.json`,
		jsonReporter: { fileName: `reports/mutation/${group.name}.json` },
		htmlReporter: { fileName: `reports/mutation/${group.name}.html` },
	});
	return await stryker.runMutationTest();
}

/** Stryker's score: detected (killed, timed out) of all valid mutants (not ignored, compiling). */
function scoreOf(results) {
	const counted = results.filter((r) => !['Ignored', 'CompileError', 'RuntimeError'].includes(r.status));
	const detected = counted.filter((r) => r.status === 'Killed' || r.status === 'Timeout');
	return { detected: detected.length, total: counted.length, percent: counted.length ? (100 * detected.length) / counted.length : 100 };
}

const wanted = process.argv.slice(2);
const groups = wanted.length ? GROUPS.filter((group) => wanted.includes(group.name)) : GROUPS;
if (groups.length === 0) throw new Error(`No such group: ${wanted.join(', ')} (groups: ${GROUPS.map((g) => g.name).join(', ')})`);

const started = Date.now();
const all = [];
for (const group of groups) {
	const groupStarted = Date.now();
	const results = await runGroup(group);
	console.log(`== mutation group ${group.name}: ${Math.round((Date.now() - groupStarted) / 1000)} s`);
	all.push(...results);
}

const byFile = new Map();
for (const result of all) {
	const file = result.fileName.replace(`${process.cwd()}/`, '');
	byFile.set(file, [...(byFile.get(file) ?? []), result]);
}
console.log('\nMutation score per file (detected / valid mutants; ignored = equivalent, see the config):');
for (const [file, results] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
	const { detected, total, percent } = scoreOf(results);
	const ignored = results.filter((r) => r.status === 'Ignored').length;
	console.log(`  ${percent.toFixed(1).padStart(5)} %  ${String(detected).padStart(4)} / ${String(total).padEnd(4)} ${file}${ignored ? ` (${ignored} ignored)` : ''}`);
}
const core = scoreOf(all);
console.log(`  ${core.percent.toFixed(1).padStart(5)} %  ${String(core.detected).padStart(4)} / ${String(core.total).padEnd(4)} all (${Math.round((Date.now() - started) / 1000)} s)`);
if (core.percent < BREAK_AT) {
	console.error(`Mutation score ${core.percent.toFixed(1)} % is below ${BREAK_AT} %.`);
	process.exitCode = 1;
}
