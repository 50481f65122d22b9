// The agency's desk ([10] item 3), over real HTTP: an agency administrator's Startsida counts the
// schools, the letters not yet posted, the mail that failed and the accounts locked now (each with a
// link), lists the locked accounts with their schools and the newest events in words; a school's
// staff see the start page they always saw, kept rendered. A new school with its authorization
// administrator in one form, saved whole or not at all; the letter and the one-time password's mail
// name the agency when the agency acted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client, sql, sqlWrite, eventually, mina, DEMO_PASSWORD } from './harness.js';
import { startSmtp } from './smtp.js';

let smtp;
let srv;
let letters;
let agencyName;
before(async () => {
  smtp = await startSmtp();
  letters = mkdtempSync(join(tmpdir(), 'mina-desk-letters-'));
  srv = await startServer({
    MINA_MAIL_SMTP_URL: smtp.url, MINA_MAIL_POLL_INTERVAL: '1s', MINA_LETTERS_DIR: letters,
    MINA_POLICY_OTP_EMAIL_DELAY: '1s',
  });
  const add = mina(['admin', 'person', 'add', '--first', 'Agda', '--last', 'Verket', '--email', 'agda.verket@example.se'], srv.env);
  agencyName = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', agencyName], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', agencyName, '--role', 'agency-admin'], srv.env).status, 0);
});
after(async () => {
  await srv?.stop();
  await smtp?.dispose();
  rmSync(letters, { recursive: true, force: true });
});

const count = (q) => Number(sql(srv.db, q)[0][0]);
async function login(username) {
  const c = new Client(srv);
  assert.equal((await c.login(username)).status, 303);
  return c;
}
const agency = () => login(agencyName);
const anna = () => login(srv.anna);
const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
/** The desk's counts: link -> the words of its item. */
function deskCounts(html) {
  const list = html.match(/<ul class="desk-counts">([\s\S]*?)<\/ul>/);
  assert.ok(list, 'the desk has its counts');
  return Object.fromEntries([...list[1].matchAll(/<a href="([^"]+)">([^<]*)<\/a>/g)].map(([, href, text]) => [href, decode(text)]));
}
const number = (text) => Number(text.match(/^(\d+) /)[1]);
const pdfText = (path) => {
  const r = spawnSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `pdftotext: ${r.stderr}`);
  return r.stdout.replace(/\s+/g, ' ');
};
const metric = async (c, result) =>
  Number((await c.get('/metrics')).text.match(new RegExp(`mina_session_pages_total\\{result="${result}"\\} (\\d+)`))[1]);

