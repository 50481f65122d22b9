// Studietider och utbildningar over real HTTP (issue [5]): educations and study periods of the
// chosen school for people granted `studietider` there, the rules with their messages, drafts and
// published versions with their history, and scope.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, sql, mina, DEMO_PASSWORD, swedishTime } from './harness.js';
import { BASE, pelleAt, newEducation, savePeriod } from './studietider_steps.js';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

const count = (q) => Number(sql(srv.db, q)[0][0]);

const pelle = (school) => pelleAt(srv, school);

test('an education is created with every rule checked, and changed; the code is unique per school', async () => {
  const c = await pelle();
  const list = await c.get(BASE);
  assert.equal(list.status, 200);
  assert.match(list.text, /Skolans utbildningar/);
  const bad = await newEducation(c, { kod: 'ÅÄÖ kod', namn: '', poang: '' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /Utbildningskoden ska vara 1–20 tecken/);
  assert.match(bad.text, /Namnet ska vara 1–200 tecken/);
  assert.match(bad.text, /Ange utbildningens omfattning i poäng/);
  assert.equal((await newEducation(c, { kod: 'X1', namn: 'X', poang: 'trettio' })).status, 422);
  assert.equal(count('SELECT count(*) FROM educations'), 0, 'nothing saved');

  const ok = await newEducation(c, { kod: 'EKO-A', namn: 'Ekonomi A', poang: '30', distans: 'ja' });
  assert.equal(ok.status, 303);
  assert.match((await c.get(ok.location)).text, /Utbildningen är sparad/);
  const again = await newEducation(c, { kod: 'EKO-A', namn: 'Dubblett', poang: '30' });
  assert.equal(again.status, 422);
  assert.match(again.text, /redan en utbildning med den koden/);

  const contract = await newEducation(c, { kod: 'UPP-1', namn: 'Uppdrag', poang: '15', uppdrag: 'ja' });
  assert.equal(contract.status, 303);
  assert.match((await c.get(contract.location)).text, /Uppdragsutbildning ger inte rätt till studiemedel/);

  const changed = await c.submit(`${BASE}/utbildning?kod=EKO-A`, `${BASE}/utbildning/andra`,
    { kod: 'EKO-A', namn: 'Ekonomi A, distans', niva: 'eftergymnasial', enhet: 'hp', poang: '30' });
  assert.equal(changed.status, 303);
  assert.equal(sql(srv.db, "SELECT name FROM educations WHERE code = 'EKO-A'")[0][0], 'Ekonomi A, distans');
  assert.equal(count("SELECT count(*) FROM audit_log WHERE kind IN ('education.added', 'education.changed') AND school_code = 'DEMO1'"), 3);
});

test('study periods: weeks and pace derived, the rules refused with their messages, overlaps refused', async () => {
  const c = await pelle();
  await newEducation(c, { kod: 'MAT-1', namn: 'Matematik 1', poang: '60' });
  // HT2026: 2026-08-31 (Monday) to 2027-01-17 (Sunday) is 20 weeks; 30 hp gives 100 %.
  const ht = await savePeriod(c, 'MAT-1', { etikett: 'HT2026', forsta: '2026-08-31', sista: '2027-01-17', poang: '30' });
  assert.equal(ht.status, 303, ht.text);
  let page = (await c.get(`${BASE}/utbildning?kod=MAT-1`)).text;
  assert.match(page, /<th scope="row"[^>]*>HT2026<\/th><td[^>]*>2026-08-31<\/td><td[^>]*>2027-01-17<\/td><td[^>]*>30<\/td><td[^>]*>20<\/td><td[^>]*>100 %/);
  assert.match(page, /Utkast: syns inte för de studerande/);

  for (const [fields, message] of [
    [{ etikett: 'VT2027', forsta: '2027-06-01', sista: '2027-01-18', poang: '30' }, /Sista dagen kan inte vara före första dagen/],
    [{ etikett: 'VT2027', forsta: '2027-01-18', sista: '2027-06-06', poang: '' }, /Ange poäng för studietiden/],
    [{ etikett: 'VT2027', forsta: '2027-01-18', sista: '2027/06/06', poang: '30' }, /Skriv dagarna som ÅÅÅÅ-MM-DD/],
    [{ etikett: 'VT2027', forsta: '2027-01-18', sista: '2027-06-06', poang: '30', lov: '2027-07-01 – 2027-07-10' }, /Loven måste ligga inom studietiden/],
    [{ etikett: 'HT-igen', forsta: '2027-01-10', sista: '2027-03-01', poang: '10' }, /Studietiden överlappar HT2026/],
  ]) {
    const r = await savePeriod(c, 'MAT-1', fields);
    assert.equal(r.status, 422, JSON.stringify(fields));
    assert.match(r.text, message);
  }
  assert.equal(count('SELECT count(*) FROM study_periods'), 1, 'nothing more saved');

  // Accepted but marked: 2 weeks; and 10 hp over 20 weeks is under 50 %.
  assert.equal((await savePeriod(c, 'MAT-1', { etikett: 'SOM2027', forsta: '2027-06-07', sista: '2027-06-20', poang: '3' })).status, 303);
  assert.equal((await savePeriod(c, 'MAT-1', { etikett: 'HT2027', forsta: '2027-08-30', sista: '2028-01-16', poang: '10' })).status, 303);
  page = (await c.get(`${BASE}/utbildning?kod=MAT-1`)).text;
  assert.match(page, /Ger inte rätt till studiemedel: kortare än 3 veckor/);
  assert.match(page, /Ger inte rätt till studiemedel: studietakten är under 50 %/);

  // A Christmas break: its weeks are not study weeks.
  await newEducation(c, { kod: 'JUL-1', namn: 'Med jullov', poang: '30' });
  assert.equal((await savePeriod(c, 'JUL-1', { etikett: 'HT2026', forsta: '2026-08-31', sista: '2027-01-31', poang: '30', lov: '2026-12-21 – 2027-01-03' })).status, 303);
  assert.match((await c.get(`${BASE}/utbildning?kod=JUL-1`)).text, /<td[^>]*>30<\/td><td[^>]*>20<\/td><td[^>]*>100 %/);

  // Far in the future: a question first, saved when confirmed.
  const far = await savePeriod(c, 'MAT-1', { etikett: 'HT2035', forsta: '2035-08-27', sista: '2036-01-13', poang: '30' });
  assert.equal(far.status, 422);
  assert.match(far.text, /Första dagen är mer än 3 år fram i tiden/);
  assert.equal((await savePeriod(c, 'MAT-1', { etikett: 'HT2035', forsta: '2035-08-27', sista: '2036-01-13', poang: '30', bekrafta: 'ja' })).status, 303);
});

test('publishing: a draft until published, a change is a new version, and the old one stays in the history', async () => {
  const c = await pelle();
  await newEducation(c, { kod: 'HIST-1', namn: 'Historia', poang: '30' });
  await savePeriod(c, 'HIST-1', { etikett: 'VT2027', forsta: '2027-01-18', sista: '2027-06-06', poang: '30' });
  const id = sql(srv.db, "SELECT p.id FROM study_periods p JOIN educations e ON e.id = p.education_id WHERE e.code = 'HIST-1'")[0][0];
  const publish = () => c.submit(`${BASE}/utbildning?kod=HIST-1`, `${BASE}/studietid/publicera`, { kod: 'HIST-1', id });
  assert.equal((await publish()).status, 303);
  let page = (await c.get(`${BASE}/utbildning?kod=HIST-1`)).text;
  assert.match(page, /Publicerad \(version 1\)/);

  const change = await savePeriod(c, 'HIST-1', { id, etikett: 'VT2027', forsta: '2027-01-18', sista: '2027-06-13', poang: '30' });
  assert.equal(change.status, 303);
  page = (await c.get(`${BASE}/utbildning?kod=HIST-1`)).text;
  assert.match(page, /Ändrad sedan version 1: de studerande ser version 1/);
  assert.equal(sql(srv.db, `SELECT last_day FROM study_period_versions WHERE period_id = ${id} AND version = 1`)[0][0], '2027-06-06',
    'students still see version 1');
  assert.equal((await publish()).status, 303);
  page = (await c.get(`${BASE}/utbildning?kod=HIST-1`)).text;
  assert.match(page, /Publicerad \(version 2\)/);
  // When, in Swedish time as a Swedish reader writes it ([9] item 6), not UTC in ISO form; who
  // published: the person's name, not the username ([9] item 8).
  const at = (v) => swedishTime(Number(sql(srv.db, `SELECT published_at FROM study_period_versions WHERE period_id = ${id} AND version = ${v}`)[0][0]));
  // Each day on one line: the version's days sit in <span class="nowrap"> ([10] item 7).
  assert.match(page, new RegExp(`Version 1, publicerad den ${at(1)} av Pelle Test: <span class="nowrap">2027-01-18</span> – <span class="nowrap">2027-06-06</span>`));
  assert.match(page, new RegExp(`Version 2, publicerad den ${at(2)} av Pelle Test: <span class="nowrap">2027-01-18</span> – <span class="nowrap">2027-06-13</span>`));
  assert.doesNotMatch(page, /publicerad \d{4}-\d{2}-\d{2}T/);
  assert.ok(!page.includes(`av ${srv.pelle}:`), 'not by username');
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'period.published' AND actor = '${srv.pelle}'`), 2);

  // Withdrawn: kept and readable, no longer changeable.
  assert.equal((await c.submit(`${BASE}/utbildning?kod=HIST-1`, `${BASE}/utbildning/aterkalla`, { kod: 'HIST-1', bekrafta: 'ja' })).status, 303);
  page = (await c.get(`${BASE}/utbildning?kod=HIST-1`)).text;
  assert.match(page, /Utbildningen återkallades/);
  assert.match(page, /Version 1, publicerad/);
  const late = await savePeriod(c, 'HIST-1', { etikett: 'HT2027', forsta: '2027-08-30', sista: '2028-01-16', poang: '30' });
  assert.equal(late.status, 404);
  assert.equal(count("SELECT count(*) FROM educations WHERE code = 'HIST-1'"), 1, 'never deleted');
});

test('scope: without the grant at the chosen school, by menu, URL or form, nothing is shown or changed', async () => {
  const c = await pelle();
  await newEducation(c, { kod: 'ENDAST-1', namn: 'Bara Demoskolan', poang: '30' });
  // Anna holds studietider at DEMO1 only; Pelle at DEMO1 and DEMO2. At DEMO2 the DEMO1 education does not exist.
  const at2 = await pelle('DEMO2');
  const other = await at2.get(`${BASE}/utbildning?kod=ENDAST-1`);
  assert.equal(other.status, 404, "another school's education is not found");
  assert.doesNotMatch((await at2.get(BASE)).text, /ENDAST-1/);
  const forged = await at2.submit(BASE, `${BASE}/utbildning/andra`, { kod: 'ENDAST-1', namn: 'Kapad', niva: 'eftergymnasial', enhet: 'hp', poang: '30' });
  assert.equal(forged.status, 404);
  assert.equal(sql(srv.db, "SELECT name FROM educations WHERE code = 'ENDAST-1'")[0][0], 'Bara Demoskolan');

  // A person without the studietider grant at the chosen school is refused outright.
  const add = mina(['admin', 'person', 'add', '--first', 'Rut', '--last', 'Rapport', '--email', 'rut.rapport@example.se'], srv.env);
  const rut = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', rut], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', rut, '--school', 'DEMO1', '--role', 'studeranderapportering'], srv.env).status, 0);
  const r = new Client(srv);
  assert.equal((await r.login(rut)).status, 303);
  await r.submit('/start', '/skola', { skola: 'DEMO1' });
  assert.equal((await r.get(BASE)).status, 403);
  assert.equal((await r.get(`${BASE}/utbildning?kod=ENDAST-1`)).status, 403);
  const byForm = await r.submit('/start', `${BASE}/utbildning/ny`, { kod: 'SMYG', namn: 'Smyg', niva: 'eftergymnasial', enhet: 'hp', poang: '1' });
  assert.equal(byForm.status, 403);
  assert.equal(count("SELECT count(*) FROM educations WHERE code = 'SMYG'"), 0);
  const csrfless = await c.post(`${BASE}/utbildning/ny`, { kod: 'Z', namn: 'Z', niva: 'eftergymnasial', enhet: 'hp', poang: '1' });
  assert.equal(csrfless.status, 403, 'no CSRF token, no change');
});

test("the school's contact persons: added with a name and a way to reach them, removed; bad input refused", async () => {
  const c = await pelle();
  const bad = await c.submit(BASE, `${BASE}/kontakt`, { namn: 'Utan kontaktväg', roll: '', epost: '', telefon: '' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /Skriv kontaktpersonens namn och en e-postadress eller ett telefonnummer/);
  const ok = await c.submit(BASE, `${BASE}/kontakt`, { namn: 'Stina Studievägledare', roll: 'studievägledare', epost: 'stina@demoskolan.se', telefon: '' });
  assert.equal(ok.status, 303);
  const page = (await c.get(ok.location)).text;
  assert.match(page, /Kontaktpersonen är sparad/);
  assert.match(page, /Stina Studievägledare, studievägledare – stina@demoskolan.se/);
  const id = sql(srv.db, "SELECT id FROM school_contacts WHERE name = 'Stina Studievägledare'")[0][0];
  const other = await pelle('DEMO2');
  assert.equal((await other.submit(BASE, `${BASE}/kontakt/ta-bort`, { id })).status, 404, "another school's contact is not found");
  assert.equal((await c.submit(BASE, `${BASE}/kontakt/ta-bort`, { id })).status, 303);
  assert.equal(count('SELECT count(*) FROM school_contacts'), 0);
});

test('Ansök om studiemedel: published periods only, for anyone, as a page and as JSON; changes show once published', async () => {
  const c = await pelle();
  await newEducation(c, { kod: 'PUB-1', namn: 'Svenska för vuxna', poang: '30' });
  await savePeriod(c, 'PUB-1', { etikett: 'HT2026', forsta: '2026-08-31', sista: '2027-01-17', poang: '30' });
  await savePeriod(c, 'PUB-1', { etikett: 'VT2027', forsta: '2027-01-18', sista: '2027-06-06', poang: '22,5' });
  const ids = sql(srv.db, "SELECT p.id FROM study_periods p JOIN educations e ON e.id = p.education_id WHERE e.code = 'PUB-1' ORDER BY p.first_day").map((r) => r[0]);
  const anyone = new Client(srv);
  const api = async (query) => JSON.parse((await anyone.get(`/api/v1/utbildningar?${query}`)).text);
  assert.deepEqual((await api('q=svenska')).educations, [], 'drafts never leak');
  assert.doesNotMatch((await anyone.get('/studiemedel?q=svenska')).text, /Svenska för vuxna/);

  await c.submit(`${BASE}/utbildning?kod=PUB-1`, `${BASE}/studietid/publicera`, { kod: 'PUB-1', id: ids[0] });
  let found = (await api('q=SVENSKA')).educations;
  assert.equal(found.length, 1);
  assert.equal(found[0].school.code, 'DEMO1');
  assert.equal(found[0].credit_unit, 'hp');
  assert.deepEqual(found[0].study_periods.map((p) => [p.label, p.study_weeks, p.pace_percent, p.version]), [['HT2026', 20, 100, 1]],
    'only the published period');
  const page = await anyone.get('/studiemedel?q=Demoskolan&termin=HT2026');
  assert.equal(page.status, 200);
  assert.match(page.text, /Svenska för vuxna/);
  assert.match(page.text, /<th scope="row"[^>]*>HT2026<\/th><td[^>]*>2026-08-31<\/td><td[^>]*>2027-01-17<\/td><td[^>]*>20<\/td><td[^>]*>100 %/);
  assert.match(page.text, /href="\/api\/v1\/utbildningar\?q=Demoskolan&amp;termin=HT2026"/);

  // A change is a new version: students see the old one until it is published.
  await savePeriod(c, 'PUB-1', { id: ids[0], etikett: 'HT2026', forsta: '2026-08-31', sista: '2027-01-17', poang: '15' });
  assert.equal((await api('q=PUB-1')).educations[0].study_periods[0].pace_percent, 100);
  await c.submit(`${BASE}/utbildning?kod=PUB-1`, `${BASE}/studietid/publicera`, { kod: 'PUB-1', id: ids[0] });
  await c.submit(`${BASE}/utbildning?kod=PUB-1`, `${BASE}/studietid/publicera`, { kod: 'PUB-1', id: ids[1] });
  found = (await api('q=pub-1')).educations[0].study_periods;
  assert.deepEqual(found.map((p) => [p.label, p.pace_percent, p.version]), [['HT2026', 50, 2], ['VT2027', 75, 1]]);
  assert.deepEqual((await api('termin=VT2027&q=svenska')).educations.length, 1);
  assert.deepEqual((await api('termin=HT2031')).educations, []);

  // Withdrawn: gone from the public view.
  await c.submit(`${BASE}/utbildning?kod=PUB-1`, `${BASE}/utbildning/aterkalla`, { kod: 'PUB-1', bekrafta: 'ja' });
  assert.deepEqual((await api('q=svenska')).educations, []);
});
