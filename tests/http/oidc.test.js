// Mina tjänster as an OpenID Provider (issue [11]), proved from outside with a client library nobody
// here wrote: openid-client (npm) runs discovery, the code flow with PKCE S256, the ID token's
// validation against the JWKS (signature, iss, aud, nonce, state, the iss parameter), userinfo and
// RP-initiated logout against the real server, for every client authentication the design offers.
// The negative tests send what a careless or hostile service would, one check each; every issued
// code and token and every refusal is looked up in the audit log.
//
// Not tested here: a code used after its 60 s (the test would wait a minute; the store's expiry is
// covered by the storage suites).
import { execFileSync } from 'node:child_process';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { sql, sleep, eventually, addAgencyAdmin, mina, BACKEND } from './harness.js';
import {
  startOidcServer, addClient, configure, Browser, transaction, authorizationUrl, decodeJwt, b64url, client,
} from './lib/oidc.js';

let srv;
let pelleEmail;
// The services: A and B (client_secret_basic and _post), K (private_key_jwt), P (public, PKCE
// alone), E (ID tokens ES256). Their redirect URIs are never opened: the tests stop at the Location.
const cb = (name) => `http://127.0.0.1/cb/${name}`;
const out = (name) => `http://127.0.0.1/ut/${name}`;
const svc = {};

