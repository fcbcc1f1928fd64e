// `require('zcatalyst-connector-rs/register')` (or `import 'zcatalyst-connector-rs/register'`):
// zcatalyst-sdk-node's `app.connection(json)` returns this package's Connection.

/** The SDK `catalyst-app.js` files that were patched. */
export declare const patched: string[]
