// Many servers (issue [11] item 6): two `mina serve` on one database (PostgreSQL with
// MINA_TEST_BACKEND=postgres, else one SQLite file) behind one public URL answer any step of the
// OpenID Provider: codes, access tokens, waiting logins, client assertions' jti and the signing keys
// are in the database, not in a server's memory. openid-client is told the first server's metadata
// with the token, userinfo and JWKS endpoints of the second, as a load balancer would mix them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { startServer, Client } from './harness.js';
import { startOidcServer, addClient, configure, Browser, transaction, authorizationUrl, b64url, client } from './lib/oidc.js';

let one;
let two;
let svc;
let keyed;
let viaOne;  // openid-client, every endpoint at server one
let viaTwo;  // the same issuer, token/userinfo/JWKS at server two
const cb = 'http://127.0.0.1/cb/many';

before(async () => {
  one = await startOidcServer({}, 'mina-oidc-1-');
  two = await startServer({ MINA_DATABASE_URL: one.env.MINA_DATABASE_URL, MINA_SERVER_PUBLIC_URL: one.url }, 'mina-oidc-2-');
  svc = addClient(one, { id: 'manga', name: 'Många', redirectUris: [cb], postLogoutUris: ['http://127.0.0.1/ut/many'] });
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  keyed = addClient(one, { id: 'manga-k', name: 'Många K', redirectUris: [cb], jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }] } });
  keyed.privateKey = privateKey;
  viaOne = await configure(one, svc.id, client.ClientSecretBasic(svc.secret));
  const m = viaOne.serverMetadata();
  const at2 = (u) => u.replace(one.url, two.url);
  viaTwo = new client.Configuration({ ...m, token_endpoint: at2(m.token_endpoint), userinfo_endpoint: at2(m.userinfo_endpoint), jwks_uri: at2(m.jwks_uri) },
    svc.id, svc.secret, client.ClientSecretBasic(svc.secret));
  client.allowInsecureRequests(viaTwo);
});
after(async () => {
  await two?.stop();
  await one?.stop();
});

/** A browser at server `srv` carrying the cookies of `from` (one origin behind a load balancer). */
function sameBrowserAt(srv, from) {
  const c = new Client(srv);
  for (const [k, v] of from.cookies) c.cookies.set(k, v);
  return c;
}

test('both servers publish the same keys and the same issuer', async () => {
  const [m1, m2] = await Promise.all([one, two].map(async (s) => (await fetch(`${s.url}/.well-known/openid-configuration`)).json()));
  assert.equal(m1.issuer, one.url);
  assert.equal(m2.issuer, one.url, 'the issuer is server.public_url, whichever server answers');
  const [k1, k2] = await Promise.all([one, two].map(async (s) => (await (await fetch(`${s.url}/oidc/jwks`)).json()).keys.map((k) => k.kid).sort()));
  assert.deepEqual(k2, k1);
});

test('a code from server one is redeemed at server two; the ID token verifies against two\'s JWKS; userinfo at either', async () => {
  const b = new Browser(one);
  await b.mina.login(one.pelle);
  const tx = await transaction();
  const r = await b.follow(authorizationUrl(viaOne, tx, cb).href, { until: (n) => n.startsWith(`${cb}?`) });
  const tokens = await client.authorizationCodeGrant(viaTwo, new URL(r.next), {
    pkceCodeVerifier: tx.verifier, expectedState: tx.state, expectedNonce: tx.nonce, idTokenExpected: true,
  });
  const { sub } = tokens.claims();
  assert.equal((await client.fetchUserInfo(viaTwo, tokens.access_token, sub)).sub, sub);
  assert.equal((await client.fetchUserInfo(viaOne, tokens.access_token, sub)).sub, sub);
});

