#!/usr/bin/env node
// Writes the committed seed corpora under fuzz/seeds/<target>/ (run it again
// after changing an input format). Envelopes are sealed the way the JS package
// seals stored access tokens, under the targets' fixed secret "fuzz-secret".
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const SECRET = 'fuzz-secret';
const root = path.join(__dirname, 'seeds');

function seal(plain, { legacy = false } = {}) {
  const iv = Buffer.alloc(16, 7);
  const salt = Buffer.alloc(16, 9);
  const key = legacy
    ? crypto.createHash('sha256').update(SECRET).digest()
    : crypto.scryptSync(SECRET, salt, 32);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const parts = [ct.toString('hex'), iv.toString('hex'), cipher.getAuthTag().toString('hex')];
  if (!legacy) parts.push(salt.toString('hex'));
  return Buffer.from(parts.join(':')).toString('base64');
}

function write(target, name, bytes) {
  fs.mkdirSync(path.join(root, target), { recursive: true });
  fs.writeFileSync(path.join(root, target, name), bytes);
}

const u16 = (n) => Buffer.from([n & 0xff, n >> 8]);
const i64 = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(n));
  return b;
};
const NOW = 1_700_000_000_000;

// envelope_decrypt: stored values.
write('envelope_decrypt', 'scrypt', seal('1000.access.token'));
write('envelope_decrypt', 'legacy', seal('1000.access.token', { legacy: true }));
write('envelope_decrypt', 'plain', '1000.plain.access.token');

// envelope_roundtrip: a secret-picking byte, then the plaintext.
write('envelope_roundtrip', 'ascii', Buffer.concat([Buffer.from([0]), Buffer.from('1000.abc')]));
write('envelope_roundtrip', 'unicode', Buffer.concat([Buffer.from([2]), Buffer.from('ключ 😀')]));

// token_response: status, flags, refresh_in, clock, body.
const answer = (status, flags, refreshIn, body) =>
  Buffer.concat([u16(status), Buffer.from([flags]), i64(refreshIn), i64(NOW), Buffer.from(body)]);
write('token_response', 'refresh', answer(200, 0, 0,
  '{"access_token":"1000.at","expires_in":3600,"api_domain":"https://www.zohoapis.com","token_type":"Bearer"}'));
write('token_response', 'code', answer(200, 1, 0,
  '{"access_token":"1000.at","refresh_token":"1000.rt","expires_in_sec":3600,"expires_in":3600000}'));
write('token_response', 'refresh-in', answer(200, 2, 120, '{"access_token":"at","expires_in":"1800"}'));
write('token_response', 'error-200', answer(200, 0, 0, '{"error":"invalid_code"}'));
write('token_response', 'lockout', answer(400, 4, 30,
  '{"error":"Access Denied","error_description":"You have made too many requests continuously."}'));
write('token_response', 'html', answer(502, 0, 0, '<html>bad gateway</html>'));

// connector_settings: name, newline, the entry's JSON.
write('connector_settings', 'full', 'crm\n' + JSON.stringify({
  client_id: '1000.CLIENT', client_secret: 'very-secret', auth_url: 'https://accounts.zoho.com/oauth/v2/token',
  refresh_url: 'https://accounts.zoho.com/oauth/v2/token', refresh_token: '1000.rt-secret', expires_in: '3600',
  refresh_in: 120, redirect_url: 'https://app/cb', secret_key: 'k',
}));
write('connector_settings', 'data-centre', 'books\n' + JSON.stringify({
  client_id: 'id', client_secret: 's', data_centre: 'eu', scope: 'ZohoBooks.fullaccess.all',
}));
// An empty data_centre is unset in every form (the fuzzer once found the plain form refusing it).
write('connector_settings', 'empty-data-centre', 'crm\n' + JSON.stringify({ client_id: 'id', client_secret: 's', data_centre: '' }));
write('connector_settings', 'provider', 'g\n' + JSON.stringify({
  client_id: 'id', client_secret: 's', auth_url: 'https://oauth2.example/token', refresh_url: 'https://oauth2.example/token',
  token_endpoint_auth_method: 'client_secret_basic', token_params: { audience: 'api', n: 1, b: true },
  authorization_scheme: 'Token', revoke_url: 'https://oauth2.example/revoke', api_domain: 'https://api.example',
}));

// stored_entry: clock, then the value.
const entry = (token, expiresAt) =>
  Buffer.concat([i64(NOW), Buffer.from(JSON.stringify({ access_token: token, expiry_in_seconds: 3600, expires_at: expiresAt }))]);
write('stored_entry', 'plain', entry('1000.abc', NOW + 2_700_000));
write('stored_entry', 'sealed', entry(seal('1000.abc'), NOW + 2_700_000));
write('stored_entry', 'sealed-legacy', entry(seal('1000.abc', { legacy: true }), String(NOW + 60_000)));
write('stored_entry', 'expired', entry('1000.abc', NOW - 1));

// fingerprint: parts separated by 0xFF; a part that is 0xFE alone is absent.
const parts = (...ps) => Buffer.concat(ps.flatMap((p, i) => [
  ...(i ? [Buffer.from([0xff])] : []), p === null ? Buffer.from([0xfe]) : Buffer.from(p),
]));
write('fingerprint', 'zoho', parts('1000.abc', '1000.CLIENT', 'secret', 'https://accounts.zoho.com/oauth/v2/token',
  'https://accounts.zoho.com/oauth/v2/token', 'https://example.com/cb'));
write('fingerprint', 'unicode', parts('ключ', null, '😀x', ''));
