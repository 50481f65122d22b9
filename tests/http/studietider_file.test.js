// Studietider och utbildningar in bulk, over real HTTP (issue [5] §5): the school's file of
// educations and study periods is downloaded, uploaded with a preview of every row's fate, and
// saved all-or-nothing; and the public search (issue [5] §4) finds educations by the beginnings of
// their words, folded, page by page, also after a school changes its name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, Client, sql, sqlWrite, mina, DEMO_PASSWORD } from './harness.js';
import { BASE, pelleAt, HEADER } from './studietider_steps.js';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

const count = (q) => Number(sql(srv.db, q)[0][0]);

const pelle = (school) => pelleAt(srv, school);
/** Uploads `csv` (text or bytes) as the browser's form does; returns the preview. */
async function upload(c, csv, { filename = 'studietider.csv', csrf } = {}) {
  const page = await c.get(BASE);
  const form = new FormData();
  form.append('csrf', csrf ?? Client.csrf(page.text));
  form.append('fil', new Blob([csv], { type: 'text/csv' }), filename);
  return c.request('POST', `${BASE}/fil`, { body: form });
}
const unescape = (v) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
/** The hidden fields of the preview's save form, or null when the preview offers no saving. */
function saveForm(html) {
  if (!html.includes(`action="${BASE}/fil/spara"`)) return null;
  const field = (name) => {
    const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
    return m ? unescape(m[1]) : null;
  };
  return { csrf: field('csrf'), plan: field('plan'), filnamn: field('filnamn'), fil: field('fil') };
}
const rowOf = (html, line) => {
  const m = html.match(new RegExp(`<tr[^>]*><td>${line}</td>([\\s\\S]*?)</tr>`));
  return m ? m[1] : '';
};
async function download(c) {
  const r = await c.get(`${BASE}/fil`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv; charset=utf-8/);
  assert.match(r.headers.get('content-disposition'), /^attachment; filename="studietider-DEMO[12]-\d{4}-\d{2}-\d{2}\.csv"$/);
  return r.text;
}
const api = async (query) => JSON.parse((await new Client(srv).get(`/api/v1/utbildningar?${query}`)).text);

