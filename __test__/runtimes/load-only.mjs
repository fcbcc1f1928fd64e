// Loads the package and prints `loaded`, or `error <code> <message>` — for
// a runtime started with fewer permissions than the package needs.
try {
  await import('../../connector.mjs');
  console.log('loaded');
} catch (error) {
  console.log(`error ${error.code} ${error.message}`);
}
