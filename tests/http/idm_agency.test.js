// The Identity Manager's tools for the agency and for many people at once, over real HTTP (issue
// [3] §2–§3): schools with their letter address and contact person (shown in Kontakta oss), the
// failed-mail list, the audit log with its filters, and adding people from a CSV file with a
// preview of every row's fate before anything is saved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, sql, sqlWrite, eventually, mina, rawExchange, DEMO_PASSWORD } from './harness.js';
import { startSmtp } from './smtp.js';
import { stockholmToday } from './days.js';

let smtp;
let srv;
let agencyName;
before(async () => {
  smtp = await startSmtp();
  srv = await startServer({ MINA_MAIL_SMTP_URL: smtp.url, MINA_MAIL_POLL_INTERVAL: '1s', MINA_SERVER_MAX_UPLOAD_BYTES: '1048576' });
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
async function login(username) {
  const c = new Client(srv);
  assert.equal((await c.login(username)).status, 303);
  return c;
}
const agency = () => login(agencyName);
const anna = () => login(srv.anna);
const SCHOOL = '/identity-manager/skola?kod=DEMO1';

/** Uploads `csv` (a string or bytes) as the import file of `school`, as the browser's form does. */
async function upload(c, school, csv, { filename = 'personer.csv', csrf } = {}) {
  const page = await c.get(SCHOOL);
  const form = new FormData();
  form.append('csrf', csrf ?? Client.csrf(page.text));
  form.append('kod', school);
  form.append('fil', new Blob([csv], { type: 'text/csv' }), filename);
  return c.request('POST', '/identity-manager/import', { body: form });
}
/** The hidden fields of the preview's save form. */
function saveForm(html) {
  const field = (name) => {
    const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
    return m ? m[1].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : null;
  };
  return { csrf: field('csrf'), kod: field('kod'), plan: field('plan'), filnamn: field('filnamn'), fil: field('fil') };
}
/** The audit log's rows: its time, the kind in words and as its code, and the other cells. */
/** A detail's days sit in <span class="nowrap"> (one line each); the text is what a reader reads. */
const auditRows = (html) =>
  [...html.matchAll(/<tr><td[^>]*>([^<]*)<\/td><td[^>]*>([^<]*) <code class="audit-code">([^<]*)<\/code><\/td><td[^>]*>([^<]*)<\/td><td[^>]*>([^<]*)<\/td><td[^>]*>([^<]*)<\/td><td[^>]*>((?:[^<]|<\/?span[^>]*>)*)<\/td><td[^>]*>([^<]*)<\/td><\/tr>/g)]
    .map(([, at, words, kind, actor, subject, school, detail, address]) =>
      ({ at, words, kind, actor, subject, school, detail: detail.replace(/<\/?span[^>]*>/g, ''), address }));
const rowOf = (html, line) => {
  const m = html.match(new RegExp(`<tr[^>]*><td>${line}</td>([\\s\\S]*?)</tr>`));
  return m ? m[1] : '';
};

test('the agency adds a school and changes its details; bad input is refused with its reason; a school admin cannot', async () => {
  const c = await agency();
  const list = await c.get('/identity-manager');
  assert.match(list.text, /Lägg till en skola/);
  for (const [form, reason] of [
    [{ kod: 'NY SKOLA', namn: 'Nya skolan', skolform: 'komvux' }, /Skolkoden ska vara 1–16/],
    [{ kod: 'DEMO1', namn: 'Dubbel', skolform: 'komvux' }, /finns redan en skola med den koden/],
    [{ kod: 'NY1', namn: '', skolform: 'komvux' }, /Skriv skolans namn/],
    [{ kod: 'NY1', namn: 'Nya skolan', skolform: 'universitet' }, /Välj en skolform/],
    [{ kod: 'NY1', namn: 'Nya skolan', skolform: 'komvux', adress: '1\n2\n3\n4\n5\n6\n7' }, /högst 6 rader/],
    [{ kod: 'NY1', namn: 'Nya skolan', skolform: 'komvux', kontaktperson: 'x'.repeat(101) }, /Kontaktpersonens namn/],
  ]) {
    const r = await c.submit('/identity-manager', '/identity-manager/skolor', form);
    assert.equal(r.status, 422, JSON.stringify(form));
    assert.match(r.text, reason);
    assert.match(r.text, /Inget har sparats/);
  }
  assert.equal(count("SELECT count(*) FROM schools WHERE code IN ('NY1', 'NY SKOLA')"), 0);
  assert.equal(count("SELECT count(*) FROM schools WHERE name = 'Dubbel'"), 0);

  const added = await c.submit('/identity-manager', '/identity-manager/skolor', {
    kod: 'NY1', namn: 'Nya Komvux', skolform: 'komvux', adress: 'Nya Komvux\r\nBox 1\r\n\r\n123 45 Småstad',
    kontaktperson: 'Kim Kontakt', kontakttelefon: '010-123 45 67',
  });
  assert.equal(added.status, 303);
  assert.match((await c.get(added.location)).text, /Skolan NY1 är tillagd/);
  assert.deepEqual(sql(srv.db, `SELECT name, form, replace(postal_address, ${srv.sqlNewline}, '|'), contact_name FROM schools WHERE code = 'NY1'`)[0],
    ['Nya Komvux', 'komvux', 'Nya Komvux|Box 1|123 45 Småstad', 'Kim Kontakt'], 'saved, with the blank line left out');

  const page = await c.get('/identity-manager/skola?kod=NY1');
  assert.match(page.text, /Skolans uppgifter/);
  assert.match(page.text, /<option value="komvux" selected>/);
  const changed = await c.submit('/identity-manager/skola?kod=NY1', '/identity-manager/skoluppgifter', {
    kod: 'NY1', namn: 'Nya Komvux i Småstad', skolform: 'komvux', adress: 'Box 2\n123 45 Småstad',
    kontaktperson: 'Kim Kontakt', kontakttelefon: '010-765 43 21',
  });
  assert.equal(changed.status, 303);
  assert.match((await c.get(changed.location)).text, /Skolans uppgifter är sparade/);
  assert.equal(sql(srv.db, "SELECT name FROM schools WHERE code = 'NY1'")[0][0], 'Nya Komvux i Småstad');
  const refused = await c.submit('/identity-manager/skola?kod=NY1', '/identity-manager/skoluppgifter', {
    kod: 'NY1', namn: 'Nytt namn', skolform: 'komvux', adress: 'x'.repeat(61),
  });
  assert.equal(refused.status, 422);
  assert.match(refused.text, /högst 60 tecken/);
  assert.match(refused.text, /value="Nytt namn"/, 'what was typed is shown again');
  assert.equal(sql(srv.db, "SELECT name FROM schools WHERE code = 'NY1'")[0][0], 'Nya Komvux i Småstad', 'nothing changed');
  assert.ok(count("SELECT count(*) FROM audit_log WHERE kind IN ('school.added', 'school.changed') AND school_code = 'NY1'") === 2);

  // A school admin can do neither, by form.
  const a = await anna();
  const byAdmin = await a.submit(SCHOOL, '/identity-manager/skolor', { kod: 'NY2', namn: 'Smyg', skolform: 'komvux' });
  assert.equal(byAdmin.status, 403);
  const editByAdmin = await a.submit(SCHOOL, '/identity-manager/skoluppgifter', { kod: 'DEMO1', namn: 'Kapad', skolform: 'komvux' });
  assert.equal(editByAdmin.status, 403);
  assert.equal(count("SELECT count(*) FROM schools WHERE code = 'NY2' OR name = 'Kapad'"), 0);
  assert.doesNotMatch((await a.get(SCHOOL)).text, /Skolans uppgifter/, 'the school admin is not offered the form');
});

test("Kontakta oss shows the chosen school's contact person at the agency (R15)", async () => {
  const c = await agency();
  const r = await c.submit(SCHOOL, '/identity-manager/skoluppgifter', {
    kod: 'DEMO1', namn: 'Demoskolan', skolform: 'gymnasieskola', adress: 'Demoskolan\nBox 1\n111 11 Demostad',
    kontaktperson: 'Karin Kontaktsson', kontakttelefon: '010-111 22 33',
  });
  assert.equal(r.status, 303);
  const pelle = await login(srv.pelle);
  await pelle.submit('/start', '/skola', { skola: 'DEMO1' });
  const contact = await pelle.get('/kontakta-oss');
  assert.match(contact.text, /Karin Kontaktsson/);
  assert.match(contact.text, /010-111 22 33/);
  await pelle.submit('/start', '/skola', { skola: 'DEMO2' });
  assert.doesNotMatch((await pelle.get('/kontakta-oss')).text, /Karin Kontaktsson/, "another school: the agency's default contact");
});

test('the failed-mail list: what the mail server refused, sent again from the web; the agency only', async () => {
  smtp.setReply('550 No such user');
  const c = await agency();
  const sent = await c.submit(SCHOOL, '/identity-manager/engangslosenord', { kod: 'DEMO1', anvandarnamn: srv.pelle });
  assert.equal(sent.status, 303);
  // Each refusal puts the next try 30 s or more ahead: move it to now, until the mail has failed.
  let list;
  await eventually('the refused mail on the failed-mail list', async () => {
    sqlWrite(srv.db, `UPDATE outbox SET not_before = ${srv.sqlNow} WHERE status = 'pending'`);
    list = await c.get('/identity-manager/post');
    return /pelle\.test@example\.se/.test(list.text);
  }, { intervalMs: 300 });
  assert.equal(list.status, 200);
  assert.match(list.text, /pelle\.test@example\.se/);
  assert.match(list.text, /Nytt engångslösenord/, 'Pelle has a password: a reset password (issue [7] §8)');
  assert.match(list.text, /550/);
  const id = list.text.match(/name="id" value="(\d+)"/)[1];

  const a = await anna();
  assert.equal((await a.get('/identity-manager/post')).status, 403);
  assert.equal((await a.submit(SCHOOL, '/identity-manager/post/igen', { id })).status, 403);
  assert.equal(sql(srv.db, `SELECT status FROM outbox WHERE id = ${id}`)[0][0], 'failed', 'a school admin changed nothing');

  smtp.setReply(null);
  const retried = await c.submit('/identity-manager/post', '/identity-manager/post/igen', { id });
  assert.equal(retried.status, 303);
  assert.match((await c.get(retried.location)).text, /1 e-postmeddelande skickas igen/);
  const mail = await smtp.waitForMail((m) => m.to.includes('pelle.test@example.se'), 10_000);
  assert.match(mail.text ?? mail.body ?? JSON.stringify(mail), /ngångslösenord/);
  assert.match((await c.get('/identity-manager/post')).text, /All e-post har kunnat skickas/);
  const again = await c.submit('/identity-manager/post', '/identity-manager/post/igen', { id });
  assert.equal(again.status, 404, 'no longer failed');
});

test('the audit log: filtered by person, school, kind and time, paged; the agency only', async () => {
  const c = await agency();
  const all = await c.get('/identity-manager/logg');
  assert.equal(all.status, 200);
  assert.match(all.text, /<option value="login.succeeded">|<option value="login\.[a-z]+">/);

  const byPerson = await c.get(`/identity-manager/logg?person=${srv.anna.toUpperCase()}`);
  const rows = auditRows(byPerson.text);
  assert.ok(rows.length > 0);
  for (const { actor, subject } of rows) assert.ok(actor === srv.anna || subject === srv.anna, `${actor} ${subject}`);

  const bySchool = await c.get('/identity-manager/logg?skola=NY1');
  assert.match(bySchool.text, /school\.added/);
  assert.doesNotMatch(bySchool.text, /<td>DEMO1<\/td>/);

  const byFamily = await c.get('/identity-manager/logg?typ=school');
  const kinds = auditRows(byFamily.text).map((r) => r.kind);
  assert.ok(kinds.length >= 2);
  assert.ok(kinds.every((k) => k.startsWith('school.')), kinds.join());

  const today = stockholmToday();  // the filter's days are Stockholm's, as the page shows them
  assert.match((await c.get(`/identity-manager/logg?fran=${today}&till=${today}&typ=school.added`)).text, /NY1/);
  assert.match((await c.get('/identity-manager/logg?till=2001-01-01')).text, /Inga händelser stämmer med valet/);
  const badDate = await c.get('/identity-manager/logg?fran=29/11/2026');
  assert.equal(badDate.status, 422);
  assert.match(badDate.text, /Skriv dagen som ÅÅÅÅ-MM-DD/);
  assert.equal((await c.get('/identity-manager/logg?fran=2026-02-30')).status, 422, 'no such day');

  // Paging: older than a given event, newest first.
  const ids = sql(srv.db, 'SELECT id FROM audit_log ORDER BY id DESC LIMIT 3').map((r) => Number(r[0]));
  const older = await c.get(`/identity-manager/logg?fore=${ids[1]}`);
  const newest = sql(srv.db, `SELECT kind FROM audit_log WHERE id = ${ids[2]}`)[0][0];
  assert.equal(auditRows(older.text)[0].kind, newest);

  const a = await anna();
  assert.equal((await a.get('/identity-manager/logg')).status, 403);
});

test('the audit log in the reader\'s language: a locked login and its details in words, the code beside them ([9] §8)', async () => {
  const add = mina(['admin', 'person', 'add', '--first', 'Lars', '--last', 'Låsberg', '--email', 'lars.lasberg@example.se'], srv.env);
  const user = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', user], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  for (let i = 1; i <= 4; i++) assert.equal((await new Client(srv).login(user, `fel-lösenord-${i}`)).status, 422);
  assert.equal((await new Client(srv).login(user)).status, 422, 'locked: even the right password is refused');
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'login.refused_locked' AND subject = '${user}'`), 1);
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'login.failed' AND detail = 'attempt 4'`), 1, 'stored as it was');

  const sv = await (await agency()).get(`/identity-manager/logg?person=${user}`);
  const rows = auditRows(sv.text);
  const of = (kind) => rows.find((r) => r.kind === kind) ?? assert.fail(`no ${kind} in ${JSON.stringify(rows)}`);
  assert.equal(of('login.refused_locked').words, 'Inloggning nekad: kontot är låst');
  assert.equal(of('account.locked').words, 'Kontot låstes');
  assert.match(of('account.locked').detail, /^Låst till \d{4}-\d\d-\d\d/);
  assert.deepEqual(rows.filter((r) => r.kind === 'login.failed').map((r) => r.detail),
    ['Försök nummer 4', 'Försök nummer 3', 'Försök nummer 2', 'Försök nummer 1']);
  assert.ok(rows.every((r) => r.words !== r.kind), 'every kind in words');
  assert.doesNotMatch(sv.text, /<td>login\.refused_locked<\/td>|attempt 4|<td>until /);
  assert.match(sv.text, /<option value="login\.refused_locked">Inloggning nekad: kontot är låst<\/option>/);

  const c = new Client(srv, { 'accept-language': 'en' });
  assert.equal((await c.login(agencyName)).status, 303);
  const en = auditRows((await c.get(`/identity-manager/logg?person=${user}`)).text);
  const enOf = (kind) => en.find((r) => r.kind === kind);
  assert.equal(enOf('login.refused_locked').words, 'Login refused: the account is locked');
  assert.match(enOf('account.locked').detail, /^Locked until \d{4}-/);
  assert.equal(enOf('login.failed').detail, 'Attempt number 4');
});

