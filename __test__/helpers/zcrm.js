'use strict';
// Shared plumbing of the zcrmsdk tests and bench: the legacy package (installed
// into __test__/legacy on first use), scenario runs in child processes, and
// a rows file for the test `tokenmanagement` module.
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { execFile, execFileSync } = require('node:child_process');

const LEGACY_DIR = path.join(__dirname, '..', 'legacy');
const RUNNER = path.join(__dirname, 'zcrm-run.js');
const ROWS_MODULE = path.join(__dirname, 'zcrm-rows-module.js');

/** Installs zcrmsdk 0.0.20 (with its override) into __test__/legacy when missing. */
function ensureLegacy() {
  if (fs.existsSync(path.join(LEGACY_DIR, 'node_modules', 'zcrmsdk', 'package.json'))) return;
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: LEGACY_DIR, stdio: 'inherit', timeout: 300_000 });
}

/** Runs `scenario` through `impl` ('legacy' | 'ours'); resolves the runner's JSON. */
function runScenario(impl, scenario, { cwd = process.cwd(), env = {}, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [RUNNER, impl, JSON.stringify(scenario)], {
      cwd, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop();
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`${impl} runner failed: ${error ? error.message : ''}\n${stderr}\n${stdout}`));
      }
    });
  });
}

/** A rows file for zcrm-rows-module.js: `{ rows: {user: row}, calls: [] }`. */
function rowsFile(rows = {}) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zcrm-rows-')), 'rows.json');
  fs.writeFileSync(file, JSON.stringify({ rows, calls: [] }));
  return {
    file,
    read: () => JSON.parse(fs.readFileSync(file, 'utf8')),
    write: (data) => fs.writeFileSync(file, JSON.stringify(data)),
    reset(newRows) { fs.writeFileSync(file, JSON.stringify({ rows: newRows, calls: [] })); },
    remove: () => fs.rmSync(path.dirname(file), { recursive: true, force: true }),
  };
}

module.exports = { ensureLegacy, runScenario, rowsFile, ROWS_MODULE, LEGACY_DIR };
