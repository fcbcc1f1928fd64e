'use strict';
// One CRM API request as the legacy SDK sends it (method, path, query,
// headers, JSON body or multipart `file` field), and its result as the legacy
// resolves it: `{ statusCode, statusMessage, headers, rawHeaders, body }`
// (downloads: `body` as a latin1 string and `filename`), the 204 string, any
// status resolved. Unlike the legacy, a network failure or timeout rejects
// with a coded error instead of resolving the Error object. With
// HTTPS_PROXY / HTTP_PROXY (or SSL_CERT_FILE) set, requests go through the
// package's undici dispatcher (lib/network.js), as the legacy's `request`
// honoured the proxy variables; otherwise through node:http(s).
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const crypto = require('node:crypto');
const { Readable } = require('node:stream');
const { zcrmError } = require('./errors.js');
const { dispatcherFor } = require('../network.js');

const NO_CONTENT = JSON.stringify({ message: 'no data', status_code: '204' });
const USER_AGENT = 'Zoho CRM Node SDK';

// The extensions users attach most; others are application/octet-stream.
const MIME = {
  txt: 'text/plain', text: 'text/plain', log: 'text/plain', csv: 'text/csv', html: 'text/html', htm: 'text/html',
  css: 'text/css', xml: 'application/xml', json: 'application/json', js: 'application/javascript',
  pdf: 'application/pdf', zip: 'application/zip', gz: 'application/gzip', tar: 'application/x-tar',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', bmp: 'image/bmp', webp: 'image/webp',
  svg: 'image/svg+xml', ico: 'image/vnd.microsoft.icon', tif: 'image/tiff', tiff: 'image/tiff',
  mp3: 'audio/mpeg', wav: 'audio/wav', mp4: 'video/mp4', mov: 'video/quicktime', avi: 'video/x-msvideo',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint', pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  rtf: 'application/rtf', odt: 'application/vnd.oasis.opendocument.text', eml: 'message/rfc822', ics: 'text/calendar',
};

/** The `file` part's header, as form-data 2.3.3 writes it for this value. */
function partHeader(boundary, value) {
  let disposition = 'form-data; name="file"';
  let type;
  const file = value && typeof value.path === 'string' ? value.path : undefined;
  if (file !== undefined) {
    disposition += `; filename="${path.basename(file)}"`;
    type = MIME[path.extname(file).slice(1).toLowerCase()] || 'application/octet-stream';
  } else if (typeof value === 'object') {
    type = 'application/octet-stream';
  }
  return `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type ? `Content-Type: ${type}\r\n` : ''}\r\n`;
}

/** form-data's boundary: 26 dashes and 24 random digits. */
function boundary() {
  let digits = '';
  for (const byte of crypto.randomBytes(24)) digits += String(byte % 10);
  return `--------------------------${digits}`;
}

