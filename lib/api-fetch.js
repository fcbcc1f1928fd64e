'use strict';
// What connector.fetch() needs to decide on a retry.

/** Whether a request body can be sent a second time. */
function replayable(body) {
  return body === undefined || body === null || typeof body === 'string'
    || body instanceof URLSearchParams || body instanceof ArrayBuffer || ArrayBuffer.isView(body)
    || (typeof Blob !== 'undefined' && body instanceof Blob)
    || (typeof FormData !== 'undefined' && body instanceof FormData);
}

/** Codes of answers about the token itself (Zoho's, and a common one). */
const TOKEN_CODES = ['INVALID_OAUTHTOKEN', 'INVALID_TOKEN'];
/** Codes of 401s that no new token can fix: the grant lacks a scope or a right. */
const NOT_ABOUT_THE_TOKEN = ['OAUTH_SCOPE_MISMATCH', 'NO_PERMISSION'];

/** The `code` of a JSON answer, if it has one. */
async function answerCode(response) {
  if (!String(response.headers.get('content-type')).includes('json')) return undefined;
  try {
    const body = await response.clone().json();
    return body !== null && typeof body === 'object' && typeof body.code === 'string' ? body.code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether an API answer says the access token is not (or no longer) valid:
 * a 401 (unless its code says the grant lacks a scope or a permission, which
 * a new token would not fix), or a 400/403 whose JSON code is about the token.
 */
async function rejectsToken(response) {
  if (response.status === 401) return !NOT_ABOUT_THE_TOKEN.includes(await answerCode(response));
  if (response.status !== 400 && response.status !== 403) return false;
  return TOKEN_CODES.includes(await answerCode(response));
}

module.exports = { replayable, rejectsToken };