test('CSV import: the preview shows every row\'s fate and saves nothing; saving changes exactly the good rows', async () => {
  const c = await anna();
  const csv = [
    'förnamn;efternamn;e-post;tjänster',
    'Britt;Andersson;britt.andersson@example.se;studietider',
    '"Kalle ""KG""";Ek;kalle.ek@example.se;"studietider, studeranderapportering"',
    'Anna;Admin;ANNA.ADMIN@example.se;studeranderapportering',
    'Pelle;Test;pelle.test@example.se;studietider',
    'Britt;Dubbel;Britt.Andersson@example.se;studietider',
    'Fel;Adress;inte-en-adress;studietider',
    'Okänd;Tjänst;okand.tjanst@example.se;studiemedel',
    'Utan;Tjänst;utan.tjanst@example.se;',
    ';Efternamn;tomt.fornamn@example.se;studietider',
    '',
  ].join('\r\n');
  const persons = count('SELECT count(*) FROM persons');
  const grants = count('SELECT count(*) FROM grants');
  const preview = await upload(c, 'DEMO1', csv);
  assert.equal(preview.status, 200, preview.text);
  assert.match(preview.text, /Inget är sparat än/);
  assert.match(preview.text, /Nya personer: 2\. Finns redan och får tjänster: 1\. Har redan tjänsterna: 1\. Rader som inte tas med: 5\./);
  assert.match(rowOf(preview.text, 2), /Ny person/);
  assert.match(rowOf(preview.text, 3), /Kalle &quot;KG&quot; Ek/);
  assert.match(rowOf(preview.text, 4), new RegExp(`Finns redan som ${srv.anna}: får tjänsterna`));
  assert.match(rowOf(preview.text, 5), new RegExp(`Finns redan som ${srv.pelle} och har redan tjänsterna`));
  assert.match(rowOf(preview.text, 6), /samma e-postadress som rad 2/);
  assert.match(rowOf(preview.text, 7), /e-postadressen ser inte rätt ut/);
  assert.match(rowOf(preview.text, 8), /tjänsten ”studiemedel” finns inte/);
  assert.match(rowOf(preview.text, 9), /ingen tjänst/);
  assert.match(rowOf(preview.text, 10), /förnamn och efternamn behövs/);
  assert.equal(count('SELECT count(*) FROM persons'), persons, 'the preview saved nothing');
  assert.equal(count('SELECT count(*) FROM grants'), grants);

  const form = saveForm(preview.text);
  assert.match(preview.text, /Spara 3 rader/);
  const saved = await c.post('/identity-manager/import/spara', form);
  assert.equal(saved.status, 303, saved.text);
  assert.match((await c.get(saved.location)).text, /Filen är sparad\. Nya personer: 2\. Fick tjänster: 1\./);
  assert.equal(count('SELECT count(*) FROM persons'), persons + 2, 'exactly the two new people');
  assert.equal(count("SELECT count(*) FROM persons WHERE email IN ('inte-en-adress', 'okand.tjanst@example.se', 'utan.tjanst@example.se', 'tomt.fornamn@example.se')"), 0);
  assert.equal(count("SELECT count(*) FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.email = 'kalle.ek@example.se' AND g.school_code = 'DEMO1'"), 2);
  assert.equal(count(`SELECT count(*) FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.username = '${srv.anna}' AND g.school_code = 'DEMO1' AND g.role = 'studeranderapportering'`), 1);
  // R2/R3 for the new, R14 for the known: letters and first one-time passwords only for the two new.
  assert.equal(count("SELECT count(*) FROM letters l JOIN persons p ON p.id = l.person_id WHERE p.email IN ('britt.andersson@example.se', 'kalle.ek@example.se')"), 2);
  assert.equal(count("SELECT count(*) FROM outbox WHERE kind = 'otp-first' AND recipient IN ('britt.andersson@example.se', 'kalle.ek@example.se')"), 2);
  assert.equal(count("SELECT count(*) FROM outbox WHERE kind = 'otp-first' AND recipient = 'anna.admin@example.se'"), 0);
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'import.saved' AND actor = '${srv.anna}' AND school_code = 'DEMO1'`), 1);

  // The same file again: nothing new to save.
  const again = await upload(c, 'DEMO1', csv);
  assert.match(again.text, /Nya personer: 0\. Finns redan och får tjänster: 0\. Har redan tjänsterna: 4\./);
  assert.match(again.text, /Det finns inget att spara i filen/);
  assert.doesNotMatch(again.text, /import\/spara/);
});

test('CSV import: a change between preview and save is shown, and nothing is saved', async () => {
  const c = await anna();
  const csv = 'Sara;Snabb;sara.snabb@example.se;studietider\nTore;Tidig;tore.tidig@example.se;studietider\n';
  const preview = await upload(c, 'DEMO1', csv);
  assert.match(preview.text, /Nya personer: 2\./);
  // Meanwhile someone adds Tore one at a time.
  const single = await c.submit(SCHOOL, '/identity-manager/person', { kod: 'DEMO1', fornamn: 'Tore', efternamn: 'Tidig', epost: 'tore.tidig@example.se', tjanst: 'studietider' });
  assert.equal(single.status, 303);
  const persons = count('SELECT count(*) FROM persons');
  const saved = await c.post('/identity-manager/import/spara', saveForm(preview.text));
  assert.equal(saved.status, 409);
  assert.match(saved.text, /Något har ändrats sedan förhandsgranskningen/);
  assert.match(saved.text, /Nya personer: 1\. Finns redan och får tjänster: 0\. Har redan tjänsterna: 1\./);
  assert.equal(count('SELECT count(*) FROM persons'), persons, 'nothing saved');
  assert.equal(count("SELECT count(*) FROM persons WHERE email = 'sara.snabb@example.se'"), 0);
  const second = await c.post('/identity-manager/import/spara', saveForm(saved.text));
  assert.equal(second.status, 303, 'the new preview saves');
  assert.equal(count("SELECT count(*) FROM persons WHERE email = 'sara.snabb@example.se'"), 1);
});

test('CSV import: a spreadsheet file in Windows-1252 with commas, a large file, and files that cannot be read', async () => {
  const c = await anna();
  const latin1 = Buffer.from('Förnamn,Efternamn,E-post,Tjänster\r\nÅsa,Öberg,asa.oberg@example.se,Studietider och utbildningar\r\n', 'latin1');
  const preview = await upload(c, 'DEMO1', latin1);
  assert.equal(preview.status, 200);
  assert.match(rowOf(preview.text, 2), /Åsa Öberg/);
  assert.match(rowOf(preview.text, 2), /Ny person/);

  // Larger than an ordinary request may be (64 KiB): 1,500 rows.
  const rows = ['förnamn;efternamn;e-post;tjänster'];
  for (let i = 0; i < 1500; i++) rows.push(`Person${i};Massimport;person${i}.massimport@example.se;studietider`);
  const big = await upload(c, 'DEMO1', rows.join('\n'));
  assert.equal(big.status, 200);
  assert.match(big.text, /Nya personer: 1500\./);

  for (const [file, reason] of [
    ['', /Filen har inga rader med personer/],
    ['namn;adress\nx;y\n', /första rad ska ha rubrikerna/],
    ['Ann;Ek;"ann@example.se;studietider\n', /citattecken/],
  ]) {
    const r = await upload(c, 'DEMO1', file);
    assert.equal(r.status, 422, file);
    assert.match(r.text, reason);
    assert.match(r.text, /Inget har sparats/);
  }
});

test('CSV import: scope and CSRF are checked on the server; another school or a forged form changes nothing', async () => {
  const c = await anna();
  const csv = 'Smyg;Smygsson;smyg@example.se;studietider\n';
  assert.equal((await upload(c, 'DEMO2', csv)).status, 403);
  assert.equal((await upload(c, 'DEMO1', csv, { csrf: 'forged' })).status, 403);
  const preview = await upload(c, 'DEMO1', csv);
  const form = saveForm(preview.text);
  assert.equal((await c.post('/identity-manager/import/spara', { ...form, kod: 'DEMO2' })).status, 403);
  assert.equal((await c.post('/identity-manager/import/spara', { ...form, csrf: 'forged' })).status, 403);
  const pelle = await login(srv.pelle);
  assert.equal((await pelle.post('/identity-manager/import/spara', { ...form, csrf: Client.csrf((await pelle.get('/start')).text) })).status, 403);
  assert.equal(count("SELECT count(*) FROM persons WHERE email = 'smyg@example.se'"), 0);
});

test('only the upload targets take large bodies, and those only up to server.max_upload_bytes', async () => {
  const c = await anna();
  const rows = ['förnamn;efternamn;e-post;tjänster'];
  for (let i = 0; i < 20000; i++) rows.push(`Person${i};Jättefil;person${i}.jattefil@example.se;studietider`);
  const tooBig = await upload(c, 'DEMO1', rows.join('\n')).catch(() => ({ status: 'closed' }));
  assert.ok(tooBig.status === 413 || tooBig.status === 'closed', `got ${tooBig.status}`);
  // An ordinary form with a body over max_body_bytes (64 KiB) is refused from its header alone.
  const raw = await rawExchange(srv.port, ['POST /identity-manager/person HTTP/1.1\r\nHost: x\r\n' +
    'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n']);
  assert.match(raw.data, /^HTTP\/1\.1 413/);
  assert.equal(count("SELECT count(*) FROM persons WHERE lower(email) LIKE '%jattefil%'"), 0);
});
