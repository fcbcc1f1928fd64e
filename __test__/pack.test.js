'use strict';
// What `npm pack` / `npm publish` ship, and that it works once installed.
//
// Size budget: at most 120 kB packed and 400 kB unpacked for the main package
// (0.1.0: about 70 kB / 240 kB; the README is the largest file). The binary is
// not in it: it comes from the platform package of the user's platform.
//
// The fresh-app test packs the main package and the linux-x64-gnu platform
// package (with the binary just built), installs both into an empty app from
// the tarballs, and uses it from CommonJS, an ES module and strict TypeScript.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, execFile } = require('node:child_process');
const { promisify } = require('node:util');
const { startMockOAuth } = require('./helpers/mock-oauth');

const root = path.join(__dirname, '..');
const pkg = require('../package.json');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const BUDGET = { packed: 120_000, unpacked: 400_000 };

function sh(command, args, cwd, env = {}) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
}

/** A child Node process, without blocking this one (the mock provider answers from here). */
async function nodeIn(cwd, args) {
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd, encoding: 'utf8' });
  return stdout;
}

/** The file paths in package.json's `exports` (its leaves). */
function exportTargets(node) {
  if (typeof node === 'string') return [node];
  return Object.values(node || {}).flatMap(exportTargets);
}

const ALLOWED = /^(README\.md|LICENSE|CHANGELOG\.md|package\.json|[\w-]+\.(js|mjs|cjs|d\.ts|d\.mts)|bin\/[\w-]+\.js|lib\/[\w/-]+\.js)$/;
const FORBIDDEN = /(^index\.d\.ts$|\.node$|^src\/|^__test__\/|^tests?\/|^target\/|^npm\/|^docs\/|^scripts\/|^bench\/|^demo\/|^Cargo\.|^\.)/;

