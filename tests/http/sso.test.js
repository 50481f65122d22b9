// Single sign-on (issue [11]) with a second relying party: a small node service (tests/http/lib/rp.js,
// openid-client) on its own loopback port. Logged in at the portal, the service logs the person in
// without a password page; not logged in, the portal's login page names the service and, after the
// password, sends the person back to it; Logga ut at the service ends the portal session too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mina } from './harness.js';
import { startOidcServer, addClient, Browser } from './lib/oidc.js';
import { startRp } from './lib/rp.js';

let srv;
let rp;

before(async () => {
  srv = await startOidcServer({}, 'mina-sso-');
  rp = await startRp({
    issuer: srv.url,
    name: 'Testtjänsten',
    register: ({ redirectUri, postLogoutUri, initiateLoginUri }) => {
      const c = addClient(srv, { id: 'testtjansten', name: 'Testtjänsten', redirectUris: [redirectUri], postLogoutUris: [postLogoutUri], initiateLoginUri });
      return { clientId: c.id, secret: c.secret };
    },
  });
});
after(async () => {
  await rp?.stop();
  if (srv) await srv.stop();
});

const path = (u) => new URL(u).pathname;
const atRp = (u) => new URL(u).origin === rp.url;

test('logged in at the portal, the service logs the person in without a password page', async () => {
  const b = new Browser(srv);
  assert.equal((await b.mina.login(srv.pelle)).status, 303);
  const r = await b.follow(`${rp.url}/login`);
  assert.equal(r.status, 200, `${r.trail.join(' → ')}: ${r.text.slice(0, 300)}`);
  assert.equal(r.url, `${rp.url}/me`);
  assert.ok(!r.trail.some((u) => !atRp(u) && path(u) === '/logga-in'), `no login page: ${r.trail.join(' → ')}`);
  const me = JSON.parse(r.text);
  assert.equal(me.logged_in, true);
  assert.equal(me.name, 'Pelle Test');
  assert.deepEqual(me.schools.map((s) => s.code).sort(), ['DEMO1', 'DEMO2']);
  assert.equal(r.trail.length, 4, 'rp/login → /oidc/authorize → rp/callback → rp/me');
});

test('not logged in: the portal\'s login page names the service, and the password leads back to it', async () => {
  const b = new Browser(srv);
  const r = await b.follow(`${rp.url}/login`);
  assert.equal(r.status, 200);
  assert.equal(path(r.url), '/logga-in');
  assert.ok(!atRp(r.url));
  assert.match(r.text, /Du loggar in i Testtjänsten\./);
  const login = await b.mina.login(srv.anna);
  assert.equal(login.status, 303);
  assert.equal(login.location, '/oidc/authorize?fortsatt=1');
  const back = await b.follow(login.location);
  assert.equal(back.url, `${rp.url}/me`, back.trail.join(' → '));
  assert.equal(JSON.parse(back.text).name, 'Anna Admin');
  // The portal session is a real one: Startsida opens.
  assert.equal((await b.mina.get('/start')).status, 200);
});

test('Logga ut at the service ends the portal session; the next login there asks for the password', async () => {
  const b = new Browser(srv);
  await b.mina.login(srv.pelle);
  const inRp = await b.follow(`${rp.url}/login`);
  assert.equal(inRp.url, `${rp.url}/me`);
  const sessionsBefore = rp.sessions.size;
  const out = await b.follow(`${rp.url}/logout`);
  assert.equal(out.status, 200, out.trail.join(' → '));
  assert.equal(path(out.url), '/logged-out');
  assert.ok(atRp(out.url), 'back at the service');
  assert.match(out.text, /id="state">rp-logout</, 'the state came back');
  assert.ok(out.trail.some((u) => !atRp(u) && path(u) === '/oidc/logout'), 'through the provider\'s end_session_endpoint');
  assert.equal(rp.sessions.size, sessionsBefore - 1);
  const start = await b.mina.get('/start');
  assert.equal(start.status, 303, 'the portal session ended too');
  assert.match(start.location, /\/logga-in/);
  assert.equal((await b.get(`${rp.url}/me`)).status, 401);
  const again = await b.follow(`${rp.url}/login`);
  assert.equal(path(again.url), '/logga-in', 'a password page again');
});

test('the login page\'s Semafor link goes through the provider once a service of that name is registered', async () => {
  const before = (await new Browser(srv).mina.get('/logga-in')).text;
  assert.ok(!before.includes('https://semafor.example.se/oidc-login'));
  addClient(srv, {
    id: 'semafor', name: 'Semafor', redirectUris: ['https://semafor.example.se/cb'], initiateLoginUri: 'https://semafor.example.se/oidc-login',
  });
  const after = (await new Browser(srv).mina.get('/logga-in')).text;
  assert.match(after, /href="https:\/\/semafor\.example\.se\/oidc-login"/);
  const list = mina(['admin', 'client', 'list'], srv.env);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /semafor/);
  assert.match(list.stdout, /testtjansten/);
});

test('Semafor and CSN Order on the login page go through their own login start once they are registered with one', async () => {
  const links = async () => {
    const page = await (await fetch(`${srv.url}/logga-in`)).text();
    return [...page.matchAll(/<a href="([^"]+)" target="_blank"/g)].map((m) => m[1].replaceAll('&#x2F;', '/').replaceAll('&amp;', '&'));
  };
  const before = await links();
  assert.equal(before.length, 2, `two external links: ${before}`);
  assert.ok(!before.includes('https://semafor.test.example/start'));
  addClient(srv, { id: 'semafor-portal', name: 'Semafor', redirectUris: ['https://semafor.test.example/cb'], initiateLoginUri: 'https://semafor.test.example/start' });
  addClient(srv, { id: 'order-portal', name: 'CSN Order', redirectUris: ['https://order.test.example/cb'], initiateLoginUri: 'https://order.test.example/start' });
  assert.deepEqual(await links(), ['https://semafor.test.example/start', 'https://order.test.example/start']);
});
