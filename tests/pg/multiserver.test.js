// Two `mina serve` on one PostgreSQL behind a load balancer (nginx on loopback), as
// docs/OPERATIONS.md deploys them (issue [4]): the system behaves exactly as on one machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, mina, sleep, DEMO_PASSWORD } from '../http/harness.js';
import { startSmtp, otpFrom } from '../http/smtp.js';
import { requirePostgres, freshDatabase, psql, startBalancer, logCount } from './cluster.js';

requirePostgres();

let db;
let smtp;
let a;
let b;
let lb;
before(async () => {
  db = freshDatabase('mina_multi_');
  smtp = await startSmtp();
  const env = {
    MINA_DATABASE_URL: db.url,
    MINA_CAPTCHA_TEST_ANSWER: 'testa',
    MINA_MAIL_SMTP_URL: smtp.url,
    MINA_MAIL_POLL_INTERVAL: '1s',
    MINA_POLICY_OTP_EMAIL_DELAY: '1s',
    MINA_POLICY_CLIENT_MAX_FAILURES: '100000',
    // No server.trusted_proxies: a server refuses to start with it and captcha.test_answer (every
    // client would come through the proxy on loopback), so here every client is the balancer.
  };
  a = await startServer(env, 'mina-multi-a-');
  b = await startServer(env, 'mina-multi-b-');
  lb = await startBalancer([a.port, b.port]);
});
after(async () => {
  await lb?.stop();
  await a?.stop();
  await b?.stop();
  await smtp?.dispose();
  db?.drop();
});

const q = (query) => psql(db.url, query);
const count = (query) => Number(q(query)[0][0]);
const logins = (srv) => logCount(srv, /access \S+ POST \/logga-in /);
const viaLb = () => new Client({ url: lb.url });
function newPerson(first, last, email, password) {
  const add = mina(['admin', 'person', 'add', '--first', first, '--last', last, '--email', email], a.env);
  assert.equal(add.status, 0, add.stderr);
  const username = add.stdout.trim().split('\n').pop();
  if (password) assert.equal(mina(['admin', 'person', 'set-password', '--username', username], a.env, `${password}\n`).status, 0);
  return username;
}

test('both servers share one database, and the balancer spreads logins over both', async () => {
  assert.equal(a.pelle, b.pelle, 'the demo ran once; the second server found it');
  const before = [logins(a), logins(b)];
  for (let i = 0; i < 6; i++) {
    // A login is two requests (the form, then the POST); round robin would send every POST to the
    // same server, so every other login is preceded by one more request.
    if (i % 2) await fetch(`${lb.url}/healthz`);
    assert.equal((await viaLb().login(a.pelle)).status, 303);
  }
  assert.ok(logins(a) > before[0], 'server A logged some in');
  assert.ok(logins(b) > before[1], 'server B logged some in');
  assert.equal(count(`SELECT count(*) FROM sessions s JOIN persons p ON p.id = s.person_id WHERE p.username = '${a.pelle}'`) >= 6, true);
});

test("200 concurrent wrong passwords through both servers lock the account after exactly the manual's count", async () => {
  const user = newPerson('Sam', 'Samtidig', 'sam.samtidig@example.se', 'ett-bra-lösenord-2');
  const before = [logins(a), logins(b)];
  const results = await Promise.all(Array.from({ length: 200 }, () => viaLb().login(user, 'fel')));
  const statuses = results.map((r) => r.status);
  // A full hashing queue answers 503 at once (Retry-After); everything else is the humane refusal.
  assert.ok(statuses.every((s) => s === 422 || s === 503), [...new Set(statuses)].join());
  const refused = statuses.filter((s) => s === 422).length;
  assert.ok(refused >= 100, `${refused} answered`);
  assert.ok(logins(a) > before[0] && logins(b) > before[1], 'both servers took attempts');
  const audit = (kind) => count(`SELECT count(*) FROM audit_log WHERE kind = '${kind}' AND subject = '${user}'`);
  assert.equal(audit('login.failed'), 4, 'three allowed failures and the fourth, which locks');
  assert.equal(audit('account.locked'), 1);
  assert.equal(audit('login.refused_locked'), refused - 4, 'the rest were refused without comparing the password');
  assert.equal((await viaLb().login(user, 'ett-bra-lösenord-2')).status, 422, 'locked on every server');
});

test('a session made on one server works on the other, and Logga ut ends it on both at once', async () => {
  const c = new Client(a);
  assert.equal((await c.login(a.pelle)).status, 303);
  c.server = b;
  assert.equal((await c.get('/start')).status, 200, 'server B knows the session');
  const out = await c.submit('/start', '/logga-ut', {});
  assert.equal(out.status, 303);
  for (const srv of [a, b]) {
    c.server = srv;
    const r = await c.get('/start');
    assert.equal(r.status, 303, `the session is gone on ${srv === a ? 'A' : 'B'}`);
    assert.match(r.location, /\/logga-in/);
  }
});

