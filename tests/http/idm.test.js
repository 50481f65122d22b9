// The Identity Manager over real HTTP (issue [3]): scope on the server, the manual's safeguards
// (FAQ 4, R14), and a new person's credentials: a letter PDF now, the mail with the one-time
// password after otp_email_delay, and that password working in the kiosk (R2–R4).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client, sql, eventually, mina, DEMO_PASSWORD } from './harness.js';
import { startSmtp, otpFrom } from './smtp.js';

let smtp;
let srv;
let letters;
before(async () => {
  smtp = await startSmtp();
  letters = mkdtempSync(join(tmpdir(), 'mina-letters-'));
  srv = await startServer({
    MINA_CAPTCHA_TEST_ANSWER: 'testa',
    MINA_MAIL_SMTP_URL: smtp.url,
    MINA_MAIL_POLL_INTERVAL: '1s',
    MINA_POLICY_OTP_EMAIL_DELAY: '6s',  // long enough to see the mail pending on a busy machine
    MINA_LETTERS_DIR: letters,
  });
});
after(async () => {
  await srv?.stop();
  await smtp?.dispose();
  rmSync(letters, { recursive: true, force: true });
});

const count = (q) => Number(sql(srv.db, q)[0][0]);
async function anna() {
  const c = new Client(srv);
  assert.equal((await c.login(srv.anna)).status, 303);
  return c;
}
const SCHOOL = '/identity-manager/skola?kod=DEMO1';

test('a school admin reaches their school from the login page link; a reporter is refused', async () => {
  const c = await anna();
  const r = await c.get('/identity-manager');
  assert.equal(r.status, 302);
  assert.equal(r.location, SCHOOL);
  const page = await c.get(SCHOOL);
  assert.equal(page.status, 200);
  assert.match(page.text, /Behörigheter vid Demoskolan/);
  assert.match(page.text, new RegExp(`<td class="username" data-label="Användarnamn">${srv.pelle}</td>`), 'FAQ 2: the username can be read out');
  const pelle = new Client(srv);
  assert.equal((await pelle.login(srv.pelle)).status, 303);
  assert.equal((await pelle.get('/identity-manager')).status, 403);
  assert.equal((await pelle.get(SCHOOL)).status, 403);
});

test("a school admin of one school can neither read nor change another school's people, by URL or by form", async () => {
  const c = await anna();
  assert.equal((await c.get('/identity-manager/skola?kod=DEMO2')).status, 403);
  const persons = count('SELECT count(*) FROM persons');
  const grants = count('SELECT count(*) FROM grants');
  const attempts = [
    ['/identity-manager/person', { kod: 'DEMO2', fornamn: 'Ny', efternamn: 'Person', epost: 'ny.person@example.se', tjanst: 'studietider' }],
    ['/identity-manager/tjanster', { kod: 'DEMO2', anvandarnamn: srv.pelle }],
    ['/identity-manager/ta-bort', { kod: 'DEMO2', anvandarnamn: srv.pelle }],
    ['/identity-manager/las-upp', { kod: 'DEMO2', anvandarnamn: srv.pelle }],
    ['/identity-manager/engangslosenord', { kod: 'DEMO2', anvandarnamn: srv.pelle }],
  ];
  for (const [path, form] of attempts) {
    const r = await c.submit(SCHOOL, path, form);
    assert.equal(r.status, 403, path);
  }
  assert.equal(count('SELECT count(*) FROM persons'), persons, 'nothing added');
  assert.equal(count('SELECT count(*) FROM grants'), grants, 'no grant changed');
  assert.equal(count("SELECT count(*) FROM outbox WHERE kind = 'otp-first'"), 0, 'nothing sent');
  assert.ok(count("SELECT count(*) FROM audit_log WHERE kind = 'access.refused'") >= 5, 'every refusal is audited');
});

