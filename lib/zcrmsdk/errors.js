'use strict';
// Coded errors of the zcrmsdk surface: the package's error class with
// `zcrmsdk/…` codes. Messages name users, files, hosts and statuses, never a
// client secret, refresh token or access token.
const { CatalystConnectorError } = require('../error.js');

const STATUS = {
  'zcrmsdk/INVALID_CONFIG': 400,
  'zcrmsdk/INVALID_ARGUMENT': 400,
  'zcrmsdk/NOT_INITIALIZED': 400,
  'zcrmsdk/UNKNOWN_USER': 401,
  'zcrmsdk/STORE_ERROR': 503,
  'zcrmsdk/STORE_TIMEOUT': 503,
  'zcrmsdk/MYSQL_DRIVER_MISSING': 500,
  'zcrmsdk/NETWORK_ERROR': 503,
  'zcrmsdk/TIMEOUT': 504,
  'zcrmsdk/FILE_ERROR': 400,
};

function zcrmError(code, message) {
  return new CatalystConnectorError(code, message, null, STATUS[code] ?? 500);
}

/** A thrown value as a coded error: coded ones pass through, others get `code`. */
function coded(error, code, context) {
  if (error instanceof CatalystConnectorError) return error;
  const reason = error && error.message ? error.message : String(error);
  const err = zcrmError(code, context ? `${context}: ${reason}` : reason);
  if (error && error.code && typeof error.code === 'string') Object.defineProperty(err, 'cause', { value: error });
  return err;
}

/** `promise`, or a `code` rejection after `ms` (every wait is bounded). */
function within(promise, ms, code, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(zcrmError(code, message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

module.exports = { zcrmError, coded, within, CatalystConnectorError };
