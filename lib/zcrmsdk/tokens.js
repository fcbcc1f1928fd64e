'use strict';
// Users' access tokens in the package's engine. Each user identifier gets a
// connector of its own (named `zcrmsdk_<n>`, with the client and the user's
// refresh token), so each (client, user) has one engine slot: cached,
// fetched once for any number of concurrent calls, refreshed ahead of expiry.
// The Connection's store is a JS store that maps the engine's entries
// (`ZC_CONN_<name>:<fingerprint>` → `{access_token, expiry_in_seconds,
// expires_at}`) onto the user's row: a read serves the row's access token
// while it is valid, a write after a refresh updates the row.
const { Connection } = require('../../connector.js');
const { zcrmError, coded } = require('./errors.js');

const KEY = /^ZC_CONN_(zcrmsdk_\d+)(?::([0-9a-f]+))?(:.*)?$/;
// A row's token is used until a minute before its recorded expiry.
const ROW_MARGIN_MS = 60_000;
let names = 0;

class Tokens {
  #config;
  #store;
  #users = new Map();      // user identifier → user entry
  #byName = new Map();     // connector name → user entry
  #loading = new Map();    // user identifier → Promise of its entry
  #storeOption;

  constructor(config, store) {
    this.#config = config;
    this.#store = store;
    const bridge = {
      get: (key) => this.#storeGet(key),
      put: (key, value) => this.#storePut(key, value),
      delete: () => undefined,
    };
    this.#storeOption = { store: bridge, storeTimeoutMs: config.timeout_ms };
  }

  get tokenUrl() {
    return `${this.#config.iamOrigin}/oauth/v2/token`;
  }

