'use strict';
// Real Redis topologies for tests, each on private ports of 127.0.0.1 with its
// data (cluster state, sentinel config) in a temp dir, stopped by `stop()`:
// a 3-master cluster (`redis-server --cluster-enabled yes` x3 joined by
// `redis-cli --cluster create`, optionally with a replica per master), and a
// master + replica watched by 3 sentinels.
// Nothing is started globally: each suite starts its own and stops it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync, execFile } = require('node:child_process');
const { freePort, redisMissing } = require('./redis');
const { parseReply: parse, encodeCommand } = require('../../lib/redis-client.js');
const net = require('node:net');
const { connect: tlsConnect } = require('node:tls');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why cluster/sentinel tests cannot run here (no redis-server or redis-cli), or null. */
function topologiesMissing() {
  const missing = redisMissing();
  if (missing) return missing;
  if (spawnSync('redis-cli', ['--version']).status !== 0) return 'redis-cli is not installed';
  return null;
}

/**
 * One command on 127.0.0.1:`port` (optionally over `tls`, `{ ca }`, and with
 * `auth` `[user, pass]`); resolves to the reply (an error reply rejects).
 */
function command(port, args, { auth, tls } = {}) {
  return new Promise((resolve, reject) => {
    const socket = tls
      ? tlsConnect({ port, host: '127.0.0.1', ca: fs.readFileSync(tls.ca) })
      : net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const replies = [];
    const expected = auth ? 2 : 1;
    socket.setTimeout(3000, () => { socket.destroy(); reject(new Error(`no answer from ${port}`)); });
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      let parsed;
      while ((parsed = parse(data, 0)) && parsed.malformed === undefined) {
        replies.push(parsed.value);
        data = data.subarray(parsed.next);
      }
      if (replies.length >= expected) {
        socket.end();
        const reply = replies[expected - 1];
        if (reply instanceof Error) reject(reply); else resolve(reply);
      }
    });
    if (auth) socket.write(encodeCommand(['AUTH', ...auth]));
    socket.write(encodeCommand(args));
  });
}

async function until(what, check, ms = 15_000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      if (await check()) return;
    } catch (e) { last = e; }
    await sleep(50);
  }
  throw new Error(`${what} did not happen within ${ms} ms${last ? ` (${last.message})` : ''}`);
}

/** A redis-server process; `args` are extra arguments. */
function server(port, dir, args) {
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--save', '', '--appendonly', 'no', '--protected-mode', 'no', ...args], { stdio: 'ignore' });
  return proc;
}

async function end(proc, signal = 'SIGTERM') {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill(signal);
  await exited;
}

/**
 * Starts a 3-master cluster. `tls: { cert, key, ca }` (files) makes every
 * node speak TLS only, also on its cluster bus (`--tls-cluster yes`);
 * `acl: [user, pass]` adds an ACL user with every right (the default user
 * keeps working for the test's own commands); `replicas: 1` gives each
 * master a replica (6 nodes), which a dead master fails over to.
 * Returns `{ ports, url(query?), cli(port, ...args), slotOf(key),
 * nodeOf(slot), moveSlot(slot, toPort), failover(slot), stop() }`.
 */
