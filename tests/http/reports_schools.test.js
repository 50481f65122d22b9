// Studeranderapportering across schools over real HTTP (issue [7] item 2, SPEC §4): a school sees and
// changes only what it reported. School A reports a student with a name and marks the identity
// protected; a reporter at school B types the same number (form, file, API): B reports for the same
// person, but sees neither A's name nor A's history, cannot rename A's record nor lift the
// protection, and the person stays masked at A and at B. Only the agency lifts the protection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, sql, mina, DEMO_PASSWORD } from './harness.js';
import { day, pnr } from './days.js';

let srv;
const BASE = '/tjanster/studeranderapportering';
const ST = '/tjanster/studietider';
const N = pnr('1969-04-01', 3);        // the student's number
const A_NAME = 'Astrid Hemligsdotter';  // the name school A recorded
const protectedFlag = (id) => Number(sql(srv.db, `SELECT protected_identity FROM students WHERE id = ${Number(id)}`)[0][0]);
const nameAt = (school, id) => {
  const rows = sql(srv.db, `SELECT name FROM school_students WHERE school_code = '${school}' AND student_id = ${Number(id)}`);
  return rows.length ? rows[0][0] : null;
};
const text = (html) => html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const unescape = (v) => v.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const hidden = (html, name) => {
  const m = html.match(new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`));
  return m ? unescape(m[1]) : null;
};

function person(first, last, grants) {
  const add = mina(['admin', 'person', 'add', '--first', first, '--last', last, '--email', `${first}.${last}@example.se`.toLowerCase()], srv.env);
  assert.equal(add.status, 0, add.stderr);
  const username = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', username], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  for (const [school, role] of grants) {
    const args = ['admin', 'grant', '--username', username, '--role', role];
    if (school) args.push('--school', school);
    const r = mina(args, srv.env);
    assert.equal(r.status, 0, r.stderr);
  }
  return username;
}
async function as(username, school) {
  const c = new Client(srv);
  assert.equal((await c.login(username)).status, 303, `login ${username}`);
  if (school) assert.equal((await c.submit('/start', '/skola', { skola: school })).status, 303, `choose ${school}`);
  c.csrfToken = Client.csrf((await c.get('/start')).text);
  return c;
}
async function publish(c, code) {
  const HEADER = 'Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;Sista dag;Poäng;Studietakt;Lov;Status';
  const form = new FormData();
  form.append('csrf', Client.csrf((await c.get(ST)).text));
  form.append('fil', new Blob([[HEADER, `${code};Ekonomi;gymnasieniva;ingen;;nej;nej;HT;${day(-60)};${day(150)};;100;;publicerad`].join('\r\n')], { type: 'text/csv' }), 'st.csv');
  const preview = await c.request('POST', `${ST}/fil`, { body: form });
  assert.equal(preview.status, 200, text(preview.text).slice(0, 800));
  const done = await c.post(`${ST}/fil/spara`, { csrf: hidden(preview.text, 'csrf'), plan: hidden(preview.text, 'plan'), filnamn: hidden(preview.text, 'filnamn'), fil: hidden(preview.text, 'fil') });
  assert.equal(done.status, 303, text(done.text).slice(0, 800));
}
const start = (code, namn) => ({ personnummer: N, namn, utbildning: code, studieperiod: 'HT', stodform: 'studiemedel', handelse: 'studiestart', datum: day(-50) });
/** Neither A's name nor the number in full (nor masked) on a page or in a file. */
function masked(body, where) {
  assert.ok(!body.includes('Hemligsdotter'), `${where}: A's name`);
  assert.ok(!body.includes(N) && !body.includes(N.replace('-', '')), `${where}: the number in full`);
  assert.ok(!body.includes(`${N.slice(0, 6)}-****`), `${where}: the number masked`);
}

let anna, berit, vera, a, b, sA;

before(async () => {
  srv = await startServer({}, 'mina-reports-schools-');
  anna = person('Anna', 'Askola', [['DEMO1', 'studeranderapportering'], ['DEMO1', 'studietider']]);
  berit = person('Berit', 'Bskola', [['DEMO2', 'studeranderapportering'], ['DEMO2', 'studietider'], ['DEMO2', 'school-admin']]);
  vera = person('Vera', 'Verket', [['', 'agency-admin']]);
  a = await as(anna, 'DEMO1');
  b = await as(berit, 'DEMO2');
  await publish(a, 'EKO1');
  await publish(b, 'EKO9');
});
after(async () => {
  await srv?.stop();
});

test('school A reports a student with a name and protects the identity', async () => {
  const r = await a.post(`${BASE}/rapport`, { csrf: a.csrfToken, ...start('EKO1', A_NAME) });
  assert.equal(r.status, 303, text(r.text).slice(0, 800));
  sA = Number(r.location.match(/student\?id=(\d+)/)[1]);
  assert.equal(nameAt('DEMO1', sA), A_NAME);
  const p = await a.post(`${BASE}/student`, { csrf: a.csrfToken, id: String(sA), namn: A_NAME, skyddad: 'ja' });
  assert.equal(p.status, 303, text(p.text).slice(0, 800));
  assert.equal(protectedFlag(sA), 1);
});

test('a reporter at school B types the same number: the same person, but no name and no history of A\'s', async () => {
  // The web form, without a name: B's own enrollment of the same person.
  const r = await b.post(`${BASE}/rapport`, { csrf: b.csrfToken, ...start('EKO9', '') });
  assert.equal(r.status, 303, text(r.text).slice(0, 800));
  assert.equal(Number(r.location.match(/student\?id=(\d+)/)[1]), sA, 'one person, known by the number');
  const page = await b.get(`${BASE}/student?id=${sA}`);
  assert.equal(page.status, 200);
  masked(page.text, 'B\'s student page');
  assert.ok(page.text.includes('EKO9'));
  assert.ok(!page.text.includes('EKO1'), 'no enrollment of A\'s');
  assert.ok(!page.text.includes(anna), 'no report of A\'s (its reporter)');
  assert.match(page.text, /Skyddade personuppgifter/);
  // The list, a search by the number, the export (in full), as B.
  masked((await b.get(BASE)).text, 'B\'s list');
  // The search is a POST (no personal number in a URL); it echoes the number typed in its field only.
  const found = await b.post(BASE, { csrf: b.csrfToken, personnummer: N });
  assert.ok(found.text.includes(`student?id=${sA}`), 'B finds its own report by the number');
  assert.ok(!found.text.includes('Hemligsdotter') && !found.text.includes(`${N.slice(0, 6)}-****`), 'B\'s search by number');
  assert.match(found.text, /Skyddade personuppgifter/);
  const byName = await b.post(BASE, { csrf: b.csrfToken, namn: 'hemligsdotter' });
  assert.equal(byName.status, 200);
  assert.equal(byName.text.includes(`student?id=${sA}`), false, 'not found by A\'s name');
  for (const url of [`${BASE}/export`, `${BASE}/export?fullstandiga=ja`]) {
    const csv = await b.get(url);
    assert.equal(csv.status, 200);
    masked(csv.text, `B's ${url}`);
    assert.ok(!csv.text.includes('EKO1'), `${url}: only B's reports`);
  }
});

test('B cannot lift the protection nor rename A\'s record; its own name stays its own', async () => {
  // Lifting: refused with a message, nothing changed.
  const lift = await b.post(`${BASE}/student`, { csrf: b.csrfToken, id: String(sA), namn: 'Kapad' });
  assert.equal(lift.status, 403, text(lift.text).slice(0, 800));
  assert.match(lift.text, /Bara myndigheten kan häva skyddet/);
  masked(lift.text, 'the refusal');
  assert.equal(protectedFlag(sA), 1);
  assert.equal(nameAt('DEMO1', sA), A_NAME);
  assert.equal(nameAt('DEMO2', sA), null, 'nothing of B\'s saved either');
  assert.equal(Number(sql(srv.db, `SELECT count(*) FROM audit_log WHERE kind = 'report.protection_refused' AND subject = 'student:${sA}' AND actor = '${berit}' AND school_code = 'DEMO2'`)[0][0]), 1, 'the attempt is in the audit log');
  // In English too.
  const en = new Client(srv, { 'accept-language': 'en' });
  assert.equal((await en.login(berit)).status, 303);
  await en.submit('/start', '/skola', { skola: 'DEMO2' });
  const liftEn = await en.post(`${BASE}/student`, { csrf: Client.csrf((await en.get('/start')).text), id: String(sA), namn: 'Kapad' });
  assert.equal(liftEn.status, 403);
  assert.match(liftEn.text, /Only the agency can lift the protection/);
  assert.equal(protectedFlag(sA), 1);

  // B names the person in its own record: by the form, by a file and by the API; A's stays A's.
  const own = await b.post(`${BASE}/student`, { csrf: b.csrfToken, id: String(sA), namn: 'Kapad', skyddad: 'ja' });
  assert.equal(own.status, 303, text(own.text).slice(0, 800));
  assert.equal(nameAt('DEMO2', sA), 'Kapad');
  assert.equal(nameAt('DEMO1', sA), A_NAME);

  const csv = `personnummer;namn;utbildning;studieperiod;handelse;datum;godkand\r\n${N};Filnamn;EKO9;HT;studieresultat;${day(-1)};ja\r\n`;
  const form = new FormData();
  form.append('csrf', b.csrfToken);
  form.append('fil', new Blob([csv], { type: 'text/csv' }), 'b.csv');
  const preview = await b.request('POST', `${BASE}/fil`, { body: form });
  assert.equal(preview.status, 200, text(preview.text).slice(0, 800));
  assert.ok(!preview.text.includes('Hemligsdotter'), 'the preview: no name of A\'s');
  assert.ok(!preview.text.includes(`${N.slice(0, 6)}-****`), 'the preview masks the protected person');
  const saved = await b.post(`${BASE}/fil/spara`, { csrf: hidden(preview.text, 'csrf'), inlamning: hidden(preview.text, 'inlamning'), plan: hidden(preview.text, 'plan'), filnamn: hidden(preview.text, 'filnamn'), fil: hidden(preview.text, 'fil'), satt: 'alla' });
  assert.equal(saved.status, 303, text(saved.text).slice(0, 800));
  assert.equal(nameAt('DEMO2', sA), 'Filnamn');
  assert.equal(nameAt('DEMO1', sA), A_NAME);

  const keys = await b.post(`${BASE}/api-nycklar`, { csrf: b.csrfToken, kod: 'DEMO2', namn: 'B-systemet' });
  const key = keys.text.match(/<code id="new-key">([^<]+)<\/code>/)[1];
  const res = await fetch(`${srv.url}/api/v1/schools/DEMO2/reports`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'all', reports: [{ personnummer: N, namn: 'Apinamn', utbildning: 'EKO9', studieperiod: 'HT', handelse: 'studieresultat', datum: day(-2), godkand: 'nej' }] }),
  });
  const answer = await res.text();
  assert.equal(res.status, 200, answer);
  masked(answer, 'the API\'s answer');
  assert.equal(nameAt('DEMO2', sA), 'Apinamn');
  assert.equal(nameAt('DEMO1', sA), A_NAME);
  assert.equal(protectedFlag(sA), 1);

  // B's page shows none of it (masked); A's page neither B's name nor B's reports.
  masked((await b.get(`${BASE}/student?id=${sA}`)).text, 'B\'s page');
  const atA = await a.get(`${BASE}/student?id=${sA}`);
  assert.equal(atA.status, 200);
  masked(atA.text, 'A\'s page while protected');
  for (const n of ['Kapad', 'Filnamn', 'Apinamn', 'EKO9', berit]) assert.ok(!atA.text.includes(n), `A's page: ${n}`);
  masked((await a.get(BASE)).text, 'A\'s list');
  masked((await a.get(`${BASE}/export?fullstandiga=ja`)).text, 'A\'s export');
  // A cannot lift it either.
  const byA = await a.post(`${BASE}/student`, { csrf: a.csrfToken, id: String(sA), namn: A_NAME });
  assert.equal(byA.status, 403);
  assert.equal(protectedFlag(sA), 1);
});