test('a login waiting at server one is finished at server two', async () => {
  const b = new Browser(one);
  const tx = await transaction();
  const r = await b.follow(authorizationUrl(viaOne, tx, cb).href, { until: (n) => n.startsWith(`${cb}?`) });
  assert.equal(new URL(r.trail.at(-1)).pathname, '/logga-in');
  const at2 = sameBrowserAt(two, b.mina);
  const login = await at2.login(two.pelle);
  assert.equal(login.location, '/oidc/authorize?fortsatt=1');
  const back = await at2.get(login.location);
  assert.ok(back.location?.startsWith(`${cb}?`), `${back.status} ${back.location}`);
  const tokens = await client.authorizationCodeGrant(viaOne, new URL(back.location), {
    pkceCodeVerifier: tx.verifier, expectedState: tx.state, expectedNonce: tx.nonce, idTokenExpected: true,
  });
  assert.ok(tokens.access_token);
});

test('a code used at server one and again at server two: invalid_grant, and the first token is revoked everywhere', async () => {
  const b = new Browser(one);
  await b.mina.login(one.pelle);
  const tx = await transaction();
  const r = await b.follow(authorizationUrl(viaOne, tx, cb).href, { until: (n) => n.startsWith(`${cb}?`) });
  const code = new URL(r.next).searchParams.get('code');
  const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: cb, code_verifier: tx.verifier }).toString();
  const headers = { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${svc.id}:${svc.secret}`).toString('base64')}` };
  const first = await fetch(`${one.url}/oidc/token`, { method: 'POST', headers, body: form });
  assert.equal(first.status, 200);
  const { access_token: token } = await first.json();
  const second = await fetch(`${two.url}/oidc/token`, { method: 'POST', headers, body: form });
  assert.equal(second.status, 400);
  assert.equal((await second.json()).error, 'invalid_grant');
  for (const s of [one, two]) {
    const u = await fetch(`${s.url}/oidc/userinfo`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(u.status, 401, `revoked at ${s.url}`);
  }
});

test('a client assertion\'s jti used at server one is refused at server two', async () => {
  const b = new Browser(one);
  await b.mina.login(one.pelle);
  const codes = [];
  for (let i = 0; i < 2; i++) {
    const tx = await transaction();
    const r = await b.follow(authorizationUrl(viaOne, tx, cb, { client_id: keyed.id }).href, { until: (n) => n.startsWith(`${cb}?`) });
    codes.push({ tx, code: new URL(r.next).searchParams.get('code') });
  }
  const now = Math.floor(Date.now() / 1000);
  const head = b64url({ alg: 'ES256', kid: 'k1', typ: 'JWT' });
  const body = b64url({ iss: keyed.id, sub: keyed.id, aud: `${one.url}/oidc/token`, iat: now, exp: now + 60, jti: 'en-gang' });
  const assertion = `${head}.${body}.${b64url(cryptoSign('sha256', Buffer.from(`${head}.${body}`), { key: keyed.privateKey, dsaEncoding: 'ieee-p1363' }))}`;
  const post = (s, { tx, code }) => fetch(`${s.url}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, redirect_uri: cb, code_verifier: tx.verifier, client_id: keyed.id,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
    }).toString(),
  });
  assert.equal((await post(one, codes[0])).status, 200);
  const replay = await post(two, codes[1]);
  assert.equal(replay.status, 401);
  assert.equal((await replay.json()).error, 'invalid_client');
});

test('logout at server two ends the session and the tokens server one gave', async () => {
  const b = new Browser(one);
  await b.mina.login(one.pelle);
  const tx = await transaction();
  const r = await b.follow(authorizationUrl(viaOne, tx, cb).href, { until: (n) => n.startsWith(`${cb}?`) });
  const tokens = await client.authorizationCodeGrant(viaOne, new URL(r.next), {
    pkceCodeVerifier: tx.verifier, expectedState: tx.state, expectedNonce: tx.nonce, idTokenExpected: true,
  });
  const at2 = sameBrowserAt(two, b.mina);
  const end = client.buildEndSessionUrl(viaOne, { id_token_hint: tokens.id_token, post_logout_redirect_uri: 'http://127.0.0.1/ut/many', state: 's' });
  const out = await at2.get(end.pathname + end.search);
  assert.equal(out.status, 303);
  assert.ok(out.location.startsWith('http://127.0.0.1/ut/many?'));
  assert.equal((await b.mina.get('/start')).status, 303, 'the session is gone at server one too');
  const u = await fetch(`${one.url}/oidc/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(u.status, 401);
});
