// Studeranderapportering over real HTTP (issue [6]): a school reports events about its students on
// its published study periods, by form, by file (with a preview of every row's fate) and by API
// with a school's key; every rule refused with its conflict named and nothing saved; corrections
// supersede the newest report only; the lists show numbers masked, a student's page in full and
// every read of it is in the audit log (never the number itself); protected identities are hidden
// in lists and exports; scope by school and grant; the agency's counts. Dates are relative to
// today (UTC, as the server's rules take it), never written out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, Client, sql, mina, eventually, DEMO_PASSWORD } from './harness.js';
import { day, checkDigit, pnr } from './days.js';

let srv;
const BASE = '/tjanster/studeranderapportering';
const ST = '/tjanster/studietider';

const MONTH = day(0).slice(0, 7);
const story = (seq) => pnr('1970-02-01', seq);   // the form stories' students
const masked = (n) => `${n.slice(0, 6)}-****`;
/** Every number the tests send, to check that none is in the audit log in any form. */
const numbersUsed = new Set();

// ---- Swedish messages (i18n/sv.toml, keys sr_*): short stable fragments ----
const M = {
  not_started_yet: /Studiestarten är inte rapporterad/,
  before_start: (date) => new RegExp(`Händelsen ligger före studiestarten \\(${date}\\)\\.`),
  after_end: (date) => new RegExp(`Händelsen ligger efter sista studiedagen \\(${date}\\)\\.`),
  in_the_future: /Datumet har inte varit än/,
  ended: /Studierna är avslutade \(Avbruten\): bara studieresultat och rättelser tas emot/,
  not_absent: /Den studerande är inte frånvarande/,
  too_short: /kortare än 7 dagar/,
  pace_not_allowed: /Studiehjälp ges bara för heltidsstudier/,
  skolk_not_studiehjalp: /Skolk rapporteras bara för studerande med studiehjälp/,
  skolk_too_few_hours: /Skolk rapporteras från 4 timmar/,
  already_superseded: /redan rättad/,
  no_such_event: /Rapporten som ska rättas finns inte/,
  reason_missing: /Ange varför rapporten rättas/,
  support_missing: /Ange stödform: det är den studerandes första rapport på studieperioden/,
  education_unknown: (code) => new RegExp(`Skolan har ingen utbildning med koden ”${code}”`),
  check_digit: /Kontrollsiffran stämmer inte/,
  birth_number_000: /Födelsenumret 000/,
  bad_shape: /10 eller 12 siffror/,
};

// ---- Database, only through counts both dialects read alike ----
const count = (q) => Number(sql(srv.db, q)[0][0]);
const events = () => count('SELECT count(*) FROM report_events');
const totals = () => sql(srv.db, 'SELECT (SELECT count(*) FROM report_events), (SELECT count(*) FROM students), (SELECT count(*) FROM enrollments)')[0].join();
const lastEvent = () => count('SELECT max(id) FROM report_events');
const enrollmentOf = (student) => count(`SELECT min(id) FROM enrollments WHERE student_id = ${Number(student)}`);
const audits = (kind, subject) =>
  count(`SELECT count(*) FROM audit_log WHERE kind = '${kind}'${subject ? ` AND subject = '${subject}'` : ''}`);

// ---- Clients ----
async function as(username, school) {
  const c = new Client(srv);
  assert.equal((await c.login(username)).status, 303, `login ${username}`);
  if (school) assert.equal((await c.submit('/start', '/skola', { skola: school })).status, 303, `choose ${school}`);
  return c;
}
const pelle = (school = 'DEMO1') => as(srv.pelle, school);
/** A new person with a password and the given grants: [[school, role], ...] (school '' for the agency). */
function person(first, last, grants) {
  const add = mina(['admin', 'person', 'add', '--first', first, '--last', last, '--email', `${first}.${last}@example.se`.toLowerCase()], srv.env);
  assert.equal(add.status, 0, add.stderr);
  const username = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', username], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  for (const [school, role] of grants) grant(username, school, role);
  return username;
}
function grant(username, school, role) {
  const args = ['admin', 'grant', '--username', username, '--role', role];
  if (school) args.push('--school', school);
  const r = mina(args, srv.env);
  assert.equal(r.status, 0, r.stderr);
}
/** The list's search, as its form sends it (POST: a personal number never in a URL). */
async function search(c, fields) {
  return c.post(BASE, { csrf: await csrfOf(c), ...fields });
}
async function csrfOf(c) {
  if (!c.csrfToken) c.csrfToken = Client.csrf((await c.get(BASE)).text);
  assert.ok(c.csrfToken, 'a CSRF token on the service page');
  return c.csrfToken;
}

// ---- Reports by form ----
async function report(c, fields) {
  if (fields.personnummer) numbersUsed.add(fields.personnummer);
  return c.post(`${BASE}/rapport`, { csrf: await csrfOf(c), ...fields });
}
/** A report that must be saved; returns the student's id. (Counted, to check the database's count.) */
let savedByForm = 0;
async function saved(c, fields) {
  const r = await report(c, fields);
  assert.equal(r.status, 303, `${JSON.stringify(fields)} should be saved, got ${r.status}:\n${errorsOf(r.text)}`);
  const m = (r.location ?? '').match(/^\/tjanster\/studeranderapportering\/student\?id=(\d+)&m=sparad$/);
  assert.ok(m, `saved: ${r.location}`);
  savedByForm++;
  return Number(m[1]);
}
/** A report that must be refused with `message`; nothing is saved. */
async function refused(c, fields, message) {
  const before = totals();
  const r = await report(c, fields);
  assert.equal(r.status, 422, `${JSON.stringify(fields)} should be refused, got ${r.status} ${r.location ?? ''}`);
  assert.match(r.text, message, `${JSON.stringify(fields)}:\n${errorsOf(r.text)}`);
  assert.match(r.text, new RegExp(`action="${BASE}/rapport"`), 'the form again');
  assert.equal(totals(), before, 'nothing saved');
  return r;
}
/** For failure messages: the page's text without tags, shortened. */
const errorsOf = (html) => html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ')
  .replace(/\s+/g, ' ').slice(0, 1500);

/** One student id per table row that links a student page (the list's rows). */
function listRows(html) {
  const ids = [];
  for (const m of html.matchAll(/<tr[\s>][\s\S]*?<\/tr>/g)) {
    const link = m[0].match(/\/tjanster\/studeranderapportering\/student\?id=(\d+)/);
    if (link) ids.push(Number(link[1]));
  }
  return ids;
}
/** The rows of a preview by their line (the first cell), each row's inner HTML. */
function rowsByLine(html) {
  const out = new Map();
  for (const m of html.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)) {
    const cell = m[1].match(/^\s*<t[dh][^>]*>\s*(\d+)\s*<\/t[dh]>/);
    if (cell) out.set(Number(cell[1]), m[1]);
  }
  return out;
}
const unescape = (v) => v.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
  .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
  .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const hidden = (html, name) => {
  const m = html.match(new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`)) ??
    html.match(new RegExp(`<input[^>]*value="([^"]*)"[^>]*name="${name}"`));
  return m ? unescape(m[1]) : null;
};

