'use strict';
// Runs one zcrmsdk scenario in a process of its own, through the legacy SDK
// (`legacy`: zcrmsdk 0.0.20 from __test__/legacy) or ours (`ours`), and
// prints what every step gave as one JSON line. The legacy keeps module-global
// state, leaves promises pending and throws from callbacks, so each scenario
// gets a fresh process, every step a bounded wait, and uncaught errors are
// recorded rather than fatal.
//   node zcrm-run.js <legacy|ours> '<scenario JSON>'
// Scenario: { config?: object | null (null: properties files of cwd),
//   steps: [ { call: 'API.MODULES.get', input, file?: {path}|{bytes: base64} }
//          | { fn: 'generateAuthTokens' | 'setUserIdentifier' | …, args: [...] }
//          | { parallel: [steps] } ], stepTimeoutMs? }
const path = require('node:path');
const fs = require('node:fs');

const [impl, scenarioText] = process.argv.slice(2);
const scenario = JSON.parse(scenarioText);
const uncaught = [];
process.on('uncaughtException', (error) => uncaught.push(`uncaughtException: ${error && error.message}`));
process.on('unhandledRejection', (error) => uncaught.push(`unhandledRejection: ${error && error.message}`));

const sdk = impl === 'legacy'
  ? require(path.join(__dirname, '..', 'legacy', 'node_modules', 'zcrmsdk'))
  : require(path.join(__dirname, '..', '..', 'zcrmsdk.js'));

if (impl === 'legacy' && process.env.ZCRM_MYSQL_PORT) {
  // The legacy's MySQL host and port are fixed (localhost:3306); point its
  // driver at the test server instead. Nothing else of the driver changes.
  const mysql = require(path.join(__dirname, '..', 'legacy', 'node_modules', 'mysql'));
  const create = mysql.createConnection;
  mysql.createConnection = (options) => create({ ...options, host: '127.0.0.1', port: Number(process.env.ZCRM_MYSQL_PORT) });
}

function normalize(value) {
  if (typeof value === 'string') return { string: value };
  if (value instanceof Error) return { resolvedError: value.message };
  if (value && typeof value === 'object' && 'statusCode' in value) {
    const out = { statusCode: value.statusCode, body: value.body, contentType: value.headers['content-type'], headersPlain: Object.getPrototypeOf(value.headers) === Object.prototype };
    if ('filename' in value) out.filename = value.filename === undefined ? '(undefined)' : value.filename;
    return out;
  }
  if (value && typeof value === 'object') {
    const out = { ...value };
    if (typeof out.expires_in === 'number') out.expires_in = `now+${Math.round((out.expires_in - Date.now()) / 60_000)}min`;
    return { object: out, keys: Object.keys(value) };
  }
  return { value: value === undefined ? '(undefined)' : value };
}

function inputOf(step) {
  const input = step.input === undefined ? undefined : JSON.parse(JSON.stringify(step.input));
  if (step.file && step.file.path) input.x_file_content = fs.createReadStream(step.file.path);
  if (step.file && step.file.bytes) input.x_file_content = Buffer.from(step.file.bytes, 'base64');
  return input;
}

function start(step) {
  if (step.call) {
    const fn = step.call.split('.').reduce((object, key) => object[key], sdk);
    return fn(inputOf(step));
  }
  return sdk[step.fn](...(step.args || []));
}

async function settle(promiseOrValue, timeoutMs) {
  let timer;
  const pending = new Promise((resolve) => { timer = setTimeout(() => resolve({ pending: true }), timeoutMs); });
  try {
    return await Promise.race([
      Promise.resolve(promiseOrValue).then((value) => ({ resolved: normalize(value) }), (error) => ({ rejected: { code: error && error.code, message: error && error.message } })),
      pending,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function run(step, timeoutMs) {
  if (step.parallel) return { parallel: await Promise.all(step.parallel.map((s) => run(s, timeoutMs))) };
  let started;
  try {
    started = start(step);
  } catch (error) {
    return { threw: { code: error.code, message: error.message } };
  }
  return settle(started, timeoutMs);
}

(async () => {
  const timeoutMs = scenario.stepTimeoutMs ?? 3000;
  const results = [];
  if (scenario.config !== undefined) {
    results.push(await settle(sdk.initialize(scenario.config === null ? undefined : scenario.config), timeoutMs));
  }
  for (const step of scenario.steps || []) results.push(await run(step, timeoutMs));
  const getters = {};
  for (const name of ['getClientId', 'getRedirectURL', 'getUserIdentifier', 'getIAMUrl', 'getAPIURL', 'getVersion', 'getMySQLUserName', 'getMYSQLPassword']) {
    getters[name] = sdk[name]();
  }
  process.stdout.write(`${JSON.stringify({ results, uncaught, getters })}\n`);
  if (typeof sdk.close === 'function') await sdk.close();
  process.exit(0);
})();