/** Server B's count of pages whose viewer came from memory (`mina_view_cache_lookups_total`). */
async function keptHits(srv) {
  const m = (await (await fetch(`${srv.url}/metrics`)).text()).match(/mina_view_cache_lookups_total\{result="hit"\} (\d+)/);
  assert.ok(m, 'server B keeps viewers between requests');
  return Number(m[1]);
}

test('what one server (or anyone) changes, the other knows at its next page: services, names, schools', async () => {
  const vera = newPerson('Vera', 'Vy', 'vera.vy@example.se', DEMO_PASSWORD);
  for (const role of ['studietider', 'studeranderapportering'])
    assert.equal(mina(['admin', 'grant', '--username', vera, '--school', 'DEMO1', '--role', role], a.env).status, 0);
  const v = new Client(b);
  assert.equal((await v.login(vera)).status, 303);
  await v.submit('/start', '/skola', { skola: 'DEMO1' });
  const service = '/tjanster/studeranderapportering';
  assert.equal((await v.get(service)).status, 200);
  const hits = await keptHits(b);
  assert.equal((await v.get(service)).status, 200);
  assert.ok((await keptHits(b)) > hits, 'the second page was served from what B kept');

  // Anna, the school's admin, takes a service away on server A; B's very next page refuses it.
  const anna = new Client(a);
  assert.equal((await anna.login(a.anna)).status, 303);
  const set = await anna.submit('/identity-manager/skola?kod=DEMO1', '/identity-manager/tjanster',
    { kod: 'DEMO1', anvandarnamn: vera, tjanst: 'studietider' });
  assert.equal(set.status, 303);
  assert.equal((await v.get(service)).status, 403, 'refused on B at once');
  assert.doesNotMatch((await v.get('/start')).text, /href="\/tjanster\/studeranderapportering"/, 'and gone from the menu');

  // Changes behind both servers' backs (an operator's SQL) are heard too.
  q("UPDATE schools SET name = 'Demoskolan med nytt namn' WHERE code = 'DEMO1'");
  assert.match((await v.get('/start')).text, /Demoskolan med nytt namn/);
  q(`UPDATE persons SET first_name = 'Veronika' WHERE username = '${vera}'`);
  assert.match((await v.get('/start')).text, /Veronika Vy/);
  q(`DELETE FROM grants WHERE person_id = (SELECT id FROM persons WHERE username = '${vera}')`);
  assert.equal((await v.get('/tjanster/studietider')).status, 403);
});

test('a forgotten-password flow started on one server finishes on the other', async () => {
  const user = newPerson('Flora', 'Flytt', 'flora.flytt@example.se', DEMO_PASSWORD);
  const c = new Client(a);
  const page = await c.get('/kiosk/glomt');
  assert.equal(page.status, 200);
  const ordered = await c.post('/kiosk/glomt', { csrf: Client.csrf(page.text), username: user, captcha: 'testa' });
  assert.equal(ordered.status, 303);
  const mail = await smtp.waitForMail((m) => m.to.includes('flora.flytt@example.se'), 15_000);
  const otp = otpFrom(mail);
  c.server = b;
  const otpPage = await c.get('/kiosk/glomt/engangslosenord');
  assert.equal(otpPage.status, 200, 'server B continues the flow');
  const entered = await c.post('/kiosk/glomt/engangslosenord', { csrf: Client.csrf(otpPage.text), otp });
  assert.equal(entered.status, 303);
  assert.equal(entered.location, '/kiosk/nytt-losenord');
  c.server = a;
  const form = await c.get('/kiosk/nytt-losenord');
  const fresh = 'Flyttat-lösenord-2026';
  const saved = await c.post('/kiosk/nytt-losenord', { csrf: Client.csrf(form.text), password: fresh, confirm: fresh });
  assert.equal(saved.status, 303);
  assert.equal((await new Client(b).login(user, fresh)).status, 303, 'the new password works on B');
});

test('each mail is sent exactly once although both servers run outbox workers', async () => {
  const emails = Array.from({ length: 30 }, (_, i) => `post${i}.engang@example.se`);
  for (const [i, email] of emails.entries()) {
    const username = newPerson(`Post${i}`, 'Engång', email);
    assert.equal(mina(['admin', 'grant', '--username', username, '--school', 'DEMO1', '--role', 'studietider'], a.env).status, 0);
  }
  for (const email of emails) await smtp.waitForMail((m) => m.to.includes(email), 30_000);
  await sleep(3000);  // time for a second copy to arrive, if any server sent one
  for (const email of emails) {
    const n = smtp.mails().filter((m) => m.to.includes(email)).length;
    assert.equal(n, 1, `${email} got ${n} mails`);
  }
  assert.equal(count(`SELECT count(*) FROM outbox WHERE recipient LIKE '%.engang@example.se' AND status = 'sent' AND attempts = 1`), 30);
});