// ---- Files ----
async function upload(c, url, csv, filename) {
  const form = new FormData();
  form.append('csrf', await csrfOf(c));
  form.append('fil', new Blob([csv], { type: 'text/csv' }), filename);
  return c.request('POST', url, { body: form });
}
/** The preview's save form: its hidden fields (null when it has none). */
function saveForm(html) {
  if (!html.includes(`action="${BASE}/fil/spara"`)) return null;
  const f = {};
  for (const name of ['csrf', 'inlamning', 'plan', 'filnamn', 'fil']) f[name] = hidden(html, name);
  return f;
}

// ---- The API ----
async function api(key, school, body, { raw } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  for (const r of body?.reports ?? []) if (r.personnummer) numbersUsed.add(r.personnummer);
  const res = await fetch(`${srv.url}/api/v1/schools/${school}/reports`, { method: 'POST', headers, body: raw ?? JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

before(async () => {
  srv = await startServer({}, 'mina-reports-');
  // Pelle reports at both demo schools (studietider he has at both).
  grant(srv.pelle, 'DEMO1', 'studeranderapportering');
  grant(srv.pelle, 'DEMO2', 'studeranderapportering');
  const HEADER = 'Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;Sista dag;Poäng;Studietakt;Lov;Status';
  const educations = async (school, rows) => {
    const c = await pelle(school);
    const page = await c.get(ST);
    const form = new FormData();
    form.append('csrf', Client.csrf(page.text));
    form.append('fil', new Blob([[HEADER, ...rows].join('\r\n')], { type: 'text/csv' }), 'studietider.csv');
    const preview = await c.request('POST', `${ST}/fil`, { body: form });
    assert.equal(preview.status, 200, errorsOf(preview.text));
    const field = (name) => hidden(preview.text, name);
    const done = await c.post(`${ST}/fil/spara`, { csrf: field('csrf'), plan: field('plan'), filnamn: field('filnamn'), fil: field('fil') });
    assert.equal(done.status, 303, errorsOf(done.text));
  };
  await educations('DEMO1', [
    `EKO1;Ekonomi 1;gymnasieniva;ingen;;nej;nej;HT26;${day(-60)};${day(150)};;100;;publicerad`,
    `EKO1;Ekonomi 1;gymnasieniva;ingen;;nej;nej;VT27;${day(151)};${day(300)};;100;;publicerad`,
    `EKO2;Ekonomi 2;gymnasieniva;ingen;;nej;nej;VT26;${day(-200)};${day(-20)};;100;;publicerad`,
  ]);
  await educations('DEMO2', [`EKO9;Ekonomi 9;gymnasieniva;ingen;;nej;nej;HT26;${day(-60)};${day(150)};;100;;publicerad`]);
  assert.equal(count("SELECT count(*) FROM study_periods"), 4);
});
after(async () => {
  await srv?.stop();
});

test('the check digit of the test vectors (the tests\' own generator)', () => {
  assert.equal(checkDigit('821105995'), 4);
  assert.equal(checkDigit('090527147'), 4);
  assert.equal(checkDigit('701063239'), 1);
  assert.notEqual(checkDigit('870704999'), 6);
});

test('reports by form: each of the 13 kinds accepted in a valid sequence; every rule refused with its conflict, nothing saved', async () => {
  const c = await pelle();
  const form = await c.get(BASE);
  assert.equal(form.status, 200);

  // Student A, studiemedel on EKO1 HT26 (HT26: 60 days ago to 150 days ahead).
  const A = story(1);
  const a = { personnummer: A, namn: 'Astrid Andersson', utbildning: 'EKO1' };
  await refused(c, { ...a, studieperiod: 'HT26', stodform: 'studiemedel', handelse: 'avbrott', datum: day(-50) }, M.not_started_yet);
  await refused(c, { ...a, handelse: 'studiestart', datum: day(-55) }, M.support_missing);
  await refused(c, { ...a, studieperiod: 'HT26', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-61) }, M.before_start(day(-60)));
  // The period is the published one the day falls in when none is named.
  const sA = await saved(c, { ...a, stodform: 'studiemedel', handelse: 'studiestart', datum: day(-55) });
  assert.equal(count(`SELECT count(*) FROM enrollments WHERE student_id = ${sA}`), 1);
  const dup = totals();
  const again = await report(c, { ...a, stodform: 'studiemedel', handelse: 'studiestart', datum: day(-55) });
  assert.equal(again.status, 303);
  assert.equal(again.location, `${BASE}/student?id=${sA}&m=dubblett`);
  assert.equal(totals(), dup, 'a duplicate saves nothing');

  // After the first report the support is known: no stodform needed.
  const onA = { personnummer: A, utbildning: 'EKO1', studieperiod: 'HT26' };
  assert.equal(await saved(c, { ...onA, handelse: 'studietid', datum: day(-55), sista_dag: day(150) }), sA);
  await saved(c, { ...onA, handelse: 'lov', datum: day(-45), sista_dag: day(-42) });
  await refused(c, { ...onA, handelse: 'franvaro-slut', datum: day(-41) }, M.not_absent);
  await saved(c, { ...onA, handelse: 'franvaro-start', datum: day(-40) });
  await saved(c, { ...onA, handelse: 'franvaro-slut', datum: day(-35) });
  await refused(c, { ...onA, handelse: 'studieuppehall', datum: day(-30), sista_dag: day(-27) }, M.too_short);
  await saved(c, { ...onA, handelse: 'studieuppehall', datum: day(-30), sista_dag: day(-21) });
  await refused(c, { ...onA, handelse: 'skolk', datum: day(-25), timmar: '6' }, M.skolk_not_studiehjalp);
  await saved(c, { ...onA, handelse: 'andrad-omfattning', datum: day(-10), studietakt: '75' });
  await saved(c, { ...onA, handelse: 'andrad-studietid', datum: day(-5), sista_dag: day(140) });
  await saved(c, { ...onA, handelse: 'studieresultat', datum: day(-3), godkand: 'ja', poang: '22,5' });
  await refused(c, { ...onA, handelse: 'avbrott', datum: day(5) }, M.in_the_future);
  await saved(c, { ...onA, handelse: 'avbrott', datum: day(-2) });
  await refused(c, { ...onA, handelse: 'avbrott', datum: day(-1) }, M.ended);
  await refused(c, { ...onA, handelse: 'lov', datum: day(-1), sista_dag: day(0) }, M.ended);
  await saved(c, { ...onA, handelse: 'studieresultat', datum: day(-1), godkand: 'nej' });

  // Student B, studiehjälp: full time only, skolk from 4 hours.
  const b = { personnummer: story(2), namn: 'Bertil Berg', utbildning: 'EKO1', studieperiod: 'HT26' };
  const sB = await saved(c, { ...b, stodform: 'studiehjalp', handelse: 'studiestart', datum: day(-58) });
  assert.notEqual(sB, sA);
  await refused(c, { ...b, handelse: 'andrad-omfattning', datum: day(-10), studietakt: '75' }, M.pace_not_allowed);
  await refused(c, { ...b, handelse: 'skolk', datum: day(-25), timmar: '3' }, M.skolk_too_few_hours);
  await saved(c, { ...b, handelse: 'skolk', datum: day(-25), timmar: '6' });
  await saved(c, { ...b, handelse: 'byte-av-skola', datum: day(-1) });

  // Student C never started.
  await saved(c, { personnummer: story(3), utbildning: 'EKO1', studieperiod: 'HT26', stodform: 'studiemedel', handelse: 'ej-paborjat', datum: day(-50) });

  // Student D on EKO2 VT26, which ended 20 days ago.
  const d = { personnummer: story(4), utbildning: 'EKO2', studieperiod: 'VT26' };
  await saved(c, { ...d, stodform: 'studiemedel', handelse: 'studiestart', datum: day(-150) });
  await refused(c, { ...d, handelse: 'avbrott', datum: day(-10) }, M.after_end(day(-20)));

  // The personal numbers of domain-csn.md §3.
  const start = { utbildning: 'EKO1', studieperiod: 'HT26', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-50) };
  await refused(c, { ...start, personnummer: '870704-9996' }, M.check_digit);
  await refused(c, { ...start, personnummer: '150916-0006' }, M.birth_number_000);
  await refused(c, { ...start, personnummer: '090527 1474' }, M.bad_shape);
  const s821 = await saved(c, { ...start, personnummer: '821105-9954' });
  for (const same of ['19821105-9954', '198211059954']) {
    const r = await report(c, { ...start, personnummer: same });
    assert.equal(r.status, 303);
    assert.equal(r.location, `${BASE}/student?id=${s821}&m=dubblett`, `${same} is the same student`);
  }
  await saved(c, { ...start, personnummer: '090527+1474' });
  await saved(c, { ...start, personnummer: '701063-2391' });
  await refused(c, { ...start, personnummer: story(5), utbildning: 'NOPE' }, M.education_unknown('NOPE'));

  const kinds = sql(srv.db, 'SELECT DISTINCT kind FROM report_events').map((r) => r[0]).sort();
  assert.equal(events(), savedByForm, 'each report said to be saved is saved, once');
  assert.deepEqual(kinds, ['andrad-omfattning', 'andrad-studietid', 'avbrott', 'byte-av-skola', 'ej-paborjat', 'franvaro-slut',
    'franvaro-start', 'lov', 'skolk', 'studieresultat', 'studiestart', 'studietid', 'studieuppehall'], 'every kind saved once at least');
  assert.equal(count(`SELECT count(*) FROM report_events e JOIN enrollments n ON n.id = e.enrollment_id WHERE n.student_id = ${sA}`), 11);
  assert.equal(count(`SELECT count(*) FROM report_events WHERE reported_by = '${srv.pelle}' AND channel = 'webb' AND school_code = 'DEMO1'`), events());
  assert.equal(count(`SELECT count(*) FROM report_events WHERE reported_month = '${MONTH}'`), events());
  assert.equal(count("SELECT count(*) FROM audit_log WHERE kind = 'report.sent'"), events());
});

test('a correction supersedes the newest report, with a reason; the student page shows the history, the number in full, and is audited', async () => {
  const c = await pelle();
  const E = story(10);
  const sE = await saved(c, { personnummer: E, namn: 'Erik Eriksson', utbildning: 'EKO1', studieperiod: 'HT26', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-50) });
  const first = lastEvent();
  const enrollment = enrollmentOf(sE);
  const page = await c.get(`${BASE}/student?id=${sE}`);
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(`name="inskrivning" value="${enrollment}"`), 'the page reports on its enrollment by its id');

  const correct = { inskrivning: String(enrollment), student: String(sE), handelse: 'studiestart' };  // as the page's forms send
  await refused(c, { ...correct, datum: day(-48), rattar: String(first) }, M.reason_missing);
  const r = await report(c, { ...correct, datum: day(-48), rattar: String(first), orsak: 'Fel datum' });
  assert.equal(r.status, 303, errorsOf(r.text));
  assert.equal(r.location, `${BASE}/student?id=${sE}&m=sparad`);
  const second = lastEvent();
  assert.equal(count(`SELECT supersedes FROM report_events WHERE id = ${second}`), first);
  await refused(c, { ...correct, datum: day(-47), rattar: String(first), orsak: 'Fel datum igen' }, M.already_superseded);
  await refused(c, { ...correct, datum: day(-47), rattar: String(second) }, M.reason_missing);
  await refused(c, { ...correct, datum: day(-47), rattar: '99999999', orsak: 'Finns inte' }, M.no_such_event);
  // The corrected start holds: a change before it is refused, one after it saved.
  await refused(c, { ...correct, handelse: 'avbrott', datum: day(-49) }, M.before_start(day(-48)));
  assert.equal(count("SELECT count(*) FROM audit_log WHERE kind = 'report.corrected'"), 1);

  const reads = audits('report.student_read', `student:${sE}`);
  const shown = await c.get(`${BASE}/student?id=${sE}`);
  assert.equal(shown.status, 200);
  assert.ok(shown.text.includes(E), `the number in full, ${E}`);
  // Who reported: the person's name, not the username ([9] §8).
  assert.match(shown.text, /<td[^>]*>Pelle Test, <span class="nowrap">\d{4}-\d\d-\d\d[^<]*<\/span>, [^<]*<\/td>/, 'who reported, by name');
  assert.doesNotMatch(shown.text, new RegExp(`<td[^>]*>${srv.pelle}, `), 'not by username');
  assert.match(shown.text, /Fel datum/, 'why it was corrected');
  const newer = shown.text.indexOf(day(-48));
  const older = shown.text.indexOf(day(-50));
  assert.ok(newer >= 0 && older >= 0, 'both events in the history');
  assert.ok(newer < older, 'newest first');
  await c.get(`${BASE}/student?id=${sE}`);
  assert.equal(audits('report.student_read', `student:${sE}`), reads + 2, 'every read of the page is in the audit log');
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'report.student_read' AND subject = 'student:${sE}' AND actor = '${srv.pelle}' AND school_code = 'DEMO1'`), reads + 2);

  assert.equal((await c.get(`${BASE}/student?id=99999999`)).status, 404);
});

test('the list masks numbers, pages and filters, is audited when searched by number; protected identities are hidden; the export is CSV', async () => {
  const c = await pelle();
  const list = await c.get(BASE);
  assert.equal(list.status, 200);
  const rows = listRows(list.text);
  assert.ok(rows.length >= 20, `rows: ${rows.length}`);
  assert.ok(rows.length <= 50, 'fifty a page');
  const newest = count('SELECT n.student_id FROM report_events e JOIN enrollments n ON n.id = e.enrollment_id WHERE e.id = (SELECT max(id) FROM report_events WHERE school_code = \'DEMO1\')');
  assert.equal(rows[0], newest, 'newest first');
  assert.ok(list.text.includes('821105-****'), 'numbers masked');
  assert.ok(list.text.includes(masked(story(1))));
  for (const n of [story(1), story(2), story(10), '821105-9954', '8211059954']) assert.ok(!list.text.includes(n), `never the full number ${n}`);

  // By number: one student, audited without the number.
  const searches = audits('report.search_number');
  for (const typed of ['821105-9954', '19821105-9954']) {
    const found = await search(c, { personnummer: typed });
    assert.equal(found.status, 200);
    const ids = listRows(found.text);
    assert.equal(ids.length, 1, `${typed}: one report`);
    assert.ok(found.text.includes('821105-****'));
    assert.ok(!found.text.includes('821105-9954') || found.text.includes(`value="${typed}"`), 'only the typed number, never one from the database');
  }
  assert.equal(audits('report.search_number'), searches + 2);
  const bad = await search(c, { personnummer: '870704-9996' });
  assert.ok([200, 422].includes(bad.status), String(bad.status));
  assert.match(bad.text, M.check_digit);
  assert.equal(listRows(bad.text).length, 0, 'no rows');

  // By kind, education, period, name.
  const skolk = await c.get(`${BASE}?handelse=skolk`);
  assert.equal(listRows(skolk.text).length, count("SELECT count(*) FROM report_events WHERE kind = 'skolk' AND school_code = 'DEMO1'"));
  const eko2 = await c.get(`${BASE}?utbildning=EKO2`);
  assert.equal(listRows(eko2.text).length, count("SELECT count(*) FROM report_events e JOIN enrollments n ON n.id = e.enrollment_id JOIN educations d ON d.id = n.education_id WHERE d.code = 'EKO2' AND e.school_code = 'DEMO1'"));
  assert.ok(listRows(eko2.text).length > 0);
  const vt26 = await c.get(`${BASE}?studieperiod=VT26`);
  assert.deepEqual(listRows(vt26.text), listRows(eko2.text));
  const byName = await search(c, { namn: 'bertil' });
  assert.equal(listRows(byName.text).length, 3, 'part of a name, any case: Bertil\'s three reports');
  assert.equal(new Set(listRows(byName.text)).size, 1);
  assert.equal(listRows((await c.get(`${BASE}?handelse=finns-inte`)).text).length, 0);

  // The export: every row, masked unless asked; audited.
  const exports = audits('report.export');
  const csv = await c.get(`${BASE}/export`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  const lines = csv.text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l !== '');
  assert.ok(lines[0].startsWith('rapport;personnummer;namn;utbildning;studieperiod;handelse;datum'), lines[0]);
  assert.equal(lines.length - 1, count("SELECT count(*) FROM report_events WHERE school_code = 'DEMO1'"));
  assert.ok(csv.text.includes('821105-****'));
  assert.ok(!csv.text.includes('821105-9954'));
  const full = await c.post(`${BASE}/export`, { csrf: await csrfOf(c), fullstandiga: 'ja', utbildning: 'EKO1' });
  assert.equal(full.status, 200);
  assert.ok(full.text.includes('821105-9954'), 'in full when asked');
  assert.ok(full.text.includes(story(1)));
  assert.ok(!full.text.includes(story(4)), 'the filter holds (EKO2 only has student D)');
  assert.equal(audits('report.export'), exports + 2);

  // A protected identity: no number and no name in the list or the export.
  const P = story(20);
  const sP = await saved(c, { personnummer: P, namn: 'Hemlig Hemligsson', utbildning: 'EKO1', studieperiod: 'HT26', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-45) });
  assert.ok((await c.get(BASE)).text.includes(masked(P)));
  const changed = await c.post(`${BASE}/student`, { csrf: await csrfOf(c), id: String(sP), namn: 'Hemlig Hemligsson', skyddad: 'ja' });
  assert.equal(changed.status, 303, errorsOf(changed.text));
  assert.equal(count(`SELECT protected_identity FROM students WHERE id = ${sP}`), 1);
  assert.equal(audits('report.student_changed', `student:${sP}`), 1);
  const hiddenList = await c.get(BASE);
  assert.ok(listRows(hiddenList.text).includes(sP), 'the report is listed');
  assert.ok(!hiddenList.text.includes(P.slice(0, 6)), 'no number, not even masked');
  assert.ok(!hiddenList.text.includes('Hemligsson'), 'no name');
  for (const url of [`${BASE}/export`, `${BASE}/export?fullstandiga=ja`]) {
    const exported = (await c.get(url)).text;
    assert.ok(!exported.includes(P.slice(0, 6)), url);
    assert.ok(!exported.includes('Hemligsson'), url);
    const row = exported.split(/\r?\n/).find((l) => l.includes(';skyddad;'));
    assert.ok(row, `${url}: the student is shown as skyddad`);
    assert.match(row, /;EKO1;HT26;studiestart;/);
  }
});

test('scope: another school\'s students and educations are out of reach; without the grant every route is 403', async () => {
  const c2 = await pelle('DEMO2');
  const sA = count(`SELECT min(student_id) FROM enrollments WHERE school_code = 'DEMO1'`);
  const enrollment = enrollmentOf(sA);
  assert.ok([403, 404].includes((await c2.get(`${BASE}/student?id=${sA}`)).status), 'a DEMO1 student from DEMO2');
  const before = totals();
  const onEko1 = await report(c2, { personnummer: story(30), utbildning: 'EKO1', studieperiod: 'HT26', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-50) });
  assert.equal(onEko1.status, 422);
  assert.match(onEko1.text, M.education_unknown('EKO1'));
  const onEnrollment = await report(c2, { inskrivning: String(enrollment), handelse: 'studieresultat', datum: day(-1), godkand: 'ja' });
  assert.ok([403, 404, 422].includes(onEnrollment.status), String(onEnrollment.status));
  const renamed = await c2.post(`${BASE}/student`, { csrf: await csrfOf(c2), id: String(sA), namn: 'Kapad', skyddad: 'ja' });
  assert.ok([403, 404].includes(renamed.status), String(renamed.status));
  assert.equal(totals(), before, 'nothing saved');
  assert.equal(count(`SELECT protected_identity FROM students WHERE id = ${sA}`), 0);

  // At DEMO2 the same person is a student of DEMO2's own education; its list is DEMO2's alone.
  const s9 = await saved(c2, { personnummer: story(1), utbildning: 'EKO9', studieperiod: 'HT26', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-50) });
  assert.equal(s9, sA, 'one student, known by the number');
  const list2 = listRows((await c2.get(BASE)).text);
  assert.deepEqual(list2, [s9]);
  const page2 = await c2.get(`${BASE}/student?id=${s9}`);
  assert.equal(page2.status, 200);
  assert.ok(page2.text.includes('EKO9'));
  assert.ok(!page2.text.includes('EKO1'), "DEMO1's reports are not shown at DEMO2");
  const export2 = (await c2.get(`${BASE}/export`)).text;
  assert.ok(!export2.includes('EKO1') && export2.includes('EKO9'));
  assert.ok(!(await (await pelle()).get(`${BASE}/export`)).text.includes('EKO9'));

  // Without studeranderapportering at the chosen school: 403 everywhere.
  const tove = person('Tove', 'Tidsson', [['DEMO1', 'studietider']]);
  const anna = await as(srv.anna, 'DEMO1');  // school-admin and studietider, no studeranderapportering
  for (const who of [await as(tove, 'DEMO1'), anna]) {
    const csrf = Client.csrf((await who.get('/start')).text);
    for (const path of ['', '/ny', '/student?id=1', '/export', '/fil', '/inlamning?id=1', '/myndighet'])
      assert.equal((await who.get(`${BASE}${path}`)).status, 403, `GET ${path}`);
    const posts = {
      '/rapport': { personnummer: story(31), utbildning: 'EKO1', studieperiod: 'HT26', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-50) },
      '/student': { id: String(sA), namn: 'X', skyddad: 'ja' },
      '/fil/spara': { inlamning: '1', plan: 'x', filnamn: 'x.csv', fil: 'personnummer;utbildning;handelse;datum\n', satt: 'godkanda' },
    };
    for (const [path, form] of Object.entries(posts))
      assert.equal((await who.post(`${BASE}${path}`, { csrf, ...form })).status, 403, `POST ${path}`);
    const file = new FormData();
    file.append('csrf', csrf);
    file.append('fil', new Blob(['personnummer;utbildning;handelse;datum\n']), 'x.csv');
    assert.equal((await who.request('POST', `${BASE}/fil`, { body: file })).status, 403, 'POST /fil');
  }
  const tc = await as(tove, 'DEMO1');
  const csrf = Client.csrf((await tc.get('/start')).text);
  assert.equal((await tc.get(`${BASE}/api-nycklar`)).status, 403);
  assert.equal((await tc.post(`${BASE}/api-nycklar`, { csrf, namn: 'x' })).status, 403);
  assert.equal((await tc.post(`${BASE}/api-nycklar/aterkalla`, { csrf, id: '1' })).status, 403);
  const [e0, s0, n0] = before.split(',').map(Number);
  assert.equal(totals(), [e0 + 1, s0, n0 + 1].join(), 'only the DEMO2 report saved');
  assert.equal(count(`SELECT count(*) FROM students WHERE id = ${sA} AND protected_identity = 0`), 1);

  // Not logged in: never the page.
  const anon = await new Client(srv).get(BASE);
  assert.ok([302, 303, 401, 403].includes(anon.status), String(anon.status));
});

test('API keys by a school admin; the API validates, saves all or only the good rows, and refuses bad keys, other schools and bad bodies', async () => {
  const p = await pelle();
  assert.equal((await p.get(`${BASE}/api-nycklar`)).status, 403, 'reporting is not managing keys');
  grant(srv.pelle, 'DEMO1', 'school-admin');
  grant(srv.pelle, 'DEMO2', 'school-admin');
  const newKey = async (c, name) => {
    const list = await c.get(`${BASE}/api-nycklar`);
    assert.equal(list.status, 200);
    let r = await c.post(`${BASE}/api-nycklar`, { csrf: Client.csrf(list.text), namn: name });
    if (r.status === 303) r = await c.get(r.location);
    assert.equal(r.status, 200);
    const m = r.text.match(/<code id="new-key">([^<]+)<\/code>/);
    assert.ok(m, 'the new key shown');
    assert.match(m[1], /^mina_\S{20,}$/);
    assert.ok(!(await c.get(`${BASE}/api-nycklar`)).text.includes(m[1]), 'shown once');
    assert.equal(count(`SELECT count(*) FROM api_keys WHERE digest = '${m[1]}' OR prefix = '${m[1]}'`), 0, 'not stored');
    return { key: m[1], id: count(`SELECT max(id) FROM api_keys WHERE name = '${name}'`) };
  };
  const c1 = await pelle();
  const k1 = await newKey(c1, 'Skolsystem 1');
  const k2 = await newKey(await pelle('DEMO2'), 'Skolsystem 2');
  assert.equal(count("SELECT count(*) FROM api_keys WHERE school_code = 'DEMO1'"), 1);
  assert.equal(count("SELECT count(*) FROM audit_log WHERE kind = 'report.key_created'"), 2);

  const api1 = (n) => pnr('1985-01-01', n);
  const reports = [
    { personnummer: api1(1), namn: 'Api Ett', utbildning: 'EKO1', studieperiod: 'HT26', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-40) },
    { personnummer: '870704-9996', utbildning: 'EKO1', studieperiod: 'HT26', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-40) },
    { personnummer: api1(2), utbildning: 'NOPE', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-40) },
    { personnummer: api1(3), utbildning: 'EKO2', studieperiod: 'VT26', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-150) },
    { personnummer: api1(3), utbildning: 'EKO2', studieperiod: 'VT26', handelse: 'avbrott', datum: day(-10) },
  ];
  const base = events();
  const submissions = count('SELECT count(*) FROM report_submissions');
  const checked = await api(k1.key, 'DEMO1', { mode: 'validate', reports });
  assert.equal(checked.status, 200, checked.text);
  const j = checked.json;
  assert.equal(j.state, 'kontrollerad');
  assert.deepEqual([j.rows, j.accepted, j.refused, j.duplicates, j.saved], [5, 2, 3, 0, 0]);
  assert.ok(Number.isInteger(j.submission) && j.submission > 0);
  assert.deepEqual(j.results.map((r) => [r.row, r.fate]), [[1, 'accepted'], [2, 'refused'], [3, 'refused'], [4, 'accepted'], [5, 'refused']]);
  const codes = (r) => r.errors.map((e) => e.code);
  assert.deepEqual(codes(j.results[1]), ['pnr.check_digit']);
  assert.equal(j.results[1].errors[0].field, 'personnummer');
  assert.match(j.results[1].errors[0].message, M.check_digit);
  assert.deepEqual(codes(j.results[2]), ['problem.education_unknown|NOPE']);
  assert.equal(j.results[2].errors[0].field, 'utbildning');
  assert.deepEqual(codes(j.results[4]), [`conflict.after_end|${day(-20)}`]);
  assert.match(j.results[4].errors[0].message, M.after_end(day(-20)));
  assert.deepEqual(j.results[0].errors ?? [], []);
  assert.equal(events(), base, 'validate saves nothing');
  assert.equal(count('SELECT count(*) FROM report_submissions'), submissions + 1);
  assert.equal(count(`SELECT count(*) FROM report_submission_errors WHERE submission_id = ${j.submission}`), 3);

  const all = await api(k1.key, 'DEMO1', { mode: 'all', reports });
  assert.equal(all.status, 422, all.text);
  assert.equal(all.json.state, 'inte-sparad');
  assert.equal(all.json.saved, 0);
  assert.equal(events(), base, 'all or nothing: nothing');

  const good = await api(k1.key, 'DEMO1', { mode: 'good', reports });
  assert.equal(good.status, 200, good.text);
  assert.equal(good.json.state, 'delvis-sparad');
  assert.equal(good.json.saved, 2);
  assert.equal(events(), base + 2, 'exactly the good rows');
  const ids = [good.json.results[0].report, good.json.results[3].report];
  for (const id of ids) assert.ok(Number.isInteger(id) && id > 0);
  assert.equal(count(`SELECT count(*) FROM report_events WHERE id IN (${ids.join(',')}) AND channel = 'api' AND reported_by = 'api:Skolsystem 1' AND submission_id = ${good.json.submission}`), 2);
  assert.equal(sql(srv.db, `SELECT state, saved FROM report_submissions WHERE id = ${good.json.submission}`)[0].join(), 'delvis-sparad,2');

  const twice = await api(k1.key, 'DEMO1', { mode: 'good', reports: [reports[0], reports[3]] });
  assert.equal(twice.status, 200, twice.text);
  assert.deepEqual([twice.json.duplicates, twice.json.saved], [2, 0]);
  assert.deepEqual(twice.json.results.map((r) => r.fate), ['duplicate', 'duplicate']);
  const clean = await api(k1.key, 'DEMO1', { mode: 'all', reports: [{ ...reports[0], handelse: 'studieresultat', datum: day(-2), godkand: 'ja', stodform: '' }] });
  assert.equal(clean.status, 200, clean.text);
  assert.equal(clean.json.state, 'sparad');
  assert.equal(events(), base + 3);

  // Bad bodies, bad keys, another school's key.
  const one = { mode: 'validate', reports: [reports[0]] };
  assert.equal((await api(k1.key, 'DEMO1', null, { raw: '{"mode":"validate","reports":[' })).status, 400);
  assert.equal((await api(k1.key, 'DEMO1', { mode: 'spara-allt', reports: [reports[0]] })).status, 400);
  assert.equal((await api(null, 'DEMO1', one)).status, 401);
  assert.equal((await api('mina_finnsinte0000000000000000000000', 'DEMO1', one)).status, 401);
  assert.equal((await api(k2.key, 'DEMO1', one)).status, 403, "DEMO2's key on DEMO1");
  assert.equal((await api(k2.key, 'DEMO2', one)).status, 200, 'it works at its own school');

  // Revoked: refused at once.
  const keys = await c1.get(`${BASE}/api-nycklar`);
  assert.ok(keys.text.includes('Skolsystem 1'));
  const revoked = await c1.post(`${BASE}/api-nycklar/aterkalla`, { csrf: Client.csrf(keys.text), id: String(k1.id), bekrafta: 'ja' });  // confirmed ([10] item 2)
  assert.equal(revoked.status, 303);
  assert.ok(count(`SELECT count(*) FROM api_keys WHERE id = ${k1.id} AND revoked_at IS NOT NULL`) === 1);
  assert.equal((await api(k1.key, 'DEMO1', one)).status, 401, 'a revoked key');
  assert.equal(count("SELECT count(*) FROM audit_log WHERE kind = 'report.key_revoked'"), 1);
  // Another school's key cannot be revoked from here.
  assert.ok([403, 404, 422].includes((await c1.post(`${BASE}/api-nycklar/aterkalla`, { csrf: Client.csrf(keys.text), id: String(k2.id) })).status));
  assert.equal((await api(k2.key, 'DEMO2', one)).status, 200);
});

test('a file: a preview of every row, saved all or nothing or only the good rows, once; the submission with its sha256', async () => {
  const c = await pelle();
  const F = pnr('1986-01-01', 1);
  const header = 'personnummer;namn;utbildning;studieperiod;stodform;handelse;datum;sista_dag;studietakt;poang;timmar;godkand;rattar;orsak';
  const csv = [
    header,
    `${F};Fia Fil;EKO1;HT26;studiehjalp;studiestart;${day(-40)};;;;;;;`,
    `${F};Fia Fil;EKO1;HT26;;skolk;${day(-20)};;;;2;;;`,
    `${F};Fia Fil;EKO1;HT26;;franvaro-start;${day(-20)};;;;;;;`,
    `150916-0006;Noll Noll;EKO1;HT26;studiemedel;studiestart;${day(-40)};;;;;;;`,
    `${F};Fia Fil;EKO1;HT26;studiehjalp;studiestart;${day(-40)};;;;;;;`,
    '',
  ].join('\r\n');
  numbersUsed.add(F);
  const bytes = Buffer.from(csv, 'utf8');
  const base = events();
  const preview = await upload(c, `${BASE}/fil`, bytes, 'rapporter.csv');
  assert.equal(preview.status, 200, errorsOf(preview.text));
  assert.equal(events(), base, 'a preview saves nothing');
  assert.match(preview.text, /5 rader, 1 studerande, 2 rader med fel\. Godkända: 2\. Redan rapporterade: 1\./);  // [10] item 5: rows and people
  const rows = rowsByLine(preview.text);
  for (const line of [2, 3, 4, 5, 6]) assert.ok(rows.has(line), `line ${line} in the preview`);
  assert.match(rows.get(3), M.skolk_too_few_hours);
  assert.match(rows.get(5), M.birth_number_000);
  assert.doesNotMatch(rows.get(2), M.skolk_too_few_hours);
  const form = saveForm(preview.text);
  assert.ok(form, 'a save form');
  for (const k of ['inlamning', 'plan', 'filnamn', 'fil']) assert.ok(form[k], `hidden ${k}`);
  assert.match(preview.text, /name="satt" value="alla"/);
  assert.match(preview.text, /name="satt" value="godkanda"/);
  const id = Number(form.inlamning);
  assert.equal(sql(srv.db, `SELECT row_count, accepted, refused, duplicates, state FROM report_submissions WHERE id = ${id}`)[0].join(), '5,2,2,1,kontrollerad');

  const all = await c.post(`${BASE}/fil/spara`, { ...form, satt: 'alla' });
  assert.equal(all.status, 422);
  assert.equal(events(), base, 'all or nothing: nothing');
  const goodRows = await c.post(`${BASE}/fil/spara`, { ...form, satt: 'godkanda' });
  assert.equal(goodRows.status, 303, errorsOf(goodRows.text));
  assert.match(goodRows.location, new RegExp(`^${BASE}/inlamning\\?id=${id}(&|$)`));
  assert.equal(events(), base + 2, 'exactly the good rows');
  assert.equal(count(`SELECT count(*) FROM report_events WHERE submission_id = ${id} AND channel = 'fil'`), 2);
  const again = await c.post(`${BASE}/fil/spara`, { ...form, satt: 'godkanda' });
  assert.ok(again.status >= 400 && again.status < 500, `saved once only: ${again.status}`);
  assert.equal(events(), base + 2);

  const sub = await c.get(goodRows.location);
  assert.equal(sub.status, 200);
  assert.ok(sub.text.includes(createHash('sha256').update(bytes).digest('hex')), 'the sha256 of the bytes uploaded');
  assert.ok(sub.text.includes('rapporter.csv'));
  assert.match(sub.text, M.birth_number_000);
  assert.match(sub.text, M.skolk_too_few_hours);
  assert.equal(sql(srv.db, `SELECT state, saved FROM report_submissions WHERE id = ${id}`)[0].join(), 'delvis-sparad,2');
  const listed = await c.get(`${BASE}/fil`);
  assert.equal(listed.status, 200);
  assert.ok(listed.text.includes(`${BASE}/inlamning?id=${id}`), 'the submissions listed');
  assert.ok([403, 404].includes((await (await pelle('DEMO2')).get(`${BASE}/inlamning?id=${id}`)).status), "not another school's");

  const unreadable = await upload(c, `${BASE}/fil`, 'utbildning;namn\nEKO1;x\n', 'fel.csv');
  assert.equal(unreadable.status, 422, 'columns missing');
  assert.match(unreadable.text, /personnummer/);
});

test('a file of 1,000 rows: every bad row named, counts right, each save mode does exactly what it says', async () => {
  const c = await pelle();
  const bulk = (n) => pnr('1990-01-01', n);
  const header = 'handelse;datum;personnummer;namn;utbildning;studieperiod;stodform';  // any order
  const lines = [header];
  const expect = new Map();  // line -> 'accepted' | RegExp of the refusal | 'duplicate'
  for (let i = 0; i < 1000; i++) {
    const line = i + 2;
    const k = i % 10;
    let row;
    if (k <= 5) {
      row = `studiestart;${day(-40)};${bulk(i)};Elev ${i};EKO1;HT26;studiemedel`;
      expect.set(line, 'accepted');
    } else if (k === 6) {
      row = `studiestart;${day(-40)};${pnr('1990-01-01', i, { wrongCheck: true })};Elev ${i};EKO1;HT26;studiemedel`;
      expect.set(line, M.check_digit);
    } else if (k === 7) {
      row = `studiestart;${day(-40)};${bulk(i)};Elev ${i};OKAND;HT26;studiemedel`;
      expect.set(line, M.education_unknown('OKAND'));
    } else if (k === 8) {
      row = `avbrott;${day(-10)};${bulk(i)};Elev ${i};EKO1;HT26;studiemedel`;
      expect.set(line, M.not_started_yet);
    } else {
      row = lines[lines.length - 9];  // the same as a good row above: a duplicate
      expect.set(line, 'duplicate');
    }
    lines.push(row);
    if (k !== 6) numbersUsed.add(bulk(i));
  }
  const csv = `${lines.join('\r\n')}\r\n`;
  const base = events();
  const started = Date.now();
  const preview = await upload(c, `${BASE}/fil`, csv, 'tusen.csv');
  assert.equal(preview.status, 200);
  const form = saveForm(preview.text);
  assert.ok(form);
  const id = Number(form.inlamning);
  assert.equal(sql(srv.db, `SELECT row_count, accepted, refused, duplicates FROM report_submissions WHERE id = ${id}`)[0].join(), '1000,600,300,100');
  const rows = rowsByLine(preview.text);
  let accepted = 0;
  for (const [line, fate] of expect) {
    const row = rows.get(line);
    // Every refused row and duplicate is shown, and the first 200 accepted rows; the rest counted.
    if (fate === 'accepted' && ++accepted > 200 && !row) continue;
    assert.ok(row, `line ${line} in the preview`);
    if (fate instanceof RegExp) assert.match(row, fate, `line ${line}`);
    else assert.match(row, fate === 'accepted' ? /Godkänd/ : /Redan rapporterad/, `line ${line}`);
  }
  assert.match(preview.text, /1000 rader, \d+ studerande, 300 rader med fel\. Godkända: 600\. Redan rapporterade: 100\./);
  if (rows.size < 1000) assert.match(preview.text, new RegExp(`Ytterligare ${1000 - rows.size} godkända rader visas inte\\.`));
  assert.match(preview.text, /name="satt" value="alla"/);
  assert.match(preview.text, /name="satt" value="godkanda"/);
  assert.equal(count(`SELECT count(*) FROM report_submission_errors WHERE submission_id = ${id} AND line % 10 = 8`), 100, 'the bad check digits (i % 10 = 6 is line % 10 = 8)');
  assert.equal(events(), base);

  const all = await c.post(`${BASE}/fil/spara`, { ...form, satt: 'alla' });
  assert.equal(all.status, 422);
  assert.equal(events(), base, 'all or nothing: nothing');
  const good = await c.post(`${BASE}/fil/spara`, { ...form, satt: 'godkanda' });
  assert.equal(good.status, 303);
  assert.equal(events(), base + 600, 'exactly the 600 good rows');
  assert.equal(count(`SELECT count(*) FROM report_events WHERE submission_id = ${id}`), 600);
  const twice = await c.post(`${BASE}/fil/spara`, { ...form, satt: 'godkanda' });
  assert.ok(twice.status >= 400 && twice.status < 500);
  assert.equal(events(), base + 600);

  // The same file again: the good rows are now duplicates; nothing new to save.
  const again = await upload(c, `${BASE}/fil`, csv, 'tusen.csv');
  const againId = Number(saveForm(again.text)?.inlamning ?? count('SELECT max(id) FROM report_submissions'));
  assert.equal(sql(srv.db, `SELECT accepted, refused, duplicates FROM report_submissions WHERE id = ${againId}`)[0].join(), '0,300,700');

  // The list pages fifty at a time.
  const p1 = listRows((await c.get(BASE)).text);
  const p2 = listRows((await c.get(`${BASE}?sida=2`)).text);
  assert.equal(p1.length, 50);
  assert.equal(p2.length, 50);
  assert.ok(Date.now() - started < 30_000, 'in reasonable time');
});

test('the agency sees reports per school, kind and month; nobody else does', async () => {
  // A cell of the counts' table (a card on a phone: each cell names its column in data-label).
  const cell = (text) => `<td data-label="[^"]*">${text}</td>`;
  const vera = person('Vera', 'Verket', [['', 'agency-admin']]);
  const v = new Client(srv);
  assert.equal((await v.login(vera)).status, 303);
  const page = await v.get(`${BASE}/myndighet`);
  assert.equal(page.status, 200, errorsOf(page.text));
  assert.ok(page.text.includes(MONTH), `the month ${MONTH}`);
  assert.ok(page.text.includes('Demoskolan'));
  assert.ok(page.text.includes('Exempelhögskolan'));
  const starts = count(`SELECT count(*) FROM report_events WHERE school_code = 'DEMO1' AND kind = 'studiestart' AND reported_month = '${MONTH}'`);
  assert.ok(starts > 600);
  assert.match(page.text, new RegExp(`${cell(MONTH)}${cell('Demoskolan \\(DEMO1\\)')}${cell('Studiestart')}${cell(starts)}`),
    `the study starts of DEMO1 this month: ${starts}`);
  const avbrott = count(`SELECT count(*) FROM report_events WHERE school_code = 'DEMO1' AND kind = 'avbrott' AND reported_month = '${MONTH}'`);
  assert.match(page.text, new RegExp(`${cell(MONTH)}${cell('Demoskolan \\(DEMO1\\)')}${cell('Avbrott')}${cell(avbrott)}`));
  assert.match(page.text, new RegExp(`${cell(MONTH)}${cell('Exempelhögskolan \\(DEMO2\\)')}${cell('Studiestart')}${cell(1)}`));
  assert.equal((await (await pelle()).get(`${BASE}/myndighet`)).status, 403);
});

