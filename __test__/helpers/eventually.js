'use strict';
// Store writes finish after callers got their token (a slow store never
// delays them), so a test that inspects a store waits for the write.

/** Resolves to `check()`'s first truthy value, polling every 10 ms for up to `timeoutMs`. */
async function eventually(check, timeoutMs = 5000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

module.exports = { eventually };