test('a file adds educations and periods after a preview of every row; downloaded and uploaded again, nothing changes', async () => {
  const c = await pelle();
  const csv = [
    HEADER,
    'FIL-SJK;Sjuksköterskeprogrammet;eftergymnasial;hp;180;nej;nej;HT2026;2026-08-31;2027-01-17;30;;2026-12-21/2027-01-06;publicerad',
    'FIL-SJK;Sjuksköterskeprogrammet;eftergymnasial;hp;180;nej;nej;VT2027;2027-01-18;2027-06-06;30;;;utkast',
    'FIL-GYM;Gymnasiearbete;gymnasieniva;ingen;;ja;nej;HT2026;2026-08-17;2026-12-18;;75;;publicerad',
    'FIL-TOM;Utan studietider;eftergymnasial;yh-poang;"22,5";nej;ja;;;;;;;',
  ].join('\r\n');
  const preview = await upload(c, csv);
  assert.equal(preview.status, 200);
  assert.match(preview.text, /Rader i filen: 4\. Nya: 4\. Ändrade: 0\. Oförändrade: 0\. Kan inte sparas: 0\./);
  assert.match(rowOf(preview.text, 2), /Ny\.<\/strong> Ny utbildning\. Ny studietid HT2026\. Publiceras: de studerande ser den\./);
  assert.match(rowOf(preview.text, 3), /Ny\.<\/strong> Ny studietid VT2027\.<\/td>/);
  assert.match(rowOf(preview.text, 5), /Uppdragsutbildning ger inte rätt till studiemedel/);
  assert.equal(count('SELECT count(*) FROM educations'), 0, 'a preview saves nothing');

  const form = saveForm(preview.text);
  assert.ok(form, 'the preview offers saving');
  const saved = await c.post(`${BASE}/fil/spara`, form);
  assert.equal(saved.status, 303);
  assert.match((await c.get(saved.location)).text, /Filen är sparad\. Nya: 6\. Ändrade: 0\. Publicerade studietider: 2\./);
  assert.equal(count("SELECT count(*) FROM educations WHERE school_code = 'DEMO1'"), 3);
  assert.equal(count('SELECT count(*) FROM study_periods'), 3);
  assert.equal(count('SELECT count(*) FROM study_period_versions'), 2);
  assert.equal(sql(srv.db, "SELECT total_credits, contract FROM educations WHERE code = 'FIL-TOM'")[0].join(), '2250,1');
  assert.equal(sql(srv.db, "SELECT breaks FROM study_periods WHERE label = 'HT2026' AND credits = 3000")[0][0], '2026-12-21/2027-01-06');
  assert.equal(sql(srv.db, "SELECT updated_by FROM study_periods LIMIT 1")[0][0], srv.pelle, 'who saved it');
  assert.match(sql(srv.db, "SELECT detail FROM audit_log WHERE kind = 'studietider.file.saved'")[0][0], /^4 rows: 3 educations added/);
  const published = (await api('q=sjukskoterske')).educations;
  assert.deepEqual(published.map((e) => [e.code, e.study_periods.map((p) => p.label).join()]), [['FIL-SJK', 'HT2026']],
    'the published period shows at once; the draft does not');

  const raw = new Uint8Array(await (await fetch(`${srv.url}${BASE}/fil`, { headers: { cookie: c.cookieHeader() } })).arrayBuffer());
  assert.deepEqual([...raw.slice(0, 3)], [0xef, 0xbb, 0xbf], 'a byte-order mark, so that Excel reads å ä ö');
  const file = await download(c);
  const lines = file.split('\r\n');
  assert.equal(lines[0], HEADER);
  assert.deepEqual(lines.slice(1), [
    'FIL-GYM;Gymnasiearbete;gymnasieniva;ingen;;ja;nej;HT2026;2026-08-17;2026-12-18;;75;;publicerad',
    'FIL-SJK;Sjuksköterskeprogrammet;eftergymnasial;hp;180;nej;nej;HT2026;2026-08-31;2027-01-17;30;;2026-12-21/2027-01-06;publicerad',
    'FIL-SJK;Sjuksköterskeprogrammet;eftergymnasial;hp;180;nej;nej;VT2027;2027-01-18;2027-06-06;30;;;utkast',
    'FIL-TOM;Utan studietider;eftergymnasial;yh-poang;22,5;nej;ja;;;;;;;',
    '',
  ]);

  const again = await upload(c, file);
  assert.equal(again.status, 200);
  assert.match(again.text, /Rader i filen: 4\. Nya: 0\. Ändrade: 0\. Oförändrade: 4\. Kan inte sparas: 0\./);
  assert.match(again.text, /Ingenting ändras: filen stämmer med det som redan är sparat\./);
  assert.equal(saveForm(again.text), null, 'nothing to save, no button');
});

test('a changed row is a new version when published, a working copy when a draft; the preview says which', async () => {
  const c = await pelle();
  const file = await download(c);
  const changed = file
    .replace('HT2026;2026-08-31;2027-01-17;30;;2026-12-21/2027-01-06;publicerad', 'HT2026;2026-08-31;2027-01-17;15;;2026-12-21/2027-01-06;publicerad')
    .replace('VT2027;2027-01-18;2027-06-06;30;;;utkast', 'VT2027;2027-01-18;2027-06-06;30;;;publicerad')
    .replace('Gymnasiearbete;gymnasieniva;ingen;;ja;nej;HT2026;2026-08-17;2026-12-18;;75;;publicerad', 'Gymnasiearbete;gymnasieniva;ingen;;ja;nej;HT2026;2026-08-17;2026-12-18;;50;;utkast')
    .replace('Utan studietider;eftergymnasial;yh-poang;22,5', 'Utan studietider, ny;eftergymnasial;yh-poang;22,5');
  const preview = await upload(c, changed);
  assert.match(preview.text, /Rader i filen: 4\. Nya: 0\. Ändrade: 4\. Oförändrade: 0\. Kan inte sparas: 0\./);
  assert.match(rowOf(preview.text, 3), /Studietiden HT2026 ändras\. Publiceras/);
  assert.match(rowOf(preview.text, 4), /Ändras\.<\/strong> Publiceras: de studerande ser den\./, 'a draft unchanged, now published');
  assert.match(rowOf(preview.text, 5), /Utbildningens uppgifter ändras\./);
  const saved = await c.post(`${BASE}/fil/spara`, saveForm(preview.text));
  assert.equal(saved.status, 303);
  const sjk = (await api('q=FIL-SJK')).educations[0].study_periods;
  assert.deepEqual(sjk.map((p) => [p.label, p.pace_percent, p.version]), [['HT2026', 50, 2], ['VT2027', 100, 1]]);
  const gym = (await api('q=gymnasiearbete')).educations[0].study_periods;
  assert.deepEqual(gym.map((p) => [p.pace_percent, p.version]), [[75, 1]], 'a draft change leaves what students see');
  assert.equal(count("SELECT changed FROM study_periods WHERE pace = 50"), 1, 'the working copy is changed');
  const versions = sql(srv.db, "SELECT v.version, v.published_by FROM study_period_versions v JOIN study_periods p ON p.id = v.period_id WHERE p.credits = 1500 ORDER BY v.version");
  assert.deepEqual(versions.map((r) => r[0]), ['1', '2'], 'the old version stays in the history');
  assert.equal(versions[1][1], srv.pelle);
  // And the round trip holds for the new state too.
  assert.match((await upload(c, await download(c))).text, /Nya: 0\. Ändrade: 0\. Oförändrade: 4\./);
});

