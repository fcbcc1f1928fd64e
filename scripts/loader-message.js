'use strict';
// Runs after `napi build` (scripts/build.js): the generated loader index.js
// ends its load attempts with napi-rs's generic advice ("npm has a bug related
// to optional dependencies… try npm i again"), which cannot help on a platform
// with no binary. This replaces that one block with a call to
// ../unsupported-platform.js, which names the platform, the supported list and
// how to build from source. Idempotent; fails the build if the generated code
// no longer has the expected shape (a napi CLI upgrade must be looked at).
const fs = require('node:fs');

const MARKER = "require('./unsupported-platform.js')";
const BLOCK = /if \(!nativeBinding\) \{\n {2}if \(loadErrors\.length > 0\) \{\n[\s\S]*?\n {2}throw new Error\(`Failed to load native binding`\)\n\}\n/;
const REPLACEMENT = `if (!nativeBinding) {
  // zcatalyst-connector-rs (scripts/loader-message.js): say which platform,
  // which are supported, and how to build from source.
  throw ${MARKER}.loadError(loadErrors.length > 0 ? createLoadErrorChain(loadErrors) : undefined)
}
`;

function postprocessLoader(file) {
  const source = fs.readFileSync(file, 'utf8');
  if (source.includes(MARKER)) return false;
  if (!BLOCK.test(source)) {
    throw new Error(`${file}: the load-failure block of the generated loader was not found; update scripts/loader-message.js for this napi CLI`);
  }
  fs.writeFileSync(file, source.replace(BLOCK, REPLACEMENT));
  return true;
}

if (require.main === module) postprocessLoader(process.argv[2] || require('node:path').join(__dirname, '..', 'index.js'));
module.exports = { postprocessLoader };
