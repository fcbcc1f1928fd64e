'use strict';
// A minimal Redis client on the JS thread: one connection, commands answered
// in order, RESP2 replies, AUTH and SELECT from a `redis://` URL. Used by the
// zcrmsdk Redis token store and by a connector's Redis store to read an entry
// without a round trip through the native runtime (writes, leases and
// everything else stay native). The socket does not keep the process alive
// while no command is pending. Replies are read with `onread` into one
// buffer per connection, parsed before the next read: no stream 'data' event
// and no Buffer per read (a round trip to a local Redis took ~4 µs less).
const net = require('node:net');

/** Bytes one read can bring (a longer reply comes in several reads). */
const READ_BUFFER_BYTES = 16 * 1024;

/** The integer written in `buffer` from `from` to `to` (a RESP length or count; NaN unless digits, maybe after '-'). */
function integerAt(buffer, from, to) {
  const negative = buffer[from] === 0x2d; // '-'
  const first = negative ? from + 1 : from;
  if (first >= to) return NaN;
  let value = 0;
  for (let i = first; i < to; i++) {
    const digit = buffer[i] - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/**
 * The reply starting at `at` in `buffer`: `{ value, next }` (an error reply's
 * value is an Error), null while it is not whole, or `{ malformed }` (a
 * message) when the bytes are not RESP — the stream cannot be followed past
 * them.
 */
function parseReply(buffer, at) {
  const end = buffer.indexOf('\r\n', at);
  if (end < 0) return null;
  const type = buffer[at];
  if (type === 0x24) { // '$'
    const length = integerAt(buffer, at + 1, end);
    if (Number.isNaN(length)) return { malformed: 'a malformed bulk length' };
    if (length < 0) return { value: null, next: end + 2 };
    if (buffer.length < end + 2 + length + 2) return null;
    return { value: buffer.toString('utf8', end + 2, end + 2 + length), next: end + 2 + length + 2 };
  }
  if (type === 0x2a) { // '*'
    const count = integerAt(buffer, at + 1, end);
    if (Number.isNaN(count)) return { malformed: 'a malformed array length' };
    if (count < 0) return { value: null, next: end + 2 };
    const items = [];
    let next = end + 2;
    for (let i = 0; i < count; i++) {
      const item = parseReply(buffer, next);
      if (item === null || item.malformed !== undefined) return item;
      items.push(item.value);
      next = item.next;
    }
    return { value: items, next };
  }
  const line = buffer.toString('utf8', at + 1, end);
  if (type === 0x2b) return { value: line, next: end + 2 }; // '+'
  if (type === 0x2d) return { value: new Error(line), next: end + 2 }; // '-'
  if (type === 0x3a) return { value: Number(line), next: end + 2 }; // ':'
  return { malformed: 'an unknown reply type' };
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
 * password); `command(...args)` resolves to the reply. A connection fails as
 * a whole — its commands rejected, the next command opening a new one — when
 * it errs or closes, when a reply is not RESP, and, with `timeoutMs`, when
 * its oldest command has waited that long (replies come in order, so none of
 * the later ones was answered either): a Redis that stops answering never
 * keeps the process alive. Each connection's events touch only its own
 * commands.
 */
function redisClient(url, storeError, timeoutMs) {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '') || '0';
  const setup = [];
  if (parsed.password) setup.push(parsed.username ? ['AUTH', decodeURIComponent(parsed.username), decodeURIComponent(parsed.password)] : ['AUTH', decodeURIComponent(parsed.password)]);
  if (db !== '0') setup.push(['SELECT', db]);
  /** The connection commands go to: `{ socket, pending, partial, timer }`, or null. */
  let current = null;

  /** Rejects the commands of `connection` with `message` and drops it. */
  function fail(connection, message) {
    if (current === connection) current = null;
    clearTimeout(connection.timer);
    connection.timer = undefined;
    const { pending } = connection;
    connection.pending = [];
    connection.socket.destroy();
    if (pending.length > 0) {
      const error = storeError(message);
      for (const waiter of pending) waiter.reject(error);
    }
  }

  function connect() {
    // `partial`: the start of a reply not yet whole, copied out of the read buffer (which the next read reuses).
    const connection = { socket: null, pending: [], partial: null, timer: undefined };
    const received = (bytes, readBuffer) => {
      const data = connection.partial === null ? readBuffer.subarray(0, bytes) : Buffer.concat([connection.partial, readBuffer.subarray(0, bytes)]);
      let at = 0;
      for (;;) {
        const reply = parseReply(data, at);
        if (reply === null) break;
        if (reply.malformed !== undefined) {
          fail(connection, `Redis at ${parsed.host} sent ${reply.malformed}`);
          return;
        }
        at = reply.next;
        const waiter = connection.pending.shift();
        if (waiter !== undefined) answer(waiter, reply.value);
      }
      connection.partial = at < data.length ? Buffer.from(data.subarray(at)) : null;
      if (connection.pending.length === 0) connection.socket.unref();
    };
    connection.socket = net.connect({
      port: Number(parsed.port) || 6379,
      host: parsed.hostname,
      onread: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: received },
    });
    connection.socket.setNoDelay(true);
    connection.socket.on('error', (error) => fail(connection, `Redis at ${parsed.host}: ${error.code || error.message}`));
    connection.socket.on('close', () => fail(connection, `Redis at ${parsed.host} closed the connection`));
    current = connection;
    for (const args of setup) send(connection, args, true);
    return connection;
  }

  /** Settles the command `waiter` (`{ resolve, reject, quiet, at }`) with its reply; a quiet one takes an error reply as null. */
  function answer(waiter, value) {
    if (!(value instanceof Error)) waiter.resolve(value);
    else if (waiter.quiet) waiter.resolve(null);
    else waiter.reject(storeError(`Redis: ${value.message}`));
  }

  /**
   * Fails `connection` once its oldest command is `timeoutMs` old. One
   * unref'd timer per connection, left armed while commands keep coming
   * (a busy connection costs one timer per period, not one per command).
   */
  function watch(connection, delay) {
    connection.timer = setTimeout(() => {
      connection.timer = undefined;
      const oldest = connection.pending[0];
      if (oldest === undefined) return;
      const left = oldest.at - Date.now();
      if (left > 0) watch(connection, left);
      else fail(connection, `Redis at ${parsed.host}: no reply within ${timeoutMs} ms`);
    }, Math.max(1, delay));
    connection.timer.unref();
  }

  function send(connection, args, quiet) {
    return new Promise((resolve, reject) => {
      connection.pending.push({ resolve, reject, quiet, at: timeoutMs === undefined ? 0 : Date.now() + timeoutMs });
      if (timeoutMs !== undefined && connection.timer === undefined) watch(connection, timeoutMs);
      connection.socket.ref();
      connection.socket.write(encode(args));
    });
  }

  return {
    command(...args) {
      return send(current ?? connect(), args, false);
    },
    /** Ends the connection once its commands are answered; a later command opens a new one. */
    close() {
      current?.socket.end();
      current = null;
    },
  };
}

module.exports = { redisClient, parseReply, encodeCommand: encode };
