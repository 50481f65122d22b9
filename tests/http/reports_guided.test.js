// Reporting that guides ([10] items 2 and 5): the report form asks for the event first and then
// shows that event's fields only (from the core's table of what each event needs); the study
// period is chosen from the school's published periods; the file preview speaks of rows and people
// with the checksum only on request; revoking an API key and withdrawing ("Återkalla") a study
// period or an education ask first, and the server acts only on bekrafta=ja.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, Client, sql, mina } from './harness.js';
import { day, pnr } from './days.js';

let srv;
const BASE = '/tjanster/studeranderapportering';
const ST = '/tjanster/studietider';
const HEADER = 'Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;Sista dag;Poäng;Studietakt;Lov;Status';
const count = (q) => Number(sql(srv.db, q)[0][0]);
const text = (html) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const hidden = (html, name) => html.match(new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`))?.[1] ?? null;

async function pelle(school = 'DEMO1') {
  const c = new Client(srv);
  assert.equal((await c.login(srv.pelle)).status, 303);
  assert.equal((await c.submit('/start', '/skola', { skola: school })).status, 303);
  return c;
}
function grant(username, school, role) {
  const r = mina(['admin', 'grant', '--username', username, '--role', role, '--school', school], srv.env);
  assert.equal(r.status, 0, r.stderr);
}
async function upload(c, url, csv, filename) {
  const form = new FormData();
  form.append('csrf', Client.csrf((await c.get(url.startsWith(ST) ? ST : url)).text));
  form.append('fil', new Blob([csv], { type: 'text/csv' }), filename);
  return c.request('POST', url, { body: form });
}

before(async () => {
  srv = await startServer({}, 'mina-guided-');
  grant(srv.pelle, 'DEMO1', 'studeranderapportering');
  const c = await pelle();
  const preview = await upload(c, `${ST}/fil`, [HEADER,
    `SSK1;Sjuksköterskeprogrammet;eftergymnasial;ingen;;nej;nej;HT2026;${day(-60)};${day(150)};;100;;publicerad`,
    `SSK1;Sjuksköterskeprogrammet;eftergymnasial;ingen;;nej;nej;VT2027;${day(151)};${day(300)};;100;;publicerad`,
    `EKO1;Ekonomi 1;gymnasieniva;ingen;;nej;nej;HT2026;${day(-60)};${day(150)};;100;;publicerad`,
  ].join('\r\n'), 'studietider.csv');
  assert.equal(preview.status, 200, text(preview.text).slice(0, 800));
  const done = await c.post(`${ST}/fil/spara`, { csrf: hidden(preview.text, 'csrf'), plan: hidden(preview.text, 'plan'), filnamn: hidden(preview.text, 'filnamn'), fil: hidden(preview.text, 'fil') });
  assert.equal(done.status, 303, text(done.text).slice(0, 800));
});
after(async () => {
  await srv?.stop();
});

const fieldNames = (html) => [...html.matchAll(/<(?:input|select)[^>]*name="([^"]+)"/g)].map((m) => m[1]);

test('the report form: the event first, then only the fields that event needs; "Byt händelse" goes back with it marked', async () => {
  const c = await pelle();
  const first = await c.get(`${BASE}/ny`);
  assert.equal(first.status, 200);
  assert.match(first.text, /Steg 1 av 2/);
  assert.match(first.text, /<form method="get" action="\/tjanster\/studeranderapportering\/ny"/);
  assert.equal((first.text.match(/<input id="kind-[^"]+" name="handelse" type="radio"/g) ?? []).length, 13, 'every event a choice');
  assert.ok(!fieldNames(first.text).includes('datum'), 'no fields before the event is chosen');

  const expected = {
    studiestart: [],
    avbrott: [],
    'ej-paborjat': [],
    'franvaro-slut': [],
    studietid: ['sista_dag'],
    lov: ['sista_dag'],
    studieuppehall: ['sista_dag'],
    'andrad-studietid': ['sista_dag'],
    'franvaro-start': ['sista_dag'],
    'andrad-omfattning': ['studietakt', 'poang'],
    skolk: ['timmar'],
    studieresultat: ['godkand', 'poang'],
  };
  const eventFields = ['sista_dag', 'studietakt', 'poang', 'timmar', 'godkand'];
  for (const [kind, wanted] of Object.entries(expected)) {
    const page = await c.get(`${BASE}/ny?handelse=${kind}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Steg 2 av 2/);
    const names = fieldNames(page.text);
    assert.deepEqual(names.filter((n) => eventFields.includes(n)).sort(), [...wanted].sort(), kind);
    for (const n of ['personnummer', 'utbildning', 'studieperiod', 'stodform', 'datum']) assert.ok(names.includes(n), `${kind}: ${n}`);
    assert.equal(hidden(page.text, 'handelse'), kind);
    assert.ok(page.text.includes(`href="${BASE}/ny?byt=${kind}"`), `${kind}: Byt händelse`);
  }
  const optional = await c.get(`${BASE}/ny?handelse=franvaro-start`);
  assert.match(optional.text, /Sista dag \(frivilligt\)/, 'a planned absence may give its last day');
  const again = await c.get(`${BASE}/ny?byt=skolk`);
  assert.match(again.text, /Steg 1 av 2/);
  assert.match(again.text, /id="kind-skolk" name="handelse" type="radio" value="skolk" checked/);
  // An unknown event from a bookmark: step 1 again.
  assert.match((await c.get(`${BASE}/ny?handelse=semester`)).text, /Steg 1 av 2/);
});

