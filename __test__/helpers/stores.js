'use strict';
// Test doubles and reference implementations for the store tests.
const crypto = require('node:crypto');

/** A custom store over a Map that records every call. */
function mapStore() {
  const entries = new Map();
  const calls = [];
  return {
    entries,
    calls,
    get(key) { calls.push(['get', key]); return entries.get(key) ?? null; },
    put(key, value, ttlSeconds) { calls.push(['put', key, ttlSeconds]); entries.set(key, value); },
    delete(key) { calls.push(['delete', key]); entries.delete(key); },
  };
}

/** A fake Catalyst app whose default cache segment is a Map (the SDK's shapes). */
function catalystApp() {
  const entries = new Map();
  const puts = [];
  const segment = {
    async get(key) {
      return { cache_name: key, cache_value: entries.has(key) ? entries.get(key) : null };
    },
    async put(key, value, hours) {
      puts.push({ key, value, hours });
      entries.set(key, value);
      return { cache_name: key, cache_value: value, expiry_in_hours: hours };
    },
    async delete(key) { entries.delete(key); },
  };
  return {
    entries,
    puts,
    config: { projectId: '1', projectKey: '1', environment: 'Development' },
    credential: { getCurrentUser: () => 'admin', getCurrentUserType: () => 'admin' },
    cache: () => ({ segment: () => segment }),
  };
}

/** The JS package's cache key, computed as the JS package does (README: Stores). */
function jsCacheKey(name, s) {
  const text = [s.refresh_token, s.client_id, s.client_secret, s.auth_url, s.refresh_url, s.redirect_url]
    .filter((part) => part).join(':');
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) | 0;
  return `ZC_CONN_${name}:${(((31 + hash) | 0) >>> 0 & 0xfffff).toString(16).padStart(5, '0')}`;
}

/** The documented envelope, done by node:crypto (4 parts with a salt, or legacy 3). */
function nodeSeal(secret, plain, { legacy = false } = {}) {
  const iv = crypto.randomBytes(16);
  const salt = crypto.randomBytes(16);
  const key = legacy ? crypto.createHash('sha256').update(secret).digest() : crypto.scryptSync(secret, salt, 32);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const parts = [ciphertext, iv, cipher.getAuthTag()].concat(legacy ? [] : [salt]).map((b) => b.toString('hex'));
  return Buffer.from(parts.join(':'), 'utf8').toString('base64');
}

function nodeOpen(secret, sealed) {
  const [ciphertext, iv, tag, salt] = Buffer.from(sealed, 'base64').toString('utf8').split(':').map((h) => Buffer.from(h, 'hex'));
  const key = salt ? crypto.scryptSync(secret, salt, 32) : crypto.createHash('sha256').update(secret).digest();
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
}

/** A store value in the JS package's format. */
function entryValue(accessToken, expiresAt = Date.now() + 3_000_000, expiresIn = 3600) {
  return JSON.stringify({ access_token: accessToken, expiry_in_seconds: expiresIn, expires_at: expiresAt });
}

module.exports = { mapStore, catalystApp, jsCacheKey, nodeSeal, nodeOpen, entryValue };
