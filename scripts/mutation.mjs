/**
 * `npm run test:mutation [group…]` (or `-- --scores`: only print the scores kept): StrykerJS over the core every operation stands on, one group
 * at a time. Each group mutates a few files and runs only the tests that reach them (the fault
 * suite, the sandbox's own tests and e2e are left out: docs/testing.md says why). Results are kept
 * per group in test/mutation/incremental/ (committed), so a fresh clone re-tests only the mutants
 * whose code or tests changed. Prints the score per file and of the whole core, and fails below
 * BREAK_AT percent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import { Stryker } from '@stryker-mutator/core';

const BREAK_AT = 85;

const unit = (name) => `<rootDir>/test/unit/${name}.test.ts`;
const integration = (name) => `<rootDir>/test/integration/${name}.test.ts`;

const FIELDS = 'nodes/Emarsys/helpers/fields.ts';
const PAGING = 'nodes/Emarsys/helpers/paging.ts';
const BATCH = 'nodes/Emarsys/helpers/batch.ts';
/** Functions (and classes) that only run inside a node execution (they call Emarsys, read parameters or record item results): no unit test reaches them. */
const IO = {
	[FIELDS]: ['getFieldList', 'getFieldListForKeys', 'getSingleChoiceList', 'getMultiChoiceLists'],
	[PAGING]: ['wantedCount', 'listForEachItem'],
	[BATCH]: ['sendInBatches', 'BatchCalls', 'recordCall', 'Lanes', 'record', 'writeOutcomes'],
};

/**
 * Which code each group mutates, and the tests it runs against it: the tests written for that
 * code. Each mutant runs only the tests that reach it (coverage per test), but Jest loads every
 * named test file that imports the mutated file for every mutant, and one integration file costs
 * seconds each time. Each group keeps its results when it ends, so a run cut short loses at most one group.
 */
export const GROUPS = [
	{ name: 'waits', mutate: ['nodes/Emarsys/transport/waits.ts'], tests: [unit('waits'), unit('transport')] },
	{ name: 'paging', mutate: linesOf(PAGING, IO[PAGING], { except: true }), tests: [unit('paging')] },
	{ name: 'fields', mutate: linesOf(FIELDS, IO[FIELDS], { except: true }), tests: [unit('fields')] },
	{ name: 'errors', mutate: ['nodes/Emarsys/transport/errors.ts'], tests: [unit('errors'), unit('transport')] },
	{ name: 'validation', mutate: ['nodes/Emarsys/helpers/validation.ts'], tests: [unit('validation'), unit('validation-edges')] },
	{
		name: 'io',
		mutate: [...linesOf(FIELDS, IO[FIELDS]), ...linesOf(PAGING, IO[PAGING])],
		// segments and contactLists: the Get Many operations that read pages and whole lists; field-lists: retries and kept lists.
		tests: [integration('dropdowns'), integration('operations'), integration('field-lists'), integration('segments'), integration('contactLists')],
	},
	{ name: 'batch', mutate: linesOf(BATCH, IO[BATCH], { except: true }), tests: [unit('batch'), unit('validation')] },
	{
		name: 'engine',
		mutate: [...linesOf(BATCH, IO[BATCH]), 'nodes/Emarsys/helpers/results.ts'],
		// operations: the error wrapping, lists and labels of results.ts that batching does not reach;
		// text-keys: keys compared as the key field's type says (the per-contact errors of a write).
		tests: [integration('batching'), integration('batching-engine'), integration('item-results'), integration('operations'), integration('text-keys')],
	},
	{ name: 'dispatcher', mutate: ['nodes/Emarsys/transport/dispatcher.ts'], tests: [unit('dispatcher')] },
	{
		name: 'client',
		mutate: ['nodes/Emarsys/transport/index.ts'],
		// client-answers: answers and base URLs the others do not send; dispatcher: calls shared across
		// executions, cancelling, lists kept; workflow: the first OpenID Connect token of a burst.
		tests: [
			unit('transport'),
			integration('retries'),
			integration('client-answers'),
			integration('credential-test'),
			integration('dropdowns'),
			integration('dispatcher'),
			integration('workflow'),
			integration('field-lists'),
		],
		// Half its mutants change the retry loop, and the retries tests then wait out real backoffs:
		// one test runner sat idle (load 0.2) at about one mutant a minute. Three runners (Stryker
		// gives half the concurrency to runners) wait side by side.
		concurrency: 6,
	},
];

