// Studietider och utbildningar over real HTTP, issue [9] items 1–3: study weeks are calendar weeks
// (a period ending on a Friday is not a week short), published versions are shown by today's rules
// whatever was stored when they were published, an uppdragsutbildning is paid no weeks and says why,
// and a period with more credits than its education is refused with both numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, sql, sqlWrite } from './harness.js';
import { BASE, pelleAt, newEducation, savePeriod, HEADER } from './studietider_steps.js';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

const count = (q) => Number(sql(srv.db, q)[0][0]);

const pelle = (school) => pelleAt(srv, school);
const periodId = (code, label) =>
  sql(srv.db, `SELECT p.id FROM study_periods p JOIN educations e ON e.id = p.education_id WHERE e.code = '${code}' AND p.label = '${label}'`)[0][0];
async function publish(c, code, label) {
  const r = await c.submit(`${BASE}/utbildning?kod=${code}`, `${BASE}/studietid/publicera`, { kod: code, id: periodId(code, label) });
  assert.equal(r.status, 303);
}
const api = async (query) => JSON.parse((await new Client(srv).get(`/api/v1/utbildningar?${query}`)).text);

test('Monday of week 26 to Friday of week 28 is three study weeks: published, students see 3 weeks and studiemedel', async () => {
  const c = await pelle();
  assert.equal((await newEducation(c, { kod: 'SOM-KVX', namn: 'Sommarkurs komvux', niva: 'gymnasieniva', enhet: 'komvux-poang', poang: '100' })).status, 303);
  const saved = await savePeriod(c, 'SOM-KVX', { etikett: 'Sommar27', forsta: '2027-06-28', sista: '2027-07-16', poang: '60' });
  assert.equal(saved.status, 303, saved.text);
  const school = (await c.get(`${BASE}/utbildning?kod=SOM-KVX`)).text;
  assert.match(school, /<th scope="row"[^>]*>Sommar27<\/th><td[^>]*>2027-06-28<\/td><td[^>]*>2027-07-16<\/td><td[^>]*>60<\/td><td[^>]*>3<\/td><td[^>]*>100 %/);
  assert.doesNotMatch(school, /kortare än 3 veckor/);
  await publish(c, 'SOM-KVX', 'Sommar27');

  const [p] = (await api('q=sommarkurs')).educations[0].study_periods;
  assert.deepEqual([p.study_weeks, p.pace_percent, p.paid_weeks, p.no_student_aid], [3, 100, 3, []]);
  const page = (await new Client(srv).get('/studiemedel?q=sommarkurs')).text;
  assert.match(page, /<th scope="row"[^>]*>Sommar27<\/th><td[^>]*>2027-06-28<\/td><td[^>]*>2027-07-16<\/td><td[^>]*>3<\/td><td[^>]*>100 %<\/td>/);
  assert.doesNotMatch(page, /kortare än 3 veckor/);
  assert.doesNotMatch(page, /ger inte rätt till studiemedel/i);
});

