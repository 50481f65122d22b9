// A second factor over real HTTP (issue [12]), with policy.second_factor_roles at its default
// (agency-admin, school-admin). The codes are computed by oathtool (Debian's oath-toolkit), an
// implementation independent of the server's liboath use: enrolment at the first login after the
// password, before any other page; codes accepted once; recovery codes once each; wrong codes and
// wrong passwords locking together at the fourth failure; the kiosk's first login enrolling right
// after the new password; a reset by the school's administrator (a reporter's) or the agency (an
// administrator's), audited and mailed; the way the session says how the person logged in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, Client, sql, mina, eventually, DEMO_PASSWORD } from './harness.js';
import { startSmtp, otpFrom } from './smtp.js';

let srv;
let smtp;
let agencyName;

before(async () => {
  smtp = await startSmtp();
  srv = await startServer({
    MINA_POLICY_SECOND_FACTOR_ROLES: 'agency-admin,school-admin',
    MINA_MAIL_SMTP_URL: smtp.url,
    MINA_MAIL_POLL_INTERVAL: '1s',
    MINA_CAPTCHA_TEST_ANSWER: 'testa',
    // Every client here is 127.0.0.1: the per-client slowdown would meet the failures these tests make.
    MINA_POLICY_CLIENT_MAX_FAILURES: '1000',
  });
  const add = mina(['admin', 'person', 'add', '--first', 'Agda', '--last', 'Verket', '--email', 'agda.verket@example.se'], srv.env);
  agencyName = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', agencyName], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', agencyName, '--role', 'agency-admin'], srv.env).status, 0);
});
after(async () => {
  await srv?.stop();
  await smtp?.dispose();
});

const count = (q) => Number(sql(srv.db, q)[0][0]);
const STEP = '/logga-in/andra-steget';