test("the agency's start page is its desk: counts that follow a queued letter, a refused mail and a locked account", async () => {
  const c = await agency();
  const first = await c.get('/start');
  assert.equal(first.status, 200);
  assert.match(first.text, /<h2 id="desk-heading">Översikt<\/h2>/);
  assert.doesNotMatch(first.text, /Du har ännu inte behörighet/, "the school staff's words are not the agency's");
  assert.doesNotMatch(first.text, /din skolas behörighetsadministratör/);
  assert.match(first.text, /Har du frågor ringer du skoltelefonen/);
  const at = deskCounts(first.text);
  assert.deepEqual(Object.keys(at), ['/identity-manager', '/identity-manager/brev', '/identity-manager/post', '#desk-locked']);
  assert.equal(number(at['/identity-manager']), count('SELECT count(*) FROM schools'));
  assert.match(at['/identity-manager'], /^\d+ skolor$/);
  assert.match(first.text, /href="\/identity-manager\/logg"/, 'the audit log is a link away');
  const before = {
    letters: number(at['/identity-manager/brev']),
    mail: number(at['/identity-manager/post']),
    locked: number(at['#desk-locked']),
  };

  // A letter queued (a new person's first grant), its one-time password's mail refused by the server.
  smtp.setReply('550 No such user');
  const person = mina(['admin', 'person', 'add', '--first', 'Doris', '--last', 'Skrivbord', '--email', 'doris.skrivbord@example.se'], srv.env)
    .stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'grant', '--username', person, '--school', 'DEMO1', '--role', 'studietider'], srv.env).status, 0);
  let letterCount;
  await eventually('the letter is counted', async () => {
    letterCount = number(deskCounts((await c.get('/start')).text)['/identity-manager/brev']);
    return letterCount === before.letters + 1;
  });
  // The newest events in words: the grant, whom and where, and by whom.
  const granted = [...(await c.get('/start')).text.match(/<ul class="desk-list desk-events">([\s\S]*?)<\/ul>/)[1]
    .matchAll(/<li>([\s\S]*?)<\/li>/g)].map(([, item]) => decode(item));
  assert.ok(granted.some((i) => i.includes(`Behörighet tillagd: Doris Skrivbord (${person}) vid DEMO1 (Studietider och utbildningar). Gjort av kommandoraden (`)),
    `the grant is in words:\n${granted.join('\n')}`);
  await eventually('the refused mail is counted', async () => {
    sqlWrite(srv.db, `UPDATE outbox SET not_before = ${srv.sqlNow} WHERE status = 'pending'`);
    return count(`SELECT count(*) FROM outbox o JOIN persons p ON p.id = o.person_id WHERE p.username = '${person}' AND o.status = 'failed'`) === 1;
  }, { intervalMs: 300 });
  smtp.setReply(null);
  const failed = count("SELECT count(*) FROM outbox WHERE status = 'failed'");
  assert.ok(failed > before.mail);
  assert.equal(deskCounts((await c.get('/start')).text)['/identity-manager/post'],
    failed === 1 ? '1 e-postmeddelande kunde inte skickas' : `${failed} e-postmeddelanden kunde inte skickas`);

  // Pelle locks his account: counted, and listed with his schools.
  for (let i = 0; i < 4; i++) await new Client(srv).login(srv.pelle, `wrong-${i}`);
  const locked = await c.get('/start');
  assert.equal(number(deskCounts(locked.text)['#desk-locked']), before.locked + 1);
  const lockedList = locked.text.match(/<h3 id="desk-locked">[\s\S]*?<\/ul>/)[0];
  assert.match(lockedList, new RegExp(`Pelle Test \\(${srv.pelle}\\), låst till \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d, vid`));
  assert.match(lockedList, /<a href="\/identity-manager\/skola\?kod=DEMO1">Demoskolan<\/a>/);

  // The newest events, in words, newest first: Pelle's lock is among them.
  const events = locked.text.match(/<ul class="desk-list desk-events">([\s\S]*?)<\/ul>/)[1];
  const items = [...events.matchAll(/<li>([\s\S]*?)<\/li>/g)].map(([, item]) => decode(item));
  assert.ok(items.length >= 3 && items.length <= 10, `at most ten events: ${items.length}`);
  assert.ok(items.some((i) => i.includes(`Kontot låstes: Pelle Test (${srv.pelle})`)), `the lock is an event:\n${items.join('\n')}`);

  // In English, the same desk in English words.
  const en = new Client(srv, { 'accept-language': 'en' });
  assert.equal((await en.login(agencyName)).status, 303);
  const english = await en.get('/start');
  assert.match(english.text, /<h2 id="desk-heading">Overview<\/h2>/);
  assert.match(deskCounts(english.text)['#desk-locked'], /^\d+ accounts? (is|are) locked now$/);

  // Not kept: a desk read twice is rendered twice (the school staff's Startsida is kept, below).
  const hits = await metric(c, 'hit');
  await c.get('/start');
  await c.get('/start');
  assert.equal(await metric(c, 'hit'), hits, 'the desk is never answered from the page cache');
  assert.equal((await c.submit('/start', '/identity-manager/las-upp', { kod: 'DEMO1', anvandarnamn: srv.pelle })).status, 303);
  assert.equal(number(deskCounts((await c.get('/start')).text)['#desk-locked']), before.locked);
});

test("a school's administrator sees the start page as before, kept rendered, and no desk", async () => {
  const a = await anna();
  const page = await a.get('/start');
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.text, /desk/);
  assert.doesNotMatch(page.text, /Översikt/);
  assert.match(page.text, /Tjänster du har behörighet till vid Demoskolan:/);
  const hits = await metric(a, 'hit');
  await a.get('/start');
  assert.equal(await metric(a, 'hit'), hits + 1, "the school staff's Startsida is still kept rendered");
});

test('an agency administrator with a school grant sees the desk and, below it, the school part', async () => {
  const both = mina(['admin', 'person', 'add', '--first', 'Bodil', '--last', 'Båda', '--email', 'bodil.bada@example.se'], srv.env)
    .stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', both], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', both, '--role', 'agency-admin'], srv.env).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', both, '--school', 'DEMO1', '--role', 'studietider'], srv.env).status, 0);
  const c = await login(both);
  const page = (await c.get('/start')).text;
  const desk = page.indexOf('id="desk-heading"');
  const school = page.indexOf('Tjänster du har behörighet till vid Demoskolan:');
  assert.ok(desk > 0 && school > desk, 'the desk, then the school part');
});

