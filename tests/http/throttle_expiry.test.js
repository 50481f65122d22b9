// The per-client slowdown (SPEC §4), password expiry and the nudge (R7), and trusted proxies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, mina, sql, sleep } from './harness.js';

let srv;
before(async () => {
  srv = await startServer({
    MINA_POLICY_CLIENT_MAX_FAILURES: '3',
    MINA_SERVER_TRUSTED_PROXIES: '127.0.0.1',
    MINA_POLICY_PASSWORD_NUDGE_AGE: '2s',
    MINA_POLICY_PASSWORD_MAX_AGE: '4s',
  });
});
after(async () => srv && (await srv.stop()));

const from = (ip) => ({ 'x-forwarded-for': ip });

test('one client spraying passwords over many accounts is slowed down, others are not', async () => {
  // A password set just now: this file's passwords expire after 4 s.
  const victim = mina(['admin', 'person', 'add', '--first', 'Vic', '--last', 'Tim', '--email', 'vic.tim@example.se'], srv.env)
    .stdout.trim().split('\n').pop();
  mina(['admin', 'person', 'set-password', '--username', victim], srv.env, 'ett-bra-lösenord-5\n');
  const attacker = from('203.0.113.7');
  for (let i = 0; i < 3; i++) {
    const r = await new Client(srv, attacker).login(`zz${1000 + i}`, 'Sommar2026');
    assert.equal(r.status, 422);
  }
  const slowed = await new Client(srv, attacker).login(victim, 'ett-bra-lösenord-5');
  assert.equal(slowed.status, 429);
  assert.ok(Number(slowed.headers.get('retry-after')) >= 1);
  assert.match(slowed.text, /för många misslyckade inloggningsförsök från din dator/);
  const other = await new Client(srv, from('198.51.100.4')).login(victim, 'ett-bra-lösenord-5');
  assert.equal(other.status, 303, 'another client, and the account, are unaffected');
  await sleep(Number(slowed.headers.get('retry-after')) * 1000 + 100);  // what the test is about: past the slowdown
  const later = await new Client(srv, attacker).login(victim, 'ett-bra-lösenord-5');
  assert.equal(later.status, 303, 'a slowdown, not a lock');
});

test('an IPv6 client is its /64: 30 addresses of one /64 through the proxy are one client; another /64 is not', async () => {
  const user = mina(['admin', 'person', 'add', '--first', 'Sex', '--last', 'Fyra', '--email', 'sex.fyra@example.se'], srv.env)
    .stdout.trim().split('\n').pop();
  mina(['admin', 'person', 'set-password', '--username', user], srv.env, 'ett-bra-lösenord-6\n');
  // 30 addresses of 2001:db8:64:1::/64, each one guess at a different account.
  const statuses = [];
  for (let i = 1; i <= 30; i++) {
    const address = `2001:db8:64:1:${((i * 7919) % 65536).toString(16)}:${i.toString(16)}:0:${(i * 31).toString(16)}`;
    statuses.push((await new Client(srv, from(address)).login(`zz${3000 + i}`, 'Sommar2026')).status);
  }
  assert.deepEqual(statuses.slice(0, 3), [422, 422, 422], 'three failures are allowed (client_max_failures = 3)');
  assert.deepEqual(statuses.slice(3), Array(27).fill(429), 'then every other address of the /64 is slowed down too');
  // The right password from yet another address of that /64: still slowed down.
  assert.equal((await new Client(srv, from('2001:db8:64:1::beef')).login(user, 'ett-bra-lösenord-6')).status, 429);
  // Another /64, and an IPv4 client, are not.
  assert.equal((await new Client(srv, from('2001:db8:64:2::1')).login(user, 'ett-bra-lösenord-6')).status, 303);
  assert.equal((await new Client(srv, from('198.51.100.64')).login(user, 'ett-bra-lösenord-6')).status, 303);
  // The audit trail keeps each address as it came.
  const addresses = sql(srv.db, "SELECT DISTINCT address FROM audit_log WHERE kind = 'login.throttled' AND address LIKE '2001:db8:64:1:%'");
  assert.ok(addresses.length >= 27, `addresses: ${addresses.length}`);
});

test('an IPv4 client seen as IPv4-mapped IPv6 (::ffff:a.b.c.d) is that IPv4 client', async () => {
  for (let i = 0; i < 3; i++)
    assert.equal((await new Client(srv, from('::ffff:203.0.113.99')).login(`zz${4000 + i}`, 'Sommar2026')).status, 422);
  assert.equal((await new Client(srv, from('203.0.113.99')).login('zz4100', 'Sommar2026')).status, 429);
  assert.equal((await new Client(srv, from('203.0.113.98')).login('zz4101', 'Sommar2026')).status, 422);
});

test('the forwarded address is believed only from a trusted proxy, and https there makes cookies Secure', async () => {
  // A password set just now: this file's passwords expire after 4 s, and the demo's are older.
  const user = mina(['admin', 'person', 'add', '--first', 'Pro', '--last', 'Xy', '--email', 'pro.xy@example.se'], srv.env)
    .stdout.trim().split('\n').pop();
  mina(['admin', 'person', 'set-password', '--username', user], srv.env, 'ett-bra-lösenord-4\n');
  const c = new Client(srv, { 'x-forwarded-for': '192.0.2.1', 'x-forwarded-proto': 'https' });
  const r = await c.login(user, 'ett-bra-lösenord-4');
  assert.equal(r.status, 303);
  assert.match(r.headers.getSetCookie().find((s) => s.startsWith('mina_session=')), /Secure/);
  assert.match(r.headers.get('strict-transport-security') || '', /max-age/);
});

test('passwords older than the nudge age are nudged; older than the maximum age cannot log in', async () => {
  const user = mina(['admin', 'person', 'add', '--first', 'Gammal', '--last', 'Lösen', '--email', 'gl@example.se'], srv.env)
    .stdout.trim().split('\n').pop();
  mina(['admin', 'person', 'set-password', '--username', user], srv.env, 'ett-bra-lösenord-3\n');
  const fresh = new Client(srv, from('192.0.2.10'));
  assert.equal((await fresh.login(user, 'ett-bra-lösenord-3')).status, 303);
  assert.doesNotMatch((await fresh.get('/start')).text, /class="nudge"/);
  await sleep(2100);  // what the test is about: the password grows past the nudge age (2 s)
  const nudged = new Client(srv, from('192.0.2.10'));
  assert.equal((await nudged.login(user, 'ett-bra-lösenord-3')).status, 303);
  const start = await nudged.get('/start');
  assert.match(start.text, /class="nudge"/);
  assert.match(start.text, /Ditt lösenord är äldre än 6 månader/);
  await sleep(2100);  // and past the maximum age (4 s)
  const expired = await new Client(srv, from('192.0.2.10')).login(user, 'ett-bra-lösenord-3');
  assert.equal(expired.status, 422);
  assert.match(expired.text, /Ditt lösenord har gått ut/);
  assert.match(expired.text, /href="\/kiosk\/glomt"/);
  assert.equal(expired.headers.getSetCookie().filter((s) => s.startsWith('mina_session=')).length, 0);
});
