#!/usr/bin/env node
// Run by `prepublishOnly`: refuses to publish while package.json lacks what only the publisher can
// fill in (this repository invents none of it). See CONTRIBUTING.md, "Publishing a release".
const path = require('node:path');

const pkg = require(path.join(process.cwd(), 'package.json'));
const missing = [];
if (!pkg.author || typeof pkg.author !== 'object' || !pkg.author.email) {
	missing.push('author.email (n8n\'s scanner requires it)');
}
const repoUrl = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository && pkg.repository.url;
if (!repoUrl) missing.push('repository.url (npm provenance is checked against it)');
if (!pkg.homepage) missing.push('homepage');
if (missing.length) {
	console.error(`Not publishing ${pkg.name}@${pkg.version}: fill in ${missing.join(', ')} in package.json (see CONTRIBUTING.md).`);
	process.exit(1);
}