/** The code oathtool computes for `secret` (base32) at `at` (Unix seconds; now when left out). */
function oath(secret, at = Math.floor(Date.now() / 1000)) {
  const r = spawnSync('oathtool', ['--totp', '-b', '-N', `@${at}`, secret.replace(/\s+/g, '')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}
const field = (html, name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1] ?? null;
const secretOf = (html) => html.match(/<code class="secret">([^<]+)<\/code>/)?.[1] ?? assert.fail('no secret on the page');
const codesOf = (html) => [...html.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]);

/** Logs in with the password; the answer leads to the second step (no session yet). */
async function password(c, username, pw = DEMO_PASSWORD) {
  const r = await c.login(username, pw);
  return r;
}
/** Enrols an app at the step page `page` with oathtool's code; returns the secret and the codes page. */
async function enrol(c, page) {
  const secret = secretOf(page.text);
  const done = await c.post(`${STEP}/app`, { csrf: Client.csrf(page.text), erbjudande: field(page.text, 'erbjudande'), kod: oath(secret) });
  return { secret, done };
}

let people = 0;
/** A new person with the demo password and `role` (at `school`, unless the role is agency-admin). */
function person(first, role, school = 'DEMO1') {
  people += 1;
  const email = `${first.toLowerCase()}.${people}@example.se`;
  const add = mina(['admin', 'person', 'add', '--first', first, '--last', 'Test', '--email', email], srv.env);
  assert.equal(add.status, 0, add.stderr);
  const username = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', username], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  const grant = role === 'agency-admin' ? ['--role', role] : ['--school', school, '--role', role];
  assert.equal(mina(['admin', 'grant', '--username', username, ...grant], srv.env).status, 0);
  return { username, email };
}
/** Logs a new client in as `username` through the enrolment; its secret and recovery codes. */
async function enrolled(username) {
  const c = new Client(srv);
  assert.equal((await password(c, username)).location, STEP);
  const { secret, done } = await enrol(c, await c.get(STEP));
  assert.equal(done.status, 200, done.text);
  return { c, secret, codes: codesOf(done.text) };
}

test('an administrator enrols at the first login, before any other page; the password alone opens nothing', async () => {
  const c = new Client(srv);
  const r = await password(c, srv.anna);
  assert.equal(r.status, 303);
  assert.equal(r.location, STEP);
  assert.ok(!c.cookies.has('mina_session'), 'no session before the second step');
  assert.ok(c.cookies.has('mina_steg'));
  // No page after login opens on the step's cookie.
  for (const path of ['/start', '/identity-manager', '/anpassa/inloggning']) {
    const page = await c.get(path);
    assert.equal(page.status, 303, path);
    assert.match(page.location, /^\/logga-in/, path);
  }
  const page = await c.get(STEP);
  assert.equal(page.status, 200);
  assert.match(page.text, /<h1 id="step-heading">Skydda ditt konto med ett andra steg<\/h1>/);
  assert.match(page.text, /<svg class="qr"[^>]*role="img" aria-label="QR-kod för autentiseringsappen"/);
  assert.equal(page.headers.get('cache-control'), 'no-store');
  const secret = secretOf(page.text);
  assert.match(secret, /^[A-Z2-7]{4}( [A-Z2-7]{4}){7}$/, 'a 160-bit secret in base32, in groups of four');

  // A wrong code changes nothing and counts (R6).
  const wrong = await c.post(`${STEP}/app`, { csrf: Client.csrf(page.text), erbjudande: field(page.text, 'erbjudande'), kod: '000000' === oath(secret) ? '111111' : '000000' });
  assert.equal(wrong.status, 422);
  assert.match(wrong.text, /Koden stämmer inte/);
  assert.equal(count(`SELECT count(*) FROM totp_factors f JOIN persons p ON p.id = f.person_id WHERE p.username = '${srv.anna}'`), 0);
  // A changed offer does not open.
  const forged = await c.post(`${STEP}/app`, { csrf: Client.csrf(page.text), erbjudande: field(page.text, 'erbjudande').replace(/^./, (ch) => (ch === 'a' ? 'b' : 'a')), kod: oath(secret) });
  assert.equal(forged.status, 303);
  assert.match(forged.location, /^\/logga-in\?steg=slut/);

  // Log in again (the step ended with the forged offer) and enrol for real.
  assert.equal((await password(c, srv.anna)).location, STEP);
  const again = await c.get(STEP);
  const { done } = await enrol(c, again);
  assert.equal(done.status, 200);
  assert.match(done.text, /Dina reservkoder/);
  const codes = codesOf(done.text);
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const code of codes) assert.match(code, /^[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}$/);
  assert.ok(c.cookies.has('mina_session'), 'the session begins with the enrolment');
  assert.ok(!c.cookies.has('mina_steg'));
  assert.equal((await c.get('/identity-manager/skola?kod=DEMO1')).status, 200);
  // Stored: the secret sealed, the recovery codes as keyed digests, the session's way of logging in.
  const [sealed] = sql(srv.db, `SELECT f.sealed_secret FROM totp_factors f JOIN persons p ON p.id = f.person_id WHERE p.username = '${srv.anna}'`)[0];
  assert.doesNotMatch(sealed.toUpperCase(), new RegExp(secretOf(again.text).replace(/ /g, '')));
  const digests = sql(srv.db, `SELECT r.digest FROM recovery_codes r JOIN persons p ON p.id = r.person_id WHERE p.username = '${srv.anna}'`).map((row) => row[0]);
  assert.equal(digests.length, 10);
  for (const code of codes) assert.ok(!digests.some((d) => d.includes(code.replace(/-/g, ''))));
  assert.equal(count(`SELECT count(*) FROM sessions s JOIN persons p ON p.id = s.person_id WHERE p.username = '${srv.anna}' AND s.amr = 'pwd otp mfa'`), 1);
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'second_factor.enrolled' AND subject = '${srv.anna}'`), 1);
});

test('the next login asks for the app\'s code; a code is accepted once; a recovery code works once', async () => {
  const { username } = person('Agnes', 'agency-admin');
  const { secret, codes } = await enrolled(username);

  const d = new Client(srv);
  assert.equal((await password(d, username)).location, STEP);
  const step = await d.get(STEP);
  assert.match(step.text, /<h1 id="step-heading">Bekräfta att det är du<\/h1>/);
  assert.match(step.text, /<label for="kod">Kod från appen<\/label>/);
  // The enrolment's step is spent: the next step's code (the window allows one step ahead) is good.
  const next = oath(secret, Math.floor(Date.now() / 1000) + 30);
  const ok = await d.post(STEP, { csrf: Client.csrf(step.text), kod: `${next.slice(0, 3)} ${next.slice(3)}` });
  assert.equal(ok.status, 303, ok.text);
  assert.equal(ok.location, '/start');
  assert.equal((await d.get('/start')).status, 200);
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'login.success' AND subject = '${username}' AND detail = 'app'`), 2,
    'the enrolment\'s login and this one');

  // The same code once more, at a new login: refused, and counted.
  const e = new Client(srv);
  await password(e, username);
  const page = await e.get(STEP);
  const replay = await e.post(STEP, { csrf: Client.csrf(page.text), kod: next });
  assert.equal(replay.status, 422, 'a code is accepted once');
  assert.match(replay.text, /Koden stämmer inte/);
  // A recovery code instead (typed in capitals): in, once.
  const recovery = await e.post(STEP, { csrf: Client.csrf(replay.text), kod: codes[3].toUpperCase() });
  assert.equal(recovery.status, 303);
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'second_factor.recovery_used' AND subject = '${username}' AND detail = '9 left'`), 1);
  const f = new Client(srv);
  await password(f, username);
  const again = await f.get(STEP);
  assert.equal((await f.post(STEP, { csrf: Client.csrf(again.text), kod: codes[3] })).status, 422, 'a recovery code works once');
  // Another's code is no code of this person's.
  const other = await enrolled(person('Otto', 'agency-admin').username);
  assert.equal((await f.post(STEP, { csrf: Client.csrf(again.text), kod: other.codes[0] })).status, 422);
});

test('wrong codes and wrong passwords lock together at the fourth failure, mailed and audited', async () => {
  const { username: user, email } = person('Lova', 'school-admin');
  await enrolled(user);

  const d = new Client(srv);
  assert.equal((await password(d, user, 'fel-lösenord-1')).status, 422);
  assert.equal((await password(d, user, 'fel-lösenord-2')).status, 422);
  assert.equal((await password(d, user)).location, STEP, 'the right password leads on; it is no failure');
  let page = await d.get(STEP);
  page = await d.post(STEP, { csrf: Client.csrf(page.text), kod: '12345' });
  assert.equal(page.status, 422, 'the third failure: a wrong code');
  const fourth = await d.post(STEP, { csrf: Client.csrf(page.text), kod: 'abcd-efgh-jkmn' });
  assert.equal(fourth.status, 303, 'the fourth failure locks');
  assert.equal(fourth.location, '/logga-in?steg=last');
  const shown = await d.get(fourth.location);
  assert.match(shown.text, /Du har skrivit fel för många gånger i rad\. Kontot är låst i 30 minuter/);
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'account.locked' AND subject = '${user}'`), 1);
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'second_factor.failed' AND subject = '${user}'`), 2);
  const mail = await smtp.waitForMail((m) => m.to.includes(email), 15_000);
  assert.match(mail.subject ?? JSON.stringify(mail), /låst/i);
  // Locked: the right password leads nowhere now.
  assert.equal((await password(new Client(srv), user)).status, 422);
});

test('three wrong codes after a right password do not lock; the fourth failure does', async () => {
  const { username: user } = person('Sture', 'school-admin');
  await enrolled(user);
  const d = new Client(srv);
  await password(d, user);
  let page = await d.get(STEP);
  for (let i = 1; i <= 3; i++) {
    page = await d.post(STEP, { csrf: Client.csrf(page.text), kod: `00000${i}` });
    assert.equal(page.status, 422, `wrong code ${i}`);
  }
  const locking = await d.post(STEP, { csrf: Client.csrf(page.text), kod: '000004' });
  assert.equal(locking.location, '/logga-in?steg=last');
});

test('a reporter logs in with the password alone and may add an app; a reset by the school\'s administrator is asked, audited and mailed', async () => {
  const rolf = person('Rolf', 'studeranderapportering');
  const c = new Client(srv);
  const r = await password(c, rolf.username);
  assert.equal(r.status, 303);
  assert.equal(r.location, '/start', 'optional for reporters');
  const settings = await c.get('/anpassa/inloggning');
  assert.equal(settings.status, 200);
  assert.match(settings.text, /<h1>Inloggning i två steg<\/h1>/);
  const saved = await c.post('/anpassa/inloggning/app', { csrf: Client.csrf(settings.text), erbjudande: field(settings.text, 'erbjudande'), kod: oath(secretOf(settings.text)) });
  assert.equal(saved.status, 200, 'the recovery codes, shown once');
  assert.equal(codesOf(saved.text).length, 10);
  assert.equal((await password(new Client(srv), rolf.username)).location, STEP, 'now his login asks for a code');

  const rut = await enrolled(person('Rut', 'school-admin').username);
  const page = await rut.c.get(`/identity-manager/person?kod=DEMO1&anvandarnamn=${rolf.username}`);
  assert.match(page.text, /Återställ inloggning i två steg/);
  const asked = await rut.c.post('/identity-manager/andra-steget', { csrf: Client.csrf(page.text), kod: 'DEMO1', anvandarnamn: rolf.username });
  assert.equal(asked.status, 200, 'asked first');
  assert.match(asked.text, /Återställa inloggningen i två steg för/);
  const rolfFactors = () => count(`SELECT count(*) FROM totp_factors f JOIN persons p ON p.id = f.person_id WHERE p.username = '${rolf.username}'`);
  assert.equal(rolfFactors(), 1, 'nothing before the answer');
  const done = await rut.c.post('/identity-manager/andra-steget', { csrf: Client.csrf(page.text), kod: 'DEMO1', anvandarnamn: rolf.username, bekrafta: 'ja' });
  assert.equal(done.status, 303);
  assert.equal(rolfFactors(), 0);
  assert.equal(count(`SELECT count(*) FROM recovery_codes r JOIN persons p ON p.id = r.person_id WHERE p.username = '${rolf.username}'`), 0);
  assert.match((await rut.c.get(done.location)).text, /Inloggningen i två steg är återställd/);
  assert.equal((await c.get('/start')).status, 303, 'his sessions ended with the reset');
  assert.equal((await password(new Client(srv), rolf.username)).location, '/start', 'the password alone again');
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'second_factor.reset' AND subject = '${rolf.username}' AND detail = '1 factor(s) removed; sessions ended: 1'`), 1);
  const mail = await smtp.waitForMail((m) => m.to.includes(rolf.email), 15_000);
  assert.match(mail.subject, /Din inloggning i två steg har återställts/);
  assert.match(mail.text ?? JSON.stringify(mail), /Behörighetsadministratören på din skola har återställt/);

  // Another administrator's is not the school's to reset: the agency's.
  const olle = person('Olle', 'school-admin');
  await enrolled(olle.username);
  const olleFactors = () => count(`SELECT count(*) FROM totp_factors f JOIN persons p ON p.id = f.person_id WHERE p.username = '${olle.username}'`);
  const refused = await rut.c.post('/identity-manager/andra-steget', { csrf: Client.csrf(page.text), kod: 'DEMO1', anvandarnamn: olle.username, bekrafta: 'ja' });
  assert.equal(refused.status, 403);
  assert.match(refused.text, /återställs bara av/);
  assert.equal(olleFactors(), 1);
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'second_factor.reset_refused' AND subject = '${olle.username}'`), 1);
  const agencyUser = person('Ada', 'agency-admin').username;
  const agency = await enrolled(agencyUser);
  const ollePage = await agency.c.get(`/identity-manager/person?kod=DEMO1&anvandarnamn=${olle.username}`);
  const byAgency = await agency.c.post('/identity-manager/andra-steget', { csrf: Client.csrf(ollePage.text), kod: 'DEMO1', anvandarnamn: olle.username, bekrafta: 'ja' });
  assert.equal(byAgency.status, 303);
  assert.equal(olleFactors(), 0);
  const olleMail = await smtp.waitForMail((m) => m.to.includes(olle.email) && /två steg/.test(m.subject), 15_000);
  assert.match(olleMail.text ?? JSON.stringify(olleMail), /har återställt din inloggning i två steg/);
  // And at his next login, he enrols again before anything else.
  assert.equal((await password(new Client(srv), olle.username)).location, STEP);

  // The operator's way, when no administrator can (the agency's own last one lost theirs).
  const cli = mina(['admin', 'person', 'reset-second-factor', '--username', agencyUser], srv.env);
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal((await agency.c.get('/start')).status, 303, 'the agency admin\'s session ended');
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'second_factor.reset' AND subject = '${agencyUser}' AND actor LIKE 'cli:%'`), 1);
  assert.equal((await password(new Client(srv), agencyUser)).location, STEP);
  const again = mina(['admin', 'person', 'reset-second-factor', '--username', agencyUser], srv.env);
  assert.equal(again.status, 0);
  assert.match(again.stderr + again.stdout, /no second factor: nothing changed/);
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'second_factor.reset' AND subject = '${agencyUser}'`), 1, 'nothing to reset: nothing audited');
  const none = mina(['admin', 'person', 'reset-second-factor', '--username', 'zz9999'], srv.env);
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /no such user/);
});

test('a role that needs two factors, granted during a session opened with the password alone, ends that session', async () => {
  const { username } = person('Gun', 'studietider');
  const c = new Client(srv);
  assert.equal((await password(c, username)).location, '/start');
  assert.equal((await c.get('/start')).status, 200);
  assert.equal(mina(['admin', 'grant', '--username', username, '--school', 'DEMO1', '--role', 'school-admin'], srv.env).status, 0);
  const after = await c.get('/identity-manager/skola?kod=DEMO1');
  assert.equal(after.status, 303, 'no administrator\'s page on a password alone');
  assert.match(after.location, /^\/logga-in\?slut=1/);
  assert.equal((await password(new Client(srv), username)).location, STEP, 'the next login enrols');
});

test('the kiosk\'s sign-in enrols the second factor right after the new password when the role needs one', async () => {
  const { username } = person('Kim', 'school-admin');
  // As the kiosk test does it: sign in with the password, set a new one.
  const k = new Client(srv);
  const start = await k.get('/kiosk');
  assert.equal(start.status, 200);
  const signedIn = await k.post('/kiosk', { csrf: Client.csrf(start.text), username, password: DEMO_PASSWORD, captcha: 'testa' });
  assert.equal(signedIn.status, 303, signedIn.text.slice(0, 400));
  assert.equal(signedIn.location, '/kiosk/nytt-losenord');
  const pw = await k.get('/kiosk/nytt-losenord');
  const saved = await k.post('/kiosk/nytt-losenord', { csrf: Client.csrf(pw.text), password: 'Ett-nytt-lösenord-2026', confirm: 'Ett-nytt-lösenord-2026' });
  assert.equal(saved.status, 303);
  assert.equal(saved.location, STEP, 'on to the enrolment, not to the kiosk\'s last page');
  const page = await k.get(STEP);
  assert.match(page.text, /Skydda ditt konto med ett andra steg/);
  const { done } = await enrol(k, page);
  assert.equal(done.status, 200);
  assert.equal((await k.get('/identity-manager/skola?kod=DEMO1')).status, 200);
});

test('a forgotten password resets the password only: the second factor stays, and asks at the next login', async () => {
  const { username, email } = person('Frida', 'school-admin');
  await enrolled(username);
  const k = new Client(srv);
  const start = await k.get('/kiosk/glomt');
  const before = smtp.mails().length;
  const ordered = await k.post('/kiosk/glomt', { csrf: Client.csrf(start.text), username, captcha: 'testa' });
  assert.equal(ordered.location, '/kiosk/glomt/engangslosenord');
  const mail = await smtp.waitForMail((m, i) => i >= before && m.to.includes(email), 15_000);
  const page = await k.get('/kiosk/glomt/engangslosenord');
  const entered = await k.post('/kiosk/glomt/engangslosenord', { csrf: Client.csrf(page.text), otp: otpFrom(mail) });
  assert.equal(entered.location, '/kiosk/nytt-losenord');
  const pw = await k.get('/kiosk/nytt-losenord');
  const saved = await k.post('/kiosk/nytt-losenord', { csrf: Client.csrf(pw.text), password: 'Glömt-men-nytt-2026', confirm: 'Glömt-men-nytt-2026' });
  assert.equal(saved.location, '/kiosk/klart', 'the kiosk\'s own last page, no enrolment');
  assert.equal(count(`SELECT count(*) FROM totp_factors f JOIN persons p ON p.id = f.person_id WHERE p.username = '${username}'`), 1);
  const c = new Client(srv);
  const r = await password(c, username, 'Glömt-men-nytt-2026');
  assert.equal(r.location, STEP);
  assert.match((await c.get(STEP)).text, /Bekräfta att det är du/, 'the app is asked for, not enrolled again');
});
