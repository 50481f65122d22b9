// The server's life: graceful shutdown with in-flight requests, and the test-mode guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, mina, DEMO_PASSWORD } from './harness.js';

test('SIGTERM lets in-flight requests finish, then the server exits cleanly', async () => {
  const srv = await startServer();
  const clients = Array.from({ length: 8 }, () => new Client(srv));
  const pages = await Promise.all(clients.map((c) => c.get('/logga-in')));
  // Eight logins (each an Argon2id hash on a pool of as many threads as cores) at once; SIGTERM as
  // soon as the first is answered, while the others are still being hashed.
  const inflight = clients.map((c, i) => c.post('/logga-in', { csrf: Client.csrf(pages[i].text), username: srv.pelle, password: DEMO_PASSWORD }));
  await Promise.race(inflight);
  srv.proc.kill('SIGTERM');
  const results = await Promise.allSettled(inflight);
  const statuses = results.map((r) => (r.status === 'fulfilled' ? r.value.status : r.reason.message));
  assert.deepEqual(statuses, Array(8).fill(303), 'every request in flight was answered');
  const exit = await srv.exited;
  assert.equal(exit.code, 0);
  assert.match(srv.log(), /letting \d+ in-flight requests finish/);
  assert.match(srv.log(), /stopped/);
  await srv.stop();
});

test('captcha.test_answer is refused unless the server listens on loopback only', async () => {
  const dir = `/tmp/mina-captcha-${process.pid}`;
  const r = mina(['serve'], { MINA_DATABASE_URL: `sqlite:${dir}/mina.db`, MINA_SERVER_LISTEN: '0.0.0.0:0', MINA_CAPTCHA_TEST_ANSWER: 'abcde' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /captcha\.test_answer is set: refusing to listen on 0\.0\.0\.0/);
  const srv = await startServer({ MINA_CAPTCHA_TEST_ANSWER: 'abcde' });
  assert.match(srv.log(), /captcha\.test_answer is set/);
  await srv.stop();
});

test('captcha.test_answer is refused behind a trusted proxy, even on loopback (every client would be on loopback)', async () => {
  const dir = `/tmp/mina-captcha-proxy-${process.pid}`;
  const env = { MINA_DATABASE_URL: `sqlite:${dir}/mina.db`, MINA_SERVER_LISTEN: '127.0.0.1:0', MINA_CAPTCHA_TEST_ANSWER: 'abcde' };
  for (const proxies of ['127.0.0.1', '::1,10.0.0.5']) {
    const r = mina(['serve'], { ...env, MINA_SERVER_TRUSTED_PROXIES: proxies });
    assert.notEqual(r.status, 0, proxies);
    assert.match(r.stderr, /captcha\.test_answer is set: refusing to start with server\.trusted_proxies set/, proxies);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stdout + r.stderr, /listening on/);
  }
});

// Issue [9] item 11: mail and letters link to server.public_url, and without it to 127.0.0.1: printed
// letters carried an address nobody could open. Off loopback the server refuses to start without it,
// naming the key and its variable; on loopback it says so in its log, louder behind a proxy.
test('server.public_url is required off loopback, and its absence is said on loopback', async () => {
  const dir = `/tmp/mina-public-url-${process.pid}`;
  const env = { MINA_DATABASE_URL: `sqlite:${dir}/mina.db`, MINA_SERVER_LISTEN: '0.0.0.0:0' };
  const r = mina(['serve'], env);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /server\.public_url is not set: refusing to listen on 0\.0\.0\.0/);
  assert.match(r.stderr, /MINA_SERVER_PUBLIC_URL/);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.doesNotMatch(r.stdout + r.stderr, /listening on/);
  const bad = mina(['serve'], { ...env, MINA_SERVER_PUBLIC_URL: 'mina.skolverket.se' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /MINA_SERVER_PUBLIC_URL must start with https:\/\//);

  const open = await startServer({ MINA_SERVER_LISTEN: '0.0.0.0:0', MINA_SERVER_PUBLIC_URL: 'https://mina.skolverket.se/' });
  try {
    assert.match(open.log(), /listening on http:\/\/0\.0\.0\.0:\d+/);
    assert.doesNotMatch(open.log(), /server\.public_url/);
    assert.equal((await new Client(open).get('/logga-in')).status, 200);
  } finally {
    await open.stop();
  }
  const local = await startServer();
  assert.match(local.log(), /server\.public_url is not set: mail and letters link to http:\/\/127\.0\.0\.1:8080, which only this machine can open/);
  await local.stop();
  const proxied = await startServer({ MINA_SERVER_TRUSTED_PROXIES: '127.0.0.1' });
  assert.match(proxied.log(), /server\.public_url is not set, and the server is behind a proxy \(server\.trusted_proxies\)/);
  await proxied.stop();
});
