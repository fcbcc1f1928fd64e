#!/usr/bin/env node
'use strict';
// zcatalyst-connector: the first refresh token and shell access to tokens.
//   authorize-url <name>   print the consent-page URL
//   exchange <name> <code> turn a grant code into tokens; save the refresh token
//   token <name>           print a valid access token
const fs = require('node:fs');
const path = require('node:path');

let library;
/** The package, loaded on first use: a platform without a binary gets the loader's message, not a stack. */
function loadLibrary() {
  if (library === undefined) {
    try {
      library = require('..');
    } catch (error) {
      if (error && error.code === 'ERR_ZC_CONNECTOR_NO_BINARY') throw new Error(error.message);
      throw error;
    }
  }
  return library;
}

const USAGE = `Usage: zcatalyst-connector <command> [options]

Commands:
  authorize-url <name>    Print the provider's consent-page URL for connector <name>.
                            --scope <scopes>  --state <s>  --access-type <offline>
                            --prompt <consent>  --pkce (also prints a code verifier on stderr)
  exchange <name> <code>  Exchange a grant code for tokens and write the refresh token
                          into the connectors file (atomically, other entries kept).
                            --code-verifier <v> (when the URL was made with --pkce)
  token <name>            Print a valid access token (for shell scripts and curl).

Options:
  --config <file>   The connectors JSON file (default: $ZC_CONNECTOR_CONFIG or ./connectors.json)
  --help            Show this help (also: <command> --help)
  --version         Print the version

The store comes from ZC_CONNECTOR_STORE, as for any Connection.
Exit codes: 0 success, 1 the operation failed, 2 wrong usage.`;

const COMMON = `  --config <file>   The connectors JSON file (default: $ZC_CONNECTOR_CONFIG or ./connectors.json)
  --help            Show this help`;

const COMMANDS = {
  'authorize-url': {
    args: ['name'], flags: ['scope', 'state', 'access-type', 'prompt'], switches: ['pkce'],
    help: `Usage: zcatalyst-connector authorize-url <name> [options]

Print the consent-page URL of connector <name> (its authorize_url, or the one
its Zoho data_centre implies). Open it, approve, and give the code the provider
sends to the redirect URL to 'exchange'.

Options:
  --scope <scopes>      Space-separated scopes (default: the connector's scope)
  --state <value>       Sent back with the code; check it
  --access-type <type>  'offline' asks for a refresh token (Zoho, Google)
  --prompt <prompt>     'consent' forces the consent screen
  --pkce                Add a PKCE challenge; the verifier is printed on stderr
${COMMON}`,
  },
  exchange: {
    args: ['name', 'code'], flags: ['code-verifier'], switches: [],
    help: `Usage: zcatalyst-connector exchange <name> <code> [options]

Exchange a grant code for tokens and write the refresh token into the
connectors file as connector <name>'s refresh_token (atomically; indentation,
other entries and the file's mode are kept). Codes are single-use and expire
within minutes (Zoho: 2).

Options:
  --code-verifier <v>   The verifier printed by 'authorize-url --pkce'
${COMMON}`,
  },
  token: {
    args: ['name'], flags: [], switches: [],
    help: `Usage: zcatalyst-connector token <name> [options]

Print a valid access token of connector <name> on stdout, for shell scripts:
  curl -H "Authorization: Zoho-oauthtoken $(zcatalyst-connector token crm)" …
The connector needs a refresh_token (see 'exchange'). The store comes from
ZC_CONNECTOR_STORE, as for any Connection.

Options:
${COMMON}`,
  },
};

class UsageError extends Error {}

function parse(argv) {
  const options = { positional: [], flags: {}, switches: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) { options.positional.push(arg); continue; }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (['help', 'version', 'pkce'].includes(name)) { options.switches.add(name); continue; }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    options.flags[name] = value;
  }
  return options;
}

function configPath(options) {
  return path.resolve(options.flags.config || process.env.ZC_CONNECTOR_CONFIG || 'connectors.json');
}

function readConfig(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  }
  try {
    return { text, json: JSON.parse(text) };
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
}

/** Rewrites the file with one property changed, keeping its indentation, key order and mode. */
function saveRefreshToken(file, text, json, name, refreshToken) {
  const indent = (/^[ \t]+(?=")/m.exec(text) || ['  '])[0];
  json[name].refresh_token = refreshToken;
  const out = JSON.stringify(json, null, indent) + (text.endsWith('\n') ? '\n' : '');
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const { mode } = fs.statSync(file);
  const fd = fs.openSync(temp, 'w', mode & 0o777);
  try {
    fs.writeFileSync(fd, out);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

async function run(argv) {
  const options = parse(argv);
  const [command, ...rest] = options.positional;
  if (options.switches.has('version')) return console.log(require('../package.json').version);
  if (options.switches.has('help') && !COMMANDS[command]) return console.log(USAGE);
  if (!command) {
    console.error(USAGE);
    process.exitCode = 2;
    return undefined;
  }
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
  if (options.switches.has('help')) return console.log(spec.help);
  if (rest.length !== spec.args.length) throw new UsageError(`${command} takes ${spec.args.map((a) => `<${a}>`).join(' ')}`);
  for (const flag of Object.keys(options.flags)) {
    if (flag !== 'config' && !spec.flags.includes(flag)) throw new UsageError(`${command} has no option --${flag}`);
  }
  if (options.switches.has('pkce') && !spec.switches.includes('pkce')) throw new UsageError(`${command} has no option --pkce`);

  const file = configPath(options);
  const { text, json } = readConfig(file);
  const [name, code] = rest;
  const { Connection, createCodeVerifier } = loadLibrary();
  const entries = json !== null && typeof json === 'object' ? json : {};
  if (!Object.prototype.hasOwnProperty.call(entries, name)) {
    const known = Object.keys(entries);
    throw new Error(`no connector '${name}' in ${file}; ${known.length ? `known connectors: ${known.join(', ')}` : 'the file defines none'}`);
  }
  const connector = new Connection(json).getConnector(name);
  if (command === 'token' && !connector.refreshToken) {
    throw new Error(`connector '${name}' in ${file} has no refresh_token yet: run 'zcatalyst-connector authorize-url ${name}', approve, then 'zcatalyst-connector exchange ${name} <code>' to save one`);
  }
  if (command === 'authorize-url') {
    const codeVerifier = options.switches.has('pkce') ? createCodeVerifier() : undefined;
    console.log(connector.getAuthorizationUrl({
      scope: options.flags.scope, state: options.flags.state,
      accessType: options.flags['access-type'], prompt: options.flags.prompt, codeVerifier,
    }));
    if (codeVerifier) console.error(`code verifier (give it to 'exchange --code-verifier'): ${codeVerifier}`);
  } else if (command === 'exchange') {
    await connector.generateAccessToken(code, { codeVerifier: options.flags['code-verifier'] });
    saveRefreshToken(file, text, json, name, connector.refreshToken);
    console.error(`refresh token of '${name}' saved to ${file}`);
  } else {
    console.log(await connector.getAccessToken());
  }
}

run(process.argv.slice(2)).catch((error) => {
  const usage = error instanceof UsageError;
  console.error(`zcatalyst-connector: ${error.code ? `${error.code}: ` : ''}${error.message}`);
  if (usage) console.error("Run 'zcatalyst-connector --help' for usage.");
  process.exitCode = usage ? 2 : 1;
});
