'use strict';
// Where users' tokens live: one row per user identifier,
// `{ access_token, refresh_token, expires_in }` with `expires_in` the expiry
// as epoch milliseconds (the legacy SDK's values). Every store has
//   get(user)    → the row or null
//   save(row)    → replaces that user's row (after generate*)
//   update(row)  → new access token and expiry of that user (after a refresh)
// and every operation is bounded by a timeout and fails with a coded error.
const fs = require('node:fs');
const path = require('node:path');
const { zcrmError, coded, within } = require('./errors.js');
const { redisClient } = require('../redis-client.js');

const TABLE = 'oauthtokens';

/** A row from what a store answered: the legacy object, or the documented `[{accesstoken, …}]`. */
function normalizeRow(answer) {
  let row = Array.isArray(answer) ? answer[0] : answer;
  if (row === null || typeof row !== 'object') return null;
  const access = row.access_token ?? row.accesstoken;
  const refresh = row.refresh_token ?? row.refreshtoken;
  const expiry = row.expires_in ?? row.expirytime;
  if (access === undefined && refresh === undefined) return null;
  row = {
    access_token: access === undefined || access === null ? null : String(access),
    refresh_token: refresh === undefined || refresh === null ? null : String(refresh),
    expires_in: expiry === undefined || expiry === null ? null : Number(expiry),
  };
  return row;
}

/** Wraps a raw store: timeouts, coded errors, normalized rows. */
function guarded(name, raw, timeoutMs) {
  const run = (op, user, work) => within(
    Promise.resolve().then(work),
    timeoutMs,
    'zcrmsdk/STORE_TIMEOUT',
    `the ${name} token store did not answer ${op} for user ${JSON.stringify(user)} within ${timeoutMs} ms`,
  ).catch((error) => { throw coded(error, 'zcrmsdk/STORE_ERROR', `the ${name} token store failed ${op} for user ${JSON.stringify(user)}`); });
  return {
    name,
    get: (user) => run('get', user, async () => normalizeRow(await raw.get(user))),
    save: (row) => run('save', row.user_identifier, () => raw.save(row)),
    update: (row) => run('update', row.user_identifier, () => raw.update(row)),
    close: () => (raw.close ? raw.close() : undefined),
  };
}

function mysqlStore(config) {
  let mysql;
  try {
    mysql = require('mysql2/promise');
  } catch {
    throw zcrmError('zcrmsdk/MYSQL_DRIVER_MISSING', 'the MySQL token store needs the mysql2 package: npm install mysql2 (or set tokenmanagement / token_store)');
  }
  const pool = mysql.createPool({
    host: config.mysql_host,
    port: config.mysql_port,
    user: String(config.mysql_username),
    password: String(config.mysql_password),
    database: 'zohooauth',
    connectionLimit: 4,
    maxIdle: 4,
    connectTimeout: Math.min(config.timeout_ms, 10_000),
  });
  // Idle pooled sockets must not keep a script alive (the legacy opened one
  // connection per query): a socket is referenced only while a query runs.
  async function withConnection(work) {
    const connection = await pool.getConnection();
    const socket = connection.connection.stream;
    socket.ref?.();
    try {
      return await work(connection);
    } finally {
      socket.unref?.();
      connection.release();
    }
  }
  return {
    async get(user) {
      return withConnection(async (c) => {
        const [rows] = await c.execute(`SELECT accesstoken, refreshtoken, expirytime FROM ${TABLE} WHERE useridentifier = ? LIMIT 1`, [user]);
        return rows.length ? rows[0] : null;
      });
    },
    async save(row) {
      return withConnection(async (c) => {
        await c.beginTransaction();
        try {
          await c.execute(`DELETE FROM ${TABLE} WHERE useridentifier = ?`, [row.user_identifier]);
          await c.execute(`INSERT INTO ${TABLE} (useridentifier, accesstoken, refreshtoken, expirytime) VALUES (?, ?, ?, ?)`,
            [row.user_identifier, row.access_token, row.refresh_token, row.expires_in]);
          await c.commit();
        } catch (error) {
          await c.rollback().catch(() => {});
          throw error;
        }
      });
    },
    async update(row) {
      // Only the row of the grant that was refreshed: a newer grant saved
      // meanwhile (another refresh token) is not overwritten.
      return withConnection((c) => c.execute(
        `UPDATE ${TABLE} SET accesstoken = ?, expirytime = ? WHERE useridentifier = ? AND refreshtoken = ?`,
        [row.access_token, row.expires_in, row.user_identifier, row.refresh_token],
      ));
    },
    close: () => pool.end(),
  };
}

/** The user's module: a path (relative to `cwd`), a package name, or an object. */
function loadModule(spec, cwd) {
  if (spec !== null && typeof spec === 'object') return spec;
  const text = String(spec);
  const isPath = path.isAbsolute(text) || text.startsWith('.') || text.includes('/') || text.includes('\\');
  let resolved;
  try {
    resolved = require.resolve(isPath ? path.resolve(cwd, text) : text, { paths: [cwd] });
  } catch (error) {
    throw zcrmError('zcrmsdk/INVALID_CONFIG', `tokenmanagement ${JSON.stringify(text)} cannot be loaded from ${cwd}: ${error.code || error.message}`);
  }
  return require(resolved);
}

