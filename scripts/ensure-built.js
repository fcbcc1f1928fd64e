'use strict';
// Builds the native addon when it is missing, so `npm test`, `npm run demo` and
// `npm run bench` work right after `npm install` on a fresh clone.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { execSync } = require('node:child_process');

const root = join(__dirname, '..');
const { currentPlatform } = require('../unsupported-platform.js');
const addon = join(root, `zcatalyst-connector-rs.${currentPlatform()}.node`);
if (!existsSync(addon) || process.env.ZC_REBUILD === '1') {
  console.log('Building the native addon (release)...');
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
}