  #entry(user) {
    let entry = this.#users.get(user);
    if (entry === undefined) {
      names += 1;
      entry = { user, name: `zcrmsdk_${names}`, refreshToken: null, connector: null, primed: null, silent: false, accessToken: null, failure: null };
      this.#users.set(user, entry);
      this.#byName.set(entry.name, entry);
    }
    return entry;
  }

  #connector(entry, refreshToken) {
    const settings = {
      client_id: this.#config.client_id,
      client_secret: this.#config.client_secret,
      auth_url: this.tokenUrl,
      refresh_url: this.tokenUrl,
      redirect_url: this.#config.redirect_url,
      expires_in: 3600,
    };
    if (refreshToken) settings.refresh_token = refreshToken;
    return new Connection({ [entry.name]: settings }, this.#storeOption).getConnector(entry.name);
  }

  /** The user's entry with a connector; reads the user's row once per process. */
  async #ready(user) {
    const known = this.#users.get(user);
    if (known && known.connector) return known;
    let loading = this.#loading.get(user);
    if (!loading) {
      loading = (async () => {
        const row = await this.#store.get(user);
        if (!row || !row.refresh_token) {
          throw zcrmError('zcrmsdk/UNKNOWN_USER', `no tokens are stored for user ${JSON.stringify(user)}: call generateAuthTokens() or generateAuthTokenfromRefreshToken() for this user first`);
        }
        const entry = this.#entry(user);
        entry.refreshToken = row.refresh_token;
        entry.accessToken = row.access_token;
        entry.primed = row;
        entry.connector = this.#connector(entry, row.refresh_token);
        return entry;
      })().finally(() => this.#loading.delete(user));
      this.#loading.set(user, loading);
    }
    return loading;
  }

  /** `{ token, apiDomain }` for the user: cached, the row's, or one shared refresh. */
  async accessToken(user) {
    const entry = await this.#ready(user);
    try {
      return await this.#tokenOf(entry);
    } catch (error) {
      if (!error || error.code !== 'app/OAUTH_ERROR') throw error;
      // The refresh token was refused: another process may have saved a new
      // grant for this user. Read the row once more and use its refresh token.
      const row = await this.#store.get(user);
      if (!row || !row.refresh_token || row.refresh_token === entry.refreshToken) throw error;
      entry.refreshToken = row.refresh_token;
      entry.accessToken = row.access_token;
      entry.primed = row;
      entry.connector = this.#connector(entry, row.refresh_token);
      return this.#tokenOf(entry);
    }
  }

  async #tokenOf(entry) {
    const started = performance.now();
    const token = await entry.connector.getAccessToken();
    // The engine writes a new token to its store after the callers have it;
    // the legacy contract is that the row is updated before the call goes on
    // (and that a failing update rejects the call), so a call that got a token
    // the row does not hold yet updates the row itself.
    if (token !== entry.accessToken) {
      await this.#updateRow(entry, token, Date.now() + entry.connector.expiresIn * 1000);
    }
    // A store failure during the refresh this call waited for rejects it (and
    // every call that waited for the same refresh); one in a background
    // refresh that no call waited for does not fail later calls.
    if (entry.failure && entry.failure.at >= started) throw entry.failure.error;
    return { token, apiDomain: entry.connector.apiDomain };
  }

  /** Writes `accessToken` (valid until `expiresIn`, epoch ms) into the user's row. */
  async #updateRow(entry, accessToken, expiresIn) {
    const row = {
      access_token: accessToken,
      expires_in: expiresIn,
      user_identifier: entry.user,
      refresh_token: entry.refreshToken,
    };
    entry.accessToken = accessToken;
    try {
      await this.#store.update(row);
    } catch (error) {
      entry.failure = { error: coded(error, 'zcrmsdk/STORE_ERROR'), at: performance.now() };
      throw entry.failure.error;
    }
  }

  /** grant_type=authorization_code for `user`; saves and returns the legacy object. */
  exchange(user, grantToken) {
    return this.#generate(user, null, async (connector) => {
      const accessToken = await connector.generateAccessToken(grantToken);
      return {
        access_token: accessToken,
        refresh_token: connector.refreshToken,
        expires_in: Date.now() + connector.expiresIn * 1000,
        user_identifier: user,
      };
    });
  }

  /** A new access token from `refreshToken` for `user`; saves and returns the legacy object. */
  fromRefreshToken(user, refreshToken) {
    return this.#generate(user, refreshToken, async (connector) => {
      const accessToken = await connector.refreshAndPersistToken();
      return {
        access_token: accessToken,
        expires_in: Date.now() + connector.expiresIn * 1000,
        user_identifier: user,
        refresh_token: refreshToken,
      };
    });
  }

  /**
   * Tokens from `obtain(connector)` saved as the user's row, then served to
   * the user's calls. The bridge ignores the engine's store traffic meanwhile:
   * the row is written by `save`, not by `update`.
   */
  async #generate(user, refreshToken, obtain) {
    const entry = this.#entry(user);
    const connector = this.#connector(entry, refreshToken);
    entry.silent = true;
    try {
      const result = await obtain(connector);
      await this.#store.save(result);
      this.#adopt(entry, connector, result);
      return result;
    } finally {
      entry.silent = false;
    }
  }

  #adopt(entry, connector, row) {
    entry.connector = connector;
    entry.refreshToken = row.refresh_token;
    entry.accessToken = row.access_token;
    entry.primed = null;
    entry.failure = null;
  }

  async #storeGet(key) {
    const match = KEY.exec(key);
    if (!match || !match[2] || match[3]) return null; // the old key form, locks, rotated refresh tokens
    const entry = this.#byName.get(match[1]);
    if (!entry || entry.silent) return null;
    let row = entry.primed;
    entry.primed = null;
    if (!row) {
      try {
        row = await this.#store.get(entry.user);
      } catch (error) {
        entry.failure = { error: coded(error, 'zcrmsdk/STORE_ERROR'), at: performance.now() };
        throw error;
      }
    }
    if (!row || row.refresh_token !== entry.refreshToken || !row.access_token || !Number.isFinite(row.expires_in)) return null;
    const servedUntil = row.expires_in - ROW_MARGIN_MS;
    if (servedUntil <= Date.now()) return null;
    return JSON.stringify({
      access_token: row.access_token,
      expiry_in_seconds: Math.ceil((row.expires_in - Date.now()) / 1000),
      expires_at: servedUntil,
    });
  }

  async #storePut(key, value) {
    const match = KEY.exec(key);
    if (!match || !match[2] || match[3]) return;
    const entry = this.#byName.get(match[1]);
    if (!entry || entry.silent) return;
    const stored = JSON.parse(value);
    if (stored.access_token === entry.accessToken) return; // a token the row already holds
    await this.#updateRow(entry, stored.access_token, Date.now() + Number(stored.expiry_in_seconds) * 1000);
  }
}

module.exports = { Tokens };