/**
 * Stryker `file:first-last` line ranges of the named top-level functions and classes of a file (from their
 * `function name(` or `class Name` line to the next line that is only `}`), or with `except`, of the rest of it.
 */
function linesOf(file, names, { except = false } = {}) {
	const lines = readFileSync(file, 'utf8').split('\n');
	const ranges = names.map((name) => {
		const first = lines.findIndex((line) => new RegExp(`^(export )?(async )?(function|class) ${name}\\b`).test(line));
		const last = lines.findIndex((line, index) => index > first && line === '}');
		if (first < 0 || last < 0) throw new Error(`${file}: no top-level function ${name}`);
		return [first + 1, last + 1];
	});
	if (!except) return ranges.map(([first, last]) => `${file}:${first}-${last}`);
	const rest = [];
	let from = 1;
	for (const [first, last] of ranges.sort((a, b) => a[0] - b[0])) {
		if (first > from) rest.push(`${file}:${from}-${first - 1}`);
		from = last + 1;
	}
	if (from <= lines.length) rest.push(`${file}:${from}-${lines.length}`);
	return rest;
}

async function runGroup(group) {
	// Stryker reads stryker.config.mjs itself and merges these over it.
	const stryker = new Stryker({
		mutate: group.mutate,
		// Roots cover the node, so that Jest finds the integration tests related to a mutated file.
		jest: { config: { roots: ['<rootDir>/test', '<rootDir>/nodes', '<rootDir>/credentials'], testMatch: group.tests } },
		incrementalFile: `test/mutation/incremental/${group.name}.json`,
		...(group.concurrency ? { concurrency: group.concurrency } : {}),
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

/** The mutants of each file, as the groups' incremental results (Stryker's JSON report) record them. */
function mutantsByFile(groups) {
	const byFile = new Map();
	for (const group of groups) {
		const file = `test/mutation/incremental/${group.name}.json`;
		if (!existsSync(file)) continue;
		for (const [name, { mutants }] of Object.entries(JSON.parse(readFileSync(file, 'utf8')).files)) {
			byFile.set(name, [...(byFile.get(name) ?? []), ...mutants]);
		}
	}
	return byFile;
}

function printScores(groups) {
	const byFile = mutantsByFile(groups);
	console.log('\nMutation score per file (detected / valid mutants; ignored: equivalent, reason in the code or test/mutation/equivalent-mutants.mjs):');
	const row = (name, mutants) => {
		const { detected, total, percent } = scoreOf(mutants);
		const left = mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage').length;
		const ignored = mutants.filter((m) => m.status === 'Ignored').length;
		console.log(`  ${percent.toFixed(1).padStart(5)} %  ${String(detected).padStart(4)} / ${String(total).padEnd(4)} ${name} (${left} undetected, ${ignored} ignored)`);
	};
	for (const [name, mutants] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) row(name, mutants);
	const all = [...byFile.values()].flat();
	row('all', all);
	return scoreOf(all).percent;
}

/**
 * Runs the groups named on the command line (all without), prints the score per file from every
 * group's results, and fails below BREAK_AT. `--scores` only prints.
 */
async function main() {
	const args = process.argv.slice(2);
	const wanted = args.filter((arg) => arg !== '--scores');
	const groups = wanted.length ? GROUPS.filter((group) => wanted.includes(group.name)) : GROUPS;
	if (groups.length === 0) throw new Error(`No such group: ${wanted.join(', ')} (groups: ${GROUPS.map((g) => g.name).join(', ')})`);

	const started = Date.now();
	if (!args.includes('--scores')) {
		for (const group of groups) {
			const groupStarted = Date.now();
			await runGroup(group);
			console.log(`== mutation group ${group.name}: ${Math.round((Date.now() - groupStarted) / 1000)} s`);
		}
		console.log(`== mutation testing took ${Math.round((Date.now() - started) / 1000)} s`);
	}
	const score = printScores(groups);
	if (score < BREAK_AT) {
		console.error(`Mutation score ${score.toFixed(1)} % is below ${BREAK_AT} %.`);
		process.exitCode = 1;
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
