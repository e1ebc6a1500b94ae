/**
 * Equivalent mutants of files that are being reshaped on other branches (transport/index.ts,
 * helpers/batch.ts), where a `// Stryker disable` comment in the source would conflict: each
 * entry names the file, the exact source of the smallest expression whose mutants no test can
 * tell from the original, and why. Elsewhere the reason sits next to the code as a
 * `// Stryker disable next-line <mutator>: reason` comment.
 *
 * A Stryker "ignorer" plugin: the instrumenter asks it about every syntax node; the mutants inside
 * a node it names are reported as Ignored, with the reason, instead of being run.
 */
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

/** @type {Array<{ file: string; code: string; reason: string }>} */
export const EQUIVALENT_MUTANTS = [
	{
		file: 'nodes/Emarsys/helpers/batch.ts',
		code: "'utf8'",
		reason: 'Buffer.byteLength counts UTF-8 bytes for any encoding name it does not know, "" included: the same count',
	},
	{
		file: 'nodes/Emarsys/helpers/batch.ts',
		code: 'return false;',
		reason:
			'BatchCalls.add: `true` only makes a read yield (sleep(0)) after every item instead of after an item whose call went: the same calls, answers and items, only timing',
	},
	{
		file: 'nodes/Emarsys/helpers/batch.ts',
		code: 'combine: false',
		reason:
			'a call closed while adding is a read call (writes hold theirs), closed by its 1001st key: full with 1000 keys unless they average 10 kB (key values are e-mail addresses, IDs and other short field values), so no entry of another execution fits and offering it for combining sends the same call',
	},
];

export const strykerPlugins = [
	declareValuePlugin(PluginKind.Ignore, 'equivalent-mutants', {
		shouldIgnore(path) {
			const fileName = String(path.hub?.file?.opts?.filename ?? '').replaceAll('\\', '/');
			for (const { file, code, reason } of EQUIVALENT_MUTANTS) {
				if (fileName.endsWith(file) && path.getSource() === code) return `Equivalent: ${reason}`;
			}
			return undefined;
		},
	}),
];
