'use strict';
// The CLI end to end against the local mock provider, in real child processes.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');

const CLI = path.join(__dirname, '..', 'bin', 'zcatalyst-connector.js');

function cli(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

let mock;
let dir;
let file;
test.before(async () => {
  mock = await startMockOAuth();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-cli-'));
  file = path.join(dir, 'connectors.json');
  const { refresh_token: _unused, ...noRefreshToken } = settings(mock.url, { authorize_url: mock.authorizeUrl });
  // Four-space indentation and a second entry: both must survive an exchange.
  fs.writeFileSync(file, `${JSON.stringify({ svc: noRefreshToken, other: { client_id: 'x', keep: [1, 2] } }, null, 4)}\n`, { mode: 0o640 });
});
test.after(async () => {
  await mock.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('--help and wrong usage', async () => {
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /Usage: zcatalyst-connector <command>/);
  const none = await cli([]);
  assert.equal(none.code, 2, 'no arguments is wrong usage');
  assert.match(none.err, /Usage: zcatalyst-connector <command>/);
  assert.equal(none.out, '');
  for (const [command, usage, option] of [
    ['token', 'token <name>', /--config <file>/],
    ['exchange', 'exchange <name> <code>', /--code-verifier <v>/],
    ['authorize-url', 'authorize-url <name>', /--pkce/],
  ]) {
    const own = await cli([command, '--help']);
    assert.equal(own.code, 0);
    assert.ok(own.out.startsWith(`Usage: zcatalyst-connector ${usage} [options]`), own.out);
    assert.match(own.out, option);
    assert.doesNotMatch(own.out, /Commands:/, `${command} --help is not the global help`);
  }
  const unknown = await cli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command 'frobnicate' \(commands: authorize-url, exchange, token\)/);
  const missing = await cli(['exchange', 'svc', '--config', file]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /exchange takes <name> <code>/);
  assert.equal((await cli(['token', 'svc', '--bogus', '1', '--config', file])).code, 2);
});

test('authorize-url, consent, exchange (PKCE) writes the refresh token; token prints an access token', async () => {
  const url = await cli(['authorize-url', 'svc', '--config', file, '--state', 'abc', '--access-type', 'offline', '--pkce']);
  assert.equal(url.code, 0, url.err);
  const consentUrl = url.out.trim();
  assert.match(consentUrl, /^http:\/\/127\.0\.0\.1:\d+\/oauth\/v2\/auth\?response_type=code&client_id=1000\.CLIENTID/);
  assert.match(consentUrl, /code_challenge=[\w-]{43}&code_challenge_method=S256/);
  const verifier = /code verifier[^:]*: ([\w-]{43})/.exec(url.err)[1];

  const consent = await fetch(consentUrl, { redirect: 'manual' });
  const code = new URL(consent.headers.get('location')).searchParams.get('code');
  const exchanged = await cli(['exchange', 'svc', code, '--config', file, '--code-verifier', verifier]);
  assert.equal(exchanged.code, 0, exchanged.err);
  assert.match(exchanged.err, /refresh token of 'svc' saved/);
  const text = fs.readFileSync(file, 'utf8');
  const json = JSON.parse(text);
  assert.equal(json.svc.refresh_token, `rt-from-${code}`);
  assert.deepEqual(json.other, { client_id: 'x', keep: [1, 2] });
  assert.match(text, /^ {4}"svc"/m, 'indentation kept');
  assert.ok(text.endsWith('}\n'));
  assert.equal(fs.statSync(file).mode & 0o777, 0o640, 'mode kept');

  const token = await cli(['token', 'svc'], { ZC_CONNECTOR_CONFIG: file });
  assert.equal(token.code, 0, token.err);
  assert.match(token.out, /^at-\d+\n$/);
  assert.equal(mock.state.requests.at(-1).form.get('refresh_token'), `rt-from-${code}`);
});

test('failures exit 1 with the error code and no secret', async () => {
  const url = (await cli(['authorize-url', 'svc', '--config', file, '--pkce'])).out.trim();
  const code = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')).searchParams.get('code');
  const before = fs.readFileSync(file, 'utf8');
  const wrongVerifier = await cli(['exchange', 'svc', code, '--config', file, '--code-verifier', 'x'.repeat(43)]);
  assert.equal(wrongVerifier.code, 1);
  assert.match(wrongVerifier.err, /app\/OAUTH_ERROR: .*invalid_grant/);
  assert.equal(fs.readFileSync(file, 'utf8'), before, 'the file is untouched');
  const noEntry = await cli(['token', 'nope', '--config', file]);
  assert.equal(noEntry.code, 1);
  assert.match(noEntry.err, /no connector 'nope' in .*connectors\.json; known connectors: svc, other/);
  const noFile = await cli(['token', 'svc', '--config', path.join(dir, 'missing.json')]);
  assert.equal(noFile.code, 1);
  assert.match(noFile.err, /no such file/);
  const offline = path.join(dir, 'offline.json');
  fs.writeFileSync(offline, JSON.stringify({ svc: settings('http://127.0.0.1:9/t') }));
  const unreachable = await cli(['token', 'svc', '--config', offline]);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.err, /app\/NETWORK_ERROR/);
  assert.ok(!unreachable.err.includes('client-secret-value'));
});

test('token without a refresh token points to exchange', async () => {
  const fresh = path.join(dir, 'fresh.json');
  const { refresh_token: _unused, ...noRefreshToken } = settings(mock.url);
  fs.writeFileSync(fresh, JSON.stringify({ crm: noRefreshToken }));
  const before = mock.state.requests.length;
  const run = await cli(['token', 'crm', '--config', fresh]);
  assert.equal(run.code, 1);
  assert.match(run.err, /connector 'crm' in .*fresh\.json has no refresh_token yet: .*zcatalyst-connector exchange crm <code>/);
  assert.equal(mock.state.requests.length, before, 'no token request was sent');
});
