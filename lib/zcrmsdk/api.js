'use strict';
// The legacy SDK's API tree: every operation's method, path template and
// query rules. `{module}`, `{id}`, `{relatedId}` and `{api_name}` come from
// the call's input; `/{id}` and `/{api_name}` are dropped when absent. M marks
// the operations that add `module=<input.module>` to the query.
const { zcrmError } = require('./errors.js');

const M = true;
const OPERATIONS = {
  ORG: {
    get: ['GET', 'org', M],
  },
  MODULES: {
    get: ['GET', '{module}/{id}'],
    post: ['POST', '{module}/{id}'],
    put: ['PUT', '{module}/{id}'],
    delete: ['DELETE', '{module}/{id}'],
    getAllDeletedRecords: ['GET', '{module}/deleted', false, { type: 'all' }],
    getRecycleBinRecords: ['GET', '{module}/deleted', false, { type: 'recycle' }],
    getPermanentlyDeletedRecords: ['GET', '{module}/deleted', false, { type: 'permanent' }],
    search: ['GET', '{module}/search'],
  },
  SETTINGS: {
    getFields: ['GET', 'settings/fields/{id}', M],
    getLayouts: ['GET', 'settings/layouts/{id}', M],
    getCustomViews: ['GET', 'settings/custom_views/{id}', M],
    updateCustomViews: ['PUT', 'settings/custom_views/{id}', M],
    getModules: ['GET', 'settings/modules/{module?}'],
    getRoles: ['GET', 'settings/roles/{id}', M],
    getProfiles: ['GET', 'settings/profiles/{id}', M],
    getRelatedLists: ['GET', 'settings/related_lists/{id}', M],
  },
  ACTIONS: {
    convert: ['POST', 'Leads/{id}/actions/convert'],
  },
  USERS: {
    get: ['GET', 'users/{id}', M],
  },
  ATTACHMENTS: {
    uploadFile: ['POST', '{module}/{id}/Attachments'],
    deleteFile: ['DELETE', '{module}/{id}/Attachments/{relatedId}'],
    downloadFile: ['GET', '{module}/{id}/Attachments/{relatedId}', false, undefined, true],
    uploadLink: ['POST', '{module}/{id}/Attachments'],
    uploadPhoto: ['POST', '{module}/{id}/photo'],
    downloadPhoto: ['GET', '{module}/{id}/photo', false, undefined, true],
    deletePhoto: ['DELETE', '{module}/{id}/photo'],
  },
  FUNCTIONS: {
    executeFunctionsInGet: ['GET', 'functions/{api_name}/actions/execute', M],
    executeFunctionsInPost: ['POST', 'functions/{api_name}/actions/execute', M],
  },
};

// Characters Zoho's query syntax uses and that need no escaping in a query
// (`,` in `fields=a,b`, `:` `(` `)` in `criteria=(Email:equals:x)`, `@`…)
// stay as they are, as the legacy sent them; `&`, `=`, `#`, `+`, `%`,
// spaces and non-ASCII are percent-encoded (the legacy sent them raw).
const KEEP = /%(2C|3A|40|24|21|27|28|29|2A|3B|2F|3F)/g;
function encodeQuery(value) {
  return encodeURIComponent(String(value)).replace(KEEP, (m) => decodeURIComponent(m));
}

function present(value) {
  return value !== undefined && value !== null && value !== '';
}

function segment(input, key, operation) {
  if (!present(input[key])) {
    throw zcrmError('zcrmsdk/INVALID_ARGUMENT', `${operation} needs input.${key}`);
  }
  return encodeURIComponent(String(input[key]));
}

/**
 * `{ method, path, query, body?, file?, download, headers }` of an operation,
 * with `path` relative to `/crm/<version>/`.
 */
function describe(operation, spec, input) {
  const [method, template, moduleParam, fixedParams, download] = spec;
  const args = input === undefined || input === null ? {} : input;
  if (typeof args !== 'object') throw zcrmError('zcrmsdk/INVALID_ARGUMENT', `${operation} takes an input object`);
  const params = { ...(args.params && typeof args.params === 'object' ? args.params : {}) };
  let path = template
    .replace('{module}', () => segment(args, 'module', operation))
    .replace('/{module?}', () => (present(args.module) ? `/${encodeURIComponent(String(args.module))}` : ''))
    .replace('{relatedId}', () => segment(args, 'relatedId', operation))
    .replace('/{id}', () => (present(args.id) ? `/${encodeURIComponent(String(args.id))}` : ''));
  if (path.includes('{api_name}')) {
    path = path.replace('{api_name}', () => segment(args, 'api_name', operation));
    params.auth_type = 'oauth';
  }
  Object.assign(params, fixedParams);
  const pairs = Object.keys(params).map((key) => `${encodeQuery(key)}=${encodeQuery(params[key])}`);
  if (moduleParam && present(args.module)) pairs.push(`module=${encodeQuery(args.module)}`);
  const request = { method, path, query: pairs.join('&'), download: Boolean(download), headers: args.headers };
  if (args.x_file_content !== undefined && args.x_file_content !== null) request.file = args.x_file_content;
  else if ((method === 'POST' || method === 'PUT') && args.body) request.body = JSON.stringify(args.body);
  return request;
}

module.exports = { OPERATIONS, describe, encodeQuery };
