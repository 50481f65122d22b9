// Help in the product ([10] item 4): Vanliga frågor (the manual's chapter 4, with the numbers this
// server runs on), linked from the login page, the kiosk and Startsida; Kontakta oss naming the
// chosen school's authorization administrators; what "Ger inte rätt till studiemedel" means where
// Studietider shows it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, mina, sql, eventually } from './harness.js';
import { BASE, pelleAt, newEducation, savePeriod } from './studietider_steps.js';

let srv;
before(async () => {
  // Not the defaults (three attempts, 30 minutes; 15 minutes for a reset one-time password): the
  // page says what this server does.
  srv = await startServer({
    MINA_POLICY_MAX_FAILED_LOGINS: '5',
    MINA_POLICY_LOCKOUT: '45m',
    MINA_POLICY_OTP_TTL_RESET: '20m',
    MINA_PORTAL_SCHOOL_PHONE: '0771-111 222',
  });
});
after(async () => srv && (await srv.stop()));

const headings = (html) => [...html.matchAll(/<h2 id="([^"]+)"[^>]*>([^<]+)<\/h2>/g)].map((m) => [m[1], m[2]]);
const decode = (s) => s.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'");

// The manual's chapter 4, question by question, as the product asks it.
const MANUAL_SV = [
  ['hur-ofta', 'Hur ofta ska jag logga in i Mina tjänster?'],
  ['glomt-anvandarnamn', 'Jag rapporterar i Mina tjänster men har tappat bort mitt användarnamn, hur gör jag?'],
  ['glomt-losenord', 'Jag rapporterar i Mina tjänster men har glömt eller vill byta mitt lösenord, hur gör jag för att få ett nytt?'],
  ['inga-anvandaruppgifter', 'Vår skolas behörighetsadministratör har lagt till mig som användare, men jag har inte fått inloggningsuppgifterna från CSN, vad är fel?'],
  ['flera-skolor', 'Jag rapporterar för flera skolor i Mina tjänster, kan jag rapportera för alla samtidigt?'],
  ['samma-losenord', 'Jag rapporterar redan i Mina tjänster och ska nu börja rapportera i en tjänst till. Måste jag byta ut mitt gamla lösenord eller kan jag använda samma?'],
  ['vem-kontaktar-jag', 'Vem ska jag kontakta om jag har frågor om Mina tjänster?'],
];

