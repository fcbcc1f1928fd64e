'use strict';
// What the release workflow (.github/workflows/CI.yml) does that can run here:
// its build matrix covers napi.targets, and `napi artifacts` (the publish job)
// puts each target's binary into its npm/<platform> package, which then packs
// with just that binary. The cross builds, macOS/Windows runners and
// `npm publish --provenance` cannot run here.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { platformOfTriple } = require('../unsupported-platform.js');

const root = path.join(__dirname, '..');
const pkg = require('../package.json');
const workflow = fs.readFileSync(path.join(root, '.github', 'workflows', 'CI.yml'), 'utf8');

function job(name) {
  const start = workflow.indexOf(`\n  ${name}:\n`);
  assert.ok(start >= 0, `job ${name}`);
  const rest = workflow.slice(start + 1);
  const end = rest.slice(1).search(/\n {2}[\w-]+:\n/);
  return end < 0 ? rest : rest.slice(0, end + 1);
}

test('the workflow builds every napi target, tests them, and publishes with provenance on a tag', () => {
  const built = [...job('build').matchAll(/^ {10}- target: ([\w.-]+)$/gm)].map((m) => m[1]);
  assert.deepEqual(built.sort(), [...pkg.napi.targets].sort());
  const tested = new Set([...job('test').matchAll(/^ {10}- ([\w-]+)$/gm), ...job('test-musl').matchAll(/\[([\w-]+), ([\w-]+)\]/g)].flatMap((m) => m.slice(1)));
  for (const target of pkg.napi.targets) assert.ok(tested.has(target), `${target} is tested`);
  // Every supported Node major (docs/runtimes.md), the test files named (Node 21+ takes a folder for a file).
  for (const name of ['test', 'test-musl']) {
    assert.match(job(name), /node: \['18', '20', '22', '24'\]/, name);
    assert.match(job(name), /node --test --test-concurrency=1 __test__\/\*\.test\.js __test__\/\*\.test\.mjs/, name);
    assert.doesNotMatch(job(name), /node --test [^\n]*__test__\/(\s|'|$)/, `${name}: no folder argument`);
  }
  const publish = job('publish');
  assert.match(publish, /if: startsWith\(github\.ref, 'refs\/tags\/v'\)/);
  assert.match(publish, /id-token: write/);
  assert.equal((publish.match(/npm publish .*--provenance/g) || []).length, 2, 'platform packages and the main package');
  assert.match(publish, /git diff --exit-code/);
});

// @napi-rs/cli (a development tool: the publish job runs it on Node 22) needs
// Node ^20.17 || >= 22.13; on the older runtimes the package supports, say so.
const napiCliEngines = require('@napi-rs/cli/package.json').engines.node;
const [major, minor] = process.versions.node.split('.').map(Number);
const napiCliRuns = major > 22 || (major === 22 && minor >= 13) || (major === 20 && minor >= 17);
const napiCliSkip = napiCliRuns ? false : `skipped: @napi-rs/cli needs Node ${napiCliEngines}, this is ${process.version}`;

test('napi artifacts (the publish job) fills each npm/<platform> package with its binary only', { timeout: 60_000, skip: napiCliSkip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-release-'));
  try {
    fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
    fs.cpSync(path.join(root, 'npm'), path.join(dir, 'npm'), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), process.platform === 'win32' ? 'junction' : 'dir');
    for (const triple of pkg.napi.targets) {
      // As actions/download-artifact lays them out: one folder per artifact.
      const from = path.join(dir, 'artifacts', `bindings-${triple}`);
      fs.mkdirSync(from, { recursive: true });
      fs.writeFileSync(path.join(from, `${pkg.napi.binaryName}.${platformOfTriple(triple)}.node`), `binary of ${triple}`);
    }
    const napi = path.join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js');
    execFileSync(process.execPath, [napi, 'artifacts', '--output-dir', 'artifacts', '--npm-dir', 'npm'], { cwd: dir, stdio: 'pipe' });
    for (const triple of pkg.napi.targets) {
      const platform = platformOfTriple(triple);
      const binary = `${pkg.napi.binaryName}.${platform}.node`;
      const packageDir = path.join(dir, 'npm', platform);
      assert.equal(fs.readFileSync(path.join(packageDir, binary), 'utf8'), `binary of ${triple}`);
      const [packed] = JSON.parse(execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['pack', '--dry-run', '--json'], { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
      assert.deepEqual(packed.files.map((f) => f.path).sort(), ['README.md', binary, 'package.json'].sort());
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
