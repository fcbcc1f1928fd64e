// A runner-agnostic check list (no node:test: Bun and Deno run it as plain
// code): one line per check — `ok - <name>`, `not ok - <name>: <error>` or
// `skipped: <name>: <reason>` — and a last line `N passed, N failed`, which
// the runtime script judges. Also: child processes of the running runtime.
import { spawn } from 'node:child_process';
import { scriptArgs } from './runtime.mjs';

/** A check that must not run here: thrown (or returned by `skip`) with the reason. */
export class Skip extends Error {}

/** Ends the current check as skipped because of `reason`. */
export function skip(reason) {
  throw new Skip(reason);
}

/** Longest any one check may take: a hang guard, not a timing assertion. */
const CHECK_LIMIT_MS = 30_000;

/**
 * Runs `checks` (`[name, async fn]` pairs) one after another, printing a line
 * each and the summary; resolves to the number of failures.
 */
export async function runChecks(checks) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const [name, fn] of checks) {
    let timer;
    const guard = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_LIMIT_MS / 1000} s (hung)`)), CHECK_LIMIT_MS);
    });
    try {
      await Promise.race([fn(), guard]);
      passed += 1;
      console.log(`ok - ${name}`);
    } catch (error) {
      if (error instanceof Skip) {
        skipped += 1;
        console.log(`skipped: ${name}: ${error.message}`);
      } else {
        failed += 1;
        console.log(`not ok - ${name}: ${String(error?.stack ?? error).split('\n').slice(0, 6).join('\n    ')}`);
      }
    } finally {
      clearTimeout(timer);
    }
  }
  if (skipped > 0) console.log(`# ${skipped} skipped`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed;
}

/**
 * Runs the script `file` with `args` in a new process of this runtime.
 * Resolves to `{ code, out, err }`, with `code: 'hung'` if it has not exited
 * within `limitMs` (it is then killed): a process must end by itself.
 */
export function runScript(file, args, limitMs = 10_000) {
  return runCommand(scriptArgs(file, args), limitMs);
}

/** Runs this runtime's executable with the arguments `argv`, as `runScript` does. */
export function runCommand(argv, limitMs = 10_000) {
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => { out += chunk; });
  child.stderr.on('data', (chunk) => { err += chunk; });
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve({ code: 'hung', out, err }); }, limitMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}
