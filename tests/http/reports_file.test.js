// Studeranderapportering's file over real HTTP (issue [9] items 5 and 9): a file saved by Excel in
// Windows-1252, or with lines ending in LF, is checked and then saved with its preview's form sent
// back as a browser sends it (the page read as UTF-8, every line break as CRLF); the format is a page
// of the product in the reader's language, linked from the file page, with an example file that the
// upload takes; no page sends staff to a source file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, Client, sql, mina } from './harness.js';
import { day, pnr } from './days.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BASE = '/tjanster/studeranderapportering';
const ST = '/tjanster/studietider';
const ST_HEADER = 'Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;Sista dag;Poäng;Studietakt;Lov;Status';

let srv;

const unescape = (v) => v.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
  .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
  .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const hidden = (html, name) => {
  const m = html.match(new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`));
  return m ? unescape(m[1]) : null;
};
/** For failure messages: the page's text without tags, shortened. */
const textOf = (html) => html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ')
  .replace(/\s+/g, ' ').slice(0, 1500);

async function as(username, school, headers = {}) {
  const c = new Client(srv, headers);
  assert.equal((await c.login(username)).status, 303, `login ${username}`);
  if (school) assert.equal((await c.submit('/start', '/skola', { skola: school })).status, 303, `choose ${school}`);
  return c;
}
function grant(username, school, role) {
  const r = mina(['admin', 'grant', '--username', username, '--role', role, '--school', school], srv.env);
  assert.equal(r.status, 0, r.stderr);
}

/** Uploads `bytes` as the file page's form does; returns the preview. */
async function upload(c, bytes, filename) {
  const page = await c.get(`${BASE}/fil`);
  const form = new FormData();
  form.append('csrf', Client.csrf(page.text));
  form.append('fil', new Blob([bytes], { type: 'text/csv' }), filename);
  return c.request('POST', `${BASE}/fil`, { body: form });
}

/**
 * The preview's save form sent back as a browser sends it: the page was read as UTF-8 (bytes that
 * are not UTF-8 became U+FFFD: Client reads it so), each hidden field's value as the HTML parser
 * reads it, every line break in a value as CRLF (the HTML standard's form submission), the whole
 * as multipart/form-data (the form's enctype) in UTF-8.
 */
function sentBack(html, button) {
  assert.match(html, new RegExp(`<form method="post" action="${BASE}/fil/spara" enctype="multipart/form-data"`));
  const form = new FormData();
  for (const name of ['csrf', 'inlamning', 'plan', 'filnamn', 'fil']) {
    const value = hidden(html, name);
    assert.notEqual(value, null, `hidden ${name}`);
    form.append(name, value.replace(/\r\n|\r|\n/g, '\r\n'));
  }
  form.append('satt', button);
  return form;
}

before(async () => {
  srv = await startServer({}, 'mina-reports-file-');
  grant(srv.pelle, 'DEMO1', 'studeranderapportering');
  // Two educations at Demoskolan: EKO5 around today for the encodings, EKO1 with the example's HT26.
  const c = await as(srv.pelle, 'DEMO1');
  const page = await c.get(ST);
  const form = new FormData();
  form.append('csrf', Client.csrf(page.text));
  form.append('fil', new Blob([[ST_HEADER,
    `EKO5;Ekonomi 5;gymnasieniva;ingen;;nej;nej;HT26;${day(-60)};${day(150)};;100;;publicerad`,
    'EKO1;Ekonomi 1;gymnasieniva;ingen;;nej;nej;HT26;2026-08-31;2027-01-17;;100;;publicerad',
  ].join('\r\n')], { type: 'text/csv' }), 'studietider.csv');
  const preview = await c.request('POST', `${ST}/fil`, { body: form });
  assert.equal(preview.status, 200, textOf(preview.text));
  const done = await c.post(`${ST}/fil/spara`, { csrf: hidden(preview.text, 'csrf'), plan: hidden(preview.text, 'plan'), filnamn: hidden(preview.text, 'filnamn'), fil: hidden(preview.text, 'fil') });
  assert.equal(done.status, 303, textOf(done.text));
});
after(async () => {
  await srv?.stop();
});

const namesAt = (school) => sql(srv.db, `SELECT name FROM school_students WHERE school_code = '${school}' ORDER BY name`).map((r) => r[0]);

test('a file in Windows-1252 from Excel, and one in UTF-8 with LF line ends: checked, then saved from the preview as a browser sends it back', async () => {
  const c = await as(srv.pelle, 'DEMO1');
  const header = 'Personnummer;Namn;Utbildning;Studieperiod;Stödform;Händelse;Datum';
  const cases = [
    { what: 'Windows-1252, CRLF (Excel on Windows)', filename: 'rapporter-excel.csv',
      bytes: Buffer.from([header, `${pnr('1990-01-01', 11)};Åsa Öberg;EKO5;HT26;studiemedel;studiestart;${day(-50)}`,
        `${pnr('1990-01-01', 12)};Märta Ärlig;EKO5;HT26;studiemedel;studiestart;${day(-49)}`].join('\r\n') + '\r\n', 'latin1'),
      names: ['Märta Ärlig', 'Åsa Öberg'] },
    { what: 'UTF-8, LF', filename: 'rapporter-lf.csv',
      bytes: Buffer.from([header, `${pnr('1990-01-01', 13)};Örjan Ågren;EKO5;HT26;studiemedel;studiestart;${day(-48)}`].join('\n') + '\n', 'utf8'),
      names: ['Örjan Ågren'] },
  ];
  for (const { what, filename, bytes, names } of cases) {
    const preview = await upload(c, bytes, filename);
    assert.equal(preview.status, 200, `${what}: ${textOf(preview.text)}`);
    assert.match(preview.text, new RegExp(`${names.length} ${names.length === 1 ? 'rad' : 'rader'}, ${names.length} studerande, 0 rader med fel\\. Godkända: ${names.length}\\.`), what);
    assert.ok(preview.text.includes(createHash('sha256').update(bytes).digest('hex')), `${what}: the SHA-256 is the file's own`);
    const id = Number(hidden(preview.text, 'inlamning'));
    const saved = await c.request('POST', `${BASE}/fil/spara`, { body: sentBack(preview.text, 'alla') });
    assert.equal(saved.status, 303, `${what}: saved, not ${saved.status}: ${textOf(saved.text)}`);
    assert.match(hidden(preview.text, 'fil'), /^[A-Za-z0-9+/]+=*$/, `${what}: the file rode along as base64`);
    assert.equal(saved.location, `${BASE}/inlamning?id=${id}&m=sparad`);
    assert.equal(sql(srv.db, `SELECT state, saved FROM report_submissions WHERE id = ${id}`)[0].join(), `sparad,${names.length}`, what);
    for (const n of names) assert.ok(namesAt('DEMO1').includes(n), `${what}: ${n} saved as written`);
  }
});

