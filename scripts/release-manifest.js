'use strict';
// `npm pack` / `npm publish` (prepack / postpack): the published package.json
// names one optional dependency per prebuilt platform package
// (zcatalyst-connector-rs-<platform>@<version>, from napi.targets), which is
// how npm installs just the binary for the user's platform. The repository's
// package.json cannot carry them: until a version is published they do not
// exist on the registry, and `npm ci` rejects a lockfile missing them. So
// `add` writes them in just for packing, keeping the original aside, and
// `restore` puts the original back: publishing leaves the tree clean.
//
//   node scripts/release-manifest.js add|restore
const fs = require('node:fs');
const path = require('node:path');
const { platformOfTriple } = require('../unsupported-platform.js');

const root = path.join(__dirname, '..');
const manifest = path.join(root, 'package.json');
const backup = path.join(root, 'target', 'package.json.prepack');

function optionalDependencies(pkg) {
  return Object.fromEntries(pkg.napi.targets.map((triple) => [`${pkg.name}-${platformOfTriple(triple)}`, pkg.version]));
}

function restore() {
  if (!fs.existsSync(backup)) return false;
  fs.copyFileSync(backup, manifest);
  fs.rmSync(backup);
  return true;
}

function add() {
  restore(); // a pack that failed before postpack left its edit behind
  const text = fs.readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  fs.mkdirSync(path.dirname(backup), { recursive: true });
  fs.writeFileSync(backup, text);
  pkg.optionalDependencies = { ...pkg.optionalDependencies, ...optionalDependencies(pkg) };
  fs.writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
}

if (require.main === module) {
  const command = process.argv[2];
  if (command === 'add') add();
  else if (command === 'restore') restore();
  else {
    console.error('usage: node scripts/release-manifest.js add|restore');
    process.exitCode = 2;
  }
}
module.exports = { optionalDependencies };
