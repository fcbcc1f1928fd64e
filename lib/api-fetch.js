'use strict';
// What connector.fetch() needs to decide on a retry.

/** Whether a request body can be sent a second time. */
function replayable(body) {
  return body === undefined || body === null || typeof body === 'string'
    || body instanceof URLSearchParams || body instanceof ArrayBuffer || ArrayBuffer.isView(body)
    || (typeof Blob !== 'undefined' && body instanceof Blob)
    || (typeof FormData !== 'undefined' && body instanceof FormData);
}

/** Whether an API answer says the access token is not (or no longer) valid. */
async function rejectsToken(response) {
  if (response.status === 401) return true;
  if (response.status !== 400 && response.status !== 403) return false;
  if (!String(response.headers.get('content-type')).includes('json')) return false;
  try {
    const body = await response.clone().json();
    return body !== null && typeof body === 'object' && ['INVALID_OAUTHTOKEN', 'INVALID_TOKEN'].includes(body.code);
  } catch {
    return false;
  }
}

module.exports = { replayable, rejectsToken };
