// n8n loads this package's nodes and credentials from the `n8n` block of package.json
// (dist/nodes/…, dist/credentials/…); this entry point only exists because `main` names it.
module.exports = {};