test('FAQ 4: no service ticked warns before saving; a malformed email is refused; nothing is saved', async () => {
  const c = await anna();
  const persons = count('SELECT count(*) FROM persons');
  const bad = await c.submit(SCHOOL, '/identity-manager/person', { kod: 'DEMO1', fornamn: 'Eva', efternamn: 'Fel', epost: 'eva.fel@', tjanst: 'studietider' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /E-postadressen ser inte rätt ut/);
  assert.match(bad.text, /value="Eva"/, 'what was typed is kept');
  const none = await c.submit(SCHOOL, '/identity-manager/person', { kod: 'DEMO1', fornamn: 'Utan', efternamn: 'Tjänst', epost: 'utan.tjanst@example.se' });
  assert.equal(none.status, 422);
  assert.match(none.text, /Du har inte kryssat i någon tjänst. Då skickas inga inloggningsuppgifter ut/);
  assert.match(none.text, /Spara ändå utan tjänster/);
  assert.equal(count('SELECT count(*) FROM persons'), persons, 'nothing saved before the answer');
  const saved = await c.submit(SCHOOL, '/identity-manager/person', { kod: 'DEMO1', fornamn: 'Utan', efternamn: 'Tjänst', epost: 'utan.tjanst@example.se', bekrafta: 'ja' });
  assert.equal(saved.status, 303);
  assert.match(saved.location, /m=ny-utan/);
  assert.equal(count("SELECT count(*) FROM outbox WHERE recipient = 'utan.tjanst@example.se'"), 0, 'no mail');
  assert.equal(count("SELECT count(*) FROM letters l JOIN persons p ON p.id = l.person_id WHERE p.email = 'utan.tjanst@example.se'"), 0, 'no letter');
});

test('R14 / FAQ 6: a person who already has an account gets the grant and no new credentials', async () => {
  const c = await anna();
  const before = count("SELECT count(*) FROM outbox WHERE recipient = 'pelle.test@example.se'");
  const r = await c.submit(SCHOOL, '/identity-manager/person', { kod: 'DEMO1', fornamn: 'Pelle', efternamn: 'Test', epost: 'Pelle.Test@example.se', tjanst: ['studietider'] });
  assert.equal(r.status, 303);
  assert.match(r.location, new RegExp(`m=finns&u=${srv.pelle}`));
  const page = await c.get(r.location);
  assert.match(page.text, /Personen finns redan med användarnamnet/);
  assert.equal(count("SELECT count(*) FROM outbox WHERE recipient = 'pelle.test@example.se'"), before, 'no new mail');
  assert.equal(count(`SELECT count(*) FROM letters l JOIN persons p ON p.id = l.person_id WHERE p.username = '${srv.pelle}'`), 0, 'no letter');
});

test('a new person: the letter PDF now (username and address, no password), the mail later, and the one-time password works', async () => {
  const c = await anna();
  const body = new URLSearchParams({ kod: 'DEMO1', fornamn: 'Karin', efternamn: 'Lindh', epost: 'karin.lindh@example.se' });
  body.append('tjanst', 'studietider');
  body.append('tjanst', 'studeranderapportering');
  const page = await c.get(SCHOOL);
  body.set('csrf', Client.csrf(page.text));
  const r = await c.request('POST', '/identity-manager/person', { body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(r.status, 303);
  const username = new URL(r.location, srv.url).searchParams.get('u');
  assert.match(username, /^kl\d{4}$/, 'short and readable, from the name');
  assert.equal(sql(srv.db, `SELECT ${srv.sqlGroupConcat('role', 'role')} FROM (SELECT role FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.username = '${username}' ORDER BY role) AS r`)[0][0],
    'studeranderapportering,studietider');
  // The letter: rendered by the worker within a poll.
  const file = await eventually('the letter is rendered', () => {
    const row = sql(srv.db, `SELECT status, path FROM letters l JOIN persons p ON p.id = l.person_id WHERE p.username = '${username}'`);
    return row.length && row[0][0] === 'rendered' && row[0][1];
  });
  assert.ok(file.startsWith(letters), `the letter is under letters.dir: ${file}`);
  const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).stdout;
  assert.match(text, new RegExp(username));
  assert.match(text, /Karin Lindh/);
  assert.match(text, /Demoskolan/);
  assert.match(text, /123 45 Demostad/);
  assert.doesNotMatch(text, /Engångslösenord:/);
  const list = await c.get(SCHOOL);
  assert.match(list.text, new RegExp(`<a href="/identity-manager/person\\?kod=DEMO1&amp;anvandarnamn=${username}">Karin Lindh</a>`));
  assert.match(list.text, /Väntar på första inloggning/);
  const person = await c.get(`/identity-manager/person?kod=DEMO1&anvandarnamn=${username}`);
  assert.match(person.text, /Brevet med användarnamnet ligger i utskriftskön/);
  assert.match(person.text, /E-postmeddelandet med engångslösenordet väntar på att skickas/);
  // The mail, after otp_email_delay, from the real SMTP server.
  const mail = await smtp.waitForMail((m) => m.to.includes('karin.lindh@example.se'), 15_000);
  assert.ok(!mail.text.includes(username), 'the username goes by letter only');
  const k = new Client(srv);
  const csrf = Client.csrf((await k.get('/kiosk/forsta-gangen')).text);
  const signed = await k.post('/kiosk/forsta-gangen', { csrf, username, password: otpFrom(mail), captcha: 'testa' });
  assert.equal(signed.status, 303);
  assert.equal(signed.location, '/kiosk/nytt-losenord');
});

test('change services, send a new one-time password, unlock and remove from the school; every change audited', async () => {
  const c = await anna();
  const set = await c.submit(SCHOOL, '/identity-manager/tjanster', { kod: 'DEMO1', anvandarnamn: srv.pelle, tjanst: 'studietider' });
  assert.equal(set.status, 303);
  assert.equal(sql(srv.db, `SELECT ${srv.sqlGroupConcat('role', 'role')} FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.username = '${srv.pelle}' AND g.school_code = 'DEMO1'`)[0][0], 'studietider');
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'grant.removed' AND subject = '${srv.pelle}' AND actor = '${srv.anna}'`), 1);
  const before = smtp.mails().length;
  const otp = await c.submit(SCHOOL, '/identity-manager/engangslosenord', { kod: 'DEMO1', anvandarnamn: srv.pelle });
  assert.equal(otp.status, 303);
  const mail = await smtp.waitForMail((m, i) => i >= before && m.to.includes('pelle.test@example.se'), 10_000);
  assert.ok(otpFrom(mail));
  // Lock Pelle, then unlock.
  for (let i = 0; i < 4; i++) await new Client(srv).login(srv.pelle, `wrong-${i}`);
  assert.match((await c.get(SCHOOL)).text, /Låst till/);
  assert.equal((await c.submit(SCHOOL, '/identity-manager/las-upp', { kod: 'DEMO1', anvandarnamn: srv.pelle })).status, 303);
  assert.equal(count(`SELECT CAST(locked_until IS NULL AS INTEGER) FROM persons WHERE username = '${srv.pelle}'`), 1);
  const removed = await c.submit(SCHOOL, '/identity-manager/ta-bort', { kod: 'DEMO1', anvandarnamn: srv.pelle, bekrafta: 'ja' });
  assert.equal(removed.status, 303);
  assert.equal(count(`SELECT count(*) FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.username = '${srv.pelle}' AND g.school_code = 'DEMO1'`), 0);
  assert.equal(count(`SELECT count(*) FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.username = '${srv.pelle}' AND g.school_code = 'DEMO2'`), 1, 'the other school is untouched');
  assert.doesNotMatch((await c.get(SCHOOL)).text, new RegExp(srv.pelle), 'no longer listed');
});

test('the agency sees every school and appoints and removes school admins; a school admin cannot', async () => {
  const add = mina(['admin', 'person', 'add', '--first', 'Agnes', '--last', 'Myndig', '--email', 'agnes.myndig@example.se'], srv.env);
  const agnes = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', agnes], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', agnes, '--role', 'agency-admin'], srv.env).status, 0);
  const agency = new Client(srv);
  assert.equal((await agency.login(agnes)).status, 303);
  const list = await agency.get('/identity-manager');
  assert.equal(list.status, 200);
  assert.match(list.text, /Demoskolan/);
  assert.match(list.text, /Exempelhögskolan/);

  const annaClient = await anna();
  const refused = await annaClient.submit(SCHOOL, '/identity-manager/utse', { kod: 'DEMO1', anvandarnamn: srv.pelle });
  assert.equal(refused.status, 403, 'only the agency appoints school admins');

  const page = '/identity-manager/skola?kod=DEMO2';
  const appointed = await agency.submit(page, '/identity-manager/utse', { kod: 'DEMO2', anvandarnamn: srv.pelle.toUpperCase() });
  assert.equal(appointed.status, 303);
  assert.match((await agency.get(appointed.location)).text, /är nu behörighetsadministratör/);
  const pelle = new Client(srv);
  assert.equal((await pelle.login(srv.pelle)).status, 303);
  assert.equal((await pelle.get(page)).status, 200, 'Pelle administers DEMO2 now');
  assert.equal((await pelle.get(SCHOOL)).status, 403, 'and still not DEMO1');
  const unknown = await agency.submit(page, '/identity-manager/utse', { kod: 'DEMO2', anvandarnamn: 'zz0000' });
  assert.equal(unknown.status, 422);
  assert.match(unknown.text, /Personen har ingen behörighet|finns inte/);
  const removed = await agency.submit(page, '/identity-manager/avsatt', { kod: 'DEMO2', anvandarnamn: srv.pelle, bekrafta: 'ja' });
  assert.equal(removed.status, 303);
  assert.equal((await pelle.get(page)).status, 403, 'removed at once: the next request is refused');
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'grant.added' AND subject = '${srv.pelle}' AND detail = 'school-admin' AND actor = '${agnes}'`), 1);
});