/** The filename of a download, extracted as the legacy does. */
function downloadFilename(disposition) {
  if (!disposition || disposition.indexOf('attachment') === -1) return undefined;
  const matches = /filename[^;=\n]*=((['"]).*?\2|[^;\n]*)/.exec(disposition);
  if (!matches || !matches[1]) return undefined;
  return matches[1].replace(/['"]/g, '').replace('UTF-8', '');
}

/** The legacy's resolved value from a finished response. */
function resultOf(request, url, status, statusMessage, headers, rawHeaders, bytes) {
  if (status === 204) return NO_CONTENT;
  const result = {
    statusCode: status,
    statusMessage,
    headers,
    rawHeaders,
    body: bytes.toString(request.download ? 'latin1' : 'utf8'),
    request: { method: request.method, uri: url.href },
  };
  if (request.download) result.filename = downloadFilename(headers['content-disposition']);
  return result;
}

function isStream(value) {
  return value instanceof Readable || (value !== null && typeof value === 'object' && typeof value.pipe === 'function');
}

/** The multipart body as chunks: part header, the value (streamed), closing boundary. */
async function* multipartBody(boundaryText, value) {
  yield Buffer.from(partHeader(boundaryText, value));
  if (isStream(value)) {
    try {
      for await (const chunk of value) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    } catch (error) {
      throw zcrmError('zcrmsdk/FILE_ERROR', `x_file_content could not be read: ${error.code || error.message}`);
    }
  } else {
    yield Buffer.isBuffer(value) || value instanceof Uint8Array ? value : Buffer.from(String(value));
  }
  yield Buffer.from(`\r\n--${boundaryText}--\r\n`);
}

/** The same request through an undici dispatcher (proxy variables, extra CAs). */
async function sendWithDispatcher(request, timeoutMs, dispatcher) {
  const { request: undiciRequest } = require('undici');
  const url = new URL(request.url);
  const headers = { ...request.headers };
  let body;
  if (request.file !== undefined) {
    const boundaryText = boundary();
    headers['content-type'] = `multipart/form-data; boundary=${boundaryText}`;
    body = multipartBody(boundaryText, request.file);
  } else if ((request.method === 'POST' || request.method === 'PUT') && typeof request.body === 'string') {
    body = request.body;
  }
  const where = `${request.method} ${url.origin}${url.pathname}`;
  try {
    const res = await undiciRequest(url, { method: request.method, headers, body, dispatcher, signal: AbortSignal.timeout(timeoutMs) });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const rawHeaders = [];
    for (const [name, value] of Object.entries(res.headers)) {
      for (const one of Array.isArray(value) ? value : [value]) rawHeaders.push(name, one);
    }
    return resultOf(request, url, res.statusCode, http.STATUS_CODES[res.statusCode] || '', { ...res.headers }, rawHeaders, bytes);
  } catch (error) {
    if (error && typeof error.code === 'string' && error.code.startsWith('zcrmsdk/')) throw error;
    if (error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw zcrmError('zcrmsdk/TIMEOUT', `${where} did not answer within ${timeoutMs} ms`);
    }
    const cause = error && error.cause ? error.cause : error;
    throw zcrmError('zcrmsdk/NETWORK_ERROR', `${where} failed: ${(cause && (cause.code || cause.message)) || error}`);
  }
}

/**
 * Sends `request` (`{ method, url, headers, body?, file?, download? }`);
 * resolves the legacy's result, rejects coded errors. Bounded by `timeoutMs`.
 */
function send(request, timeoutMs) {
  const dispatcher = dispatcherFor([]);
  if (dispatcher !== undefined) return sendWithDispatcher(request, timeoutMs, dispatcher);
  return new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const transport = url.protocol === 'https:' ? https : http;
    const headers = { ...request.headers };
    let boundaryText;
    if (request.file !== undefined) {
      boundaryText = boundary();
      headers['content-type'] = `multipart/form-data; boundary=${boundaryText}`;
    } else if (typeof request.body === 'string') {
      headers['content-length'] = Buffer.byteLength(request.body);
    }
    let settled = false;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    const req = transport.request(url, { method: request.method, headers });
    const timer = setTimeout(() => {
      finish(reject, zcrmError('zcrmsdk/TIMEOUT', `${request.method} ${url.origin}${url.pathname} did not answer within ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);
    req.on('error', (error) => finish(reject, zcrmError('zcrmsdk/NETWORK_ERROR', `${request.method} ${url.origin}${url.pathname} failed: ${error.code || error.message}`)));
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', (error) => finish(reject, zcrmError('zcrmsdk/NETWORK_ERROR', `${request.method} ${url.origin}${url.pathname}: the answer broke off: ${error.code || error.message}`)));
      res.on('end', () => {
        finish(resolve, resultOf(request, url, res.statusCode, res.statusMessage, { ...res.headers }, res.rawHeaders, Buffer.concat(chunks)));
      });
    });
    if (request.file === undefined) {
      req.end(request.method === 'POST' || request.method === 'PUT' ? request.body : undefined);
      return;
    }
    const value = request.file;
    req.write(partHeader(boundaryText, value));
    const tail = `\r\n--${boundaryText}--\r\n`;
    if (isStream(value)) {
      value.on('error', (error) => {
        finish(reject, zcrmError('zcrmsdk/FILE_ERROR', `x_file_content could not be read: ${error.code || error.message}`));
        req.destroy();
      });
      value.on('end', () => req.end(tail));
      value.pipe(req, { end: false });
    } else {
      req.write(Buffer.isBuffer(value) || value instanceof Uint8Array ? value : String(value));
      req.end(tail);
    }
  });
}

module.exports = { send, downloadFilename, USER_AGENT };