test('a version published with the old count is shown by the rules of today, and a browser copy tagged before is not current', async () => {
  const c = await pelle();
  await newEducation(c, { kod: 'GAM-1', namn: 'Gammal räkning', niva: 'gymnasieniva', enhet: 'komvux-poang', poang: '100' });
  await savePeriod(c, 'GAM-1', { etikett: 'Sommar27', forsta: '2027-06-28', sista: '2027-07-16', poang: '60' });
  await publish(c, 'GAM-1', 'Sommar27');
  const id = periodId('GAM-1', 'Sommar27');
  // What the old rules stored: 2 weeks, no paid weeks ("kortare än 3 veckor"), as version 2.
  sqlWrite(srv.db, `INSERT INTO study_period_versions (period_id, version, label, first_day, last_day, credits, pace, breaks, weeks, derived_pace, paid_weeks, published_at, published_by)
    SELECT period_id, 2, label, first_day, last_day, credits, pace, breaks, 2, derived_pace, 0, published_at, published_by FROM study_period_versions WHERE period_id = ${id} AND version = 1`);
  sqlWrite(srv.db, `UPDATE study_periods SET published_version = 2 WHERE id = ${id}`);
  assert.equal(count(`SELECT weeks FROM study_period_versions WHERE period_id = ${id} AND version = 2`), 2);

  const [p] = (await api('q=gammal')).educations[0].study_periods;
  assert.deepEqual([p.version, p.study_weeks, p.paid_weeks, p.no_student_aid], [2, 3, 3, []]);
  const page = await new Client(srv).get('/studiemedel?q=gammal');
  assert.match(page.text, /<td[^>]*>2027-07-16<\/td><td[^>]*>3<\/td><td[^>]*>100 %<\/td>/);
  // The school's history shows the version by today's rules too.
  assert.match((await c.get(`${BASE}/utbildning?kod=GAM-1`)).text, /Version 2, publicerad [^<]*: <span class="nowrap">2027-06-28<\/span> – <span class="nowrap">2027-07-16<\/span>, 3 studieveckor, 100 %/);

  // A copy tagged as before the rules changed ("<generation>-<hash>") gets the page, not a 304.
  const etag = page.headers.get('etag');
  assert.match(etag, /^"r2-\d+-[0-9a-f]{16}"$/);
  assert.equal((await new Client(srv).get('/studiemedel?q=gammal', { headers: { 'if-none-match': etag } })).status, 304);
  const old = etag.replace(/^"r\d+-/, '"');
  assert.equal((await new Client(srv).get('/studiemedel?q=gammal', { headers: { 'if-none-match': old } })).status, 200);
});

test('an uppdragsutbildning is paid no weeks, and the public view and the JSON say why; unmarked, it is paid at once', async () => {
  const c = await pelle();
  assert.equal((await newEducation(c, { kod: 'UPP-HT', namn: 'Uppdrag ekonomi', poang: '30', uppdrag: 'ja' })).status, 303);
  await savePeriod(c, 'UPP-HT', { etikett: 'HT2026', forsta: '2026-08-31', sista: '2027-01-17', poang: '30' });
  const school = (await c.get(`${BASE}/utbildning?kod=UPP-HT`)).text;
  assert.match(school, /Ger inte rätt till studiemedel: uppdragsutbildning\./);
  await publish(c, 'UPP-HT', 'HT2026');

  let [p] = (await api('q=uppdrag')).educations[0].study_periods;
  assert.equal((await api('q=uppdrag')).educations[0].contract_education, true);
  assert.deepEqual([p.study_weeks, p.pace_percent, p.paid_weeks, p.no_student_aid], [20, 100, 0, ['contract_education']]);
  const page = (await new Client(srv).get('/studiemedel?q=uppdrag')).text;
  assert.match(page, /<td[^>]*>20<\/td><td[^>]*>100 % – Ger inte rätt till studiemedel: uppdragsutbildning\.<\/td>/);
  const en = (await new Client(srv).get('/studiemedel?q=uppdrag', { headers: { 'accept-language': 'en' } })).text;
  assert.match(en, /No right to student aid: contract education\./);

  // Not an uppdragsutbildning after all: the published period is paid from now on, without publishing again.
  const changed = await c.submit(`${BASE}/utbildning?kod=UPP-HT`, `${BASE}/utbildning/andra`,
    { kod: 'UPP-HT', namn: 'Uppdrag ekonomi', niva: 'eftergymnasial', enhet: 'hp', poang: '30' });
  assert.equal(changed.status, 303);
  [p] = (await api('q=uppdrag')).educations[0].study_periods;
  assert.deepEqual([p.paid_weeks, p.no_student_aid], [20, []]);
  assert.doesNotMatch((await new Client(srv).get('/studiemedel?q=uppdrag')).text, /uppdragsutbildning\./);
});

test('a period with more credits than its education is refused with both numbers, in the form and in the file', async () => {
  const c = await pelle();
  await newEducation(c, { kod: 'KVX-100', namn: 'Kurs 100', niva: 'gymnasieniva', enhet: 'komvux-poang', poang: '100' });
  const bad = await savePeriod(c, 'KVX-100', { etikett: 'HT2026', forsta: '2026-08-31', sista: '2027-01-17', poang: '400' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /Studietiden har 400 poäng, men utbildningen har bara 100 poäng totalt\./);
  await newEducation(c, { kod: 'HP-7', namn: 'Kurs 7,5', poang: '7,5' });
  const decimal = await savePeriod(c, 'HP-7', { etikett: 'HT2026', forsta: '2026-08-31', sista: '2026-10-04', poang: '10' });
  assert.equal(decimal.status, 422);
  assert.match(decimal.text, /Studietiden har 10 poäng, men utbildningen har bara 7,5 poäng totalt\./);
  assert.equal(count("SELECT count(*) FROM study_periods p JOIN educations e ON e.id = p.education_id WHERE e.code IN ('KVX-100', 'HP-7')"), 0, 'nothing saved');
  assert.equal((await savePeriod(c, 'KVX-100', { etikett: 'HT2026', forsta: '2026-08-31', sista: '2027-01-17', poang: '100' })).status, 303);

  // The school's file: the row is refused with the numbers, and nothing is saved.
  const csv = [HEADER, 'FIL-KVX;Fil 100;gymnasieniva;komvux-poang;100;nej;nej;VT2027;2027-01-18;2027-06-06;400;;;publicerad'].join('\r\n');
  const page = await c.get(BASE);
  const form = new FormData();
  form.append('csrf', Client.csrf(page.text));
  form.append('fil', new Blob([csv], { type: 'text/csv' }), 'studietider.csv');
  const preview = await c.request('POST', `${BASE}/fil`, { body: form });
  assert.equal(preview.status, 422);
  assert.match(preview.text, /Kan inte sparas: 1\./);
  assert.match(preview.text, /Studietiden har 400 poäng, men utbildningen har bara 100 poäng totalt\./);
  assert.equal(count("SELECT count(*) FROM educations WHERE code = 'FIL-KVX'"), 0);
});