test('a file with refused rows saves nothing and names every bad row with its reason', async () => {
  const c = await pelle();
  const before = sql(srv.db, 'SELECT count(*), (SELECT count(*) FROM study_periods), (SELECT count(*) FROM study_period_versions) FROM educations')[0].join();
  sqlWrite(srv.db, "UPDATE educations SET withdrawn_at = 1 WHERE code = 'FIL-TOM'");
  const csv = [
    HEADER,
    'BRA-1;En bra rad;eftergymnasial;hp;30;nej;nej;HT2026;2026-08-31;2027-01-17;30;;;publicerad',
    'BRA-1;En bra rad;eftergymnasial;hp;60;nej;nej;VT2027;2027-01-18;2027-06-06;30;;;utkast',
    'DAT-1;Fel datum;eftergymnasial;hp;30;nej;nej;HT2026;nästa vecka;2027-01-17;30;;;utkast',
    'ENH-1;Okänd poängtyp;eftergymnasial;högskolepinnar;30;nej;nej;;;;;;;',
    'BAK-1;Baklänges;eftergymnasial;hp;30;nej;nej;HT2026;2027-01-17;2026-08-31;30;;;utkast',
    'DUB-1;Dubbel;eftergymnasial;hp;30;nej;nej;HT2026;2026-08-31;2026-10-31;15;;;utkast',
    'DUB-1;Dubbel;eftergymnasial;hp;30;nej;nej;HT2026;2026-11-01;2027-01-17;15;;;utkast',
    'OVL-1;Överlapp;eftergymnasial;hp;30;nej;nej;HT2026;2026-08-31;2027-01-17;30;;;utkast',
    'OVL-1;Överlapp;eftergymnasial;hp;30;nej;nej;VT2027;2027-01-10;2027-06-06;30;;;utkast',
    'FIL-SJK;Sjuksköterskeprogrammet;eftergymnasial;hp;180;nej;nej;HT2027;2027-01-01;2027-03-01;10;;;utkast',
    'FIL-TOM;Utan studietider;eftergymnasial;yh-poang;22,5;nej;ja;;;;;;;',
    'TKT-1;Takt för hp;eftergymnasial;hp;30;nej;nej;HT2026;2026-08-31;2027-01-17;30;100;;utkast',
    'POA-1;Utan poäng;eftergymnasial;hp;;kanske;nej;;;;;;;',
    'kod med mellanslag;;eftergymnasial;hp;30;nej;nej;;;;;;;',
  ].join('\n');
  const preview = await upload(c, csv);
  assert.equal(preview.status, 422);
  assert.match(preview.text, /Rader i filen: 14\. Nya: 2\. Ändrade: 0\. Oförändrade: 0\. Kan inte sparas: 12\./);
  assert.match(preview.text, /ingenting sparas så länge någon rad inte går att spara/);
  assert.equal(saveForm(preview.text), null, 'no save button while any row is refused');
  const why = (line) => rowOf(preview.text, line);
  assert.match(why(2), /Ny\./);
  assert.match(why(3), /Kan inte sparas:<\/strong> Utbildningens uppgifter skiljer sig från rad 2 med samma utbildningskod\./);
  assert.match(why(4), /Värdet i kolumnen ”Första dag” går inte att läsa\./);
  assert.match(why(5), /Värdet i kolumnen ”Poängtyp” går inte att läsa\./);
  assert.match(why(6), /Sista dagen kan inte vara före första dagen/);
  assert.match(why(8), /Samma studietid finns redan på rad 7\./);
  assert.match(why(9), /Studietiden överlappar VT2027/);
  assert.match(why(10), /Studietiden överlappar HT2026/);
  assert.match(why(7), /Ny\./, 'the first of the two is fine');
  assert.match(why(11), /Studietiden överlappar HT2026/, 'against the saved periods too');
  assert.match(why(12), /Utbildningen är återkallad och kan inte ändras\./);
  assert.match(why(13), /Studietakten räknas fram ur poängen och ska inte anges/);
  assert.match(why(14), /Värdet i kolumnen ”Distans” går inte att läsa\./);
  assert.match(why(15), /Utbildningskoden ska vara 1–20 tecken/);
  assert.match(why(15), /Namnet ska vara 1–200 tecken/);

  // Saving anyway (a forged form) saves nothing either: the plan is made again and still refused.
  const forged = await c.submit(BASE, `${BASE}/fil/spara`, { plan: 'x', fil: csv });
  assert.equal(forged.status, 409);
  assert.equal(saveForm(forged.text), null);
  const after = sql(srv.db, 'SELECT count(*), (SELECT count(*) FROM study_periods), (SELECT count(*) FROM study_period_versions) FROM educations')[0].join();
  assert.equal(after, before, 'nothing saved');
  sqlWrite(srv.db, "UPDATE educations SET withdrawn_at = NULL WHERE code = 'FIL-TOM'");
});

