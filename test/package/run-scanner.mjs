// Runs the ESLint leg of n8n's community-package scanner (@n8n/scan-community-package, the tool
// n8n runs before it verifies a community node) on a folder, with the scanner's own rule config.
// Usage: node run-scanner.mjs <folder> tarball|source  → prints {passed, message, details} as JSON.
// (The scanner's other legs — provenance, fetching from npm and GitHub — need the network.)
import { analyzePackage, SOURCE_FILE_PATTERNS } from '@n8n/scan-community-package/scanner/scanner.mjs';

const [folder, leg] = process.argv.slice(2);
// The scanner lints the published tarball's compiled JS and package.json, and the attested source
// checkout with SOURCE_FILE_PATTERNS (see analyzePackageByName in the scanner).
const patterns = leg === 'source' ? SOURCE_FILE_PATTERNS : ['**/*.js', 'package.json'];
const result = await analyzePackage(folder, patterns);
process.stdout.write(JSON.stringify({ passed: result.passed, message: result.message ?? null, details: result.details ?? '' }));
