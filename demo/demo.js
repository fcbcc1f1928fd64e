'use strict';
// `npm run demo`: an embedded local OAuth provider, then what this package is
// for — a cached token, single-flight under a storm, clear errors, a store a
// second process starts warm from, and API calls that survive a revoked token.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Connection, CatalystConnectorError } = require('..');
const { startMockOAuth, settings } = require('../__test__/helpers/mock-oauth');
const { runChild, packageRoot } = require('../__test__/helpers/child');

async function main() {
  const provider = await startMockOAuth({ delayMs: 100, apiDomain: 'self' });
  console.log(`Local OAuth provider at ${provider.url} (answers in 100 ms)\n`);
  const json = { ZohoCRM: settings(provider.url) };

  let t = process.hrtime.bigint();
  const token = await new Connection(json).getConnector('ZohoCRM').getAccessToken();
  console.log(`1. first call (cold):  ${token}  in ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)} ms, token requests so far: ${provider.count}`);

  t = process.hrtime.bigint();
  const again = await new Connection(json).getConnector('ZohoCRM').getAccessToken();
  console.log(`2. second call (warm): ${again}  in ${(Number(process.hrtime.bigint() - t) / 1e3).toFixed(1)} µs, token requests so far: ${provider.count}`);

  const storm = { ZohoDesk: settings(provider.url) };
  const before = provider.count;
  t = process.hrtime.bigint();
  const tokens = await Promise.all(Array.from({ length: 1000 }, () => new Connection(storm).getConnector('ZohoDesk').getAccessToken()));
  console.log(`3. 1000 concurrent cold calls: ${new Set(tokens).size} distinct token, ${provider.count - before} token request, ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)} ms`);

  const connector = new Connection(json).getConnector('ZohoCRM');
  console.log(`4. expires at ${new Date(connector.expiresAt).toISOString()} (expires_in ${connector.expiresIn} s, less the 15-minute margin)`);
  console.log(`   cache entry the JS package would share:`, await connector.putAccessTokenInCache());
  console.log(`   stats:`, connector.stats());

  provider.state.respond = () => ({ status: 200, json: { error: 'invalid_code' } });
  try {
    await new Connection({ Broken: settings(provider.url) }).getConnector('Broken').getAccessToken();
  } catch (err) {
    console.log(`5. a provider error with HTTP 200 is an error: ${err instanceof CatalystConnectorError} ${err}`);
  }
  provider.state.respond = undefined;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zc-demo-'));
  const store = `file://${path.join(dir, 'tokens.json')}`;
  const shared = { Mailer: settings(provider.url) };
  const script = `
    const { Connection } = require(${packageRoot});
    const c = new Connection(${JSON.stringify(shared)}, { store: ${JSON.stringify(store)} }).getConnector('Mailer');
    c.getAccessToken().then((t) => console.log(t, c.stats().tokenRequests));`;
  const [first, second] = [await runChild(script), await runChild(script)];
  console.log(`6. two processes sharing ${store}: tokens ${first.out.trim().split(' ')[0]} / ${second.out.trim().split(' ')[0]}, token requests ${first.out.trim().split(' ')[1]} + ${second.out.trim().split(' ')[1]}`);
  fs.rmSync(dir, { recursive: true, force: true });

  const api = new Connection(json).getConnector('ZohoCRM');
  provider.state.expiries.clear(); // the provider forgets every token it issued
  const response = await api.fetch('/api/records');
  console.log(`7. connector.fetch('/api/records') after the provider dropped the token: HTTP ${response.status} (refreshed once and retried; token requests so far: ${provider.count})`);
  await provider.close();
}

main().catch((err) => { console.error(err); process.exit(1); });
