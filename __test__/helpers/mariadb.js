'use strict';
// A real MariaDB server for the zcrmsdk MySQL tests: `mariadb-install-db` on
// a private data directory, `mariadbd` on a free 127.0.0.1 port and a private
// socket, root with an empty password (the legacy's defaults), the database
// `zohooauth` with the legacy's `oauthtokens` table. Stopped by `stop()`.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort } = require('./redis');

function which(name) {
  for (const dir of (process.env.PATH || '').split(':').concat(['/usr/sbin', '/usr/bin', '/usr/local/sbin'])) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/** Why MySQL tests cannot run here, or null when mariadbd and mariadb-install-db exist. */
function mariadbMissing() {
  if (!which('mariadbd')) return 'mariadbd is not installed (apt-get install mariadb-server)';
  if (!which('mariadb-install-db')) return 'mariadb-install-db is not installed (apt-get install mariadb-server)';
  return null;
}

/** As redisSuite(): a visible SKIPPING line locally, a failing test under CI=true. */
function mariadbSuite(what) {
  const missing = mariadbMissing();
  if (missing && process.env.CI) {
    require('node:test').test('mariadb-server is installed in CI', () => { throw new Error(missing); });
  }
  if (missing) console.log(`# SKIPPING ${what}: ${missing}`);
  return { missing, options: { skip: missing ? `${what} skipped: ${missing}` : false } };
}

const SCHEMA = `CREATE DATABASE IF NOT EXISTS zohooauth;
CREATE TABLE IF NOT EXISTS zohooauth.oauthtokens (
  useridentifier varchar(100) NOT NULL,
  accesstoken varchar(200),
  refreshtoken varchar(200),
  expirytime bigint
);`;

async function startMariaDb({ timeoutMs = 60_000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zcrm-mariadb-'));
  const datadir = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const port = await freePort();
  const asRoot = process.getuid && process.getuid() === 0 ? ['--user=root'] : [];
  const install = spawnSync(which('mariadb-install-db'), [
    '--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asRoot,
  ], { encoding: 'utf8', timeout: timeoutMs });
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr || install.error}`);
  const server = spawn(which('mariadbd'), [
    '--no-defaults', `--datadir=${datadir}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1',
    `--pid-file=${path.join(dir, 'mysqld.pid')}`, '--skip-log-bin', '--innodb-buffer-pool-size=16M',
    '--skip-name-resolve', `--log-error=${path.join(dir, 'error.log')}`, ...asRoot,
  ], { stdio: 'ignore' });
  let exited = false;
  server.on('exit', () => { exited = true; });
  const mysql = require('mysql2/promise');
  const deadline = Date.now() + timeoutMs;
  let admin;
  for (;;) {
    try {
      admin = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: '', multipleStatements: true });
      break;
    } catch (error) {
      if (exited || Date.now() > deadline) {
        const log = fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8').slice(-2000) : '';
        server.kill('SIGKILL');
        throw new Error(`mariadbd did not start on port ${port}: ${error.message}\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await admin.query(SCHEMA);
  return {
    port,
    /** Every row of oauthtokens, ordered. */
    async rows() {
      const [rows] = await admin.query('SELECT useridentifier, accesstoken, refreshtoken, expirytime FROM zohooauth.oauthtokens ORDER BY useridentifier, accesstoken');
      return rows.map((r) => ({ ...r, expirytime: Number(r.expirytime) }));
    },
    async insert(user, accessToken, refreshToken, expiry) {
      await admin.execute('INSERT INTO zohooauth.oauthtokens VALUES (?, ?, ?, ?)', [user, accessToken, refreshToken, expiry]);
    },
    async clear() {
      await admin.query('DELETE FROM zohooauth.oauthtokens');
    },
    async stop() {
      await admin.end().catch(() => {});
      if (!exited) {
        const done = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
        await done;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startMariaDb, mariadbSuite, mariadbMissing };
