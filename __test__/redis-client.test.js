'use strict';
// The JS-thread Redis client (lib/redis-client.js) against a local RESP server
// whose replies are cut as the test says: replies split across reads, several
// in one read, one longer than the client's read buffer, error and odd replies.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { redisClient } = require('../lib/redis-client.js');

const servers = [];
after(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

/**
 * A server on 127.0.0.1 that answers each command (numbered from 1 across
 * connections, counted by the `*` lines so pipelined commands are seen) with `reply(commandNumber)`: an array of
 * chunks, each written on its own turn of the event loop.
 */
async function respServer(reply) {
  const sockets = new Set();
  let commands = 0; // across connections
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let queue = Promise.resolve();
    socket.on('data', (chunk) => {
      const count = chunk.toString('latin1').split('\r\n').filter((line) => line.startsWith('*')).length;
      for (let i = 0; i < count; i++) {
        const chunks = reply(++commands, socket);
        queue = queue.then(async () => {
          for (const part of chunks) {
            if (socket.destroyed) return;
            socket.write(part);
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
        });
      }
    });
  });
  servers.push(server);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `redis://127.0.0.1:${server.address().port}`, sockets };
}

const storeError = (message) => Object.assign(new Error(message), { code: 'STORE' });

test('a reply cut into single bytes across reads is read whole', async () => {
  const reply = '$11\r\nhello world\r\n';
  const { url } = await respServer(() => [...reply]);
  const client = redisClient(url, storeError);
  try {
    assert.equal(await client.command('GET', 'k'), 'hello world');
    assert.equal(await client.command('GET', 'k'), 'hello world');
  } finally {
    client.close();
  }
});

test('several replies in one read settle their commands in order', async () => {
  let held = [];
  const { url } = await respServer((n) => {
    held.push(`$2\r\nv${n}\r\n`);
    if (n < 3) return [];
    const all = held.join('');
    held = [];
    return [all]; // the three replies in one write
  });
  const client = redisClient(url, storeError);
  try {
    assert.deepEqual(await Promise.all([client.command('GET', 'a'), client.command('GET', 'b'), client.command('GET', 'c')]), ['v1', 'v2', 'v3']);
  } finally {
    client.close();
  }
});

test('a reply longer than the read buffer, ending in a multi-byte character cut across reads', async () => {
  const value = `${'x'.repeat(100_000)}é`;
  const bytes = Buffer.from(`$${Buffer.byteLength(value)}\r\n${value}\r\n`);
  // Cut inside the two bytes of 'é' as well.
  const cut = bytes.length - 3;
  const { url } = await respServer(() => [bytes.subarray(0, 40_000), bytes.subarray(40_000, cut), bytes.subarray(cut)]);
  const client = redisClient(url, storeError);
  try {
    assert.equal(await client.command('GET', 'big'), value);
  } finally {
    client.close();
  }
});

test('error, null, integer, status and array replies; a reply that is not RESP fails the connection', async () => {
  const replies = ['-ERR wrong kind\r\n', '$-1\r\n', ':42\r\n', '+OK\r\n', '*2\r\n$1\r\na\r\n:7\r\n', '$x\r\n$2\r\nno\r\n', '$2\r\nok\r\n'];
  const { url } = await respServer((n) => [replies[n - 1]]);
  const client = redisClient(url, storeError);
  try {
    await assert.rejects(client.command('GET', 'k'), { code: 'STORE', message: 'Redis: ERR wrong kind' });
    assert.equal(await client.command('GET', 'k'), null);
    assert.equal(await client.command('INCR', 'k'), 42);
    assert.equal(await client.command('SET', 'k', 'v'), 'OK');
    assert.deepEqual(await client.command('MGET', 'a', 'b'), ['a', 7]);
    // Not RESP: the connection cannot be followed past it, so it fails as a whole (what follows is not taken as a reply).
    await assert.rejects(client.command('GET', 'k'), { code: 'STORE', message: /sent a malformed bulk length/ });
    assert.equal(await client.command('GET', 'k'), 'ok', 'the next command opens a new connection');
  } finally {
    client.close();
  }
});

test('a connection closed with a command pending rejects it, and the next command reconnects', async () => {
  let connections = 0;
  const { url } = await respServer((n, socket) => {
    if (n === 1) {
      connections += 1;
      socket.destroy();
      return [];
    }
    return ['$2\r\nok\r\n'];
  });
  const client = redisClient(url, storeError);
  try {
    await assert.rejects(client.command('GET', 'k'), { code: 'STORE', message: /closed the connection/ });
    assert.equal(await client.command('GET', 'k'), 'ok');
    assert.equal(connections, 1);
  } finally {
    client.close();
  }
});

test('with timeoutMs, a command Redis never answers fails, and the next opens a new connection', async () => {
  const { url, sockets } = await respServer((n) => (n === 1 ? [] : ['$2\r\nok\r\n']));
  const client = redisClient(url, storeError, 100);
  try {
    const started = Date.now();
    await assert.rejects(client.command('GET', 'k'), { code: 'STORE', message: /no reply within 100 ms/ });
    assert.ok(Date.now() - started < 2000, 'bounded by the timeout');
    assert.equal(await client.command('GET', 'k'), 'ok');
    assert.equal(sockets.size, 1, 'the silent connection was closed');
  } finally {
    client.close();
  }
});

test('a Redis that never answers does not keep the process alive (child process)', async () => {
  const { spawn } = require('node:child_process');
  const { url } = await respServer(() => []);
  const code = `
    const { redisClient } = require(${JSON.stringify(require.resolve('../lib/redis-client.js'))});
    const client = redisClient(${JSON.stringify(url)}, (m) => new Error(m), 200);
    client.command('GET', 'k').then(() => console.log('answered'), (e) => console.log(e.message));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => { out += chunk; });
  const exited = await Promise.race([
    new Promise((resolve) => child.on('exit', () => resolve(true))),
    new Promise((resolve) => setTimeout(() => resolve(false), 10_000)),
  ]);
  if (!exited) child.kill('SIGKILL');
  assert.equal(exited, true, 'the child exited by itself');
  assert.match(out, /no reply within 200 ms/);
});

test('close() then a command: the old connection closing does not fail the new one', async () => {
  const { url } = await respServer((n) => (n === 1 ? ['$3\r\none\r\n'] : [`$3\r\nv${String(n).padStart(2, '0')}\r\n`]));
  const client = redisClient(url, storeError);
  try {
    assert.equal(await client.command('GET', 'a'), 'one');
    client.close();
    const next = client.command('GET', 'b');
    // The old socket's 'close' arrives while the new command waits.
    assert.equal(await next, 'v02');
  } finally {
    client.close();
  }
});
