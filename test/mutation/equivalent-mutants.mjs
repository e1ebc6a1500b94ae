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