test('the agency finds any person by name, username or email; LIKE wildcards are text; a school admin cannot search', async () => {
  const add = mina(['admin', 'person', 'add', '--first', 'Sara', '--last', 'Sökare', '--email', 'sara.sokare@example.se'], srv.env);
  const sara = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', sara], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', sara, '--role', 'agency-admin'], srv.env).status, 0);
  const agency = new Client(srv);
  assert.equal((await agency.login(sara)).status, 303);
  const byName = await agency.get(`/identity-manager/sok?q=${encodeURIComponent('pelle t')}`);
  assert.equal(byName.status, 200);
  assert.match(byName.text, new RegExp(`<th scope="row" class="username"[^>]*>${srv.pelle}</th>`));
  assert.match(byName.text, /studietider \(DEMO2\)/, 'with the grants and schools');
  const byUsername = await agency.get(`/identity-manager/sok?q=${srv.anna.toUpperCase()}`);
  assert.match(byUsername.text, /Anna Admin/);
  const byEmail = await agency.get('/identity-manager/sok?q=anna.admin%40example');
  assert.match(byEmail.text, /Anna Admin/);
  const wildcard = await agency.get('/identity-manager/sok?q=%25%25');
  assert.match(wildcard.text, /Ingen person stämmer med sökningen/, "'%' is searched for, not a wildcard");
  const annaClient = await anna();
  assert.equal((await annaClient.get('/identity-manager/sok?q=pelle')).status, 403);
});