test('the file itself: columns by name in any order and language, Windows-1252, formulas kept as text; unreadable files refused', async () => {
  const c = await pelle('DEMO2');
  const english = 'status;code;name;level;unit;total credits;label;first day;last day;credits\n' +
    'publicerad;-X1;=Ekonomi, grund;eftergymnasial;hp;7,5;HT2026;2026-08-31;2026-10-31;7,5\n';
  const preview = await upload(c, english);
  assert.equal(preview.status, 200);
  assert.match(preview.text, /Rader i filen: 1\. Nya: 1\. Ändrade: 0\. Oförändrade: 0\. Kan inte sparas: 0\./);
  assert.match(preview.text, />Spara 1 rad</);
  assert.equal((await c.post(`${BASE}/fil/spara`, saveForm(preview.text))).status, 303);
  assert.equal(sql(srv.db, "SELECT name FROM educations WHERE code = '-X1'")[0][0], '=Ekonomi, grund');
  const file = await download(c);
  assert.match(file, /\r\n"'-X1";"'=Ekonomi, grund";eftergymnasial;hp;7,5;nej;nej;HT2026;2026-08-31;2026-10-31;7,5;;;publicerad\r\n/,
    'a leading - or = is quoted so that a spreadsheet keeps it as text');
  assert.match((await upload(c, file)).text, /Rader i filen: 1\. Nya: 0\. Ändrade: 0\. Oförändrade: 1\./, 'and read back as it was');

  // Windows-1252 from Excel: å ä ö read right.
  const latin1 = Buffer.from('Utbildningskod;Utbildningens namn;Niv\xe5;Po\xe4ngtyp;Omfattning\nSV-1;Svenska f\xf6r \xe4ldre;grundskoleniva;komvux-poang;400\n', 'latin1');
  const fromExcel = await upload(c, latin1);
  assert.match(fromExcel.text, /Svenska för äldre/);
  assert.match(fromExcel.text, /Rader i filen: 1\. Nya: 1\./);

  const missing = await upload(c, 'Utbildningskod;Namn\nA;B\n');
  assert.equal(missing.status, 422);
  assert.match(missing.text, /Filens rubrikrad saknar kolumnerna Nivå, Poängtyp, Omfattning\./);
  const onlyHeader = await upload(c, `${HEADER}\r\n`);
  assert.equal(onlyHeader.status, 422);
  assert.match(onlyHeader.text, /Filen har inga rader under rubrikraden\./);
  const open = await upload(c, `${HEADER}\nA;"B;eftergymnasial;hp;30\n`);
  assert.equal(open.status, 422);
  assert.match(open.text, /ett citattecken avslutas aldrig/);
  const tooMany = await upload(c, [HEADER, ...Array.from({ length: 20_001 }, (_, i) => `M${i};M;eftergymnasial;hp;30`)].join('\n'));
  assert.equal(tooMany.status, 422);
  assert.match(tooMany.text, /Högst 20000 rader/);
});