test('the study period is chosen from the school\'s published periods; the hint names them as the school does', async () => {
  const c = await pelle();
  const page = await c.get(`${BASE}/ny?handelse=studiestart`);
  assert.match(page.text, /<select id="studieperiod" name="studieperiod"/);
  assert.ok(!/<input[^>]*name="studieperiod"/.test(page.text), 'no free text: the core takes a published label or none');
  assert.ok(page.text.includes(`<option value="HT2026">HT2026 – Sjuksköterskeprogrammet (${day(-60)}–${day(150)})</option>`), text(page.text).slice(0, 2000));
  assert.ok(page.text.includes(`<option value="VT2027">VT2027 – Sjuksköterskeprogrammet (${day(151)}–${day(300)})</option>`));
  assert.match(page.text, /<option value="">Den studieperiod som datumet ligger i<\/option>/);
  assert.match(page.text, /till exempel HT2026\./);
  assert.doesNotMatch(page.text, /HT26\b/);

  // Chosen, saved; refused, the choice kept with the error beside it.
  const csrf = Client.csrf(page.text);
  const A = pnr('1990-03-01', 1);
  const ok = await c.post(`${BASE}/rapport`, { csrf, personnummer: A, utbildning: 'SSK1', studieperiod: 'HT2026', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-50) });
  assert.equal(ok.status, 303, text(ok.text).slice(0, 1500));
  const bad = await c.post(`${BASE}/rapport`, { csrf, personnummer: pnr('1990-03-01', 2), utbildning: 'SSK1', studieperiod: 'HT26', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-50) });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /<option value="HT26" selected>HT26<\/option>/, 'what was sent, kept');
  assert.match(bad.text, /id="studieperiod-error"/);
  assert.match(bad.text, /Steg 2 av 2/);
  assert.equal(hidden(bad.text, 'handelse'), 'studiestart');
  // An event the core does not know: the choice of event again, with the error.
  const unknown = await c.post(`${BASE}/rapport`, { csrf, personnummer: A, utbildning: 'SSK1', handelse: 'semester', datum: day(-5) });
  assert.equal(unknown.status, 422);
  assert.match(unknown.text, /Steg 1 av 2/);
  assert.match(unknown.text, /id="errors" tabindex="-1"/);
});