test("the agency's print queue: list the letters, download a PDF, mark it posted; nobody else may", async () => {
  const add = mina(['admin', 'person', 'add', '--first', 'Petra', '--last', 'Post', '--email', 'petra.post@example.se'], srv.env);
  const petra = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', petra], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', petra, '--role', 'agency-admin'], srv.env).status, 0);
  // A new person somewhere, so that there is a letter.
  const newcomer = mina(['admin', 'person', 'add', '--first', 'Brev', '--last', 'Mottagare', '--email', 'brev.mottagare@example.se'], srv.env).stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'grant', '--username', newcomer, '--school', 'DEMO2', '--role', 'studietider'], srv.env).status, 0);
  const id = await eventually('the letter is rendered', () =>
    sql(srv.db, `SELECT l.id FROM letters l JOIN persons p ON p.id = l.person_id WHERE p.username = '${newcomer}' AND l.status = 'rendered'`)[0]?.[0]);
  assert.ok(id, 'the letter was rendered');
  const agency = new Client(srv);
  assert.equal((await agency.login(petra)).status, 303);
  const queue = await agency.get('/identity-manager/brev');
  assert.equal(queue.status, 200);
  assert.match(queue.text, new RegExp(`<th scope="row" class="username"[^>]*>${newcomer}</th>`));
  const pdf = await fetch(`${srv.url}/identity-manager/brev/pdf?id=${id}`, { headers: { cookie: agency.cookieHeader() } });
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.equal(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString(), '%PDF-');
  const posted = await agency.submit('/identity-manager/brev', '/identity-manager/brev/postat', { id });
  assert.equal(posted.status, 303);
  assert.equal(sql(srv.db, `SELECT status FROM letters WHERE id = ${id}`)[0][0], 'posted');
  assert.equal((await agency.submit('/identity-manager/brev', '/identity-manager/brev/postat', { id })).status, 404, 'posted once');
  const annaClient = await anna();
  assert.equal((await annaClient.get('/identity-manager/brev')).status, 403);
  assert.equal((await annaClient.get(`/identity-manager/brev/pdf?id=${id}`)).status, 403, 'a school admin cannot read the letters');
});