test('saving checks that nothing changed since the preview; scope and CSRF hold for the file too', async () => {
  const c = await pelle();
  const file = await download(c);
  const preview = await upload(c, file.replace('Gymnasiearbete;', 'Gymnasiearbetet;'));
  const form = saveForm(preview.text);
  assert.ok(form);
  // Meanwhile someone changes one of the school's educations in the service.
  const meanwhile = await c.submit(`${BASE}/utbildning?kod=FIL-TOM`, `${BASE}/utbildning/andra`,
    { kod: 'FIL-TOM', namn: 'Ändrad under tiden', niva: 'eftergymnasial', enhet: 'yh-poang', poang: '22,5', uppdrag: 'ja' });
  assert.equal(meanwhile.status, 303);
  const late = await c.post(`${BASE}/fil/spara`, form);
  assert.equal(late.status, 409);
  assert.match(late.text, /Skolans utbildningar har ändrats sedan du granskade filen\. Inget har sparats\./);
  assert.equal(count("SELECT count(*) FROM educations WHERE name = 'Gymnasiearbetet'"), 0);
  assert.match(rowOf(late.text, 5), /Utbildningens uppgifter ändras\./, 'the new preview: the file would undo the change');
  const now = saveForm(late.text);
  assert.equal((await c.post(`${BASE}/fil/spara`, now)).status, 303, 'saving the new preview works');
  assert.equal(count("SELECT count(*) FROM educations WHERE name = 'Gymnasiearbetet'"), 1);

  // Another school's file holds nothing of this one; the file of DEMO1 is not reachable from DEMO2.
  const other = await pelle('DEMO2');
  assert.doesNotMatch(await download(other), /FIL-SJK/);
  const moved = await upload(other, file);
  assert.match(moved.text, /Oförändrade: 0\./, "DEMO1's rows are new at DEMO2, never DEMO1's educations");

  // Without the studietider grant at the chosen school: refused, by link and by form.
  const add = mina(['admin', 'person', 'add', '--first', 'Filip', '--last', 'Fil', '--email', 'filip.fil@example.se'], srv.env);
  const filip = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', filip], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', filip, '--school', 'DEMO1', '--role', 'studeranderapportering'], srv.env).status, 0);
  const f = new Client(srv);
  assert.equal((await f.login(filip)).status, 303);
  await f.submit('/start', '/skola', { skola: 'DEMO1' });
  assert.equal((await f.get(`${BASE}/fil`)).status, 403);
  const start = await f.get('/start');
  const smuggle = new FormData();
  smuggle.append('csrf', Client.csrf(start.text));
  smuggle.append('fil', new Blob([file]), 'x.csv');
  assert.equal((await f.request('POST', `${BASE}/fil`, { body: smuggle })).status, 403);
  assert.equal((await f.post(`${BASE}/fil/spara`, { csrf: Client.csrf(start.text), plan: form.plan, fil: form.fil })).status, 403);
  assert.equal((await upload(c, file, { csrf: 'forged' })).status, 403, 'no CSRF token, no preview');
  assert.equal((await c.post(`${BASE}/fil/spara`, { plan: form.plan, fil: form.fil })).status, 403);
});

