// SPEC §4 at the door: CSRF, bad input, headers, limits, keep-alive, static files and shutdown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, sql, rawExchange, DEMO_PASSWORD } from './harness.js';

let srv;
before(async () => {
  srv = await startServer({ MINA_SERVER_READ_TIMEOUT: '1s' });
});
after(async () => srv && (await srv.stop()));

const auditRows = () => Number(sql(srv.db, 'SELECT count(*) FROM audit_log')[0][0]);
const sessions = () => Number(sql(srv.db, 'SELECT count(*) FROM sessions')[0][0]);

test('every page carries the security headers', async () => {
  for (const path of ['/logga-in', '/finns-inte', '/tillganglighet', '/healthz']) {
    const r = await new Client(srv).get(path);
    const csp = r.headers.get('content-security-policy');
    assert.match(csp, /script-src 'self'/, path);
    assert.doesNotMatch(csp, /unsafe-inline/, path);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer', path);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(r.headers.get('x-frame-options'), 'DENY', path);
  }
});

test('no inline script on any page', async () => {
  const c = new Client(srv);
  await c.login(srv.pelle);
  for (const path of ['/logga-in', '/start', '/anpassa', '/kontakta-oss']) {
    const r = await (path === '/logga-in' ? new Client(srv) : c).get(path);
    const inline = [...r.text.matchAll(/<script(?![^>]*\ssrc=)[^>]*>/g)];
    assert.equal(inline.length, 0, path);
    assert.doesNotMatch(r.text, /\son[a-z]+="/, `${path}: no inline event handlers`);
  }
});

test('a login without or with a wrong CSRF token is refused and changes nothing', async () => {
  const before = [auditRows(), sessions()];
  const c = new Client(srv);
  await c.get('/logga-in');
  const none = await c.post('/logga-in', { username: srv.pelle, password: DEMO_PASSWORD });
  assert.equal(none.status, 403);
  assert.match(none.text, /Formuläret har gått ut/);
  const wrong = await c.post('/logga-in', { csrf: 'x'.repeat(43), username: srv.pelle, password: DEMO_PASSWORD });
  assert.equal(wrong.status, 403);
  const noCookie = new Client(srv);
  const page = await new Client(srv).get('/logga-in');
  assert.equal((await noCookie.post('/logga-in', { csrf: Client.csrf(page.text), username: srv.pelle, password: DEMO_PASSWORD })).status, 403);
  assert.deepEqual([auditRows(), sessions()], before);
});

test('a state change after login needs the session CSRF token', async () => {
  const c = new Client(srv);
  await c.login(srv.pelle);
  const before = auditRows();
  assert.equal((await c.post('/skola', { skola: 'DEMO1' })).status, 403);
  assert.equal((await c.post('/skola', { skola: 'DEMO1', csrf: 'nope' })).status, 403);
  assert.equal((await c.post('/logga-ut', {})).status, 403);
  assert.equal(auditRows(), before, 'nothing changed');
  assert.equal((await c.get('/start')).status, 200, 'still logged in');
  assert.doesNotMatch((await c.get('/start')).text, /<option value="DEMO1" selected>/);
});

test('invalid UTF-8, control characters and malformed escapes get a clear 400 and change nothing', async () => {
  const c = new Client(srv);
  const page = await c.get('/logga-in');
  const csrf = Client.csrf(page.text);
  const before = auditRows();
  for (const body of [`csrf=${csrf}&username=%C3%28&password=x`, `csrf=${csrf}&username=a%00b&password=x`,
    `csrf=${csrf}&username=%zz&password=x`]) {
    const r = await c.request('POST', '/logga-in', { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.status, 400, body);
    assert.match(r.text, /Förfrågan kunde inte läsas/);
  }
  assert.equal(auditRows(), before);
});

test('oversized bodies and headers are refused', async () => {
  const c = new Client(srv);
  const big = await c.request('POST', '/logga-in', { body: 'x'.repeat(200 * 1024), headers: { 'content-type': 'application/x-www-form-urlencoded' } }).catch((e) => ({ status: 'closed', e }));
  assert.ok(big.status === 413 || big.status === 'closed', `got ${big.status}`);
  const raw = await rawExchange(srv.port, [`GET /logga-in HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20000)}\r\n\r\n`]);
  assert.match(raw.data, /^HTTP\/1\.1 431/);
  const bad = await rawExchange(srv.port, ['GARBAGE\r\n\r\n']);
  assert.match(bad.data, /^HTTP\/1\.1 400/);
});

test('a slow client cannot hold a connection', async () => {
  const r = await rawExchange(srv.port, ['GET /logga-in HTTP/1.1\r\n', 'Host: x\r\n'], { delayMs: 300, timeoutMs: 5000 });
  assert.ok(r.closedByServer, 'the server closed the connection');
  assert.ok(r.ms < 3000, `closed after ${r.ms} ms`);
});

test('keep-alive serves several requests on one connection', async () => {
  const req = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
  const r = await rawExchange(srv.port, [req, req, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], { delayMs: 50 });
  assert.equal((r.data.match(/HTTP\/1\.1 200 OK/g) || []).length, 3);
});

test('static files are cached and revalidated', async () => {
  const c = new Client(srv);
  const r = await c.get('/static/style.css');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/css/);
  assert.match(r.headers.get('cache-control'), /max-age=31536000/);
  const etag = r.headers.get('etag');
  assert.ok(etag);
  assert.equal((await c.get('/static/style.css', { headers: { 'if-none-match': etag } })).status, 304);
  assert.equal((await c.get('/static/../src/core/login.cpp')).status, 404);
  assert.equal((await c.get('/static/nothing.css')).status, 404);
});

test('unknown pages are 404 and wrong methods 405, in the user\'s language', async () => {
  const r = await new Client(srv).get('/finns-inte');
  assert.equal(r.status, 404);
  assert.match(r.text, /Sidan finns inte/);
  const m = await new Client(srv).request('DELETE', '/logga-in');
  assert.equal(m.status, 405);
  assert.match(m.headers.get('allow'), /GET, POST/);
  const en = await new Client(srv, { 'accept-language': 'en' }).get('/finns-inte');
  assert.match(en.text, /The page does not exist/);
});

test('healthz and metrics', async () => {
  const h = await new Client(srv).get('/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.text, 'ok\n');
  const m = await new Client(srv).get('/metrics');
  assert.equal(m.status, 200);
  assert.match(m.text, /mina_http_requests_total\{code="2xx"\} \d+/);
  assert.match(m.text, /mina_logins_total/);
});

test('user input is escaped in pages', async () => {
  const c = new Client(srv);
  const r = await c.login('<script>alert(1)</script>', 'x');
  assert.doesNotMatch(r.text, /<script>alert/);
  assert.match(r.text, /&lt;script&gt;/);
  const next = await c.get('/logga-in?next=https://evil.example/');
  assert.doesNotMatch(next.text, /evil\.example/, 'only local paths are kept for after login');
});
