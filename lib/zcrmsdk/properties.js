'use strict';
// Reads `.properties` files the way the legacy SDK's reader (properties-reader
// 0.0.16) does: `[section]` lines prefix the keys that follow with
// `section.`; `key=value` (or a bare `key`); lines starting with `#` are
// comments; values are trimmed and converted: numeric strings become numbers
// (so an empty value becomes 0), `true`/`false` booleans, and `\n`, `\r`,
// `\t` escapes are expanded.
const { readFileSync } = require('node:fs');

function parseValue(raw) {
  if (raw !== null && !Number.isNaN(Number(raw))) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw.replace(/\\[nrt]/g, (m) => ({ '\\n': '\n', '\\r': '\r', '\\t': '\t' })[m]);
}

/** `text` → Map of key → converted value. */
function parseProperties(text) {
  const values = new Map();
  let section = '';
  for (const rawLine of String(text).split('\n')) {
    const line = rawLine.trim();
    if (!line) continue;
    const header = /^\[([^=]+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const property = /^([^#=]+)(=?)(.*)$/.exec(line);
    if (!property) continue;
    const key = (section ? `${section}.` : '') + property[1].trim();
    values.set(key, parseValue(property[3].trim()));
  }
  return values;
}

function readProperties(path) {
  return parseProperties(readFileSync(path, 'utf8'));
}

module.exports = { parseProperties, readProperties };
