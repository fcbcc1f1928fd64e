'use strict';
// One side of the zcrmsdk bench, in a process of its own (the legacy SDK is
// module-global): `node zcrmsdk-side.js <legacy|ours|floor> '<options JSON>'`.
// Tokens live in an in-memory tokenmanagement module (the same for both), so
// the figures are the SDKs' own work plus the local mock, not a database.
// Prints `{ wallMs, ok }` (storm) or `{ warmNs, floorNs }` (warm).
const path = require('node:path');
const https = require('node:https');

const [impl, optionsText] = process.argv.slice(2);
const options = JSON.parse(optionsText);
const STORE = path.join(__dirname, 'zcrmsdk-store.js');

async function main() {
  require(STORE).seed(options.rows);
  const sdk = impl === 'legacy'
    ? require(path.join(__dirname, '..', '__test__', 'legacy', 'node_modules', 'zcrmsdk'))
    : require(path.join(__dirname, '..', 'zcrmsdk.js'));
  const config = {
    client_id: options.clientId, client_secret: options.clientSecret, redirect_url: options.redirectUrl,
    iamurl: impl === 'legacy' ? options.apiHost : options.iamOrigin,
    base_url: options.apiHost,
    user_identifier: options.user, tokenmanagement: STORE,
  };
  await sdk.initialize(config);
  const out = {};
  if (options.mode === 'storm') {
    const started = process.hrtime.bigint();
    const results = await Promise.all(Array.from({ length: options.calls }, () => sdk.API.MODULES.get({ module: 'Leads' })));
    out.wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    out.ok = results.filter((r) => r && r.statusCode === 200).length;
  } else {
    // Rounds alternate the SDK call and a bare keep-alive HTTPS GET of the
    // same URL (the network floor, in the same process); best round of each.
    const agent = new https.Agent({ keepAlive: true });
    const bare = () => new Promise((resolve, reject) => {
      https.get(`https://${options.apiHost}/crm/v2/Leads`, { agent, headers: { Authorization: `Zoho-oauthtoken ${options.row.access_token}`, 'User-Agent': 'bench' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
    const call = () => sdk.API.MODULES.get({ module: 'Leads' });
    const round = async (fn, n) => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await fn();
      return Number(process.hrtime.bigint() - started) / n;
    };
    await round(call, 50);
    await round(bare, 50);
    const perRound = Math.max(10, Math.floor(options.warmCalls / 10));
    out.warmNs = Infinity;
    out.floorNs = Infinity;
    for (let r = 0; r < 10; r++) {
      out.warmNs = Math.min(out.warmNs, await round(call, perRound));
      out.floorNs = Math.min(out.floorNs, await round(bare, perRound));
    }
    agent.destroy();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  if (sdk.close) await sdk.close();
  process.exit(0);
}

main().catch((error) => { console.error(error); process.exit(1); });