function moduleStore(spec, cwd) {
  const mod = loadModule(spec, cwd);
  for (const method of ['getOAuthTokens', 'saveOAuthTokens', 'updateOAuthTokens']) {
    if (typeof mod[method] !== 'function') {
      throw zcrmError('zcrmsdk/INVALID_CONFIG', `tokenmanagement module has no ${method}() function`);
    }
  }
  return {
    get: (user) => mod.getOAuthTokens(user),
    save: (row) => mod.saveOAuthTokens(row),
    update: (row) => mod.updateOAuthTokens(row),
  };
}

function memoryStore() {
  const rows = new Map();
  return {
    rows,
    get: (user) => (rows.has(user) ? { ...rows.get(user) } : null),
    save: (row) => { rows.set(row.user_identifier, { access_token: row.access_token, refresh_token: row.refresh_token, expires_in: row.expires_in }); },
    update(row) {
      const current = rows.get(row.user_identifier);
      if (current && current.refresh_token === row.refresh_token) rows.set(row.user_identifier, { ...current, access_token: row.access_token, expires_in: row.expires_in });
    },
  };
}

const FILE_FORMAT = 'zcrmsdk-tokens/1';

/** One JSON file, `0600`, rewritten atomically (temporary file, fsync, rename); writes queued in-process. */
function fileStore(file) {
  let queue = Promise.resolve();
  const read = async () => {
    let text;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (error) {
      if (error.code === 'ENOENT') return { format: FILE_FORMAT, users: {} };
      throw error;
    }
    const data = JSON.parse(text);
    if (!data || data.format !== FILE_FORMAT || typeof data.users !== 'object') {
      throw new Error(`${file} is not a zcrmsdk token file; it is left alone`);
    }
    return data;
  };
  const write = async (data) => {
    await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    const handle = await fs.promises.open(temp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temp, file);
  };
  const change = (mutate) => {
    const next = queue.then(async () => {
      const data = await read();
      if (mutate(data.users) !== false) await write(data);
    });
    queue = next.catch(() => {});
    return next;
  };
  return {
    async get(user) {
      const { users } = await read();
      return Object.prototype.hasOwnProperty.call(users, user) ? users[user] : null;
    },
    save: (row) => change((users) => {
      users[row.user_identifier] = { access_token: row.access_token, refresh_token: row.refresh_token, expires_in: row.expires_in };
    }),
    update: (row) => change((users) => {
      const current = users[row.user_identifier];
      if (!current || current.refresh_token !== row.refresh_token) return false;
      users[row.user_identifier] = { ...current, access_token: row.access_token, expires_in: row.expires_in };
      return true;
    }),
  };
}

/** Redis: one key per user, `zcrmsdk:oauthtokens:<user>`, holding the row as JSON. */
function redisStore(url, timeoutMs) {
  const client = redisClient(url, (message) => zcrmError('zcrmsdk/STORE_ERROR', message), timeoutMs);
  const key = (user) => `zcrmsdk:oauthtokens:${user}`;
  return {
    async get(user) {
      const value = await client.command('GET', key(user));
      return value === null ? null : JSON.parse(value);
    },
    save: (row) => client.command('SET', key(row.user_identifier), JSON.stringify({
      access_token: row.access_token, refresh_token: row.refresh_token, expires_in: row.expires_in,
    })),
    async update(row) {
      // Compare-and-set in one script: only the row of the grant refreshed.
      const script = "local v = redis.call('GET', KEYS[1]) if not v then return 0 end "
        + "local r = cjson.decode(v) if r.refresh_token ~= ARGV[1] then return 0 end "
        + "r.access_token = ARGV[2] r.expires_in = tonumber(ARGV[3]) redis.call('SET', KEYS[1], cjson.encode(r)) return 1";
      return client.command('EVAL', script, '1', key(row.user_identifier), row.refresh_token, row.access_token, String(row.expires_in));
    },
    close: () => client.close(),
  };
}

/** The store a configuration names: token_store URL, else tokenmanagement, else MySQL. */
function openStore(config, cwd) {
  const timeout = config.timeout_ms;
  if (config.token_store !== undefined) {
    const spec = String(config.token_store);
    if (spec === 'memory:') return guarded('memory', memoryStore(), timeout);
    if (spec.startsWith('file:')) {
      let file;
      try {
        file = require('node:url').fileURLToPath(spec);
      } catch {
        throw zcrmError('zcrmsdk/INVALID_CONFIG', 'token_store file: URLs must be absolute, e.g. file:///var/lib/app/tokens.json');
      }
      return guarded('file', fileStore(file), timeout);
    }
    if (spec.startsWith('redis://')) return guarded('redis', redisStore(spec, timeout), timeout);
    throw zcrmError('zcrmsdk/INVALID_CONFIG', 'token_store must be memory:, file:///absolute/path.json or redis://host:port/db');
  }
  if (config.tokenmanagement !== undefined) return guarded('tokenmanagement', moduleStore(config.tokenmanagement, cwd), timeout);
  return guarded('mysql', mysqlStore(config), timeout);
}

module.exports = { openStore, normalizeRow };