test('the save takes only the file that was checked: another file, or a field that is no base64, is 409 and saves nothing', async () => {
  const c = await as(srv.pelle, 'DEMO1');
  const bytes = Buffer.from(`personnummer;utbildning;stodform;handelse;datum\r\n${pnr('1990-01-01', 21)};EKO5;studiemedel;studiestart;${day(-40)}\r\n`, 'latin1');
  const preview = await upload(c, bytes, 'en.csv');
  assert.equal(preview.status, 200, textOf(preview.text));
  const id = Number(hidden(preview.text, 'inlamning'));
  const other = Buffer.from(bytes.toString('latin1').replace(day(-40), day(-39)), 'latin1');
  for (const [what, fil] of [['another file', other.toString('base64')], ['not base64', bytes.toString('latin1')], ['empty', '']]) {
    const form = sentBack(preview.text, 'alla');
    form.set('fil', fil);
    const r = await c.request('POST', `${BASE}/fil/spara`, { body: form });
    assert.equal(r.status, 409, what);
    assert.match(r.text, /Filen är redan sparad eller inte den som kontrollerades/, what);
  }
  assert.equal(sql(srv.db, `SELECT state FROM report_submissions WHERE id = ${id}`)[0][0], 'kontrollerad', 'nothing saved');
  const saved = await c.request('POST', `${BASE}/fil/spara`, { body: sentBack(preview.text, 'alla') });
  assert.equal(saved.status, 303, 'the file that was checked is saved');
});