// ---- Issue [7] §8: what a school may do to accounts with more power than it administers ----------

/** An account with its own password, as the agency's scripts make it (SPEC §5). */
function account(first, last, email, ...grants) {
  const add = mina(['admin', 'person', 'add', '--first', first, '--last', last, '--email', email], srv.env);
  assert.equal(add.status, 0, add.stderr);
  const username = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', username], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  for (const g of grants) assert.equal(mina(['admin', 'grant', '--username', username, ...g], srv.env).status, 0);
  return username;
}
const grantsOf = (username) => count(`SELECT count(*) FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.username = '${username}'`);
const otpMailsTo = (email) => count(`SELECT count(*) FROM outbox WHERE recipient = '${email}' AND kind LIKE 'otp-%'`);

test("a school admin cannot pull the agency's admin or another school's admin into the school by email, nor learn their usernames", async () => {
  const agnes = account('Agnes', 'Angrepp', 'agnes.angrepp@csn.example', ['--role', 'agency-admin']);
  const bert = account('Bert', 'Bortom', 'bert.bortom@example.se', ['--school', 'DEMO2', '--role', 'school-admin']);
  const c = await anna();
  for (const [username, email] of [[agnes, 'Agnes.Angrepp@csn.example'], [bert, 'bert.bortom@example.se']]) {
    const grants = grantsOf(username);
    const r = await c.submit(SCHOOL, '/identity-manager/person', { kod: 'DEMO1', fornamn: 'Vem', efternamn: 'Som', epost: email, tjanst: 'studietider' });
    assert.equal(r.status, 422, email);
    assert.match(r.text, /Skolan kan inte lägga till eller ändra det här kontot\. Kontakta CSN\./);
    assert.ok(!r.text.includes(username), `the username of ${email} is not revealed`);
    assert.ok(!r.text.includes('Personen finns redan'), 'not the R14 answer');
    assert.equal(grantsOf(username), grants, 'not added to the school');
    // Not among the school's people, so nothing to unlock or send.
    for (const path of ['/identity-manager/las-upp', '/identity-manager/engangslosenord']) {
      const refused = await c.submit(SCHOOL, path, { kod: 'DEMO1', anvandarnamn: username });
      assert.equal(refused.status, 404, path);
    }
    assert.equal(otpMailsTo(email.toLowerCase()), 0, 'no one-time password');
  }
  assert.equal(count("SELECT count(*) FROM audit_log WHERE kind = 'person.add_refused'"), 2, 'the agency can see the tries');
  // The same from a file: the row is left out, with no username.
  const file = `Förnamn;Efternamn;E-post;Tjänster\nVem;Som;agnes.angrepp@csn.example;studietider\n`;
  const page = await c.get(SCHOOL);
  const form = new FormData();
  form.set('csrf', Client.csrf(page.text));
  form.set('kod', 'DEMO1');
  form.set('fil', new Blob([file], { type: 'text/csv' }), 'personer.csv');
  const preview = await c.request('POST', '/identity-manager/import', { body: form });
  assert.equal(preview.status, 200, preview.text);
  assert.match(preview.text, /Tas inte med: skolan kan inte lägga till det här kontot/);
  assert.ok(!preview.text.includes(agnes), 'the username is not revealed');
});

