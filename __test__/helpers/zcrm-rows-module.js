'use strict';
// A `tokenmanagement` module for the zcrmsdk tests, as the legacy SDK calls
// one: rows (and every call) kept in the JSON file named by ZCRM_ROWS_FILE so
// the test process can seed and inspect them. `updateOAuthTokens` finds its
// user from the argument or, as a legacy module must, from the last get.
// ZCRM_ROWS_SHAPE=documented answers `[{accesstoken, refreshtoken, expirytime}]`
// (the shape the legacy docs show); ZCRM_ROWS_FAIL=get|save|update rejects.
const fs = require('node:fs');

const file = () => process.env.ZCRM_ROWS_FILE;
const load = () => JSON.parse(fs.readFileSync(file(), 'utf8'));
const store = (data) => fs.writeFileSync(file(), JSON.stringify(data));
let lastUser = null;

function log(op, arg) {
  const data = load();
  data.calls.push([op, arg]);
  store(data);
  return data;
}

function failing(op) {
  return process.env.ZCRM_ROWS_FAIL === op ? Promise.reject(new Error(`rows module: ${op} failed`)) : null;
}

module.exports = {
  getOAuthTokens(user) {
    lastUser = user;
    const data = log('get', user);
    const fail = failing('get');
    if (fail) return fail;
    const row = data.rows[user];
    if (!row) return Promise.resolve([]);
    if (process.env.ZCRM_ROWS_SHAPE === 'documented') {
      return Promise.resolve([{ accesstoken: row.access_token, refreshtoken: row.refresh_token, expirytime: row.expires_in }]);
    }
    return Promise.resolve({ ...row, user_identifier: user });
  },
  saveOAuthTokens(obj) {
    const data = log('save', obj);
    const fail = failing('save');
    if (fail) return fail;
    data.rows[obj.user_identifier] = { access_token: obj.access_token, refresh_token: obj.refresh_token, expires_in: obj.expires_in };
    store(data);
    return Promise.resolve();
  },
  updateOAuthTokens(obj) {
    const data = log('update', obj);
    const fail = failing('update');
    if (fail) return fail;
    const user = obj.user_identifier || lastUser;
    data.rows[user] = { ...data.rows[user], access_token: obj.access_token, expires_in: obj.expires_in };
    store(data);
    return Promise.resolve();
  },
};
