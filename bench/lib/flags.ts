/** Command-line flags of `npm run bench` (see bench/run.ts for what each figure means). */
import { ALL_OPS, WORKLOADS, type OpName } from '../workloads';

export interface Flags {
	sizes: number[];
	/** Injected latency per API call, in ms (the lanes workloads fix theirs at 200 ms). */
	latency: number;
	ops: OpName[];
	/** Sizes at which the per-item baseline runs (one signed call per item: minutes at 10,000). */
	baselineSizes: number[];
	/** Node and floors each run this many times, interleaved; the median of each figure counts. */
	rounds: number;
	/** Calls and items only: no warm-up, no per-item baseline, no timing goals (CI). */
	smoke: boolean;
	out?: string;
}

export const USAGE =
	'npm run bench -- [--sizes 10000,100000] [--latency 20] [--ops ' +
	`${ALL_OPS.join(',')}] [--baseline-sizes 10000|none] [--rounds 3] [--smoke] [--out FILE]\n` +
	'  --smoke: checks calls and items only (sizes 1000, 1 round, no warm-up, no per-item baseline, no timing goals;\n' +
	'           cost workloads only: the lanes workloads count on the warm-up runs, whose field list the node keeps)\n';

function positiveIntegers(flag: string, text: string): number[] {
	return text.split(',').map((part) => {
		const n = Number(part.trim());
		if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: "${part}" is not a positive whole number`);
		return n;
	});
}

function operations(text: string): OpName[] {
	const ops = text.split(',').map((op) => op.trim()) as OpName[];
	for (const op of ops) if (!ALL_OPS.includes(op)) throw new Error(`--ops: unknown operation "${op}" (known: ${ALL_OPS.join(', ')})`);
	return ops;
}

function latency(text: string): number {
	const n = Number(text);
	if (!Number.isFinite(n) || n < 0) throw new Error('--latency must be >= 0');
	return n;
}

export function parseFlags(argv: string[]): Flags {
	const given: Partial<Flags> = {};
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i];
		const value = () => {
			const v = argv[++i];
			if (v === undefined) throw new Error(`${flag} needs a value`);
			return v;
		};
		if (flag === '--sizes') given.sizes = positiveIntegers(flag, value());
		else if (flag === '--latency') given.latency = latency(value());
		else if (flag === '--ops') given.ops = operations(value());
		else if (flag === '--baseline-sizes') given.baselineSizes = ((v) => (v === 'none' ? [] : positiveIntegers(flag, v)))(value());
		else if (flag === '--rounds') [given.rounds] = positiveIntegers(flag, value());
		else if (flag === '--smoke') given.smoke = true;
		else if (flag === '--out') given.out = value();
		else if (flag === '--help') {
			process.stdout.write(USAGE);
			process.exit(0);
		} else throw new Error(`unknown flag ${flag} (see --help)`);
	}
	const smoke = given.smoke ?? false;
	const lanes = (given.ops ?? []).filter((op) => WORKLOADS[op].lanes);
	if (smoke && lanes.length > 0) throw new Error(`--smoke runs no warm-up, which ${lanes.join(', ')} count on (see --help)`);
	return {
		sizes: given.sizes ?? (smoke ? [1000] : [10_000, 100_000]),
		latency: given.latency ?? 20,
		ops: given.ops ?? ALL_OPS.filter((op) => !smoke || !WORKLOADS[op].lanes),
		baselineSizes: smoke ? [] : (given.baselineSizes ?? [10_000]),
		rounds: given.rounds ?? (smoke ? 1 : 3),
		smoke,
		out: given.out,
	};
}
