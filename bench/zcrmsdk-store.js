'use strict';
// The bench's tokenmanagement module: rows in a Map of this process, called
// as the legacy SDK calls a module (update finds its user from the last get).
const rows = new Map();
let lastUser = null;

module.exports = {
  seed(seedRows) {
    for (const [user, row] of Object.entries(seedRows)) rows.set(user, row);
  },
  getOAuthTokens(user) {
    lastUser = user;
    return Promise.resolve(rows.has(user) ? { ...rows.get(user), user_identifier: user } : []);
  },
  saveOAuthTokens(obj) {
    rows.set(obj.user_identifier, { access_token: obj.access_token, refresh_token: obj.refresh_token, expires_in: obj.expires_in });
    return Promise.resolve();
  },
  updateOAuthTokens(obj) {
    const user = obj.user_identifier || lastUser;
    rows.set(user, { ...rows.get(user), access_token: obj.access_token, expires_in: obj.expires_in });
    return Promise.resolve();
  },
};