/** Every way a personal number may be written: 12 or 10 digits, YYMMDD-NNNN, YYMMDD+NNNN, YYYYMMDD-NNNN. */
function numberForms(n) {
  const digits = n.replace(/\D/g, '');
  const ten = digits.slice(-10);
  const forms = [ten, `${ten.slice(0, 6)}-${ten.slice(6)}`, `${ten.slice(0, 6)}+${ten.slice(6)}`];
  for (const century of ['19', '20']) forms.push(century + ten, `${century}${ten.slice(0, 6)}-${ten.slice(6)}`);
  return forms;
}
/** A URL as a browser would send it, decoded (%2B, %2D, + for a space) so that no form hides. */
function decoded(url) {
  try { return decodeURIComponent(url.replace(/\+/g, ' ')); } catch { return url; }
}
const LOOKS_LIKE_A_NUMBER = /(?<!\d)(\d{2})?\d{6}[-+ ]?\d{4}(?!\d)/;

test('no personal number in a URL the pages link to or redirect to, nor in the access log, even when a client puts one in a query string', async () => {
  const c = await pelle();
  const urls = [];
  /** Every href, action, formaction and src of a page, and its Location. */
  const seen = (r, what) => {
    if (r.location) urls.push([what, r.location]);
    for (const m of r.text.matchAll(/\s(?:href|action|formaction|src)="([^"]*)"/g)) urls.push([what, unescape(m[1])]);
    return r;
  };
  const N = story(40);
  numbersUsed.add(N);
  const twelve = `19${N}`;

  // A report by form, refused then saved: the form's page and the redirect to the student's page.
  seen(await c.get(`${BASE}/ny`), 'the report form');
  const fields = { personnummer: twelve, namn: 'Lars Länk', utbildning: 'EKO1', studieperiod: 'HT26', stodform: 'studiemedel', handelse: 'studiestart' };
  assert.equal(seen(await report(c, { ...fields, datum: day(5) }), 'a refused report').status, 422);
  const done = seen(await report(c, { ...fields, datum: day(-40) }), 'a saved report');
  assert.equal(done.status, 303);
  const student = Number(done.location.match(/student\?id=(\d+)/)[1]);
  const page = seen(await c.get(done.location), 'the student page');
  assert.ok(numberForms(N).some((f) => page.text.includes(f)), 'the page shows the number (in the page, not in its URL)');
  const renamed = seen(await c.post(`${BASE}/student`, { csrf: await csrfOf(c), id: String(student), namn: 'Lars Länk' }), 'the student saved');
  assert.equal(renamed.status, 303);

  // The list and its search by number (every way it is typed), by name, and its pages.
  seen(await c.get(BASE), 'the list');
  for (const typed of [twelve, N, N.replace('-', ''), `19${N.replace('-', '')}`]) {
    const found = seen(await search(c, { personnummer: typed }), `a search for ${typed}`);
    assert.equal(found.status, 200);
    assert.deepEqual(listRows(found.text), [student], `${typed}: the student's report`);
    // The search goes along with the export's and the pages' forms, in their bodies (hidden).
    assert.match(found.text, new RegExp(`<form method="post" action="${BASE}/export"[^>]*>\\s*<input type="hidden" name="csrf"[^>]*><input type="hidden" name="personnummer" value="${typed}">`));
  }
  assert.equal(listRows(seen(await search(c, { namn: 'lars länk' }), 'a search by name').text).length, 1);
  const first = seen(await search(c, {}), 'the first page, searched');
  assert.ok(listRows(first.text).length === 50, 'fifty a page: there is a second');
  assert.match(first.text, /<button type="submit" class="linkbutton" name="sida" value="2">/);
  const second = seen(await search(c, { sida: '2' }), 'the second page');
  assert.equal(second.status, 200);
  assert.notDeepEqual(listRows(second.text), listRows(first.text));
  assert.match(second.text, /<button type="submit" class="linkbutton" name="sida" value="1">/);
  // A page of a search by number: the number in the form's body, never in a URL.
  const paged = seen(await search(c, { personnummer: twelve, sida: '1' }), 'a search by number, paged');
  assert.deepEqual(listRows(paged.text), [student]);

  // The export of a search by number, masked and in full: by POST, the number in the body only.
  const csrf = await csrfOf(c);
  const masked1 = await c.post(`${BASE}/export`, { csrf, personnummer: twelve });
  assert.equal(masked1.status, 200);
  assert.match(masked1.headers.get('content-type'), /^text\/csv/);
  const lines = masked1.text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l !== '');
  assert.equal(lines.length, 2, 'the header and the one report');
  assert.ok(lines[1].includes(`${N.slice(0, 6)}-****`));
  const inFull = await c.post(`${BASE}/export`, { csrf, personnummer: twelve, fullstandiga: 'ja' });
  assert.ok(inFull.text.includes(N), 'in full when asked');
  assert.equal((await c.post(`${BASE}/export`, { csrf: 'wrong', personnummer: twelve })).status, 403, 'the CSRF token is checked');
  assert.equal((await c.post(BASE, { csrf: 'wrong', personnummer: twelve })).status, 403, 'the CSRF token is checked');

  // No URL the pages offer or redirect to carries a personal number, in any form.
  assert.ok(urls.length > 50, `urls: ${urls.length}`);
  for (const [what, url] of urls) {
    const d = decoded(url);
    assert.doesNotMatch(d, LOOKS_LIKE_A_NUMBER, `${what}: ${url}`);
    for (const n of numbersUsed) for (const form of numberForms(n)) assert.ok(!d.includes(form), `${what}: ${url}`);
  }

  // A client that puts a number into a query string by hand: it is not honoured (the list is not
  // searched by it) and not written to the log.
  const byHand = await c.get(`${BASE}?personnummer=${encodeURIComponent(twelve)}`);
  assert.equal(byHand.status, 200);
  assert.ok(listRows(byHand.text).length > 1, 'a number in the query string is not a search');
  assert.ok(!byHand.text.includes(`value="${twelve}"`));
  const exportByHand = await c.get(`${BASE}/export?fullstandiga=ja&personnummer=${N}`);
  assert.ok(exportByHand.text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l !== '').length > 2, 'not a search either');
  await c.get(`${BASE}/student?id=${student}&personnummer=${N.replace('-', '%2D')}`);
  await c.get(`/finns-inte/${twelve}?q=${N.replace('-', '+')}`);
  await c.get(`/finns-inte/${N.slice(0, 6)}%2B${N.slice(7)}`);
  const apiLines = () => srv.log().split('\n').filter((l) => l.includes(' access ') && l.includes('/api/v1/schools/DEMO1/reports')).length;
  const apiLinesBefore = apiLines();
  await fetch(`${srv.url}/api/v1/schools/DEMO1/reports?personnummer=${twelve}`, { method: 'POST', body: '{}' });
  await eventually('the last access line written', () => apiLines() > apiLinesBefore);

  const log = srv.log();
  for (const n of numbersUsed) for (const form of numberForms(n)) assert.ok(!log.includes(form), `${n} (${form}) in the server's log`);
  for (const line of log.split('\n').filter((l) => l.includes(' access '))) {
    const target = line.slice(line.indexOf(' access ') + 8).split(' ')[2];
    assert.doesNotMatch(decoded(target), LOOKS_LIKE_A_NUMBER, line);
  }
  assert.match(log, /access \S+ GET \/tjanster\/studeranderapportering\?\.\.\. 200/, 'the access log has the path');
  assert.match(log, /access \S+ GET \/finns-inte\/\* 404/);
});

test('no personal number anywhere in the audit log', () => {
  const text = sql(srv.db, 'SELECT actor, address, kind, subject, school_code, detail FROM audit_log').map((r) => r.join('\t')).join('\n');
  assert.ok(numbersUsed.size > 600);
  for (const n of numbersUsed) {
    const digits = n.replace(/\D/g, '');
    const ten = digits.slice(-10);
    assert.ok(!text.includes(ten), `${n} in the audit log`);
    assert.ok(!text.includes(`${ten.slice(0, 6)}-${ten.slice(6)}`) && !text.includes(`${ten.slice(0, 6)}+${ten.slice(6)}`), `${n} in the audit log`);
  }
});