async function startCluster({ tls, acl, replicas = 0 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-cluster-'));
  const ports = [];
  for (let i = 0; i < 3 * (1 + replicas); i += 1) ports.push(await freePort());
  const procs = new Map();
  const startNode = (port) => {
    const nodeDir = path.join(dir, String(port));
    fs.mkdirSync(nodeDir, { recursive: true });
    const tlsArgs = tls ? ['--port', '0', '--tls-port', String(port), '--tls-cluster', 'yes', '--tls-replication', 'yes',
      '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no'] : [];
    const aclArgs = acl ? ['--user', `${acl[0]}`, 'on', `>${acl[1]}`, '~*', '&*', '+@all'] : [];
    // A replicated cluster notices a dead master after 1 s.
    const timeout = replicas > 0 ? '1000' : '2000';
    procs.set(port, server(port, nodeDir, ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
      '--cluster-node-timeout', timeout, '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0', ...tlsArgs, ...aclArgs]));
  };
  ports.forEach(startNode);
  const cli = (...args) => new Promise((resolve, reject) => {
    const tlsArgs = tls ? ['--tls', '--cacert', tls.ca] : [];
    execFile('redis-cli', [...tlsArgs, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args.join(' ')}: ${stderr || stdout || error.message}`));
      else resolve(stdout);
    });
  });
  const run = (port, ...args) => cli('-h', '127.0.0.1', '-p', String(port), ...args);
  const stop = async () => {
    await Promise.all([...procs.values()].map((proc) => end(proc)));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until('the cluster nodes answer', async () => {
      const answers = await Promise.all(ports.map((port) => run(port, 'PING')));
      return answers.every((a) => a.trim() === 'PONG');
    });
    await cli('--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes');
    await until('the cluster is ok', async () => {
      const infos = await Promise.all(ports.map((port) => run(port, 'CLUSTER', 'INFO')));
      return infos.every((info) => info.includes('cluster_state:ok'));
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const nodeId = async (port) => (await run(port, 'CLUSTER', 'MYID')).trim();
  const slotOf = async (key) => Number((await run(ports[0], 'CLUSTER', 'KEYSLOT', key)).trim());
  /** The port of the master serving `slot`, as the first node that answers (other than `not`) sees it. */
  const nodeOf = async (slot, not) => {
    let nodes;
    for (const port of ports.filter((p) => p !== not)) {
      try {
        nodes = await run(port, 'CLUSTER', 'NODES');
        break;
      } catch { /* down: ask the next */ }
    }
    for (const line of (nodes ?? '').split('\n').filter(Boolean)) {
      const fields = line.split(' ');
      if (!fields[2].includes('master') || fields[2].includes('fail')) continue;
      for (const range of fields.slice(8)) {
        if (range.startsWith('[')) continue;
        const [from, to] = range.split('-').map(Number);
        if (slot >= from && slot <= (to ?? from)) return Number(fields[1].split('@')[0].split(':')[1]);
      }
    }
    return null;
  };
  let failovers = 0;
  /**
   * SIGKILLs the master serving `slot`, waits until its replica serves the
   * slot and the cluster is ok again, then restarts the killed node (empty,
   * with its cluster identity) and waits until it is the new master's
   * replica, in sync. Resolves to `{ from, to, promotedMs }`.
   */
  const failover = async (slot) => {
    const from = await nodeOf(slot);
    const killedAt = Date.now();
    await end(procs.get(from), 'SIGKILL');
    let to;
    await until('a replica takes over the slot', async () => {
      to = await nodeOf(slot, from);
      if (to === null || to === from) return false;
      return (await run(to, 'CLUSTER', 'INFO')).includes('cluster_state:ok');
    }, 30_000);
    const promotedMs = Date.now() - killedAt;
    startNode(from);
    await until('the old master is back as a replica in sync', async () =>
      (await run(from, 'INFO', 'replication')).includes('master_link_status:up'), 30_000);
    failovers += 1;
    return { from, to, promotedMs };
  };
  /**
   * Moves `slot` (and its keys) from its master to the one on `toPort`, as
   * `redis-cli --cluster reshard` does: SETSLOT IMPORTING/MIGRATING, MIGRATE
   * the keys, then SETSLOT NODE on every master. `midway()` runs while the
   * slot is migrating (clients get ASK redirections then).
   */
  const moveSlot = async (slot, toPort, midway) => {
    const fromPort = await nodeOf(slot);
    const [from, to] = [await nodeId(fromPort), await nodeId(toPort)];
    await run(toPort, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', from);
    await run(fromPort, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', to);
    if (midway) await midway();
    for (;;) {
      const keys = (await run(fromPort, 'CLUSTER', 'GETKEYSINSLOT', String(slot), '100')).split('\n').filter(Boolean);
      if (keys.length === 0) break;
      await run(fromPort, 'MIGRATE', '127.0.0.1', String(toPort), '', '0', '5000', 'KEYS', ...keys);
    }
    for (const port of ports) await run(port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', to);
    return { fromPort, toPort };
  };
  const hosts = ports.map((p) => `127.0.0.1:${p}`).join(',');
  return {
    ports,
    dir,
    /** The store URL; `auth` is `user:pass@` or ''. */
    url: (auth = '') => `redis+cluster://${auth}${hosts}${tls ? '?tls=1' : ''}`,
    cli: run,
    slotOf,
    nodeOf,
    moveSlot,
    failover,
    get failovers() { return failovers; },
    stop,
  };
}

/**
 * Starts a master and one replica watched by 3 sentinels (quorum 2, a master
 * is down after 400 ms). `acl: [user, pass]` requires that user on both data
 * nodes (the sentinels and the replication link use it too); `sentinelAcl:
 * [user, pass]` requires that user on the sentinels (the default user off:
 * they use it with each other too); `tls: { cert, key, ca }` (files) makes
 * every node and sentinel speak TLS only, replication and the sentinels'
 * own links included.
 * Returns `{ name, url(auth?), sentinelPorts, master(), failover(), stop() }`.
 */
async function startSentinel({ acl, sentinelAcl, tls } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-sentinel-'));
  const name = 'zcmaster';
  const dataPorts = [await freePort(), await freePort()];
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  const auth = { ...(acl ? { auth: acl } : {}), tls };
  const sentinelAuth = { ...(sentinelAcl ? { auth: sentinelAcl } : {}), tls };
  const aclArgs = acl ? ['--user', acl[0], 'on', `>${acl[1]}`, '~*', '&*', '+@all', '--user', 'default', 'off',
    '--masteruser', acl[0], '--masterauth', acl[1]] : [];
  const tlsFiles = tls ? ['--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no'] : [];
  const procs = new Map();
  const startData = (port, replicaOf) => {
    const nodeDir = path.join(dir, String(port));
    fs.mkdirSync(nodeDir, { recursive: true });
    const tlsArgs = tls ? ['--port', '0', '--tls-port', String(port), '--tls-replication', 'yes', ...tlsFiles] : [];
    const args = [...aclArgs, ...tlsArgs, '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'];
    if (replicaOf) args.push('--replicaof', '127.0.0.1', String(replicaOf));
    procs.set(port, server(port, nodeDir, args));
  };
  const stop = async () => {
    await Promise.all([...procs.values()].map((proc) => end(proc)));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    startData(dataPorts[0]);
    startData(dataPorts[1], dataPorts[0]);
    await until('the master answers', async () => (await command(dataPorts[0], ['PING'], auth)) === 'PONG');
    await until('the replica is in sync', async () => String(await command(dataPorts[1], ['INFO', 'replication'], auth)).includes('master_link_status:up'));
    for (const port of sentinelPorts) {
      const file = path.join(dir, `sentinel-${port}.conf`);
      const tlsLines = tls ? ['port 0', `tls-port ${port}`, 'tls-replication yes', `tls-cert-file ${tls.cert}`,
        `tls-key-file ${tls.key}`, `tls-ca-cert-file ${tls.ca}`, 'tls-auth-clients no'] : [`port ${port}`];
      const sentinelAclLines = sentinelAcl ? [`user ${sentinelAcl[0]} on >${sentinelAcl[1]} ~* &* +@all`, 'user default off',
        `sentinel sentinel-user ${sentinelAcl[0]}`, `sentinel sentinel-pass ${sentinelAcl[1]}`] : [];
      fs.writeFileSync(file, [
        ...tlsLines,
        ...sentinelAclLines,
        'bind 127.0.0.1',
        'protected-mode no',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${dataPorts[0]} 2`,
        `sentinel down-after-milliseconds ${name} 400`,
        `sentinel failover-timeout ${name} 3000`,
        `sentinel parallel-syncs ${name} 1`,
        ...(acl ? [`sentinel auth-user ${name} ${acl[0]}`, `sentinel auth-pass ${name} ${acl[1]}`] : []),
        '',
      ].join('\n'));
      procs.set(port, spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' }));
    }
    await until('the sentinels see the replica and each other', async () => {
      const views = await Promise.all(sentinelPorts.map((port) => command(port, ['SENTINEL', 'MASTER', name], sentinelAuth)));
      return views.every((view) => {
        const fields = Object.fromEntries(view.reduce((pairs, v, i) => (i % 2 ? pairs : [...pairs, [v, view[i + 1]]]), []));
        return Number(fields['num-slaves']) >= 1 && Number(fields['num-other-sentinels']) >= 2;
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  /** The port the sentinels name as master now. */
  const master = async () => Number((await command(sentinelPorts[0], ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name], sentinelAuth))[1]);
  let failovers = 0;
  const topology = {
    name,
    dataPorts,
    sentinelPorts,
    get failovers() { return failovers; },
    url: (creds = '', db = '') => `redis+sentinel://${creds}${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${name}${db}`,
    command: (port, ...args) => command(port, args, auth),
    master,
    /**
     * SIGKILLs the master, waits for the sentinels to promote the replica and
     * for it to accept writes, then restarts the killed node (empty) as a
     * replica of the new master and waits until it is in sync. Resolves to
     * `{ from, to, promotedMs }`.
     */
    failover: async () => {
      const from = await master();
      const killedAt = Date.now();
      await end(procs.get(from), 'SIGKILL');
      let to;
      await until('a replica is promoted', async () => {
        const now = await master();
        if (now === from) return false;
        const role = await command(now, ['ROLE'], auth);
        to = now;
        return role[0] === 'master';
      }, 20_000);
      const promotedMs = Date.now() - killedAt;
      startData(from, to);
      await until('the old master is back as a replica in sync', async () => String(await command(from, ['INFO', 'replication'], auth)).includes('master_link_status:up'), 20_000);
      failovers += 1;
      return { from, to, promotedMs };
    },
    stop,
  };
  return topology;
}

module.exports = { topologiesMissing, startCluster, startSentinel, command, until };
