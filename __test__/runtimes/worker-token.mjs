// A worker thread's script: gets the token of connector `c` of the connection
// JSON in workerData and posts `token <access token>` or `error <code>`.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { Connection } = require('../../connector.js');

new Connection(workerData).getConnector('c').getAccessToken().then(
  (token) => parentPort.postMessage(`token ${token}`),
  (error) => parentPort.postMessage(`error ${error.code}`),
);
