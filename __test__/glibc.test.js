'use strict';
// The linux-x64-gnu binary must load on glibc 2.17 (RHEL/CentOS 7, Amazon
// Linux 2, Debian 8+): `npm run build` links it through zig against 2.17
// (scripts/build.js). This reads the binary's ELF version-needs table
// (.gnu.version_r) — the GLIBC_x.y symbol versions the dynamic loader will
// demand — and fails on any newer than 2.17.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { GLIBC } = require('../scripts/build.js');

const BINARY = path.join(__dirname, '..', 'zcatalyst-connector-rs.linux-x64-gnu.node');
const SHT_GNU_VERNEED = 0x6ffffffe;
// The binary built for this machine is the linux-x64-gnu one only on glibc Linux x64
// (on Alpine the musl binary is built and Node itself needs no glibc).
const glibcX64 = process.platform === 'linux' && process.arch === 'x64'
  && Boolean(process.report.getReport().header.glibcVersionRuntime);
const skip = !glibcX64 && 'not glibc Linux x64';

/** The version names each needed library is asked for: `{ 'libc.so.6': ['GLIBC_2.2.5', …] }`. */
function versionNeeds(file) {
  const elf = fs.readFileSync(file);
  assert.equal(elf.toString('latin1', 0, 4), '\x7fELF', 'an ELF file');
  assert.equal(elf[4], 2, 'ELF64');
  assert.equal(elf[5], 1, 'little-endian');
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const sections = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    sections.push({
      type: elf.readUInt32LE(at + 4),
      offset: Number(elf.readBigUInt64LE(at + 0x18)),
      link: elf.readUInt32LE(at + 0x28),
      info: elf.readUInt32LE(at + 0x2c),
    });
  }
  const verneed = sections.find((s) => s.type === SHT_GNU_VERNEED);
  assert.ok(verneed, 'the binary has a .gnu.version_r section');
  const strtab = sections[verneed.link].offset;
  const str = (offset) => {
    const start = strtab + offset;
    return elf.toString('latin1', start, elf.indexOf(0, start));
  };
  const needs = {};
  let entry = verneed.offset;
  for (let n = 0; n < verneed.info; n++) {
    const count = elf.readUInt16LE(entry + 2);
    const versions = (needs[str(elf.readUInt32LE(entry + 4))] = []);
    let aux = entry + elf.readUInt32LE(entry + 8);
    for (let k = 0; k < count; k++) {
      versions.push(str(elf.readUInt32LE(aux + 8)));
      aux += elf.readUInt32LE(aux + 12);
    }
    entry += elf.readUInt32LE(entry + 12);
  }
  return needs;
}

const versionOf = (name) => name.replace(/^GLIBC_/, '').split('.').map(Number);
const newer = (a, b) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) > (b[i] || 0);
  }
  return false;
};

test(`the linux-x64-gnu binary needs at most GLIBC ${GLIBC}`, { skip }, () => {
  assert.ok(fs.existsSync(BINARY), `${BINARY} is built (npm run build)`);
  const needs = versionNeeds(BINARY);
  const glibc = Object.values(needs).flat().filter((v) => v.startsWith('GLIBC_'));
  assert.ok(glibc.length > 0, `libc symbol versions found: ${JSON.stringify(needs)}`);
  const tooNew = glibc.filter((v) => newer(versionOf(v), versionOf(GLIBC)));
  assert.deepEqual(tooNew, [], `symbol versions newer than GLIBC_${GLIBC}: ${tooNew.join(', ')}`);
});

test('the ELF reader agrees with objdump, where objdump is installed', { skip }, (t) => {
  let dump;
  try {
    dump = execFileSync('objdump', ['-p', BINARY], { encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch {
    t.skip('no objdump');
    return;
  }
  const fromObjdump = [...new Set(dump.match(/GLIBC_[0-9.]+/g))].sort();
  const fromReader = [...new Set(Object.values(versionNeeds(BINARY)).flat().filter((v) => v.startsWith('GLIBC_')))].sort();
  assert.deepEqual(fromReader, fromObjdump);
});

test('the check fails for a binary built against a newer glibc (this Node)', { skip }, () => {
  // Official Node >= 18 binaries need glibc 2.28: the same check, run on
  // Node itself, must find versions above 2.17 (the first test is not vacuous).
  const glibc = Object.values(versionNeeds(process.execPath)).flat().filter((v) => v.startsWith('GLIBC_'));
  assert.ok(glibc.some((v) => newer(versionOf(v), versionOf(GLIBC))), `Node's own needs: ${glibc.join(', ')}`);
});