test('a school admin can neither unlock nor mail a one-time password to an agency admin who is among its people', async () => {
  // The agency gave its own administrator a service at the school: she is listed, but not the school's to manage.
  const email = 'agnes.aterbesok@csn.example';
  const agnes = account('Agnes', 'Återbesök', email, ['--role', 'agency-admin'], ['--school', 'DEMO1', '--role', 'studietider']);
  for (let i = 0; i < 4; i++) await new Client(srv).login(agnes, `wrong-${i}`);
  const locked = () => count(`SELECT count(*) FROM persons WHERE username = '${agnes}' AND locked_until IS NOT NULL`);
  assert.equal(locked(), 1, 'locked by wrong passwords');
  const c = await anna();
  assert.match((await c.get(SCHOOL)).text, new RegExp(agnes));
  for (const path of ['/identity-manager/las-upp', '/identity-manager/engangslosenord']) {
    const r = await c.submit(SCHOOL, path, { kod: 'DEMO1', anvandarnamn: agnes });
    assert.equal(r.status, 403, path);
    assert.match(r.text, /Skolan kan inte lägga till eller ändra det här kontot\. Kontakta CSN\./);
  }
  assert.equal(locked(), 1, 'still locked: the lockout that stops password guessing holds');
  assert.equal(otpMailsTo(email), 0, 'no one-time password');
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE subject = '${agnes}' AND kind IN ('account.unlock_refused', 'otp.send_refused')`), 2);
});

test("an admin-sent one-time password for someone with a password is a reset password (15 minutes) and is braked like the kiosk's", async () => {
  const email = 'bo.broms@example.se';
  const bo = account('Bo', 'Broms', email, ['--school', 'DEMO1', '--role', 'studietider']);
  const c = await anna();
  const before = smtp.mails().length;
  for (let i = 0; i < 3; i++) {
    const r = await c.submit(SCHOOL, '/identity-manager/engangslosenord', { kod: 'DEMO1', anvandarnamn: bo });
    assert.equal(r.status, 303, `send ${i + 1}`);
  }
  const braked = await c.submit(SCHOOL, '/identity-manager/engangslosenord', { kod: 'DEMO1', anvandarnamn: bo });
  assert.equal(braked.status, 429);
  assert.match(braked.text, /Ett engångslösenord har skickats till personen flera gånger den senaste kvarten/);
  assert.equal(count(`SELECT count(*) FROM outbox WHERE recipient = '${email}' AND kind = 'otp-reset'`), 3);
  assert.equal(count(`SELECT count(*) FROM outbox WHERE recipient = '${email}' AND kind = 'otp-first'`), 0);
  // The kiosk's brake counts the same mails: ordering there now sends nothing either.
  const k = new Client(srv);
  const csrf = Client.csrf((await k.get('/kiosk/glomt')).text);
  assert.equal((await k.post('/kiosk/glomt', { csrf, username: bo, captcha: 'testa' })).status, 303);
  assert.equal(count(`SELECT count(*) FROM outbox WHERE recipient = '${email}' AND kind = 'otp-reset'`), 3);
  // Each mail says 15 minutes and leads to the kiosk's sign-in; the last one's password works there.
  const sent = () => smtp.mails().slice(before).filter((m) => m.to.includes(email));
  await eventually('three mails to Bo', () => sent().length >= 3);
  const mails = sent();
  assert.equal(mails.length, 3);
  assert.match(mails[0].text, /gäller i 15 minuter/);
  assert.match(mails[0].text, /\/kiosk\/forsta-gangen/);
  assert.equal(count(`SELECT o.expires_at - o.created_at FROM otps o JOIN persons p ON p.id = o.person_id WHERE p.username = '${bo}'`), 15 * 60);
  const s = new Client(srv);
  const signCsrf = Client.csrf((await s.get('/kiosk/forsta-gangen')).text);
  const signed = await s.post('/kiosk/forsta-gangen', { csrf: signCsrf, username: bo, password: otpFrom(mails[2]), captcha: 'testa' });
  assert.equal(signed.status, 303);
  assert.equal(signed.location, '/kiosk/nytt-losenord');
});