test('Vanliga frågor answers without login, every question of the manual a linkable heading, listed at the top', async () => {
  const r = await new Client(srv).get('/vanliga-fragor');
  assert.equal(r.status, 200);
  assert.match(r.text, /<html lang="sv">/);
  assert.match(r.text, /<h1>Vanliga frågor<\/h1>/);
  const h = headings(r.text).map(([id, q]) => [id, decode(q)]);
  for (const q of MANUAL_SV) assert.ok(h.some(([id, text]) => id === q[0] && text === q[1]), `missing: ${q[1]}`);
  // Beyond the manual: what people of this product ask.
  for (const id of ['kontot-ar-last', 'engangslosenordet-fungerar-inte', 'ger-inte-ratt-till-studiemedel', 'utloggad'])
    assert.ok(h.some(([hid]) => hid === id), `missing: #${id}`);
  // Each question is linked from the list at the top, in the order of the page.
  const toc = [...(r.text.match(/<nav aria-labelledby="faq-toc-heading"[\s\S]*?<\/nav>/)?.[0] ?? '').matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(toc, h.filter(([id]) => id !== 'faq-toc-heading').map(([id]) => id));
  assert.ok(toc.length >= 11);
  assert.doesNotMatch(r.text, /\{[a-z_]+\}/, 'every placeholder filled');
});

test('the answers carry this server\'s numbers: attempts, lockout, one-time password and phone', async () => {
  const { text } = await new Client(srv).get('/vanliga-fragor');
  assert.match(text, /Om du skriver in fel användarnamn eller lösenord mer än fem gånger blir ditt konto låst i 45 minuter\. Efter 45 minuter/);
  assert.match(text, /gäller bara i 20 minuter/);
  // The password's life as the manual says it (a year: 12 månader), not "365 dygn".
  assert.match(text, /Ditt lösenord gäller i 12 månader\./);
  assert.match(text, /ring skoltelefonen 0771-111 222, måndag–fredag/);
  assert.match(text, /inte fått inloggningsuppgifterna från CSN/);
  assert.match(text, /<a href="\/kiosk">Har du glömt eller vill du ändra ditt lösenord\?<\/a>/);
  assert.match(text, /i rullistan ”Vald skola” överst på sidan/);
});

test('in English by the browser\'s language or the language link', async () => {
  const en = await new Client(srv, { 'accept-language': 'en-GB,en;q=0.9' }).get('/vanliga-fragor');
  assert.equal(en.status, 200);
  assert.match(en.text, /<html lang="en">/);
  assert.match(en.text, /<h1>Frequently asked questions<\/h1>/);
  assert.match(en.text, /id="glomt-anvandarnamn"[^>]*>I report in Mina tjänster but have lost my username/);
  assert.match(en.text, /more than five times, your account is locked for 45 minutes/);
  const c = new Client(srv);
  const link = await c.get('/sprak?l=en&next=/vanliga-fragor');
  assert.equal(link.location, '/vanliga-fragor');
  assert.match((await c.get('/vanliga-fragor')).text, /<h1>Frequently asked questions<\/h1>/);
});

test('linked from the login page, every kiosk page and Startsida; inside the menu after login', async () => {
  const c = new Client(srv);
  assert.match((await c.get('/logga-in')).text, /<a href="\/vanliga-fragor">Vanliga frågor om inloggning och lösenord<\/a>/);
  for (const page of ['/kiosk', '/kiosk/glomt']) {
    const r = await c.get(page);
    assert.equal(r.status, 200, page);
    assert.match(r.text, /<a class="helplink" href="\/vanliga-fragor">/, page);
  }
  assert.equal((await c.login(srv.pelle)).status, 303);
  const start = await c.get('/start');
  assert.match(start.text, /<li><a href="\/vanliga-fragor">Vanliga frågor<\/a><\/li>/, 'the top navigation');
  assert.match(start.text, /<p><a href="\/vanliga-fragor">Vanliga frågor<\/a><\/p>/, 'the start page');
  const faq = await c.get('/vanliga-fragor');
  assert.equal(faq.status, 200);
  assert.match(faq.text, /<a href="\/vanliga-fragor" aria-current="page">Vanliga frågor<\/a>/, 'in the layout after login');
  assert.match(faq.text, /Inloggad som <strong>Pelle Test<\/strong>/);
  assert.match(faq.text, /id="hur-ofta"/, 'the same content');
});

test('Kontakta oss names the chosen school\'s authorization administrators, and no other school\'s', async () => {
  const added = mina(['admin', 'person', 'add', '--first', 'Greta', '--last', 'Grind', '--email', 'greta.grind@demoskolan.example'], srv.env);
  assert.equal(added.status, 0, added.stderr);
  const greta = added.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'grant', '--username', greta, '--school', 'DEMO1', '--role', 'school-admin'], srv.env).status, 0);

  const c = new Client(srv);
  await c.login(srv.pelle);
  let r = await c.get('/kontakta-oss');
  assert.match(r.text, /Välj skola ovan, så ser du vilka som är behörighetsadministratörer på skolan\./);
  assert.doesNotMatch(r.text, /Greta Grind/);

  await c.submit('/start', '/skola', { skola: 'DEMO1' });
  r = await c.get('/kontakta-oss');
  assert.match(r.text, /<h2>Behörighetsadministratörer på Demoskolan<\/h2>/);
  assert.match(r.text, /<span class="admin-name">Greta Grind<\/span> <a href="mailto:greta.grind@demoskolan.example">greta.grind@demoskolan.example<\/a>/);
  assert.match(r.text, /<span class="admin-name">Anna Admin<\/span>/);
  assert.doesNotMatch(r.text, /<span class="admin-name">Pelle Test<\/span>/, 'only the school-admins');

  // Exempelhögskolan has none: whom to ask instead.
  await c.submit('/start', '/skola', { skola: 'DEMO2' });
  r = await c.get('/kontakta-oss');
  assert.match(r.text, /<h2>Behörighetsadministratörer på Exempelhögskolan<\/h2>/);
  assert.match(r.text, /Exempelhögskolan har ingen behörighetsadministratör i Mina tjänster\. Ring skoltelefonen 0771-111 222 i stället\./);
  assert.doesNotMatch(r.text, /Greta Grind|Anna Admin/, 'another school\'s administrators are not shown');

  // A person only at Exempelhögskolan never sees Demoskolan's.
  const p = mina(['admin', 'person', 'add', '--first', 'Olle', '--last', 'Annan', '--email', 'olle.annan@example.se'], srv.env);
  const olle = p.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'grant', '--username', olle, '--school', 'DEMO2', '--role', 'studietider'], srv.env).status, 0);
  assert.equal(mina(['admin', 'person', 'set-password', '--username', olle], srv.env, 'Mina-demo-2026!\n').status, 0);
  const o = new Client(srv);
  assert.equal((await o.login(olle)).status, 303);
  await o.submit('/start', '/skola', { skola: 'DEMO2' });
  r = await o.get('/kontakta-oss');
  assert.doesNotMatch(r.text, /Greta Grind|Anna Admin|greta\.grind/);
  // Nor by naming the other school: a school without a grant cannot be chosen.
  await o.submit('/start', '/skola', { skola: 'DEMO1' });
  assert.doesNotMatch((await o.get('/kontakta-oss')).text, /Greta Grind/);

  const en = new Client(srv, { 'accept-language': 'en' });
  await en.login(srv.pelle);
  await en.submit('/start', '/skola', { skola: 'DEMO1' });
  assert.match((await en.get('/kontakta-oss')).text, /<h2>Authorization administrators at Demoskolan<\/h2>/);
});