before(async () => {
  srv = await startOidcServer();
  pelleEmail = sql(srv.db, `SELECT email FROM persons WHERE username = '${srv.pelle}'`)[0][0];
  svc.a = addClient(srv, { id: 'tjanst-a', name: 'Tjänst A', redirectUris: [cb('a'), cb('a2')], postLogoutUris: [out('a')] });
  svc.b = addClient(srv, { id: 'tjanst-b', name: 'Tjänst B', redirectUris: [cb('b')], postLogoutUris: [out('b')] });
  svc.p = addClient(srv, { id: 'tjanst-p', name: 'Tjänst P', redirectUris: [cb('p')], isPublic: true });
  svc.e = addClient(srv, { id: 'tjanst-e', name: 'Tjänst E', redirectUris: [cb('e')], idTokenAlg: 'ES256' });
  // private_key_jwt: the service's own key pair; the agency registers only its public half.
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'tjanst-k-1', alg: 'ES256', use: 'sig' };
  svc.k = addClient(srv, { id: 'tjanst-k', name: 'Tjänst K', redirectUris: [cb('k')], jwks: { keys: [jwk] } });
  svc.k.privateKey = privateKey;

  svc.a.config = await configure(srv, svc.a.id, client.ClientSecretBasic(svc.a.secret));
  svc.b.config = await configure(srv, svc.b.id, client.ClientSecretPost(svc.b.secret));
  svc.p.config = await configure(srv, svc.p.id, client.None());
  svc.e.config = await configure(srv, svc.e.id, client.ClientSecretBasic(svc.e.secret), { id_token_signed_response_alg: 'ES256' });
  const cryptoKey = await globalThis.crypto.subtle.importKey(
    'jwk', privateKey.export({ format: 'jwk' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  svc.k.config = await configure(srv, svc.k.id, client.PrivateKeyJwt({ key: cryptoKey, kid: 'tjanst-k-1' }));
});
after(async () => srv && (await srv.stop()));

const meta = () => svc.a.config.serverMetadata();

/** A browser logged in to the portal as `user` (Pelle by default). */
async function loggedIn(user = srv.pelle) {
  const b = new Browser(srv);
  const r = await b.mina.login(user);
  assert.equal(r.status, 303, `login: ${r.status}`);
  assert.equal(r.location, '/start');
  return b;
}

/** Opens the authorization URL and follows the provider's redirects up to the service's redirect URI. */
async function authorize(b, svcOf, redirectUri, extra = {}, tx = undefined) {
  const t = tx ?? (await transaction());
  const url = authorizationUrl(svcOf.config, t, redirectUri, extra);
  const r = await b.follow(url, { until: (n) => n.startsWith(`${redirectUri}?`) || n === redirectUri });
  return { tx: t, url, r, callback: r.next?.startsWith(redirectUri) ? new URL(r.next) : undefined };
}

/** The whole code flow for a logged-in browser: the tokens, checked by openid-client. */
async function codeFlow(b, svcOf, redirectUri, extra = {}) {
  const { tx, callback, r } = await authorize(b, svcOf, redirectUri, extra);
  assert.ok(callback, `redirected to the service: ${r.status} ${r.location} ${r.text.slice(0, 300)}`);
  assert.ok(callback.searchParams.get('code'), `a code: ${callback}`);
  const tokens = await client.authorizationCodeGrant(svcOf.config, callback, {
    pkceCodeVerifier: tx.verifier, expectedState: tx.state, expectedNonce: tx.nonce, idTokenExpected: true,
  });
  return { tx, callback, tokens, claims: tokens.claims() };
}

/** A raw token request (for what openid-client would never send). */
async function tokenRequest(form, { basic, headers = {} } = {}) {
  const h = { 'content-type': 'application/x-www-form-urlencoded', ...headers };
  if (basic) h.authorization = `Basic ${Buffer.from(`${encodeURIComponent(basic[0])}:${encodeURIComponent(basic[1])}`).toString('base64')}`;
  const res = await fetch(meta().token_endpoint, { method: 'POST', headers: h, body: new URLSearchParams(form).toString() });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Userinfo with a bearer token, raw: { status, headers, json }. */
async function userinfo(token, { query = false } = {}) {
  const url = new URL(meta().userinfo_endpoint);
  const headers = {};
  if (query) url.searchParams.set('access_token', token);
  else headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { headers });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** The last audit row's id: rows after it are this test's. */
const auditMark = () => Number(sql(srv.db, 'SELECT coalesce(max(id), 0) FROM audit_log')[0][0]);
/** The OpenID Provider's audit rows after `mark`: [{ kind, subject, detail }]. */
const auditSince = (mark) => sql(srv.db, `SELECT kind, subject, detail, actor FROM audit_log WHERE id > ${mark} AND kind LIKE 'oidc.%' ORDER BY id`)
  .map(([kind, subject, detail, actor]) => ({ kind, subject, detail, actor }));
/** Waits until the audit log has a row of `kind` after `mark` whose text matches every pattern. */
const audited = (mark, kind, ...patterns) => eventually(`an audit row ${kind} ${patterns.join(' ')}`, () =>
  auditSince(mark).find((r) => r.kind === kind && patterns.every((p) => p.test(`${r.subject} ${r.detail} ${r.actor}`))));

// ---- Discovery and keys ----

test('discovery: the issuer is the server\'s URL and the metadata is the design\'s', async () => {
  const m = meta();
  assert.equal(m.issuer, srv.url);
  for (const [k, path] of [['authorization_endpoint', '/oidc/authorize'], ['token_endpoint', '/oidc/token'],
    ['userinfo_endpoint', '/oidc/userinfo'], ['jwks_uri', '/oidc/jwks'], ['end_session_endpoint', '/oidc/logout']]) {
    assert.equal(m[k], `${srv.url}${path}`, k);
  }
  assert.deepEqual(m.response_types_supported, ['code']);
  assert.deepEqual(m.grant_types_supported, ['authorization_code']);
  assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
  assert.deepEqual(m.subject_types_supported, ['public']);
  assert.deepEqual([...m.id_token_signing_alg_values_supported].sort(), ['ES256', 'RS256']);
  assert.deepEqual([...m.token_endpoint_auth_methods_supported].sort(),
    ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt']);
  for (const s of ['openid', 'profile', 'email', 'schools']) assert.ok(m.scopes_supported.includes(s), s);
  assert.equal(m.authorization_response_iss_parameter_supported, true);
  assert.equal(m.request_parameter_supported, false);
  assert.ok(!('registration_endpoint' in m), 'no dynamic registration');
  assert.ok(!(m.response_types_supported ?? []).some((t) => /token/.test(t)), 'no implicit or hybrid flow');
});

test('the JWKS publishes an RS256 and an ES256 key, public members only', async () => {
  const res = await fetch(meta().jwks_uri);
  assert.equal(res.status, 200);
  const { keys } = await res.json();
  const algs = keys.map((k) => k.alg).sort();
  assert.ok(algs.includes('RS256') && algs.includes('ES256'), `algs: ${algs}`);
  for (const k of keys) {
    assert.ok(k.kid, 'every key has a kid');
    for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(!(priv in k), `no private member ${priv} in ${k.kid}`);
  }
  const rsa = keys.find((k) => k.alg === 'RS256');
  assert.equal(rsa.kty, 'RSA');
  assert.ok(Buffer.from(rsa.n, 'base64url').length >= 256, 'RSA 2048 bits at least');
  assert.equal(keys.find((k) => k.alg === 'ES256').crv, 'P-256');
});

// ---- The code flow, with every client authentication ----

test('the code flow with client_secret_basic: the ID token\'s claims, userinfo, a stable subject', async () => {
  const mark = auditMark();
  const before1 = Math.floor(Date.now() / 1000);
  const b = await loggedIn();
  const { tokens, claims, callback } = await codeFlow(b, svc.a, cb('a'));
  assert.equal(callback.searchParams.get('iss'), srv.url, 'the iss parameter (RFC 9207)');
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.equal(tokens.expires_in, 300);
  assert.ok(!('refresh_token' in tokens), 'no refresh token');
  assert.equal(claims.iss, srv.url);
  assert.ok([claims.aud].flat().includes(svc.a.id), `aud ${claims.aud}`);
  if (Array.isArray(claims.aud) && claims.aud.length > 1) assert.equal(claims.azp, svc.a.id);
  assert.ok(claims.sub && claims.sub !== srv.pelle && !claims.sub.includes(srv.pelle), `sub is not the username: ${claims.sub}`);
  assert.ok(claims.exp - claims.iat <= 300 && claims.exp - claims.iat > 0, 'ID token 5 minutes');
  assert.ok(Math.abs(claims.auth_time - before1) <= 5, `auth_time is the login's time: ${claims.auth_time} vs ${before1}`);
  assert.equal(claims.acr, 'urn:mina:password');
  assert.deepEqual(claims.amr, ['pwd']);
  assert.match(claims.sid, /^[0-9a-f]{32}$/);
  assert.ok(!('name' in claims) && !('email' in claims) && !('schools' in claims), 'scope openid alone: no profile claims');
  const { header } = decodeJwt(tokens.id_token);
  assert.equal(header.alg, 'RS256');
  assert.equal(header.typ, 'JWT');
  assert.ok(header.kid);

  const info = await client.fetchUserInfo(svc.a.config, tokens.access_token, claims.sub);
  assert.equal(info.sub, claims.sub);

  // The same person in another session: the same sub, another sid.
  const b2 = await loggedIn();
  const again = await codeFlow(b2, svc.a, cb('a'));
  assert.equal(again.claims.sub, claims.sub, 'sub is stable');
  assert.notEqual(again.claims.sid, claims.sid, 'each session its own sid');
  // Anna is someone else.
  const other = await codeFlow(await loggedIn(srv.anna), svc.a, cb('a'));
  assert.notEqual(other.claims.sub, claims.sub);
  await audited(mark, 'oidc.authorized', /tjanst-a/);
  await audited(mark, 'oidc.token_issued', /tjanst-a/);
});

test('scope profile email schools: name, email, every school with its roles, and Vald skola as it changes', async () => {
  const b = await loggedIn();
  const scope = 'openid profile email schools';
  let { claims, tokens } = await codeFlow(b, svc.a, cb('a'), { scope });
  assert.equal(claims.name, 'Pelle Test');
  assert.equal(claims.given_name, 'Pelle');
  assert.equal(claims.family_name, 'Test');
  assert.equal(claims.preferred_username, srv.pelle);
  assert.equal(claims.email, pelleEmail);
  const schools = Object.fromEntries(claims.schools.map((s) => [s.code, { name: s.name, roles: [...s.roles].sort() }]));
  assert.deepEqual(schools, {
    DEMO1: { name: 'Demoskolan', roles: ['studeranderapportering', 'studietider'] },
    DEMO2: { name: 'Exempelhögskolan', roles: ['studietider'] },
  });
  assert.ok(!('school' in claims), 'no Vald skola yet');
  assert.notEqual(claims.agency_admin, true, 'Pelle is no agency admin');
  const info = await client.fetchUserInfo(svc.a.config, tokens.access_token, claims.sub);
  assert.equal(info.name, 'Pelle Test');
  assert.equal(info.email, pelleEmail);
  assert.deepEqual(info.schools.map((s) => s.code).sort(), ['DEMO1', 'DEMO2']);

  // Vald skola chosen in the portal as the portal does it: the next authorization carries it.
  let r = await b.mina.submit('/start', '/skola', { skola: 'DEMO1' });
  assert.equal(r.location, '/start?m=skola');
  ({ claims } = await codeFlow(b, svc.a, cb('a'), { scope }));
  assert.equal(claims.school, 'DEMO1');
  r = await b.mina.submit('/start', '/skola', { skola: 'DEMO2' });
  assert.equal(r.location, '/start?m=skola');
  ({ claims, tokens } = await codeFlow(b, svc.a, cb('a'), { scope }));
  assert.equal(claims.school, 'DEMO2', 'the new school at the next authorization');
  const info2 = await client.fetchUserInfo(svc.a.config, tokens.access_token, claims.sub);
  assert.equal(info2.school, 'DEMO2');
});

test('scope schools: agency_admin is true for a person who administers for the agency', async () => {
  const admin = addAgencyAdmin(srv.env, { first: 'Agda', last: 'Verk', email: 'agda.verk@example.se' });
  const { claims } = await codeFlow(await loggedIn(admin), svc.a, cb('a'), { scope: 'openid schools' });
  assert.equal(claims.agency_admin, true);
  assert.ok(!('name' in claims), 'no profile claims without scope profile');
  const pelle = await codeFlow(await loggedIn(), svc.a, cb('a'), { scope: 'openid profile' });
  assert.ok(!('schools' in pelle.claims) && !('agency_admin' in pelle.claims) && !('school' in pelle.claims), 'no school claims without scope schools');
  assert.ok(!('email' in pelle.claims), 'no email without scope email');
});

test('client_secret_post', async () => {
  const mark = auditMark();
  const { claims } = await codeFlow(await loggedIn(), svc.b, cb('b'));
  assert.ok([claims.aud].flat().includes(svc.b.id));
  await audited(mark, 'oidc.token_issued', /tjanst-b/);
});

test('private_key_jwt: the service signs its assertion with its own registered key', async () => {
  const { claims, tokens } = await codeFlow(await loggedIn(), svc.k, cb('k'));
  assert.ok([claims.aud].flat().includes(svc.k.id));
  assert.equal((await client.fetchUserInfo(svc.k.config, tokens.access_token, claims.sub)).sub, claims.sub);
});

test('private_key_jwt: an assertion signed by another key, or used twice, is refused', async () => {
  const mark = auditMark();
  const b = await loggedIn();
  const { tx, callback } = await authorize(b, svc.k, cb('k'));
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const now = Math.floor(Date.now() / 1000);
  const assertion = (key, jti) => {
    const head = b64url({ alg: 'ES256', kid: 'tjanst-k-1', typ: 'JWT' });
    const body = b64url({ iss: svc.k.id, sub: svc.k.id, aud: meta().token_endpoint, iat: now, exp: now + 60, jti });
    const sig = cryptoSign('sha256', Buffer.from(`${head}.${body}`), { key, dsaEncoding: 'ieee-p1363' });
    return `${head}.${body}.${b64url(sig)}`;
  };
  const form = (a) => ({
    grant_type: 'authorization_code', code: callback.searchParams.get('code'), redirect_uri: cb('k'), code_verifier: tx.verifier,
    client_id: svc.k.id, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: a,
  });
  const forged = await tokenRequest(form(assertion(stranger, 'j-1')));
  assert.equal(forged.status, 401);
  assert.equal(forged.json?.error, 'invalid_client');
  const good = assertion(svc.k.privateKey, 'j-2');
  const first = await tokenRequest(form(good));
  assert.equal(first.status, 200, first.text);
  const replay = await tokenRequest(form(good));
  assert.equal(replay.status, 401, 'a jti is single use');
  assert.equal(replay.json?.error, 'invalid_client');
  await audited(mark, 'oidc.refused', /invalid_client/, /tjanst-k/);
});

test('a public client (PKCE alone, no secret)', async () => {
  const { claims, tokens } = await codeFlow(await loggedIn(), svc.p, cb('p'));
  assert.ok([claims.aud].flat().includes(svc.p.id));
  assert.ok(tokens.access_token);
});

test('a client registered for ES256 gets ES256 ID tokens, verified against the JWKS', async () => {
  const { tokens, claims } = await codeFlow(await loggedIn(), svc.e, cb('e'));
  const { header } = decodeJwt(tokens.id_token);
  assert.equal(header.alg, 'ES256');
  const { keys } = await (await fetch(meta().jwks_uri)).json();
  assert.equal(keys.find((k) => k.kid === header.kid)?.alg, 'ES256');
  assert.ok([claims.aud].flat().includes(svc.e.id));
});

// ---- prompt and max_age ----

test('prompt=none without a session: login_required at the redirect URI, no page', async () => {
  const mark = auditMark();
  const b = new Browser(srv);
  const { callback, r, tx } = await authorize(b, svc.a, cb('a'), { prompt: 'none' });
  assert.ok(callback, `a redirect to the service, not a page: ${r.status} ${r.location}`);
  assert.deepEqual(r.trail.length, 1, 'straight from /oidc/authorize, no login page between');
  assert.equal(callback.searchParams.get('error'), 'login_required');
  assert.equal(callback.searchParams.get('state'), tx.state);
  assert.equal(callback.searchParams.get('iss'), srv.url);
  assert.equal(callback.searchParams.get('code'), null);
  await audited(mark, 'oidc.refused', /login_required/, /tjanst-a/);
});

test('a live session passes straight to the service with a code', async () => {
  const b = await loggedIn();
  const { callback, r } = await authorize(b, svc.a, cb('a'));
  assert.ok(callback?.searchParams.get('code'), `${r.status} ${r.location}`);
  assert.equal(r.trail.length, 1, 'no page between');
});

test('prompt=login with a live session shows the login page naming the service; logging in again issues the code', async () => {
  const b = await loggedIn();
  const first = await codeFlow(b, svc.a, cb('a'));
  await sleep(1100);  // a later second: the new login's auth_time differs
  const { r, tx } = await authorize(b, svc.a, cb('a'), { prompt: 'login' });
  assert.equal(r.status, 200, `the login page: ${r.trail.join(' → ')}`);
  assert.equal(new URL(r.trail.at(-1)).pathname, '/logga-in');
  assert.match(r.text, /Du loggar in i Tjänst A\./);
  const login = await b.mina.login(srv.pelle);
  assert.equal(login.status, 303);
  assert.equal(login.location, '/oidc/authorize?fortsatt=1');
  const back = await b.follow(login.location, { until: (n) => n.startsWith(`${cb('a')}?`) });
  const callback = new URL(back.next);
  const tokens = await client.authorizationCodeGrant(svc.a.config, callback, {
    pkceCodeVerifier: tx.verifier, expectedState: tx.state, expectedNonce: tx.nonce, idTokenExpected: true,
  });
  assert.ok(tokens.claims().auth_time > first.claims.auth_time, 'a new login');
  assert.equal(tokens.claims().sub, first.claims.sub);
});

test('the login page names the service in English too', async () => {
  const b = new Browser(srv, { 'accept-language': 'en' });
  const { r } = await authorize(b, svc.a, cb('a'));
  assert.equal(r.status, 200);
  assert.match(r.text, /You are logging in to Tjänst A\./);
});

test('max_age=1 after 2 s shows the login page', async () => {
  const b = await loggedIn();
  await sleep(2100);
  const { r } = await authorize(b, svc.a, cb('a'), { max_age: '1' });
  assert.equal(r.status, 200, r.trail.join(' → '));
  assert.equal(new URL(r.trail.at(-1)).pathname, '/logga-in');
  const none = await authorize(b, svc.a, cb('a'), { max_age: '1', prompt: 'none' });
  assert.equal(none.callback?.searchParams.get('error'), 'login_required', 'max_age exceeded with prompt=none');
});

// ---- Logout ----

test('RP-initiated logout: back to the registered URI with state, the portal session gone, the access token refused', async () => {
  const mark = auditMark();
  const b = await loggedIn();
  const { tokens } = await codeFlow(b, svc.a, cb('a'));
  assert.equal((await userinfo(tokens.access_token)).status, 200);
  const url = client.buildEndSessionUrl(svc.a.config, { id_token_hint: tokens.id_token, post_logout_redirect_uri: out('a'), state: 'tillbaka-42' });
  const r = await b.get(url.href);
  assert.equal(r.status, 303);
  const to = new URL(r.location);
  assert.equal(`${to.origin}${to.pathname}`, out('a'));
  assert.equal(to.searchParams.get('state'), 'tillbaka-42');
  const start = await b.mina.get('/start');
  assert.equal(start.status, 303, 'the portal session is gone');
  assert.match(start.location, /\/logga-in/);
  const after = await userinfo(tokens.access_token);
  assert.equal(after.status, 401);
  assert.match(after.headers.get('www-authenticate') ?? '', /Bearer.*error="invalid_token"/);
  await assert.rejects(client.fetchUserInfo(svc.a.config, tokens.access_token, tokens.claims().sub));
  await audited(mark, 'oidc.logout', /tjanst-a|pt\d{4}/);
});

test('the portal\'s own Logga ut ends the service\'s access token too, and a code of that session exchanges to nothing', async () => {
  const b = await loggedIn();
  const { tokens } = await codeFlow(b, svc.a, cb('a'));
  assert.equal((await userinfo(tokens.access_token)).status, 200);
  // A second code, issued in the same session but not yet exchanged.
  const pending = await transaction();
  const r = await b.get(authorizationUrl(svc.a.config, pending, cb('a')).href);
  assert.equal(r.status, 303);
  const code = new URL(r.location).searchParams.get('code');
  assert.ok(code);
  const out = await b.mina.submit('/start', '/logga-ut', {});
  assert.equal(out.status, 303);
  assert.equal((await userinfo(tokens.access_token)).status, 401, 'the token ended with the session');
  const t = await fetch(meta().token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${svc.a.id}:${svc.a.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: cb('a'), code_verifier: pending.verifier }),
  });
  assert.equal(t.status, 400);
  assert.equal((await t.json()).error, 'invalid_grant');
});

test('what sign-ons write shares transactions: /metrics counts them', async () => {
  const counts = async () => {
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const n = (name) => Number(text.match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1]);
    return { tx: n('mina_group_commit_transactions_total'), writes: n('mina_group_commit_writes_total') };
  };
  const before = await counts();
  assert.ok(Number.isInteger(before.tx) && Number.isInteger(before.writes), 'both counters are there');
  await codeFlow(await loggedIn(), svc.a, cb('a'));
  const after = await counts();
  assert.ok(after.writes >= before.writes + 2, `an authorization and its exchange: ${before.writes} -> ${after.writes}`);
  assert.ok(after.tx > before.tx && after.tx - before.tx <= after.writes - before.writes);
});

test('logout: a post_logout_redirect_uri that is not registered is not followed', async () => {
  const b = await loggedIn();
  const { tokens } = await codeFlow(b, svc.a, cb('a'));
  for (const bad of ['https://angripare.example/ut', out('b'), `${out('a')}/extra`, cb('a')]) {
    const url = client.buildEndSessionUrl(svc.a.config, { id_token_hint: tokens.id_token, post_logout_redirect_uri: bad, state: 's' });
    const r = await b.get(url.href);
    assert.ok(!(r.location ?? '').startsWith(bad), `${bad} not followed: ${r.status} ${r.location}`);
    assert.ok(!r.text.includes(`href="${bad}`), 'nor offered as a link');
  }
});

test('logout: an ID token signed by an unknown key is not a valid id_token_hint', async () => {
  const b = await loggedIn();
  const { tokens } = await codeFlow(b, svc.a, cb('a'));
  const { header, payload } = decodeJwt(tokens.id_token);
  // The same claims and the same kid, signed by a key the provider never made.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const head = b64url(header);
  const body = b64url(payload);
  const forged = `${head}.${body}.${b64url(cryptoSign('sha256', Buffer.from(`${head}.${body}`), privateKey))}`;
  const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${body}.`;
  for (const hint of [forged, unsigned]) {
    const url = client.buildEndSessionUrl(svc.a.config, { id_token_hint: hint, post_logout_redirect_uri: out('a'), state: 's' });
    const r = await b.get(url.href);
    assert.ok(!(r.location ?? '').startsWith(out('a')), `not redirected to the service: ${r.status} ${r.location}`);
    assert.equal((await b.mina.get('/start')).status, 200, 'the session lives: a GET with a forged hint logs nobody out');
    assert.equal((await userinfo(tokens.access_token)).status, 200, 'the access token too');
  }
});

// ---- Negative tests at the authorization endpoint ----

test('an unknown client_id: an error page, never a redirect', async () => {
  const mark = auditMark();
  const b = await loggedIn();
  const tx = await transaction();
  const url = authorizationUrl(svc.a.config, tx, cb('a'), { client_id: 'ingen-sadan' });
  const r = await b.get(url.href);
  assert.equal(r.status, 400);
  assert.equal(r.location, null, 'no Location');
  assert.match(r.headers.get('content-type') ?? '', /text\/html/);
  assert.ok(!r.text.includes(cb('a')), 'the redirect URI is not offered as a link');
  await audited(mark, 'oidc.refused', /ingen-sadan/);
});

test('a redirect_uri not registered exactly: an error page, never a redirect', async () => {
  const b = await loggedIn();
  for (const bad of ['https://angripare.example/cb', `${cb('a')}/`, `${cb('a')}?x=1`, cb('a').replace('127.0.0.1', 'localhost'), cb('b'), cb('A')]) {
    const mark = auditMark();
    const tx = await transaction();
    const r = await b.get(authorizationUrl(svc.a.config, tx, bad).href);
    assert.equal(r.status, 400, bad);
    assert.equal(r.location, null, `no Location for ${bad}`);
    await audited(mark, 'oidc.refused', /tjanst-a/);
  }
});

test('no code_challenge: invalid_request at the redirect URI', async () => {
  const b = await loggedIn();
  const tx = await transaction();
  const url = authorizationUrl(svc.a.config, tx, cb('a'));
  url.searchParams.delete('code_challenge');
  url.searchParams.delete('code_challenge_method');
  const r = await b.get(url.href);
  const to = new URL(r.location);
  assert.equal(to.searchParams.get('error'), 'invalid_request');
  assert.equal(to.searchParams.get('state'), tx.state);
  assert.equal(to.searchParams.get('code'), null);
});

test('code_challenge_method=plain: invalid_request', async () => {
  const b = await loggedIn();
  const tx = await transaction();
  const r = await b.get(authorizationUrl(svc.a.config, tx, cb('a'), { code_challenge: tx.verifier, code_challenge_method: 'plain' }).href);
  const to = new URL(r.location);
  assert.equal(to.searchParams.get('error'), 'invalid_request');
  assert.equal(to.searchParams.get('code'), null);
});

test('response_type=token (implicit) and code id_token (hybrid): unsupported_response_type, no token in the URL', async () => {
  const mark = auditMark();
  const b = await loggedIn();
  for (const rt of ['token', 'id_token', 'code id_token', 'code token']) {
    const tx = await transaction();
    const r = await b.get(authorizationUrl(svc.a.config, tx, cb('a'), { response_type: rt }).href);
    assert.ok(r.location, `${rt}: ${r.status}`);
    const to = new URL(r.location);
    assert.equal(to.searchParams.get('error'), 'unsupported_response_type', rt);
    assert.ok(!/access_token|id_token=|code=/.test(r.location), `nothing issued: ${r.location}`);
  }
  await audited(mark, 'oidc.refused', /unsupported_response_type/);
});

test('scope without openid: invalid_scope', async () => {
  const b = await loggedIn();
  const tx = await transaction();
  const r = await b.get(authorizationUrl(svc.a.config, tx, cb('a'), { scope: 'profile' }).href);
  assert.equal(new URL(r.location).searchParams.get('error'), 'invalid_scope');
});

test('request: request_not_supported; request_uri: request_uri_not_supported (Core §3.1.2.6); response_mode other than query: invalid_request', async () => {
  const b = await loggedIn();
  for (const [extra, error] of [
    [{ response_type: 'code', request: 'eyJhbGciOiJub25lIn0.e30.' }, 'request_not_supported'],
    [{ response_type: 'code', request_uri: 'https://angripare.example/req' }, 'request_uri_not_supported'],
    [{ response_mode: 'fragment' }, 'invalid_request'],
    [{ response_mode: 'form_post' }, 'invalid_request'],
  ]) {
    const tx = await transaction();
    const r = await b.get(authorizationUrl(svc.a.config, tx, cb('a'), extra).href);
    assert.ok(r.location, `${JSON.stringify(extra)}: ${r.status}`);
    const to = new URL(r.location);
    assert.equal(to.hash, '', 'never a fragment');
    assert.equal(to.searchParams.get('error'), error, JSON.stringify(extra));
    assert.equal(to.searchParams.get('code'), null);
  }
});

test('the waiting login\'s cookie is HttpOnly, SameSite=Lax, 30 minutes; the pages refuse framing', async () => {
  const b = new Browser(srv);
  const tx = await transaction();
  const r = await b.get(authorizationUrl(svc.a.config, tx, cb('a')).href);
  assert.equal(r.status, 303);
  assert.equal(r.location, '/logga-in');
  const cookie = r.headers.getSetCookie().find((c) => c.startsWith('mina_oidc='));
  assert.ok(cookie, 'the mina_oidc cookie');
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Lax/i);
  assert.match(cookie, /Path=\//);
  assert.match(cookie, /Max-Age=1800/);
  assert.doesNotMatch(cookie, /Secure/, 'no Secure flag on plain http');
  assert.ok(!cookie.includes(tx.state) && !cookie.includes(tx.challenge), 'the cookie names the request, it does not carry it');
  const login = await b.mina.get('/logga-in');
  const bad = await b.get(authorizationUrl(svc.a.config, tx, 'https://angripare.example/cb').href);
  for (const page of [login, bad]) {
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  }
});

// ---- Negative tests at the token and userinfo endpoints ----

test('a code used twice: invalid_grant, and the access token of the first use is revoked', async () => {
  const mark = auditMark();
  const b = await loggedIn();
  const { tx, callback } = await authorize(b, svc.a, cb('a'));
  const code = callback.searchParams.get('code');
  const form = { grant_type: 'authorization_code', code, redirect_uri: cb('a'), code_verifier: tx.verifier };
  const first = await tokenRequest(form, { basic: [svc.a.id, svc.a.secret] });
  assert.equal(first.status, 200, first.text);
  assert.equal((await userinfo(first.json.access_token)).status, 200);
  const second = await tokenRequest(form, { basic: [svc.a.id, svc.a.secret] });
  assert.equal(second.status, 400);
  assert.equal(second.json.error, 'invalid_grant');
  assert.ok(!second.json.access_token);
  const revoked = await userinfo(first.json.access_token);
  assert.equal(revoked.status, 401, 'the first use\'s access token is revoked');
  await audited(mark, 'oidc.code_replayed', /tjanst-a/);
});

test('a wrong code_verifier: invalid_grant', async () => {
  const mark = auditMark();
  const b = await loggedIn();
  const { callback } = await authorize(b, svc.a, cb('a'));
  const other = await transaction();
  const r = await tokenRequest({ grant_type: 'authorization_code', code: callback.searchParams.get('code'), redirect_uri: cb('a'), code_verifier: other.verifier },
    { basic: [svc.a.id, svc.a.secret] });
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'invalid_grant');
  await audited(mark, 'oidc.refused', /invalid_grant/, /tjanst-a/);
});

test('a code without its code_verifier, or with another redirect_uri: refused', async () => {
  const b = await loggedIn();
  const { tx, callback } = await authorize(b, svc.a, cb('a'));
  const code = callback.searchParams.get('code');
  const noVerifier = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: cb('a') }, { basic: [svc.a.id, svc.a.secret] });
  assert.equal(noVerifier.status, 400);
  assert.match(noVerifier.json.error, /^(invalid_grant|invalid_request)$/);
  const { tx: tx2, callback: cb2 } = await authorize(b, svc.a, cb('a'));
  const otherUri = await tokenRequest({ grant_type: 'authorization_code', code: cb2.searchParams.get('code'), redirect_uri: cb('a2'), code_verifier: tx2.verifier },
    { basic: [svc.a.id, svc.a.secret] });
  assert.equal(otherUri.status, 400);
  assert.equal(otherUri.json.error, 'invalid_grant', 'the redirect_uri must be the one of the authorization (RFC 6749 §4.1.3)');
  void tx;
});

test('another client\'s code: client B cannot redeem A\'s code', async () => {
  const mark = auditMark();
  const b = await loggedIn();
  const { tx, callback } = await authorize(b, svc.a, cb('a'));
  const code = callback.searchParams.get('code');
  const r = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: cb('a'), code_verifier: tx.verifier },
    { basic: [svc.b.id, svc.b.secret] });
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'invalid_grant');
  assert.ok(!r.json.access_token);
  await audited(mark, 'oidc.refused', /invalid_grant/, /tjanst-b/);
});

test('a wrong client secret: 401 invalid_client (Basic and post)', async () => {
  const mark = auditMark();
  const b = await loggedIn();
  const { tx, callback } = await authorize(b, svc.a, cb('a'));
  const form = { grant_type: 'authorization_code', code: callback.searchParams.get('code'), redirect_uri: cb('a'), code_verifier: tx.verifier };
  const basic = await tokenRequest(form, { basic: [svc.a.id, `${svc.a.secret}x`] });
  assert.equal(basic.status, 401);
  assert.equal(basic.json.error, 'invalid_client');
  assert.match(basic.headers.get('www-authenticate') ?? '', /^Basic/i);
  const post = await tokenRequest({ ...form, client_id: svc.a.id, client_secret: 'fel' });
  assert.equal(post.status, 401);
  assert.equal(post.json.error, 'invalid_client');
  const none = await tokenRequest({ ...form, client_id: svc.a.id });
  assert.equal(none.status, 401, 'a confidential client without its secret');
  assert.equal(none.json.error, 'invalid_client');
  // The code is still good for the right secret: the refusals changed nothing.
  const good = await tokenRequest(form, { basic: [svc.a.id, svc.a.secret] });
  assert.equal(good.status, 200, good.text);
  await audited(mark, 'oidc.refused', /invalid_client/, /tjanst-a/);
});

test('the token endpoint answers with Cache-Control: no-store and Pragma: no-cache', async () => {
  const b = await loggedIn();
  const { tx, callback } = await authorize(b, svc.a, cb('a'));
  const r = await tokenRequest({ grant_type: 'authorization_code', code: callback.searchParams.get('code'), redirect_uri: cb('a'), code_verifier: tx.verifier },
    { basic: [svc.a.id, svc.a.secret] });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('cache-control') ?? '', /no-store/);
  assert.match(r.headers.get('pragma') ?? '', /no-cache/);
  assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  const bad = await tokenRequest({ grant_type: 'authorization_code', code: 'nej', redirect_uri: cb('a'), code_verifier: tx.verifier }, { basic: [svc.a.id, svc.a.secret] });
  assert.equal(bad.status, 400);
  assert.match(bad.headers.get('cache-control') ?? '', /no-store/, 'errors too');
  const grant = await tokenRequest({ grant_type: 'password', username: srv.pelle, password: 'x' }, { basic: [svc.a.id, svc.a.secret] });
  assert.equal(grant.status, 400);
  assert.equal(grant.json.error, 'unsupported_grant_type');
});

test('userinfo refuses an access_token in the query string, an unknown token, and no token', async () => {
  const mark = auditMark();
  const { tokens } = await codeFlow(await loggedIn(), svc.a, cb('a'));
  const q = await userinfo(tokens.access_token, { query: true });
  assert.ok(q.status === 400 || q.status === 401, `refused: ${q.status}`);
  assert.ok(!q.json?.sub, 'no claims for a token in the URL');
  const unknown = await userinfo('x'.repeat(43));
  assert.equal(unknown.status, 401);
  assert.match(unknown.headers.get('www-authenticate') ?? '', /Bearer.*error="invalid_token"/);
  const none = await fetch(meta().userinfo_endpoint);
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
  assert.equal((await userinfo(tokens.access_token)).status, 200, 'the header way works');
  await audited(mark, 'oidc.refused', /invalid_token|invalid_request/);
});

test('the audit log names no secret: no code, access token or client secret is stored as sent', async () => {
  const b = await loggedIn();
  const { tokens, callback } = await codeFlow(b, svc.a, cb('a'));
  const code = callback.searchParams.get('code');
  const all = sql(srv.db, "SELECT kind || ' ' || subject || ' ' || detail || ' ' || actor FROM audit_log WHERE kind LIKE 'oidc.%'").map((r) => r[0]).join('\n');
  for (const secret of [code, tokens.access_token, tokens.id_token, svc.a.secret]) assert.ok(!all.includes(secret));
  const [[digest]] = sql(srv.db, `SELECT secret_digest FROM oidc_clients WHERE id = '${svc.a.id}'`);
  assert.ok(digest && digest !== svc.a.secret && !digest.includes(svc.a.secret), 'the client secret only as its digest');
  // Codes and access tokens are sealed, never stored: the whole database holds neither, nor any
  // part of them; what it holds is the code's first use, under the id sealed in it.
  assert.ok(Number(sql(srv.db, 'SELECT count(*) FROM oidc_used_codes')[0][0]) > 0, 'the uses are there (not vacuous)');
  const dump = BACKEND === 'postgres'
    ? execFileSync('pg_dump', ['--data-only', srv.db], { encoding: 'utf8', maxBuffer: 256 << 20 })
    : execFileSync('sqlite3', [srv.db, '.dump'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  for (const secret of [code, tokens.access_token, svc.a.secret]) {
    for (const part of [secret, secret.slice(0, 24), secret.slice(-24)]) assert.ok(!dump.includes(part), 'nothing of it in the database');
  }
});

// Last in the file: it changes the keys every test above signed with.
test('mina admin oidc rotate-keys: new tokens carry the new kid and verify; the retired key stays published for the tokens it signed', async () => {
  const b = await loggedIn();
  const before = await codeFlow(b, svc.a, cb('a'));
  const oldKid = decodeJwt(before.tokens.id_token).header.kid;
  const r = mina(['admin', 'oidc', 'rotate-keys'], srv.env);
  assert.equal(r.status, 0, r.stderr);
  const { keys } = await (await fetch(meta().jwks_uri)).json();
  assert.ok(keys.some((k) => k.kid === oldKid), 'the retired key is still in the JWKS');
  const after = await codeFlow(b, svc.a, cb('a'));  // openid-client refetches the JWKS for the unknown kid
  const newKid = decodeJwt(after.tokens.id_token).header.kid;
  assert.notEqual(newKid, oldKid, 'signed by the new key');
  assert.ok(keys.some((k) => k.kid === newKid), 'the new key is published');
  assert.equal(after.claims.sub, before.claims.sub);
  // The ID token signed by the retired key is still our own as a logout hint.
  const end = client.buildEndSessionUrl(svc.a.config, { id_token_hint: before.tokens.id_token, post_logout_redirect_uri: out('a'), state: 'roterad' });
  const bye = await b.get(end.href);
  assert.equal(bye.status, 303);
  assert.equal(new URL(bye.location).searchParams.get('state'), 'roterad');
});
