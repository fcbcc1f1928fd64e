'use strict';
// Every JavaScript example in README.md and in docs/*.md (not docs/api/,
// which is generated) runs, as written, in a child process, and their
// TypeScript examples compile. Each file's blocks follow the same rules.
//
// Rules for code blocks in README.md and docs/*.md (read before adding one):
// - ```js blocks are run. A block with a top-level `import`/`export` is an ES
//   module (top-level `await` allowed); any other is CommonJS, so it must wrap
//   `await` in an async function (top-level `await` is a SyntaxError there,
//   which fails this test). `require('zcatalyst-connector-rs')` and `import …
//   from 'zcatalyst-connector-rs'` resolve to this repository (the block runs
//   from target/readme-blocks/, inside the package; each block is its own
//   file there, named after its Markdown file and fence line).
// - A block must exit 0 on its own within 20 s, print no uncaught error, and
//   define every name it uses. Blocks that stand for a request handler define
//   the handler (e.g. `module.exports = async (req, res) => …`) rather than
//   calling it with a `req` they do not have.
// - The environment (__test__/helpers/readme-env.js, preloaded): every
//   connector's token/consent/revocation endpoints — URLs or a Zoho
//   data_centre — and client credentials are pointed at the local mock
//   provider (__test__/helpers/mock-oauth.js), a missing refresh_token gets a
//   value, fetch() to any non-local host reaches the mock's API (which checks
//   the token), and `redis://` stores become `memory:`. So examples keep real
//   hosts and placeholders ('1000.XXXX') and still get real tokens.
// - `<!-- readme-test: fragment -->` on the line before a ```js block: the
//   block is part of a file (it is only checked to parse, with `node --check`).
//   Use it only where running is impossible.
// - ```ts blocks are compiled with strict TypeScript against the package's
//   typings (no DOM) by the last test here; ```sh/```diff blocks are not run.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { startMockOAuth } = require('./helpers/mock-oauth');

const root = path.join(__dirname, '..');
const outDir = path.join(root, 'target', 'readme-blocks');

/** The fenced blocks of a Markdown text: `{ lang, code, line, fragment }` (line: 1-based, of the fence). */
function codeBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body = [];
    for (i += 1; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    const fragment = start > 0 && /<!--\s*readme-test:\s*fragment\s*-->/.test(lines[start - 1]);
    blocks.push({ lang: open[1], code: `${body.join('\n')}\n`, line: start + 1, fragment });
  }
  return blocks;
}

const isModule = (code) => /^\s*(import\s[^(]|import\s*\{|export\s)/m.test(code);

function run(file, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', path.join(__dirname, 'helpers', 'readme-env.js'), file], {
      cwd: outDir,
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
  });
}

/** The Markdown files whose examples run: README.md, then docs/*.md (docs/api/ is generated, not read). */
const sources = ['README.md', ...fs.readdirSync(path.join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`)];
/** Every block of every source, with `source` (its file) and `slug` (a file-name prefix unique to it). */
const blocks = sources.flatMap((source) => {
  const slug = source.replace(/\.md$/, '').replace(/[^\w-]+/g, '-');
  return codeBlocks(fs.readFileSync(path.join(root, source), 'utf8')).map((b) => ({ ...b, source, slug }));
});
const jsBlocks = blocks.filter((b) => ['js', 'javascript', 'mjs', 'cjs'].includes(b.lang));
const readmeJsBlocks = jsBlocks.filter((b) => b.source === 'README.md');

let mock;
test.before(async () => {
  mock = await startMockOAuth();
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
});
test.after(() => mock.close());

test('the extractor finds the README and docs blocks (so the tests below cannot pass on none)', () => {
  assert.ok(sources.length >= 2, `sources: ${sources.join(', ')}`);
  assert.ok(jsBlocks.length >= 8, `${jsBlocks.length} js blocks`);
  assert.ok(readmeJsBlocks.length >= 2, `${readmeJsBlocks.length} js blocks in README.md`);
  assert.ok(jsBlocks.some((b) => b.source !== 'README.md'), 'a js block in docs/*.md');
  assert.ok(readmeJsBlocks.some((b) => isModule(b.code)), 'an ES module example in README.md');
  assert.ok(blocks.some((b) => b.lang === 'ts'), 'a TypeScript example');
});

test('the extractor: languages, fence lines, the fragment marker, module detection', () => {
  const sample = ['# t', '```js', 'a()', '```', '<!-- readme-test: fragment -->', '```js', 'b(', '```', '```ts', 'let x = 1', '```', '```sh', 'ls', '```'].join('\n');
  const found = codeBlocks(sample);
  assert.deepEqual(found.map((b) => [b.lang, b.line, b.fragment, b.code]), [
    ['js', 2, false, 'a()\n'], ['js', 6, true, 'b(\n'], ['ts', 9, false, 'let x = 1\n'], ['sh', 12, false, 'ls\n'],
  ]);
  assert.ok(isModule("import { Connection } from 'zcatalyst-connector-rs';\n"));
  assert.ok(!isModule("const m = await import('x');\nrequire('y');\n"));
});

for (const block of jsBlocks) {
  const kind = block.lang === 'mjs' || (block.lang !== 'cjs' && isModule(block.code)) ? 'mjs' : 'cjs';
  const title = `${block.source}:${block.line} (${kind}${block.fragment ? ', fragment: parses' : ''})`;
  test(title, async () => {
    const file = path.join(outDir, `${block.slug}-${block.line}.${kind}`);
    fs.writeFileSync(file, block.code);
    if (block.fragment) {
      execFileSync(process.execPath, ['--check', file], { stdio: 'pipe' });
      return;
    }
    const before = mock.state.requests.length;
    const result = await run(file, { ZC_README_MOCK: mock.url.replace(/\/oauth\/v2\/token$/, '') });
    const report = `exit ${result.code}${result.signal ? ` (${result.signal})` : ''}\nstdout:\n${result.out}\nstderr:\n${result.err}`;
    assert.equal(result.signal, null, `did not exit within 20 s\n${report}`);
    assert.equal(result.code, 0, report);
    assert.doesNotMatch(result.err, /Uncaught|UnhandledPromiseRejection|^\w*Error:/m, report);
    block.tokenRequests = mock.state.requests.length - before;
  });
}

test('the examples really reached the mock provider (the environment override works)', () => {
  const total = jsBlocks.reduce((sum, b) => sum + (b.tokenRequests || 0), 0);
  assert.ok(total >= 2, `token requests made by README and docs blocks: ${total}`);
  assert.ok(readmeJsBlocks[0].tokenRequests >= 1, 'the README\'s first example gets a token');
});

test('README and docs TypeScript blocks compile with strict, against the published typings, without DOM', () => {
  const tsBlocks = blocks.filter((b) => b.lang === 'ts');
  const dir = path.join(outDir, 'ts');
  fs.mkdirSync(dir, { recursive: true });
  const files = tsBlocks.map((block) => {
    const name = `${block.slug}-${block.line}.${isModule(block.code) ? 'mts' : 'ts'}`;
    // Each snippet is its own module.
    fs.writeFileSync(path.join(dir, name), isModule(block.code) ? block.code : `${block.code}export {}\n`);
    return name;
  });
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'es2022', lib: ['es2022'], module: 'node16', moduleResolution: 'node16',
      strict: true, noEmit: true, skipLibCheck: false, types: ['node'],
    },
    files,
  }));
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
  }
});