test('the student page: "Rapportera en händelse" asks for the event, then its fields; a correction shows its event\'s fields only', async () => {
  const c = await pelle();
  const csrf = Client.csrf((await c.get(`${BASE}/ny`)).text);
  const B = pnr('1990-03-01', 3);
  const made = await c.post(`${BASE}/rapport`, { csrf, personnummer: B, utbildning: 'EKO1', studieperiod: 'HT2026', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-40) });
  assert.equal(made.status, 303);
  const student = Number(made.location.match(/id=(\d+)/)[1]);
  const enrollment = count(`SELECT min(id) FROM enrollments WHERE student_id = ${student}`);
  const page = await c.get(`${BASE}/student?id=${student}`);
  assert.match(page.text, /<form method="get" action="\/tjanster\/studeranderapportering\/student">/);
  // The correction of a study start asks for its day and why, nothing else.
  const correction = page.text.match(/<form method="post" action="\/tjanster\/studeranderapportering\/rapport">[\s\S]*?name="rattar"[\s\S]*?<\/form>/)[0];
  assert.deepEqual(fieldNames(correction).filter((n) => !['csrf', 'inskrivning', 'student', 'rattar', 'handelse'].includes(n)), ['datum', 'orsak']);
  const step2 = await c.get(`${BASE}/student?id=${student}&inskrivning=${enrollment}&handelse=studieresultat`);
  assert.equal(step2.status, 200);
  const form = step2.text.match(/<details open><summary>Rapportera en händelse<\/summary>[\s\S]*?<\/details>/)[0];
  assert.deepEqual(fieldNames(form).filter((n) => ['datum', 'sista_dag', 'studietakt', 'poang', 'timmar', 'godkand'].includes(n)).sort(), ['datum', 'godkand', 'poang']);
  assert.ok(form.includes(`href="${BASE}/student?id=${student}#enrollment-${enrollment}"`), 'Byt händelse');
  const saved = await c.post(`${BASE}/rapport`, { csrf, inskrivning: String(enrollment), student: String(student), handelse: 'studieresultat', datum: day(-2), godkand: 'ja' });
  assert.equal(saved.status, 303, text(saved.text).slice(0, 1500));
  // Dates on one line in the list and the history (a narrow column must not break 2026-08-24 at its hyphens).
  const list = (await c.get(BASE)).text;
  assert.ok(list.includes(`<span class="sr-date">${day(-40)}</span>`), 'the list');
  assert.match(list, /<td [^>]*class="[^"]*sr-date[^"]*"[^>]*>\d{4}-\d{2}-\d{2} \d{2}:\d{2}<\/td><\/tr>/, 'when it was reported, in the list');
  assert.ok((await c.get(`${BASE}/student?id=${student}`)).text.includes(`<span class="sr-date">${day(-2)}</span>`), 'the history');
});

test('the file preview speaks of rows and people; the SHA-256 only on request, the save\'s check unchanged', async () => {
  const c = await pelle();
  const P = (i) => pnr('1991-04-01', i);
  const csv = ['personnummer;utbildning;studieperiod;stodform;handelse;datum',
    `${P(1)};SSK1;HT2026;studiemedel;studiestart;${day(-40)}`,
    `${P(1)};SSK1;HT2026;;avbrott;${day(-10)}`,
    `${P(2)};SSK1;HT2026;studiemedel;studiestart;${day(-40)}`,
    `${P(3)};SSK1;HT2026;studiemedel;avbrott;${day(-40)}`,
    '150916-0006;SSK1;HT2026;studiemedel;studiestart;' + day(-40),
    ''].join('\r\n');
  const preview = await upload(c, `${BASE}/fil`, Buffer.from(csv), 'rader.csv');
  assert.equal(preview.status, 200, text(preview.text).slice(0, 1500));
  assert.match(text(preview.text), /5 rader, 3 studerande, 2 rader med fel\. Godkända: 3\. Redan rapporterade: 0\./);
  const sha = createHash('sha256').update(Buffer.from(csv)).digest('hex');
  assert.match(preview.text, new RegExp(`<details class="sr-checksum"><summary>Kontrollsumma</summary><p>SHA-256: <code>${sha}</code></p></details>`));
  assert.ok(preview.text.indexOf(sha) > preview.text.indexOf('<table'), 'not before the rows');
  assert.match(preview.text, new RegExp(`<td class="sr-date">${day(-40)}</td>`), 'a date on one line');
  const one = await upload(c, `${BASE}/fil`, Buffer.from(['personnummer;utbildning;studieperiod;stodform;handelse;datum', `${P(4)};SSK1;HT2026;studiemedel;studiestart;${day(-40)}`, ''].join('\r\n')), 'en.csv');
  assert.match(text(one.text), /1 rad, 1 studerande, 0 rader med fel\./);
  const saved = await c.post(`${BASE}/fil/spara`, { csrf: hidden(one.text, 'csrf'), inlamning: hidden(one.text, 'inlamning'), plan: hidden(one.text, 'plan'), filnamn: 'en.csv', fil: hidden(one.text, 'fil'), satt: 'alla' });
  assert.equal(saved.status, 303);
});