test('a new school with its authorization administrator in one form: the school, the person, the appointment and the letter', async () => {
  const c = await agency();
  const list = await c.get('/identity-manager');
  assert.match(list.text, /Ny skola med behörighetsadministratör/);
  assert.match(list.text, /action="\/identity-manager\/ny-skola"/);
  assert.match(list.text, /Lägg till en skola/, 'the separate form stays');
  const saved = await c.submit('/identity-manager', '/identity-manager/ny-skola', {
    kod: 'NYBDA', namn: 'Nya folkhögskolan', skolform: 'folkhogskola', adress: 'Nya folkhögskolan\nBox 12\n123 45 Nystad',
    fornamn: 'Nora', efternamn: 'Nyutsedd', epost: 'nora.nyutsedd@example.se',
  });
  assert.equal(saved.status, 303, saved.text);
  const username = sql(srv.db, "SELECT username FROM persons WHERE email = 'nora.nyutsedd@example.se'")[0][0];
  assert.match(saved.location, new RegExp(`^/identity-manager\\?m=skola-bda&kod=NYBDA&u=${username}$`));
  assert.match((await c.get(saved.location)).text,
    new RegExp(`Skolan NYBDA är tillagd och ${username} är utsedd till behörighetsadministratör\\. Brevet med användarnamnet ligger i utskriftskön\\.`));
  assert.deepEqual(sql(srv.db, "SELECT name, form FROM schools WHERE code = 'NYBDA'"), [['Nya folkhögskolan', 'folkhogskola']]);
  assert.equal(count(`SELECT count(*) FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.username = '${username}' AND g.school_code = 'NYBDA' AND g.role = 'school-admin'`), 1);
  assert.equal(count(`SELECT count(*) FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.username = '${username}'`), 1, 'the appointment and nothing else');
  for (const kind of ['school.added', 'person.added', 'grant.added', 'otp.scheduled'])
    assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = '${kind}' AND actor = '${agencyName}' AND (school_code = 'NYBDA' OR subject = '${username}')`), 1, kind);
  assert.equal(count(`SELECT count(*) FROM outbox o JOIN persons p ON p.id = o.person_id WHERE p.username = '${username}' AND o.kind = 'otp-first'`), 1, 'the one-time password will follow');

  // The letter names the agency, which appointed her, not "the school's authorization administrator".
  const letter = await eventually('the letter is made', () => {
    const l = sql(srv.db, `SELECT l.status, l.path, l.granted_by FROM letters l JOIN persons p ON p.id = l.person_id WHERE p.username = '${username}'`)[0];
    return l?.[0] === 'rendered' && l;
  });
  assert.equal(letter[2], 'agency');
  const text = pdfText(letter[1]);
  assert.match(text, /CSN har gett dig behörighet till sina webbtjänster i Mina tjänster för Nya folkhögskolan\./);
  assert.doesNotMatch(text, /Behörighetsadministratören/);
  assert.match(text, new RegExp(username));

  // An email someone already has: that person is appointed, and no new account or letter is made.
  const known = await c.submit('/identity-manager', '/identity-manager/ny-skola', {
    kod: 'NYBDA2', namn: 'Andra nya skolan', skolform: 'komvux', adress: 'Box 13\n123 45 Nystad',
    fornamn: 'Nora', efternamn: 'Igen', epost: 'NORA.nyutsedd@example.se',
  });
  assert.equal(known.status, 303, known.text);
  assert.match(known.location, /m=skola-bda-fanns/);
  assert.equal(count("SELECT count(*) FROM persons WHERE lower(email) = 'nora.nyutsedd@example.se'"), 1);
  assert.equal(count(`SELECT count(*) FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.username = '${username}' AND g.school_code = 'NYBDA2' AND g.role = 'school-admin'`), 1);
  assert.equal(count(`SELECT count(*) FROM letters l JOIN persons p ON p.id = l.person_id WHERE p.username = '${username}'`), 1);
});

test('the one form refused: each reason at its field, what was typed kept, and nothing created', async () => {
  const c = await agency();
  const schools = count('SELECT count(*) FROM schools');
  const persons = count('SELECT count(*) FROM persons');
  const audit = count('SELECT count(*) FROM audit_log');
  const refused = await c.submit('/identity-manager', '/identity-manager/ny-skola', {
    kod: 'NYFEL', namn: 'Felskolan', skolform: 'komvux', adress: 'Box 1',
    fornamn: 'Fredrik', efternamn: 'Felpost', epost: 'inte-en-adress',
  });
  assert.equal(refused.status, 422);
  assert.match(refused.text, /<input id="nsa-epost" name="epost" type="email"[^>]* value="inte-en-adress"[^>]* aria-invalid="true" aria-describedby="nsa-epost-error">/);
  assert.match(refused.text, /<p class="field-error" id="nsa-epost-error">E-postadressen ser inte rätt ut/);
  assert.match(refused.text, /<a href="#nsa-epost">E-postadressen ser inte rätt ut/, 'the summary links to the field');
  for (const value of ['value="NYFEL"', 'value="Felskolan"', 'value="Fredrik"', 'value="Felpost"', '>Box 1</textarea>'])
    assert.ok(refused.text.includes(value), `kept: ${value}`);
  assert.match(refused.text, /<option value="komvux" selected>/);

  // Several reasons at once, each at its own field.
  const many = await c.submit('/identity-manager', '/identity-manager/ny-skola', {
    kod: 'NY FEL', namn: '', skolform: 'universitet', adress: '', fornamn: 'Fredrik', efternamn: '', epost: 'fredrik@example.se',
  });
  assert.equal(many.status, 422);
  for (const field of ['kod', 'namn', 'skolform', 'efternamn'])
    assert.match(many.text, new RegExp(`id="nsa-${field}-error"`), field);
  assert.doesNotMatch(many.text, /id="nsa-epost-error"/);

  // A school code already taken: the person is not created either (one transaction).
  const taken = await c.submit('/identity-manager', '/identity-manager/ny-skola', {
    kod: 'DEMO1', namn: 'Dubbel', skolform: 'komvux', adress: 'Box 2', fornamn: 'Tage', efternamn: 'Tagen', epost: 'tage.tagen@example.se',
  });
  assert.equal(taken.status, 422);
  assert.match(taken.text, /<p class="field-error" id="nsa-kod-error">Det finns redan en skola med den koden/);
  assert.equal(count('SELECT count(*) FROM schools'), schools, 'no school');
  assert.equal(count('SELECT count(*) FROM persons'), persons, 'no person');
  assert.equal(count('SELECT count(*) FROM audit_log'), audit, 'nothing to audit: nothing was done');
});

test("a school's administrator cannot use the agency's form: 403, nothing created", async () => {
  const a = await anna();
  const r = await a.submit('/start', '/identity-manager/ny-skola', {
    kod: 'SMYG', namn: 'Smygskolan', skolform: 'komvux', adress: 'Box 3', fornamn: 'Sara', efternamn: 'Smyg', epost: 'sara.smyg@example.se',
  });
  assert.equal(r.status, 403);
  assert.equal(count("SELECT count(*) FROM schools WHERE code = 'SMYG'"), 0);
  assert.equal(count("SELECT count(*) FROM persons WHERE email = 'sara.smyg@example.se'"), 0);
});

test('a new one-time password sent by the agency says the agency sent it; sent by the school, the school', async () => {
  const c = await agency();
  let before = smtp.mails().length;
  assert.equal((await c.submit('/identity-manager/skola?kod=DEMO1', '/identity-manager/engangslosenord', { kod: 'DEMO1', anvandarnamn: srv.pelle })).status, 303);
  const byAgency = await smtp.waitForMail((m, i) => i >= before && m.to.includes('pelle.test@example.se'), 15_000);
  assert.match(byAgency.text, /Hej Pelle! CSN har skickat ett nytt engångslösenord till dig\./);
  assert.doesNotMatch(byAgency.text, /behörighetsadministratör/);

  const a = await anna();
  before = smtp.mails().length;
  assert.equal((await a.submit('/identity-manager/skola?kod=DEMO1', '/identity-manager/engangslosenord', { kod: 'DEMO1', anvandarnamn: srv.pelle })).status, 303);
  const bySchool = await smtp.waitForMail((m, i) => i >= before && m.to.includes('pelle.test@example.se'), 15_000);
  assert.match(bySchool.text, /Hej Pelle! Din skolas behörighetsadministratör har skickat ett nytt engångslösenord till dig\./);
});