test('Ansök om studiemedel finds words by their beginnings, folded, page by page, and by a school’s new name', async () => {
  const c = await pelle();
  const rows = [HEADER];
  for (let i = 1; i <= 25; i++) {
    const n = String(i).padStart(2, '0');
    rows.push(`SOK-${n};Ämneslärarprogrammet inriktning ${n};eftergymnasial;hp;300;nej;nej;HT2026;2026-08-31;2027-01-17;30;;;publicerad`);
  }
  rows.push('SOK-UTK;Ämneslärarprogrammet, utkast;eftergymnasial;hp;300;nej;nej;HT2026;2026-08-31;2027-01-17;30;;;utkast');
  const preview = await upload(c, rows.join('\n'));
  assert.equal((await c.post(`${BASE}/fil/spara`, saveForm(preview.text))).status, 303);

  const codes = (r) => r.educations.map((e) => e.code);
  const first = await api('q=amneslar');
  assert.equal(first.educations.length, 10, 'ten a page');
  assert.equal(first.total, 25);
  assert.equal(first.page, 1);
  assert.equal(first.next_page, 2);
  assert.deepEqual(codes(first).slice(0, 2), ['SOK-01', 'SOK-02'], 'by school, then education name');
  assert.equal((await api('q=amneslar&sida=2')).next_page, 3);
  const third = await api('q=amneslar&sida=3');
  assert.deepEqual(codes(third), ['SOK-21', 'SOK-22', 'SOK-23', 'SOK-24', 'SOK-25'], 'drafts never shown');
  assert.equal(third.next_page, null);
  assert.equal((await api('q=ÄMNESLÄRARPROGRAMMET')).total, 25, 'upper case and å ä ö alike');
  assert.deepEqual(codes(await api('q=amneslararprog inriktning 07')), ['SOK-07'], 'every word must match');
  assert.deepEqual(codes(await api('q=demo amnes 1')).slice(0, 2), ['SOK-10', 'SOK-11'], 'school words and education words together');
  assert.deepEqual(codes(await api('q=sok-25')), ['SOK-25'], 'a code');
  assert.deepEqual((await api('q=lararprogrammet')).educations, [], 'a word is found from its beginning');
  assert.deepEqual((await api('q=amnes&termin=VT2031')).educations, []);
  assert.equal((await api('q=amnes&termin=ht2026')).total, 25);

  const anyone = new Client(srv);
  const page = await anyone.get('/studiemedel?q=%C3%A4mnesl%C3%A4rar');
  assert.match(page.text, /<span aria-current="page">Sida 1<\/span> <a href="\/studiemedel\?q=%C3%A4mnesl%C3%A4rar&amp;termin=&amp;sida=2" rel="next">Nästa sida<\/a>/);
  const page2 = await anyone.get('/studiemedel?q=%C3%A4mnesl%C3%A4rar&termin=&sida=2');
  assert.match(page2.text, /rel="prev">Föregående sida<\/a> <span aria-current="page">Sida 2<\/span> <a [^>]*rel="next">/);
  assert.match(page.text, /25 utbildningar stämmer med sökningen\./);
  const page3 = await anyone.get('/studiemedel?q=%C3%A4mnesl%C3%A4rar&termin=&sida=3');
  assert.match(page3.text, /rel="prev">Föregående sida<\/a> <span aria-current="page">Sida 3<\/span><\/nav>/);
  assert.match(page3.text, /Ämneslärarprogrammet inriktning 25/);

  // Pages are kept rendered while nothing changes, and browsers are told when nothing has: the
  // ETag names the data's generation.
  const tagged = await anyone.get('/studiemedel?q=amnes');
  assert.equal(tagged.headers.get('cache-control'), 'public, no-cache');
  const etag = tagged.headers.get('etag');
  assert.match(etag, /^"r\d+-\d+-[0-9a-f]{16}"$/);
  assert.equal((await anyone.get('/studiemedel?q=amnes', { headers: { 'if-none-match': etag } })).status, 304);
  assert.equal((await anyone.get('/studiemedel?q=amnes')).text, tagged.text, 'the same page again');
  assert.match((await anyone.get('/studiemedel?q=%20-%20&termin=HT2026')).text, /Skriv en del av skolans eller utbildningens namn eller kod/);
  assert.match((await anyone.get('/studiemedel?q=sida&sida=abc')).text, /Ingen publicerad utbildning stämmer med sökningen/, 'a page that is not a number is the first');

  // The agency renames the school: its educations are found by the new name at once.
  const agencyAdd = mina(['admin', 'person', 'add', '--first', 'Vera', '--last', 'Verket', '--email', 'vera.verket@example.se'], srv.env);
  const vera = agencyAdd.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', vera], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', vera, '--role', 'agency-admin'], srv.env).status, 0);
  const agency = new Client(srv);
  assert.equal((await agency.login(vera)).status, 303);
  const renamed = await agency.submit('/identity-manager/skola?kod=DEMO1', '/identity-manager/skoluppgifter',
    { kod: 'DEMO1', namn: 'Kunskapsakademin Norrköping', skolform: 'hogskola' });
  assert.equal(renamed.status, 303);
  assert.equal((await api('q=norrkop amnes')).total, 25);
  assert.equal((await api('q=norrkop amnes')).educations[0].school.name, 'Kunskapsakademin Norrköping');

  // The index in memory follows the database's change log: a change written beside this server
  // (as another server would write it) is found at the next search.
  sqlWrite(srv.db, "UPDATE educations SET name = 'Omdöpt av en annan server' WHERE code = 'SOK-01'");
  assert.deepEqual(codes(await api('q=omdopt annan')), ['SOK-01']);
  const after = await anyone.get('/studiemedel?q=amnes', { headers: { 'if-none-match': etag } });
  assert.equal(after.status, 200, 'a change anywhere: the page is made again');
  assert.notEqual(after.headers.get('etag'), etag);
  assert.match(tagged.text, /Ämneslärarprogrammet inriktning 01/);
  assert.doesNotMatch(after.text, /Ämneslärarprogrammet inriktning 01/, 'renamed: no longer found by the old words');
  // A server that has fallen behind the rows kept (older ones are deleted as new ones come) reads
  // everything again.
  sqlWrite(srv.db, "UPDATE educations SET name = 'Glömd ändring' WHERE code = 'SOK-02'");
  const far = srv.backend === 'postgres'
    ? 'INSERT INTO search_changes (seq, education_id) OVERRIDING SYSTEM VALUE VALUES (10000000, 1)'
    : 'INSERT INTO search_changes (seq, education_id) VALUES (10000000, 1)';
  sqlWrite(srv.db, far);
  assert.equal(count('SELECT count(*) FROM search_changes'), 1, 'the older rows are deleted');
  assert.deepEqual(codes(await api('q=glomd andring')), ['SOK-02']);
});

