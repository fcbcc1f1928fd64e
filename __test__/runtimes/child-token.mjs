// A process of its own, as a second app instance would be: opens the
// connector `c` of the connection JSON in argv[2] with the Connection options
// in argv[3] (e.g. `{ "store": "file:///…" }`), prints `token <access token>`
// or `error <code>`, and then has nothing left to do — it must exit by itself.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Connection } = require('../../connector.js');

const json = JSON.parse(process.argv[2]);
const options = JSON.parse(process.argv[3] ?? '{}');
new Connection(json, options).getConnector('c').getAccessToken().then(
  (token) => console.log(`token ${token}`),
  (error) => console.log(`error ${error.code}`),
);
