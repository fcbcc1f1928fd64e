// Which JavaScript runtime runs this subset, and how to start another process
// of the same runtime on a script (Deno needs `run -A`; Node and Bun take the
// file directly).

/** `{ name, version }` of the running runtime: node, bun or deno. */
export function runtime() {
  if (typeof globalThis.Deno !== 'undefined') return { name: 'deno', version: globalThis.Deno.version.deno };
  if (process.versions.bun) return { name: 'bun', version: process.versions.bun };
  return { name: 'node', version: process.versions.node };
}

/** The arguments that make `process.execPath` run the script at `file` with `args`. */
export function scriptArgs(file, args = []) {
  return runtime().name === 'deno' ? ['run', '-A', file, ...args] : [file, ...args];
}
