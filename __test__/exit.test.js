'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');

// A script that gets one token and has nothing else to do must end at once:
// nothing native (runtime threads, pooled connections) may keep Node alive.
test('a process that gets one token exits promptly', async () => {
  const mock = await startMockOAuth();
  try {
    const script = `
      const { Connection } = require(${JSON.stringify(path.join(__dirname, '..'))});
      const json = ${JSON.stringify({ c: settings(mock.url) })};
      new Connection(json).getConnector('c').getAccessToken().then((t) => console.log(t));`;
    const started = Date.now();
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const code = await new Promise((resolve) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); resolve('hung'); }, 10_000);
      child.on('exit', (c) => { clearTimeout(timer); resolve(c); });
    });
    assert.equal(code, 0, 'child did not exit by itself within 10 s');
    assert.match(out, /^at-1\n$/);
    assert.equal(mock.count, 1);
    console.log(`# child exited ${Date.now() - started} ms after start`);
  } finally {
    await mock.close();
  }
});

test('a rejected call does not crash the process and the process still exits', async () => {
  const script = `
    const { Connection } = require(${JSON.stringify(path.join(__dirname, '..'))});
    new Connection(${JSON.stringify({ c: settings('http://127.0.0.1:9/t') })}).getConnector('c').getAccessToken()
      .catch((e) => console.log(e.code));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const code = await new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve('hung'); }, 10_000);
    child.on('exit', (c) => { clearTimeout(timer); resolve(c); });
  });
  assert.equal(code, 0);
  assert.equal(out.trim(), 'app/NETWORK_ERROR');
});