test('revoking an API key asks first, naming the key and its day; without bekrafta=ja nothing is revoked', async () => {
  const c = await pelle();
  grant(srv.pelle, 'DEMO1', 'school-admin');
  const c2 = await pelle();
  const keys = await c2.get(`${BASE}/api-nycklar`);
  assert.equal(keys.status, 200, text(keys.text).slice(0, 500));
  const made = await c2.post(`${BASE}/api-nycklar`, { csrf: Client.csrf(keys.text), namn: 'Lärplattform' });
  assert.equal(made.status, 200);
  const id = count("SELECT id FROM api_keys WHERE name = 'Lärplattform'");
  const created = sql(srv.db, `SELECT created_at FROM api_keys WHERE id = ${id}`)[0][0];
  const page = await c2.get(`${BASE}/api-nycklar`);
  assert.match(page.text, /data-confirm="Återkalla API-nyckeln Lärplattform\? API-nyckeln ”Lärplattform” \(skapad \d{4}-\d{2}-\d{2}\) slutar fungera direkt\.[^"]*" data-confirm-yes="Återkalla"/);
  assert.match(page.text, /<td><span class="sr-date">\d{4}-\d{2}-\d{2} \d{2}:\d{2}<\/span>, /, 'the day a key was made on one line');
  const csrf = Client.csrf(page.text);
  const asked = await c2.post(`${BASE}/api-nycklar/aterkalla`, { csrf, kod: 'DEMO1', id: String(id) });
  assert.equal(asked.status, 200);
  assert.match(asked.text, /<h1>Återkalla API-nyckeln Lärplattform\?<\/h1>/);
  assert.match(asked.text, /API-nyckeln ”Lärplattform” \(skapad \d{4}-\d{2}-\d{2}\) slutar fungera direkt/);
  assert.match(asked.text, /<input type="hidden" name="bekrafta" value="ja">/);
  assert.ok(asked.text.includes(`href="${BASE}/api-nycklar?kod=DEMO1"`), 'Avbryt leads back');
  assert.equal(count(`SELECT count(*) FROM api_keys WHERE id = ${id} AND revoked_at IS NULL`), 1, 'not revoked by the first click');
  assert.ok(created);
  // Not a key of this school: no question, no revocation.
  assert.equal((await c2.post(`${BASE}/api-nycklar/aterkalla`, { csrf, kod: 'DEMO1', id: '999999' })).status, 404);
  const done = await c2.post(`${BASE}/api-nycklar/aterkalla`, { csrf, kod: 'DEMO1', id: String(id), bekrafta: 'ja' });
  assert.equal(done.status, 303);
  assert.equal(count(`SELECT count(*) FROM api_keys WHERE id = ${id} AND revoked_at IS NOT NULL`), 1);
  void c;
});

test('"Återkalla" in Studietider asks first for a study period and for an education, naming them; only bekrafta=ja withdraws', async () => {
  const c = await pelle();
  const page = await c.get(`${ST}/utbildning?kod=SSK1`);
  const csrf = Client.csrf(page.text);
  const period = count("SELECT p.id FROM study_periods p JOIN educations e ON e.id = p.education_id WHERE e.code = 'SSK1' AND p.label = 'VT2027'");
  assert.match(page.text, /data-confirm="Återkalla studieperioden VT2027\? Studieperioden VT2027 i Sjuksköterskeprogrammet återkallas\. Studerande ser den inte längre[^"]*" data-confirm-yes="Återkalla"/);
  const asked = await c.post(`${ST}/studietid/aterkalla`, { csrf, kod: 'SSK1', id: String(period) });
  assert.equal(asked.status, 200);
  assert.match(asked.text, /<h1>Återkalla studieperioden VT2027\?<\/h1>/);
  assert.match(asked.text, /Studieperioden VT2027 i Sjuksköterskeprogrammet återkallas\. Studerande ser den inte längre/);
  assert.equal(count(`SELECT count(*) FROM study_periods WHERE id = ${period} AND withdrawn_at IS NULL`), 1, 'not withdrawn by the first click');
  assert.equal((await c.post(`${ST}/studietid/aterkalla`, { csrf, kod: 'SSK1', id: String(period), bekrafta: 'ja' })).status, 303);
  assert.equal(count(`SELECT count(*) FROM study_periods WHERE id = ${period} AND withdrawn_at IS NOT NULL`), 1);

  const askedEdu = await c.post(`${ST}/utbildning/aterkalla`, { csrf, kod: 'EKO1' });
  assert.equal(askedEdu.status, 200);
  assert.match(askedEdu.text, /<h1>Återkalla utbildningen Ekonomi 1\?<\/h1>/);
  assert.match(askedEdu.text, /Utbildningen Ekonomi 1 \(EKO1\) återkallas/);
  assert.equal(count("SELECT count(*) FROM educations WHERE code = 'EKO1' AND withdrawn_at IS NULL"), 1, 'not withdrawn by the first click');
  assert.equal((await c.post(`${ST}/utbildning/aterkalla`, { csrf, kod: 'EKO1', bekrafta: 'ja' })).status, 303);
  assert.equal(count("SELECT count(*) FROM educations WHERE code = 'EKO1' AND withdrawn_at IS NOT NULL"), 1);
});