test('npm pack ships only what a user needs, within the size budget, and leaves package.json as it was', () => {
  const before = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
  const [info] = JSON.parse(sh(npm, ['pack', '--dry-run', '--json'], root));
  assert.equal(fs.readFileSync(path.join(root, 'package.json'), 'utf8'), before, 'postpack restored package.json');
  const files = info.files.map((f) => f.path).sort();
  for (const file of files) {
    assert.match(file, ALLOWED, `${file} is not something a user needs`);
    assert.doesNotMatch(file, FORBIDDEN, `${file} must not be published`);
  }
  for (const needed of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'connector.js', 'connector.mjs', 'connector.d.ts',
    'connector.d.mts', 'index.js', 'unsupported-platform.js', 'bin/zcatalyst-connector.js', 'lib/error.js']) {
    assert.ok(files.includes(needed), `${needed} is published`);
  }
  // Everything package.json points at is in the package.
  const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin), ...exportTargets(pkg.exports)];
  for (const target of targets.filter((t) => t !== './package.json')) {
    assert.ok(files.includes(target.replace(/^\.\//, '')), `${target} (named in package.json) is published`);
  }
  assert.ok(info.size <= BUDGET.packed, `packed ${info.size} bytes > budget ${BUDGET.packed}`);
  assert.ok(info.unpackedSize <= BUDGET.unpacked, `unpacked ${info.unpackedSize} bytes > budget ${BUDGET.unpacked}`);
});

const glibcX64 = process.platform === 'linux' && process.arch === 'x64' && Boolean(process.report.getReport().header.glibcVersionRuntime);

test('installed from the tarballs into a fresh app: CommonJS, ES module, strict TypeScript', { skip: !glibcX64 && 'the platform package built here is linux-x64-gnu', timeout: 240_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-pack-'));
  const mock = await startMockOAuth();
  try {
    const before = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
    const [main] = JSON.parse(sh(npm, ['pack', '--json', '--pack-destination', dir], root));
    assert.equal(fs.readFileSync(path.join(root, 'package.json'), 'utf8'), before, 'the working tree is left as it was');
    const manifest = JSON.parse(sh('tar', ['-xzOf', path.join(dir, main.filename), 'package/package.json'], dir));
    assert.deepEqual(Object.keys(manifest.optionalDependencies).sort(),
      ['darwin-arm64', 'darwin-x64', 'linux-arm64-gnu', 'linux-arm64-musl', 'linux-x64-gnu', 'linux-x64-musl', 'win32-x64-msvc'].map((p) => `${pkg.name}-${p}`));
    assert.ok(Object.values(manifest.optionalDependencies).every((v) => v === pkg.version));

    // The platform package, as the release workflow fills it (napi artifacts).
    const platformDir = path.join(dir, 'platform');
    fs.mkdirSync(platformDir);
    fs.copyFileSync(path.join(root, 'npm', 'linux-x64-gnu', 'package.json'), path.join(platformDir, 'package.json'));
    fs.copyFileSync(path.join(root, 'zcatalyst-connector-rs.linux-x64-gnu.node'), path.join(platformDir, 'zcatalyst-connector-rs.linux-x64-gnu.node'));
    const [platform] = JSON.parse(sh(npm, ['pack', '--json', '--pack-destination', dir], platformDir));
    assert.deepEqual(platform.files.map((f) => f.path).sort(), ['package.json', 'zcatalyst-connector-rs.linux-x64-gnu.node']);

    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true }));
    sh(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', path.join(dir, main.filename), path.join(dir, platform.filename)], app);

    const settings = JSON.stringify({ crm: { client_id: '1000.CLIENTID', client_secret: 'client-secret-value', auth_url: mock.url, refresh_url: mock.url, refresh_token: '1000.r' } });
    fs.writeFileSync(path.join(app, 'cjs.js'), `const { Connection, CatalystConnectorError } = require('zcatalyst-connector-rs');
new Connection(${settings}).getConnector('crm').getAccessToken().then((token) => {
  try { new Connection({}).getConnector('none'); } catch (e) { if (!(e instanceof CatalystConnectorError)) throw e; }
  console.log('cjs', token);
});
`);
    fs.writeFileSync(path.join(app, 'esm.mjs'), `import { Connection } from 'zcatalyst-connector-rs';
import connector from 'zcatalyst-connector-rs';
const token = await new connector.Connection(${settings}).getConnector('crm').getAccessToken();
console.log('esm', token, Connection === connector.Connection);
`);
    assert.match(await nodeIn(app, ['cjs.js']), /^cjs at-\d+\n$/);
    assert.match(await nodeIn(app, ['esm.mjs']), /^esm at-\d+ true\n$/);
    assert.match(await nodeIn(app, [path.join(app, 'node_modules', '.bin', 'zcatalyst-connector'), '--version']), new RegExp(`^${pkg.version.replace(/\./g, '\\.')}\\n$`));

    fs.writeFileSync(path.join(app, 'app.mts'), `import { Connection, type ConnectionJson } from 'zcatalyst-connector-rs'
const json: ConnectionJson = { crm: { client_id: 'i', client_secret: 's', data_centre: 'eu', refresh_token: 'r' } }
const token: string = await new Connection(json).getConnector('crm').getAccessToken()
console.log(token)
`);
    // Every subpath of `exports` resolves to published typings too.
    const subpaths = Object.keys(pkg.exports).filter((key) => key !== '.' && key !== './package.json');
    fs.writeFileSync(path.join(app, 'app.cts'), `import connector = require('zcatalyst-connector-rs')
${subpaths.map((sub, i) => `import sub${i} = require('zcatalyst-connector-rs/${sub.slice(2)}')\nexport { sub${i} }\n`).join('')}const verifier: string = connector.createCodeVerifier()
const c: connector.Connector = new connector.Connection({}).getConnector('x')
// @ts-expect-error internal native functions are not part of the package's types
connector.getToken
export { verifier, c }
`);
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'es2022', lib: ['es2022'], module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true,
        types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')],
      },
      files: ['app.mts', 'app.cts'],
    }));
    try {
      sh(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app);
    } catch (error) {
      assert.fail(`tsc in the fresh app:\n${error.stdout}${error.stderr}`);
    }
  } finally {
    await mock.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
