'use strict';
// The runtime subset (__test__/runtimes/subset.mjs), which scripts/test-runtimes.sh
// runs under Bun and Deno, run here under this Node: the same checks must pass
// on Node too. And its harness: a failing check fails the run and its summary.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { pathToFileURL } = require('node:url');

const SUBSET = path.join(__dirname, 'runtimes', 'subset.mjs');
const HARNESS = pathToFileURL(path.join(__dirname, 'runtimes', 'harness.mjs')).href;

/** Runs `node <args>`; resolves to `{ code, lines }` (stdout lines), or code 'hung' after 60 s. */
function run(args) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => { out += chunk; });
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve({ code: 'hung', lines: out.trim().split('\n') }); }, 60_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, lines: out.trim().split('\n') }); });
  });
}

test('the runtime subset passes on this Node, one line per check and the summary last', async () => {
  const { code, lines } = await run([SUBSET]);
  const summary = lines.at(-1);
  assert.equal(code, 0, lines.join('\n'));
  const checks = lines.filter((line) => /^(ok|not ok) - |^skipped: /.test(line));
  const passed = checks.filter((line) => line.startsWith('ok - ')).length;
  assert.ok(passed >= 10, `${passed} checks passed`);
  assert.equal(summary, `${passed} passed, 0 failed`);
  for (const line of checks.filter((l) => l.startsWith('skipped: '))) console.log(`# ${line}`);
});

test('the subset harness: a failing check is "not ok", the summary counts it and the exit code is 1', async () => {
  const script = `
    import { runChecks, skip } from ${JSON.stringify(HARNESS)};
    const failed = await runChecks([
      ['passes', async () => {}],
      ['fails', async () => { throw new Error('expected failure'); }],
      ['is skipped', async () => skip('no such thing here')],
    ]);
    process.exitCode = failed === 0 ? 0 : 1;`;
  const { code, lines } = await run(['--input-type=module', '-e', script]);
  assert.equal(code, 1);
  assert.equal(lines[0], 'ok - passes');
  assert.match(lines[1], /^not ok - fails: Error: expected failure/);
  assert.ok(lines.includes('skipped: is skipped: no such thing here'));
  assert.equal(lines.at(-1), '1 passed, 1 failed');
});
