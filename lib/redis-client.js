'use strict';
// A minimal Redis client on the JS thread: one connection, commands answered
// in order, RESP2 replies, AUTH and SELECT from a `redis://` URL. Used by the
// zcrmsdk Redis token store and by a connector's Redis store to read an entry
// without a round trip through the native runtime (writes, leases and
// everything else stay native). The socket does not keep the process alive
// while no command is pending.
const net = require('node:net');

function parseReply(buffer, at) {
  const end = buffer.indexOf('\r\n', at);
  if (end < 0) return null;
  const type = String.fromCharCode(buffer[at]);
  const line = buffer.toString('utf8', at + 1, end);
  if (type === '+') return { value: line, next: end + 2 };
  if (type === '-') return { value: new Error(line), next: end + 2 };
  if (type === ':') return { value: Number(line), next: end + 2 };
  if (type === '$') {
    const length = Number(line);
    if (length < 0) return { value: null, next: end + 2 };
    if (buffer.length < end + 2 + length + 2) return null;
    return { value: buffer.toString('utf8', end + 2, end + 2 + length), next: end + 2 + length + 2 };
  }
  if (type === '*') {
    const count = Number(line);
    if (count < 0) return { value: null, next: end + 2 };
    const items = [];
    let next = end + 2;
    for (let i = 0; i < count; i++) {
      const item = parseReply(buffer, next);
      if (!item) return null;
      items.push(item.value);
      next = item.next;
    }
    return { value: items, next };
  }
  return { value: new Error(`unexpected Redis reply type ${type}`), next: end + 2 };
}

function encode(args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`;
}

/**
 * A client for `url` (`redis://[user:password@]host[:port][/db]`) whose
 * failures are `storeError(message)` (messages name the host, never the
 * password); `command(...args)` resolves to the reply.
 */
function redisClient(url, storeError) {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '') || '0';
  const setup = [];
  if (parsed.password) setup.push(parsed.username ? ['AUTH', decodeURIComponent(parsed.username), decodeURIComponent(parsed.password)] : ['AUTH', decodeURIComponent(parsed.password)]);
  if (db !== '0') setup.push(['SELECT', db]);
  let socket = null;
  let buffer = Buffer.alloc(0);
  const pending = [];

  function fail(error) {
    while (pending.length) pending.shift().reject(error);
    if (socket) socket.destroy();
    socket = null;
    buffer = Buffer.alloc(0);
  }

  function connect() {
    socket = net.connect(Number(parsed.port) || 6379, parsed.hostname);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        const reply = parseReply(buffer, 0);
        if (!reply) break;
        buffer = buffer.subarray(reply.next);
        const waiter = pending.shift();
        if (waiter) waiter.settle(reply.value);
      }
      if (pending.length === 0) socket?.unref();
    });
    socket.on('error', (error) => fail(storeError(`Redis at ${parsed.host}: ${error.code || error.message}`)));
    socket.on('close', () => fail(storeError(`Redis at ${parsed.host} closed the connection`)));
    for (const args of setup) send(args, true);
  }

  function send(args, quiet) {
    return new Promise((resolve, reject) => {
      pending.push({
        reject,
        settle: (value) => (value instanceof Error ? (quiet ? resolve(null) : reject(storeError(`Redis: ${value.message}`))) : resolve(value)),
      });
      socket.ref();
      socket.write(encode(args));
    });
  }

  return {
    command(...args) {
      if (!socket) connect();
      return send(args, false);
    },
    close() {
      socket?.end();
      socket = null;
    },
  };
}

module.exports = { redisClient, parseReply, encodeCommand: encode };