test('only the agency lifts the protection; then each school sees its own name again', async () => {
  // Not a school's reporter.
  assert.equal((await b.post(`${BASE}/myndighet/skydd`, { csrf: b.csrfToken, student: String(sA), skyddad: 'nej' })).status, 403);
  assert.equal(protectedFlag(sA), 1);
  const v = await as(vera);
  const page = await v.get(`${BASE}/myndighet?skola=DEMO1`);
  assert.equal(page.status, 200);
  assert.ok(!page.text.includes('Hemligsdotter'), 'the agency\'s list shows no names');
  const lift = page.text.match(new RegExp(`<input type="hidden" name="student" value="${sA}"><input type="hidden" name="skyddad" value="nej">`));
  assert.ok(lift, 'a form to lift the protection on the student\'s row');
  const lifted = await v.post(`${BASE}/myndighet/skydd`, { csrf: Client.csrf(page.text), student: String(sA), skyddad: 'nej' });
  assert.equal(lifted.status, 303);
  assert.equal(protectedFlag(sA), 0);
  assert.equal(Number(sql(srv.db, `SELECT count(*) FROM audit_log WHERE kind = 'report.protection_lifted' AND subject = 'student:${sA}' AND actor = '${vera}'`)[0][0]), 1);

  const atA = (await a.get(`${BASE}/student?id=${sA}`)).text;
  assert.ok(atA.includes(A_NAME), 'A sees its own name');
  assert.ok(atA.includes(N), 'and the number in full');
  const atB = (await b.get(`${BASE}/student?id=${sA}`)).text;
  assert.ok(atB.includes('Apinamn'), 'B sees its own name');
  assert.ok(!atB.includes('Hemligsdotter'), 'never A\'s');
  assert.ok(!(await b.get(BASE)).text.includes('Hemligsdotter'));
  // A school may protect the person again; the agency may too.
  assert.equal((await b.post(`${BASE}/student`, { csrf: b.csrfToken, id: String(sA), namn: 'Apinamn', skyddad: 'ja' })).status, 303);
  assert.equal(protectedFlag(sA), 1);
  masked((await a.get(`${BASE}/student?id=${sA}`)).text, 'A\'s page, protected by B');
});
