'use strict';
// redis+cluster:// against a real cluster whose 3 masters each have a
// replica (6 nodes, started here on private ports): a lease or fenced write
// counts only once the shard's replica has it (WAIT routed to the slot's
// primary), so a failover of that shard loses nothing — its primary is killed
// mid-lease 10 times while 4 processes refresh a rotating token, and no
// refresh ever uses a rotated-away refresh token.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { topologiesMissing, startCluster } = require('./helpers/redis-topologies');
const { failoverChaos, chaosSummary, EXIT_BOUND_MS } = require('./helpers/failover-chaos');

const missing = topologiesMissing();
if (missing && process.env.CI) test('redis-server and redis-cli are installed in CI', () => { throw new Error(missing); });
if (missing) console.log(`# skipped: the cluster failover tests: ${missing}`);
const options = { skip: missing ? `skipped: ${missing}` : false, timeout: 240_000 };

let cluster;
if (!missing) {
  test.before(async () => { cluster = await startCluster({ replicas: 1 }); });
  test.after(() => cluster.stop());
}

/** The port of the replica of the master on `port`. */
async function replicaOf(port) {
  const id = (await cluster.cli(port, 'CLUSTER', 'MYID')).trim();
  const line = (await cluster.cli(port, 'CLUSTER', 'REPLICAS', id)).split('\n').find(Boolean);
  return Number(line.split(' ')[1].split('@')[0].split(':')[1]);
}

/** The hash slot of the connector `name`'s keys, found by its fence key. */
async function slotOfConnector(name) {
  for (const port of cluster.ports) {
    const fence = (await cluster.cli(port, 'KEYS', `*ZC_CONN_${name}:*:fence`)).split('\n').find(Boolean);
    if (fence) return cluster.slotOf(fence);
  }
  throw new Error(`no fence key of ${name} in the cluster`);
}

test('a lease the shard\'s replica did not acknowledge is not acted on: no token request until the replica answers again', options, async () => {
  const mock = await startMockOAuth({ rotate: true });
  const { Connection } = require('..');
  try {
    const json = { r: settings(mock.url) };
    const c = new Connection(json, { store: cluster.url(), storeTimeoutMs: 1000, timeoutMs: 2000 }).getConnector('r');
    await c.refreshAccessToken();
    assert.equal(mock.count, 1);
    const primary = await cluster.nodeOf(await slotOfConnector('r'));
    const replica = await replicaOf(primary);
    // A stopped replica stays connected (its primary lists it online) but
    // acknowledges nothing: WAIT answers 0.
    const pid = Number((await cluster.cli(replica, 'INFO', 'server')).match(/process_id:(\d+)/)[1]);
    process.kill(pid, 'SIGSTOP');
    let error;
    const started = Date.now();
    try {
      await c.refreshAccessToken();
    } catch (e) {
      error = e;
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    console.log(`# refused after ${Date.now() - started} ms`);
    assert.ok(error, 'the refresh without an acknowledged lease failed');
    assert.match(error.code, /LOCK_UNAVAILABLE|STORE/, `${error.code}: ${error.message}`);
    assert.equal(mock.count, 1, 'no token request on a lease only the primary had');
    assert.doesNotMatch(error.message, /client-secret|rt-/, 'no secret in the message');
    // The store's back-off (at most 1 s for a store that fails over) ends, then a lease is had.
    const again = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      try {
        await c.refreshAccessToken();
        break;
      } catch (e) {
        if (attempt >= 20 || e.code !== 'app/LOCK_UNAVAILABLE') throw e;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    console.log(`# refreshed ${Date.now() - again} ms after the replica was resumed`);
    assert.equal(mock.count, 2, 'a refresh once the replica acknowledges again');
  } finally {
    await mock.close();
  }
});

test('the connector\'s primary killed mid-lease 10 times under 4 processes refreshing a rotating token: no rotated refresh token reused, no over-long wait', options, async () => {
  let slot;
  const run = await failoverChaos({
    storeUrl: cluster.url(),
    rounds: 10,
    started: async () => { slot = await slotOfConnector('c'); },
    failover: () => cluster.failover(slot),
  });
  console.log(`# slot ${slot}: ${chaosSummary(run)}`);
  assert.equal(cluster.failovers, 10);
  assert.equal(run.rejected, 0, 'no refresh used a refresh token that was already rotated away');
  assert.equal(run.overLong, 0, 'no call waited longer than one lease plus one HTTP timeout (and the store round trip in flight)');
  assert.ok(run.codes.every((c) => c.ok > 0), 'every process kept getting tokens');
  assert.ok(run.allExited < EXIT_BOUND_MS, `every process exited on time (${run.allExited} ms; bound ${EXIT_BOUND_MS} ms)`);
});
