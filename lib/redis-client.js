'use strict';
// A minimal Redis client on the JS thread: one connection, commands answered
// in order, RESP2 replies, AUTH and SELECT from a `redis://` URL. Used by the
// zcrmsdk Redis token store and by a connector's Redis store to read an entry
// without a round trip through the native runtime (writes, leases and
// everything else stay native). The socket does not keep the process alive
// while no command is pending. Replies are read with `onread` into one
// buffer per connection, parsed before the next read: no stream 'data' event
// and no Buffer per read (a round trip to a local Redis took ~6 µs less).
const net = require('node:net');

/** Bytes one read can bring (a longer reply comes in several reads). */
const READ_BUFFER_BYTES = 16 * 1024;

/** The integer written in `buffer` from `from` to `to` (a RESP length or count). */
function integerAt(buffer, from, to) {
  const negative = buffer[from] === 0x2d; // '-'
  let value = 0;
  for (let i = negative ? from + 1 : from; i < to; i++) {
    const digit = buffer[i] - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/** The reply starting at `at` in `buffer` as `{ value, next }`, or null while it is not whole. */
function parseReply(buffer, at) {
  const end = buffer.indexOf('\r\n', at);
  if (end < 0) return null;
  const type = String.fromCharCode(buffer[at]);
  if (type === '$') {
    const length = integerAt(buffer, at + 1, end);
    if (Number.isNaN(length)) return { value: new Error('malformed Redis bulk length'), next: end + 2 };
    if (length < 0) return { value: null, next: end + 2 };
    if (buffer.length < end + 2 + length + 2) return null;
    return { value: buffer.toString('utf8', end + 2, end + 2 + length), next: end + 2 + length + 2 };
  }
  const line = buffer.toString('utf8', at + 1, end);
  if (type === '+') return { value: line, next: end + 2 };
  if (type === '-') return { value: new Error(line), next: end + 2 };
  if (type === ':') return { value: Number(line), next: end + 2 };
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
  let text = `*${args.length}\r\n`;
  for (const arg of args) {
    const value = String(arg);
    text += `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
  }
  return text;
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
  const pending = [];

  function fail(error) {
    while (pending.length) pending.shift().reject(error);
    if (socket) socket.destroy();
    socket = null;
  }

  function connect() {
    /** The start of a reply not yet whole, copied out of the read buffer (which the next read reuses). */
    let partial = null;
    const received = (bytes, readBuffer) => {
      const data = partial === null ? readBuffer.subarray(0, bytes) : Buffer.concat([partial, readBuffer.subarray(0, bytes)]);
      let at = 0;
      for (;;) {
        const reply = parseReply(data, at);
        if (!reply) break;
        at = reply.next;
        const waiter = pending.shift();
        if (waiter !== undefined) answer(waiter, reply.value);
      }
      partial = at < data.length ? Buffer.from(data.subarray(at)) : null;
      if (pending.length === 0) socket?.unref();
    };
    socket = net.connect({
      port: Number(parsed.port) || 6379,
      host: parsed.hostname,
      onread: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: received },
    });
    socket.setNoDelay(true);
    socket.on('error', (error) => fail(storeError(`Redis at ${parsed.host}: ${error.code || error.message}`)));
    socket.on('close', () => fail(storeError(`Redis at ${parsed.host} closed the connection`)));
    for (const args of setup) send(args, true);
  }

  /** Settles the command `waiter` (`{ resolve, reject, quiet }`) with its reply; a quiet one takes an error reply as null. */
  function answer(waiter, value) {
    if (!(value instanceof Error)) waiter.resolve(value);
    else if (waiter.quiet) waiter.resolve(null);
    else waiter.reject(storeError(`Redis: ${value.message}`));
  }

  function send(args, quiet) {
    return new Promise((resolve, reject) => {
      pending.push({ resolve, reject, quiet });
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