test('a client that asks before sending a large file (Expect: 100-continue) is told to go on at once', async () => {
  const body = 'x'.repeat(200_000);
  const c = await pelle();
  const sock = net.connect(srv.port, '127.0.0.1');
  let data = '';
  sock.on('data', (d) => (data += d.toString('latin1')));
  const closed = new Promise((r) => sock.on('close', r));
  await new Promise((r) => sock.on('connect', r));
  sock.write(`POST ${BASE}/fil HTTP/1.1\r\nHost: x\r\nCookie: ${c.cookieHeader()}\r\nContent-Type: multipart/form-data; boundary=b\r\n` +
    `Content-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
  const started = Date.now();
  while (!data.includes('\r\n\r\n') && Date.now() - started < 2000) await new Promise((r) => setTimeout(r, 10));
  assert.match(data, /^HTTP\/1\.1 100 Continue\r\n\r\n$/, 'the go-ahead comes before the body is sent');
  sock.end(body);
  await closed;
  assert.match(data, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 400 /, 'then the answer (the body is no multipart)');
  // Without a session the answer comes at once, without a go-ahead: the body is never read (SPEC §4).
  const none = await new Promise((resolve) => {
    const s2 = net.connect(srv.port, '127.0.0.1');
    let got = '';
    s2.on('data', (d) => (got += d.toString('latin1')));
    s2.on('close', () => resolve(got));
    s2.on('connect', () => s2.write(`POST ${BASE}/fil HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n` +
      `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`));
  });
  assert.match(none, /^HTTP\/1\.1 303 /, 'the login page, not a go-ahead');
});
