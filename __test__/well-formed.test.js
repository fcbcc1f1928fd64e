'use strict';
// Connectors whose settings equal a kept record's but for the refresh token
// open through the kept copy only with a well-formed token. The check uses
// String.prototype.isWellFormed where the runtime has it (Node 20+) and a
// regular expression where it does not (Node 18): both must answer alike.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { startMockOAuth, settings } = require('./helpers/mock-oauth');
const { runChild, packageRoot } = require('./helpers/child');

const TOKENS = ['plain-2', 'lone-\ud800', 'pair-\ud83d\ude00', 'trail-\udc00x'];

/** A script: a first connector, then one per refresh token of TOKENS with otherwise equal settings; prints each outcome. */
function script(url, removeMethod) {
  return `
    ${removeMethod ? 'delete String.prototype.isWellFormed;' : ''}
    const { Connection } = require(${packageRoot});
    const s = ${JSON.stringify(settings(url))};
    (async () => {
      const out = [await new Connection({ c: s }).getConnector('c').getAccessToken()];
      for (const refresh_token of ${JSON.stringify(TOKENS)}) {
        try {
          out.push(await new Connection({ c: { ...s, refresh_token } }).getConnector('c').getAccessToken());
        } catch (error) {
          out.push(error.code);
        }
      }
      console.log(JSON.stringify(out.map((o) => o.replace(/^at-\\d+$/, 'token'))));
    })();`;
}

test('with and without String.prototype.isWellFormed, kept settings open alike: well-formed tokens get a token, a lone surrogate is INVALID_ARGUMENT', async () => {
  const mock = await startMockOAuth();
  try {
    const outcomes = [];
    for (const removeMethod of [false, true]) {
      const before = mock.count;
      const run = await runChild(script(mock.url, removeMethod));
      assert.equal(run.code, 0, run.err);
      outcomes.push(JSON.parse(run.out));
      assert.equal(mock.count - before, 3, 'one token request per well-formed refresh token');
    }
    assert.deepEqual(outcomes[0], ['token', 'token', 'INVALID_ARGUMENT', 'token', 'INVALID_ARGUMENT']);
    assert.deepEqual(outcomes[1], outcomes[0]);
    const sent = mock.state.requests.map((r) => r.form.get('refresh_token'));
    assert.deepEqual(sent.filter((t) => !t.startsWith('1000.')), ['plain-2', 'pair-\ud83d\ude00', 'plain-2', 'pair-\ud83d\ude00']);
  } finally {
    await mock.close();
  }
});