test('Studietider says what "Ger inte rätt till studiemedel" means where it is shown', async () => {
  const c = await pelleAt(srv, 'DEMO1');
  assert.equal((await newEducation(c, { kod: 'KORT-1', namn: 'Kort kurs i hjälp', poang: '30' })).status, 303);
  let page = (await c.get(`${BASE}/utbildning?kod=KORT-1`)).text;
  assert.doesNotMatch(page, /Vad betyder ”Ger inte rätt till studiemedel”\?/, 'only where a mark is shown');
  assert.equal((await savePeriod(c, 'KORT-1', { etikett: 'SOM2027', forsta: '2027-06-07', sista: '2027-06-20', poang: '3' })).status, 303);
  page = (await c.get(`${BASE}/utbildning?kod=KORT-1`)).text;
  assert.match(page, /Ger inte rätt till studiemedel: kortare än 3 veckor/);
  assert.match(page, /<details class="help" id="ger-inte-ratt"><summary>Vad betyder ”Ger inte rätt till studiemedel”\?<\/summary><p>De studerande kan inte få studiemedel för en sådan studietid\./);
  assert.match(page, /<a href="\/vanliga-fragor#ger-inte-ratt-till-studiemedel">Mer i Vanliga frågor<\/a>/);

  // Published, the students' search says it too.
  const id = sql(srv.db, "SELECT p.id FROM study_periods p JOIN educations e ON e.id = p.education_id WHERE e.code = 'KORT-1'")[0][0];
  assert.equal((await c.submit(`${BASE}/utbildning?kod=KORT-1`, `${BASE}/studietid/publicera`, { kod: 'KORT-1', id })).status, 303);
  const pub = await eventually('the search finds it', async () => {
    const r = await new Client(srv).get('/studiemedel?q=hj%C3%A4lp');
    return /Kort kurs i hjälp/.test(r.text) && r.text;
  });
  assert.match(pub, /<p class="help" id="ger-inte-ratt">De studerande kan inte få studiemedel för en sådan studietid/);
});

test('Studietider\'s file has a format page with its columns and an example that uploads without a refused row', async () => {
  const c = await pelleAt(srv, 'DEMO2');
  const list = await c.get(BASE);
  assert.match(list.text, /<a href="\/tjanster\/studietider\/fil\/format">Så ska filen se ut: kolumner och exempel<\/a>/);
  const r = await c.get(`${BASE}/fil/format`);
  assert.equal(r.status, 200);
  assert.match(r.text, /<h1>Filen för Studietider och utbildningar<\/h1>/);
  for (const column of ['Utbildningskod', 'Utbildningens namn', 'Nivå', 'Poängtyp', 'Omfattning', 'Studietid', 'Första dag', 'Sista dag', 'Poäng', 'Studietakt', 'Lov', 'Status'])
    assert.match(r.text, new RegExp(`<dt><code>${column}</code></dt><dd>`), column);
  const example = decode(r.text.match(/<pre class="example" id="st-example">([\s\S]*?)<\/pre>/)[1]);
  const page = await c.get(BASE);
  const form = new FormData();
  form.append('csrf', Client.csrf(page.text));
  form.append('fil', new Blob([example], { type: 'text/csv' }), 'exempel.csv');
  const preview = await c.request('POST', `${BASE}/fil`, { body: form });
  assert.equal(preview.status, 200, preview.text.slice(0, 400));
  assert.match(preview.text, /Rader i filen: 3\. Nya: 3\. Ändrade: 0\. Oförändrade: 0\. Kan inte sparas: 0\./);
  // Only with the service: Rut reports students at Demoskolan but holds no Studietider grant.
  const p = mina(['admin', 'person', 'add', '--first', 'Rut', '--last', 'Rapport', '--email', 'rut.rapport@example.se'], srv.env);
  const rut = p.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'grant', '--username', rut, '--school', 'DEMO1', '--role', 'studeranderapportering'], srv.env).status, 0);
  assert.equal(mina(['admin', 'person', 'set-password', '--username', rut], srv.env, 'Mina-demo-2026!\n').status, 0);
  const r2 = new Client(srv);
  assert.equal((await r2.login(rut)).status, 303);
  assert.equal((await r2.get(`${BASE}/fil/format`)).status, 403);
});
