/**
 * The README's test command (`npm test`): each phase in turn, stopping at the first that fails;
 * then, passed or not, each phase's time and the 10 slowest tests of the Jest phases, so that a
 * test that makes the suite slow is seen the day it arrives.
 *
 *   node scripts/test.mjs              every phase
 *   node scripts/test.mjs jest e2e     only those phases (names as in PHASES)
 *
 * The summary is also kept in test-results/timings/summary.txt (.ci/run prints it again last).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const RESULTS = path.join(ROOT, 'test-results', 'timings');

/** `json`: the phase's Jest results file, for the slowest tests and the counts. */
const PHASES = [
	{ name: 'lint', command: 'npm run lint' },
	{ name: 'typecheck', command: 'npm run typecheck' },
	{ name: 'jest', command: 'npx jest', json: 'jest.json' },
	{ name: 'e2e-setup', command: 'bash scripts/ci-setup.sh' },
	{ name: 'e2e', command: 'npm run test:e2e --', json: 'e2e.json' },
	{ name: 'queue', command: 'npm run test:e2e:queue --', json: 'queue.json' },
];

function runPhase(phase) {
	const json = phase.json ? ` --json --outputFile=${path.join(RESULTS, phase.json)}` : '';
	console.log(`\n== ${phase.name}: ${phase.command}${json}`);
	const started = Date.now();
	const { status } = spawnSync(`${phase.command}${json}`, { cwd: ROOT, shell: true, stdio: 'inherit' });
	return { name: phase.name, seconds: (Date.now() - started) / 1000, passed: status === 0 };
}

/** Every test of the Jest phases that ran: its phase, file, name, duration and status. */
function jestTests(ran) {
	const tests = [];
	for (const phase of PHASES.filter((p) => p.json && ran.some((r) => r.name === p.name))) {
		const file = path.join(RESULTS, phase.json);
		if (!fs.existsSync(file)) continue;
		for (const suite of JSON.parse(fs.readFileSync(file, 'utf8')).testResults) {
			const suiteFile = path.relative(ROOT, suite.name);
			for (const test of suite.assertionResults) {
				tests.push({ phase: phase.name, file: suiteFile, title: test.fullName, ms: test.duration ?? 0, status: test.status });
			}
		}
	}
	return tests;
}

function summary(ran) {
	const lines = ['', '== time per phase'];
	for (const r of ran) lines.push(`${r.seconds.toFixed(0).padStart(6)} s  ${r.name}${r.passed ? '' : '  FAILED'}`);
	lines.push(`${ran.reduce((sum, r) => sum + r.seconds, 0).toFixed(0).padStart(6)} s  in all`);
	const tests = jestTests(ran);
	lines.push('', '== the 10 slowest tests');
	for (const t of [...tests].sort((a, b) => b.ms - a.ms).slice(0, 10)) {
		lines.push(`${(t.ms / 1000).toFixed(1).padStart(6)} s  ${t.phase}  ${t.file} › ${t.title}`);
	}
	lines.push('', closingLine(ran, tests));
	return lines.join('\n');
}

/**
 * The plain closing line CI reads: the Jest phases' tests, and each other phase as one test. A
 * phase that failed with no failed test of its own (it did not get to its tests) counts as one.
 */
function closingLine(ran, tests) {
	let passed = 0;
	let failed = 0;
	for (const r of ran) {
		const own = tests.filter((t) => t.phase === r.name);
		const ownFailed = own.filter((t) => t.status === 'failed').length;
		passed += PHASES.find((p) => p.name === r.name).json ? own.filter((t) => t.status === 'passed').length : Number(r.passed);
		failed += ownFailed || Number(!r.passed);
	}
	return `tests: ${passed} passed, ${failed} failed, ${tests.filter((t) => t.status === 'pending').length} skipped`;
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !PHASES.some((p) => p.name === name));
if (unknown.length) {
	console.error(`Unknown phase ${unknown.join(', ')}; phases: ${PHASES.map((p) => p.name).join(', ')}`);
	process.exit(2);
}
fs.rmSync(RESULTS, { recursive: true, force: true });
fs.mkdirSync(RESULTS, { recursive: true });
const ran = [];
for (const phase of PHASES.filter((p) => wanted.length === 0 || wanted.includes(p.name))) {
	ran.push(runPhase(phase));
	if (!ran.at(-1).passed) break;
}
const text = summary(ran);
console.log(text);
fs.writeFileSync(path.join(RESULTS, 'summary.txt'), `${text}\n`);
process.exit(ran.every((r) => r.passed) ? 0 : 1);
