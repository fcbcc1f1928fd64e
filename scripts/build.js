'use strict';
// `npm run build`: the native addon through the napi CLI (a devDependency).
//
// On Linux x64 the binary is linked through zig (cargo-zigbuild) against
// glibc 2.17, so it loads on every distribution since RHEL/CentOS 7 instead of
// needing the build machine's glibc. zig and cargo-zigbuild come from PyPI
// (their wheels carry the binaries) into a virtual environment under
// target/build-tools, made on first use. Elsewhere (macOS, Windows, musl, or
// ZC_NATIVE_BUILD=1) it is a plain `napi build` for the host.
//
//   node scripts/build.js [--debug]
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');
const { postprocessLoader } = require('./loader-message.js');

const root = path.join(__dirname, '..');
/** Pinned: upgrade together and rerun the glibc test. */
const BUILD_TOOLS = ['ziglang==0.17.1', 'cargo-zigbuild==0.24.0'];
const GLIBC = '2.17';

function isGlibcLinuxX64() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  const report = process.report && process.report.getReport();
  return Boolean(report && report.header && report.header.glibcVersionRuntime);
}

/** The virtual environment holding zig and cargo-zigbuild; returns its bin directory. */
function buildTools() {
  const venv = path.join(root, 'target', 'build-tools');
  const bin = path.join(venv, 'bin');
  const have = (name) => existsSync(path.join(bin, name));
  if (!have('cargo-zigbuild') || !have('python-zig')) {
    console.log(`Installing ${BUILD_TOOLS.join(', ')} into target/build-tools (PyPI)...`);
    if (!have('python3')) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(path.join(bin, 'python3'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...BUILD_TOOLS], { stdio: 'inherit' });
  }
  return bin;
}

function napi(args, env = process.env) {
  const cli = require.resolve('@napi-rs/cli/package.json', { paths: [root] });
  const bin = path.join(path.dirname(cli), require(cli).bin.napi);
  execFileSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit', env });
}

function main() {
  const release = !process.argv.includes('--debug');
  const args = ['build', '--platform', '--js', 'index.js', '--dts', 'index.d.ts'];
  if (release) args.push('--release');
  if (isGlibcLinuxX64() && process.env.ZC_NATIVE_BUILD !== '1') {
    const bin = buildTools();
    args.push('--cross-compile', '--target', `x86_64-unknown-linux-gnu.${GLIBC}`);
    napi(args, { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` });
  } else {
    napi(args);
  }
  postprocessLoader(path.join(root, 'index.js'));
}

if (require.main === module) main();
module.exports = { BUILD_TOOLS, GLIBC };