test('the file page links the format page; it is in the reader\'s language with every column, event and support the reader takes', async () => {
  const sv = await as(srv.pelle, 'DEMO1');
  const file = await sv.get(`${BASE}/fil`);
  assert.equal(file.status, 200);
  assert.match(file.text, new RegExp(`<a href="${BASE}/fil/format">Så ska filen se ut: filformat och exempelfil</a>`));

  const page = await sv.get(`${BASE}/fil/format`);
  assert.equal(page.status, 200);
  assert.match(page.text, /<html lang="sv"/);
  assert.match(page.text, /<h1>Filformat för rapporter med fil<\/h1>/);
  assert.match(page.text, /Windows-1252/);
  assert.match(page.text, /ÅÅÅÅ-MM-DD/);
  assert.match(page.text, /Högst 200\u00a0000 rader per fil\./);
  const columns = ['personnummer', 'namn', 'utbildning', 'studieperiod', 'stodform', 'handelse', 'datum', 'sista_dag',
    'studietakt', 'poang', 'timmar', 'godkand', 'rattar', 'orsak'];
  for (const col of columns) assert.match(page.text, new RegExp(`<th scope="row"[^>]*><code>${col}</code></th>`), col);
  const kinds = ['studiestart', 'studietid', 'lov', 'franvaro-start', 'franvaro-slut', 'studieuppehall', 'andrad-omfattning',
    'andrad-studietid', 'avbrott', 'byte-av-skola', 'ej-paborjat', 'skolk', 'studieresultat'];
  for (const k of kinds) assert.match(page.text, new RegExp(`<th scope="row"[^>]*><code>${k}</code></th>`), k);
  for (const s of ['studiemedel', 'studiehjalp', 'studiestartsstod', 'omstallningsstudiestod'])
    assert.match(page.text, new RegExp(`<li><code>${s}</code>: `), s);
  assert.match(page.text, /Märta Åström/, 'the example on the page');
  assert.match(page.text, new RegExp(`<a href="${BASE}/fil/exempel" download>Ladda ner exempelfilen \\(CSV\\)</a>`));
  assert.doesNotMatch(page.text, /\{\{|sr_format_/, 'every text found in the catalog');

  const en = await as(srv.pelle, 'DEMO1', { 'accept-language': 'en' });
  const english = await en.get(`${BASE}/fil/format`);
  assert.equal(english.status, 200);
  assert.match(english.text, /<html lang="en"/);
  assert.match(english.text, /<h1>The format of the report file<\/h1>/);
  assert.match(english.text, /At most 200,000 rows in a file\./);
  assert.match(english.text, /Download the example file \(CSV\)/);
  for (const col of columns) assert.match(english.text, new RegExp(`<code>${col}</code>`), col);
  assert.match((await en.get(`${BASE}/fil`)).text, /What the file looks like: format and example file/);
});

test('the example file downloads as CSV and the upload takes every row of it', async () => {
  const c = await as(srv.pelle, 'DEMO1');
  const res = await fetch(`${srv.url}${BASE}/fil/exempel`, { headers: { cookie: c.cookieHeader() } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="exempel-rapporter.csv"');
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a byte-order mark, for Excel');
  const text = bytes.toString('utf8').slice(1);
  assert.ok(text.startsWith('personnummer;namn;utbildning;studieperiod;stodform;handelse;datum;sista_dag;studietakt;poang;timmar;godkand;rattar;orsak\r\n'));
  assert.ok(text.includes('Märta Åström'));
  const rows = text.trimEnd().split('\r\n').length - 1;

  const preview = await upload(c, bytes, 'exempel-rapporter.csv');
  assert.equal(preview.status, 200, textOf(preview.text));
  assert.match(preview.text, new RegExp(`${rows} rader, \\d+ studerande, 0 rader med fel\\. Godkända: ${rows}\\. Redan rapporterade: 0\\.`), textOf(preview.text));
  const saved = await c.request('POST', `${BASE}/fil/spara`, { body: sentBack(preview.text, 'alla') });
  assert.equal(saved.status, 303, textOf(saved.text));
  assert.ok(namesAt('DEMO1').includes('Märta Åström'));
});

test('the format page and the example: the file page\'s grant, nothing for others', async () => {
  const anna = await as(srv.anna, 'DEMO1');  // school admin and studietider at DEMO1, no studeranderapportering
  for (const path of ['/fil', '/fil/format', '/fil/exempel'])
    assert.equal((await anna.get(`${BASE}${path}`)).status, 403, path);
  const anon = new Client(srv);
  for (const path of ['/fil/format', '/fil/exempel']) {
    const r = await anon.get(`${BASE}${path}`);
    assert.ok([302, 303].includes(r.status) && /\/logga-in/.test(r.location ?? ''), `${path}: ${r.status} ${r.location}`);
  }
});

test('no page, message or template sends staff to a source file (docs/…)', async () => {
  for (const dir of ['templates', 'i18n']) {
    for (const name of readdirSync(join(ROOT, dir))) {
      const text = readFileSync(join(ROOT, dir, name), 'utf8');
      assert.doesNotMatch(text, /docs\/|FORMATS\.md|OPERATIONS\.md|\.md\b/, `${dir}/${name}`);
    }
  }
  const c = await as(srv.pelle, 'DEMO1');
  for (const path of [`${BASE}/fil`, `${BASE}/fil/format`, ST, '/start'])
    assert.doesNotMatch((await c.get(path)).text, /docs\/|FORMATS\.md/, path);
});
