// `mina admin migrate-data` (issue [4]): a SQLite installation filled the way the other tests fill
// one moves to PostgreSQL row for row, every table; the copy then serves, and new rows get new ids.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, Client, mina, sql, sqlWrite, sleep, DEMO_PASSWORD } from '../http/harness.js';
import { startSmtp } from '../http/smtp.js';
import { requirePostgres, freshDatabase, psql } from './cluster.js';

requirePostgres();

let smtp;
let srv;
let db;
before(async () => {
  smtp = await startSmtp();
  // SQLite, whatever backend the rest of the suite runs on: this is the source.
  srv = await startServer({
    MINA_CAPTCHA_TEST_ANSWER: 'testa', MINA_MAIL_SMTP_URL: smtp.url,
    MINA_MAIL_POLL_INTERVAL: '1s', MINA_POLICY_OTP_EMAIL_DELAY: '1s',
  }, 'mina-migrate-', { backend: 'sqlite' });
  db = freshDatabase('mina_migrate_');
});
after(async () => {
  await srv?.stop();
  await smtp?.dispose();
  db?.drop();
});

/** Every row of a table as JSON values, sorted, from either side. */
function sqliteRows(table) {
  const cols = sql(srv.db, `SELECT name FROM pragma_table_info('${table}') ORDER BY cid`).map((r) => r[0]);
  const r = spawnSync('sqlite3', ['-readonly', srv.db, `SELECT json_array(${cols.join(', ')}) FROM ${table}`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  return { cols, rows: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.stringify(JSON.parse(l))).sort() };
}
function pgRows(table, cols) {
  const booleans = new Set(psql(db.url, `SELECT column_name FROM information_schema.columns WHERE table_name = '${table}' AND data_type = 'boolean'`).map((r) => r[0]));
  const exprs = cols.map((c) => (booleans.has(c) ? `${c}::int` : c));
  const r = spawnSync('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', db.url, '-c', `SELECT json_build_array(${exprs.join(', ')}) FROM ${table}`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.stringify(JSON.parse(l))).sort();
}

const PELLE_PASSWORD = 'Ett-tredje-lösenord-2';

test('every table moves row for row, and the copy serves with fresh ids after the copied ones', async () => {
  // Fill every table: sessions and failures, the kiosk, mail, letters, password history, the log.
  const anna = new Client(srv);
  assert.equal((await anna.login(srv.anna)).status, 303);
  assert.equal((await new Client(srv).login(srv.pelle, 'fel')).status, 422);
  for (const [first, email] of [['Mia', 'mia.migrering@example.se'], ['Max', 'max.migrering@example.se']]) {
    const r = await anna.submit('/identity-manager/skola?kod=DEMO1', '/identity-manager/person',
      { kod: 'DEMO1', fornamn: first, efternamn: 'Migrering', epost: email, tjanst: 'studietider' });
    assert.equal(r.status, 303);
  }
  const kiosk = new Client(srv);
  const page = await kiosk.get('/kiosk/glomt');
  assert.equal((await kiosk.post('/kiosk/glomt', { csrf: Client.csrf(page.text), username: srv.pelle, captcha: 'testa' })).status, 303);
  // Two new passwords in the kiosk (each old one goes into the password history; the operator's
  // DEMO_PASSWORD is there too, so the reuse rule keeps Pelle from going back to it).
  for (const [from, to] of [[DEMO_PASSWORD, 'Ett-annat-lösenord-1'], ['Ett-annat-lösenord-1', PELLE_PASSWORD]]) {
    const k = new Client(srv);
    const form = await k.get('/kiosk');
    const signedIn = await k.post('/kiosk', { csrf: Client.csrf(form.text), username: srv.pelle, password: from, captcha: 'testa' });
    assert.equal(signedIn.location, '/kiosk/nytt-losenord');
    const pw = await k.get('/kiosk/nytt-losenord');
    assert.equal((await k.post('/kiosk/nytt-losenord', { csrf: Client.csrf(pw.text), password: to, confirm: to })).status, 303);
  }
  // Studietider: an education, a published period changed into a second version, a contact.
  const pelle = new Client(srv);
  assert.equal((await pelle.login(srv.pelle, PELLE_PASSWORD)).status, 303);
  await pelle.submit('/start', '/skola', { skola: 'DEMO1' });
  const st = '/tjanster/studietider';
  assert.equal((await pelle.submit(st, `${st}/utbildning/ny`, { kod: 'FLYTT-1', namn: 'Flyttad utbildning', niva: 'eftergymnasial', enhet: 'hp', poang: '30' })).status, 303);
  const period = { kod: 'FLYTT-1', etikett: 'HT2026', forsta: '2026-08-31', sista: '2027-01-17', poang: '30', lov: '2026-12-24 – 2026-12-26' };
  assert.equal((await pelle.submit(`${st}/utbildning?kod=FLYTT-1`, `${st}/studietid`, period)).status, 303);
  const pid = sql(srv.db, 'SELECT id FROM study_periods')[0][0];
  assert.equal((await pelle.submit(`${st}/utbildning?kod=FLYTT-1`, `${st}/studietid/publicera`, { kod: 'FLYTT-1', id: pid })).status, 303);
  assert.equal((await pelle.submit(`${st}/utbildning?kod=FLYTT-1`, `${st}/studietid`, { ...period, id: pid, poang: '22,5' })).status, 303);
  assert.equal((await pelle.submit(`${st}/utbildning?kod=FLYTT-1`, `${st}/studietid/publicera`, { kod: 'FLYTT-1', id: pid })).status, 303);
  assert.equal((await pelle.submit(st, `${st}/kontakt`, { namn: 'Kim Kontakt', roll: 'rektor', epost: 'kim@example.se', telefon: '' })).status, 303);
  // Studeranderapportering: a report and its correction, a file with a refused row, an API key used.
  const sr = '/tjanster/studeranderapportering';
  const sent = await pelle.submit(`${sr}/ny`, `${sr}/rapport`, { personnummer: '19821105-9954', namn: 'Kim Flytt', utbildning: 'FLYTT-1', studieperiod: 'HT2026', stodform: 'studiemedel', handelse: 'studiestart', datum: '2026-09-01' });
  assert.equal(sent.status, 303);
  const student = new URL(sent.location, srv.url).searchParams.get('id');
  const [[enrollment, first]] = sql(srv.db, 'SELECT enrollment_id, id FROM report_events');
  assert.equal((await pelle.submit(`${sr}/student?id=${student}`, `${sr}/rapport`, { inskrivning: enrollment, student, handelse: 'studiestart', datum: '2026-09-02', rattar: first, orsak: 'Fel dag' })).status, 303);
  const file = 'personnummer;utbildning;studieperiod;stodform;handelse;datum\n701063-2391;FLYTT-1;HT2026;studiemedel;studiestart;2026-09-01\n870704-9996;FLYTT-1;HT2026;studiemedel;studiestart;2026-09-01\n';
  const form = new FormData();
  form.append('csrf', Client.csrf((await pelle.get(`${sr}/fil`)).text));
  form.append('fil', new Blob([file], { type: 'text/csv' }), 'flytt.csv');
  const preview = await pelle.request('POST', `${sr}/fil`, { body: form });
  assert.equal(preview.status, 200);
  const hidden = (name) => preview.text.match(new RegExp(`name="${name}" value="([^"]*)"`))[1].replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const save = await pelle.post(`${sr}/fil/spara`, { csrf: hidden('csrf'), inlamning: hidden('inlamning'), plan: hidden('plan'), filnamn: hidden('filnamn'), fil: hidden('fil'), satt: 'godkanda' });
  assert.equal(save.status, 303);
  await anna.submit('/start', '/skola', { skola: 'DEMO1' });
  const keys = await anna.submit(`${sr}/api-nycklar`, `${sr}/api-nycklar`, { namn: 'Flyttsystemet' });
  const key = keys.text.match(/<code id="new-key">([^<]+)<\/code>/)[1];
  const used = await new Client(srv).request('POST', '/api/v1/schools/DEMO1/reports', {
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'validate', reports: [{ personnummer: '19821105-9954', utbildning: 'FLYTT-1', handelse: 'avbrott', datum: '2026-10-01' }] }),
  });
  assert.equal(used.status, 200, used.text);
  await smtp.waitForMail((m) => m.to.includes('mia.migrering@example.se'), 15_000);
  await sleep(1500);  // the letters rendered and the mail settled: nothing more will change
  // Single sign-on (issue [11]): a client, a key, a waiting request, a used code (revoked: its
  // second use), a subject and an assertion, written as the provider writes them.
  const [[annaId]] = sql(srv.db, `SELECT id FROM persons WHERE username = '${srv.anna}'`);
  sqlWrite(srv.db, `INSERT INTO oidc_clients VALUES ('semafor', 'Semafor', 'abc123', 0, 'https://semafor.example.se/cb' || char(10) || 'http://127.0.0.1:9/cb', '', '', '', 'RS256', 1800000000);
    INSERT INTO oidc_keys VALUES ('kid-1', 'ES256', '{"kty":"EC"}', 'sealed', 1800000000, NULL);
    INSERT INTO oidc_pending VALUES ('pending-1', 'semafor', 'client_id=semafor&state=s', 1800000000, 1800000000, 4000000000);
    INSERT INTO oidc_used_codes VALUES ('001800000000code-1', 'semafor', 4000000000, 1);
    INSERT INTO oidc_subjects VALUES (${annaId}, 'subject-anna');
    INSERT INTO oidc_assertions VALUES ('semafor', 'jti-1', 4000000000);`);
  // The second factor (issue [12]): an app, recovery codes, a passkey, a login step and a challenge.
  sqlWrite(srv.db, `INSERT INTO totp_factors VALUES (${annaId}, 'sealed-secret', 59000000, 1800000000);
    INSERT INTO recovery_codes VALUES (${annaId}, 'digest-1', 1800000000, NULL), (${annaId}, 'digest-2', 1800000000, 1800000100);
    INSERT INTO passkeys VALUES ('cred-1', ${annaId}, 'Nyckeln', -7, 'pk-1', 4294967295, 1, 1800000000, 1800000200);
    INSERT INTO login_steps VALUES ('step-1', ${annaId}, 'enrol', 1, 1800000000, 4000000000);
    INSERT INTO webauthn_challenges VALUES ('challenge-1', 'login', '', 4000000000);`);

  const tables = sql(srv.db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name").map((r) => r[0]);
  for (const t of tables) assert.ok(Number(sql(srv.db, `SELECT count(*) FROM ${t}`)[0][0]) > 0, `the source's ${t} has rows`);

  // The installation runs while it is read: one snapshot.
  const moved = mina(['admin', 'migrate-data', '--from', `sqlite:${srv.db}`, '--to', db.url], srv.env);
  assert.equal(moved.status, 0, moved.stderr);
  assert.match(moved.stdout, /moved \d+ rows in 35 tables; every count checked/);
  for (const t of tables) {
    const { cols, rows } = sqliteRows(t);
    assert.match(moved.stdout, new RegExp(`^${t}\\t${rows.length}$`, 'm'), `${t} is reported`);
    assert.deepEqual(pgRows(t, cols), rows, `${t}: every row, every column`);
  }

  // Into a database that is not empty: refused, and nothing is added.
  const again = mina(['admin', 'migrate-data', '--from', `sqlite:${srv.db}`, '--to', db.url], srv.env);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /the target is not empty/);

  // The copy serves: the same people log in, and a new person gets an id after the copied ones.
  const pg = await startServer({ MINA_DATABASE_URL: db.url }, 'mina-migrated-');
  try {
    assert.equal((await new Client(pg).login(srv.pelle, PELLE_PASSWORD)).status, 303);
    const maxId = Number(psql(db.url, 'SELECT max(id) FROM persons')[0][0]);
    const add = mina(['admin', 'person', 'add', '--first', 'Ny', '--last', 'Efteråt', '--email', 'ny.efterat@example.se'], pg.env);
    assert.equal(add.status, 0, add.stderr);
    assert.ok(Number(psql(db.url, "SELECT id FROM persons WHERE email = 'ny.efterat@example.se'")[0][0]) > maxId);
  } finally {
    await pg.stop();
  }
});
