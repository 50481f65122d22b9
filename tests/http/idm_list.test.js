// The Identity Manager's list of a school's people and a person's page ([10] items 1–3) over real
// HTTP: the list sorted, filtered and one page at a time with no form per row; everything done to one
// person on their page, back to it after each action; removal and "Ta bort som
// behörighetsadministratör" asked first, and done only on bekrafta=ja.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, sql, mina, DEMO_PASSWORD } from './harness.js';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

const count = (q) => Number(sql(srv.db, q)[0][0]);
const SCHOOL = '/identity-manager/skola?kod=DEMO1';
const personPath = (username, kod = 'DEMO1') => `/identity-manager/person?kod=${kod}&anvandarnamn=${username}`;
const grantsAt = (username, school) =>
  count(`SELECT count(*) FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.username = '${username}' AND g.school_code = '${school}'`);

async function login(username) {
  const c = new Client(srv);
  assert.equal((await c.login(username)).status, 303);
  return c;
}

/** The names in the list's rows, in order. */
const names = (html) => [...html.matchAll(/<th scope="row" data-label="[^"]*"><a href="[^"]*">([^<]*)<\/a><\/th>/g)].map((m) => m[1]);
const usernames = (html) => [...html.matchAll(/<td class="username" data-label="[^"]*">([^<]*)<\/td>/g)].map((m) => m[1]);
const unescape = (s) => s.replaceAll('&amp;', '&');

/** 60 people from a file: Person01 Efternamn01 … with studietider, every third also studeranderapportering. */
async function seedSixty(c) {
  let file = 'förnamn;efternamn;e-post;tjänster\n';
  for (let i = 1; i <= 60; i++) {
    const n = String(i).padStart(2, '0');
    file += `Person${n};Lista${n};person${n}@lista.example.se;studietider${i % 3 === 0 ? ', studeranderapportering' : ''}\n`;
  }
  const page = await c.get(SCHOOL);
  const form = new FormData();
  form.set('csrf', Client.csrf(page.text));
  form.set('kod', 'DEMO1');
  form.set('fil', new Blob([file], { type: 'text/csv' }), 'lista.csv');
  const preview = await c.request('POST', '/identity-manager/import', { body: form });
  assert.equal(preview.status, 200, preview.text);
  const saved = await c.post('/identity-manager/import/spara', {
    csrf: Client.csrf(preview.text),
    kod: 'DEMO1',
    fil: unescape(preview.text.match(/name="fil" value="([^"]*)"/)[1]).replaceAll('&#10;', '\n'),
    filnamn: 'lista.csv',
    plan: preview.text.match(/name="plan" value="([^"]*)"/)[1],
  });
  assert.equal(saved.status, 303, saved.text);
}

test('the list: a page of 50, counted in words, sorted by the column headers, filtered by a GET form, with no form per row', async () => {
  const c = await login(srv.anna);
  const before = await c.get(SCHOOL);
  assert.match(before.text, /<p id="people-count" role="status">2 personer<\/p>/);
  await seedSixty(c);
  assert.equal(count("SELECT count(*) FROM persons WHERE email LIKE '%@lista.example.se'"), 60);

  const first = await c.get(SCHOOL);
  assert.equal(first.status, 200);
  assert.match(first.text, /62 personer/);
  const table = first.text.slice(first.text.indexOf('<table class="people list"'), first.text.indexOf('</table>'));
  assert.doesNotMatch(table, /<form|<button|<input/, 'no form in the list');
  assert.equal(names(first.text).length, 50, 'one page of 50');
  assert.equal(names(first.text)[0], 'Anna Admin', 'by last name: Admin, Lista01 …, Test');
  assert.equal(names(first.text)[1], 'Person01 Lista01');
  assert.match(first.text, /<th scope="col" aria-sort="ascending"><a href="[^"]*">Namn<\/a><\/th>/);
  assert.match(first.text, /<span aria-current="page">Sida 1 av 2<\/span>/);
  assert.doesNotMatch(first.text, /rel="prev"/);
  const next = unescape(first.text.match(/<a href="([^"]*)" rel="next">Nästa<\/a>/)[1]);
  assert.equal(next, '/identity-manager/skola?kod=DEMO1&sida=2');
  const second = await c.get(next);
  assert.deepEqual(names(second.text).slice(-1), ['Pelle Test']);
  assert.equal(names(second.text).length, 12);
  assert.match(second.text, /Sida 2 av 2/);
  assert.match(second.text, /<a href="\/identity-manager\/skola\?kod=DEMO1" rel="prev">Föregående<\/a>/);
  assert.equal(names((await c.get(`${SCHOOL}&sida=99`)).text).length, 12, 'a page beyond the last shows the last');

  // The name column again: the other way round; the username column.
  const desc = unescape(first.text.match(/<th scope="col" aria-sort="ascending"><a href="([^"]*)">Namn/)[1]);
  assert.equal(desc, '/identity-manager/skola?kod=DEMO1&ordning=fallande');
  const byNameDesc = await c.get(desc);
  assert.equal(names(byNameDesc.text)[0], 'Pelle Test');
  assert.match(byNameDesc.text, /aria-sort="descending"><a href="[^"]*">Namn/);
  const byUsername = await c.get(`${SCHOOL}&sortera=anvandarnamn`);
  const shown = usernames(byUsername.text);
  assert.deepEqual(shown, [...shown].sort(), 'in username order');
  assert.match(byUsername.text, /aria-sort="ascending"><a href="[^"]*">Användarnamn/);
  assert.doesNotMatch(byUsername.text, /aria-sort="[a-z]+"><a href="[^"]*">Namn/, 'only the sorted column says so');

  // Filters: free text over name, username and email; a service; a state. The choice stays in the form.
  const text = await c.get(`${SCHOOL}&q=${encodeURIComponent('lista0')}`);
  assert.match(text.text, /9 personer/);
  assert.match(text.text, /value="lista0"/);
  assert.doesNotMatch(text.text, /rel="next"/, 'one page');
  const email = await c.get(`${SCHOOL}&q=${encodeURIComponent('PERSON42@LISTA')}`);
  assert.deepEqual(names(email.text), ['Person42 Lista42']);
  assert.match(email.text, /<p id="people-count" role="status">1 person<\/p>/);
  assert.deepEqual(names((await c.get(`${SCHOOL}&q=${srv.pelle}`)).text), ['Pelle Test'], 'by username');
  const reporting = await c.get(`${SCHOOL}&tjanst=studeranderapportering`);
  assert.match(reporting.text, /21 personer/, '20 from the file and Pelle');
  assert.match(reporting.text, /<option value="studeranderapportering" selected>/);
  const active = await c.get(`${SCHOOL}&status=aktiv`);
  assert.deepEqual(names(active.text), ['Anna Admin', 'Pelle Test'], 'only the two with passwords');
  const waiting = await c.get(`${SCHOOL}&status=vantar&tjanst=studeranderapportering&sortera=anvandarnamn&ordning=fallande`);
  assert.match(waiting.text, /20 personer/);
  assert.match(waiting.text, /Väntar på första inloggning/);
  const none = await c.get(`${SCHOOL}&q=zzzz`);
  assert.match(none.text, /0 personer/);
  assert.match(none.text, /Ingen person stämmer med valet\./);
  // Anything else in the address is read as nothing chosen.
  const odd = await c.get(`${SCHOOL}&sortera=evil&status=x&tjanst=y&sida=-3`);
  assert.equal(odd.status, 200);
  assert.equal(names(odd.text)[0], 'Anna Admin');

  // English: the count and the pages in English.
  const en = new Client(srv, { 'accept-language': 'en' });
  assert.equal((await en.login(srv.anna)).status, 303);
  const english = await en.get(SCHOOL);
  assert.match(english.text, /<p id="people-count" role="status">62 people<\/p>/);
  assert.match(english.text, /Page 1 of 2/);
  assert.match(english.text, /rel="next">Next<\/a>/);
});

test("a person's page: details, services, actions and history; each action returns to it with its message", async () => {
  const c = await login(srv.anna);
  const page = await c.get(personPath(srv.pelle));
  assert.equal(page.status, 200);
  assert.match(page.text, /<h1>Pelle Test<\/h1>/);
  assert.match(page.text, /pelle\.test@example\.se/);
  assert.match(page.text, /Aktiverad\./);
  // The demo set the password today: said as a person says it, not "0 dagar gammalt".
  assert.match(page.text, /Lösenordet är bytt i dag\./);
  assert.doesNotMatch(page.text, /\b0 dagar/);
  // Who did it, as a reader reads it: the command line as such, not "cli:root" ([10]).
  assert.match(page.text, /<td data-label="Vem">kommandoraden \([^)]+\)<\/td>/);
  assert.match(page.text, /<a href="\/identity-manager\/skola\?kod=DEMO1">Alla personer vid Demoskolan<\/a>/);
  assert.match(page.text, /value="studietider" checked/);
  assert.match(page.text, /value="studeranderapportering" checked/);
  assert.match(page.text, /Händelser vid Demoskolan/);
  assert.match(page.text, /Behörighet tillagd/, 'the grants of the demo, in words');
  assert.doesNotMatch(page.text, /Lås upp/, 'not locked: nothing to unlock');

  const saved = await c.submit(personPath(srv.pelle), '/identity-manager/tjanster', { kod: 'DEMO1', anvandarnamn: srv.pelle, tjanst: 'studietider' });
  assert.equal(saved.status, 303);
  assert.equal(saved.location, `${personPath(srv.pelle)}&m=sparat`);
  const after = await c.get(saved.location);
  assert.match(after.text, /<p class="notice" role="status">Tjänsterna för [a-z0-9]+ är sparade\.<\/p>/);
  assert.doesNotMatch(after.text, /value="studeranderapportering" checked/);
  const history = after.text.slice(after.text.indexOf('Händelser vid Demoskolan'));
  const body = history.slice(history.indexOf('<tbody>'));
  const firstRow = body.slice(0, body.indexOf('</tr>'));
  assert.match(firstRow, /Behörighet borttagen/, 'newest first: the removal just made');
  assert.match(firstRow, new RegExp(srv.anna), 'by whom');

  const otp = await c.submit(personPath(srv.pelle), '/identity-manager/engangslosenord', { kod: 'DEMO1', anvandarnamn: srv.pelle });
  assert.equal(otp.status, 303);
  assert.equal(otp.location, `${personPath(srv.pelle)}&m=skickat`);
  assert.match((await c.get(otp.location)).text, /Ett nytt engångslösenord skickas till [a-z0-9]+ med e-post\./);

  for (let i = 0; i < 4; i++) await new Client(srv).login(srv.pelle, `wrong-${i}`);
  const locked = await c.get(personPath(srv.pelle));
  assert.match(locked.text, /Låst till/);
  assert.match(locked.text, /<button type="submit">Lås upp<\/button>/);
  const unlocked = await c.submit(personPath(srv.pelle), '/identity-manager/las-upp', { kod: 'DEMO1', anvandarnamn: srv.pelle });
  assert.equal(unlocked.location, `${personPath(srv.pelle)}&m=upplast`);
  assert.match((await c.get(unlocked.location)).text, /Kontot [a-z0-9]+ är upplåst\./);
});

test("a person's page is the school's: another school's admin gets 403, a person not at the school 404, the agency sees all", async () => {
  const anna = await login(srv.anna);
  assert.equal((await anna.get(personPath(srv.pelle, 'DEMO2'))).status, 403, 'Pelle is at DEMO2, which Anna does not administer');
  assert.ok(count(`SELECT count(*) FROM audit_log WHERE kind = 'access.refused' AND actor = '${srv.anna}'`) > 0, 'the refusal is audited');
  const outsider = mina(['admin', 'person', 'add', '--first', 'Utan', '--last', 'Skola', '--email', 'utan.skola@example.se'], srv.env).stdout.trim().split('\n').pop();
  assert.equal((await anna.get(personPath(outsider))).status, 404, 'an account not at the school');
  assert.equal((await anna.get(personPath('zz9999'))).status, 404);
  assert.equal((await anna.get('/identity-manager/person?kod=NOPE&anvandarnamn=x')).status, 403);
  const pelle = await login(srv.pelle);
  assert.equal((await pelle.get(personPath(srv.anna))).status, 403, 'not an administrator');

  const agnes = mina(['admin', 'person', 'add', '--first', 'Agnes', '--last', 'Myndig', '--email', 'agnes.lista@example.se'], srv.env).stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', agnes], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', agnes, '--role', 'agency-admin'], srv.env).status, 0);
  const agency = await login(agnes);
  const other = await agency.get(personPath(srv.pelle, 'DEMO2'));
  assert.equal(other.status, 200);
  assert.match(other.text, /Alla personer vid Exempelhögskolan/);
  assert.match(other.text, /Utse till behörighetsadministratör/, 'the agency appoints from the person page');
  const admin = await agency.get(personPath(srv.anna));
  assert.match(admin.text, /Ta bort som behörighetsadministratör/);
});

test('removing from the school is asked first: without bekrafta=ja a page names the person and the school and nothing changes', async () => {
  const add = mina(['admin', 'person', 'add', '--first', 'Britt', '--last', 'Andersson', '--email', 'britt.andersson@example.se'], srv.env);
  assert.equal(add.status, 0, add.stderr);
  const victim = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'grant', '--username', victim, '--school', 'DEMO1', '--role', 'studietider'], srv.env).status, 0);
  const c = await login(srv.anna);
  const grants = grantsAt(victim, 'DEMO1');
  assert.equal(grants, 1);

  // Sent without the answer (no script, or a form from elsewhere): the question, and nothing removed.
  const asked = await c.submit(SCHOOL, '/identity-manager/ta-bort', { kod: 'DEMO1', anvandarnamn: victim });
  assert.equal(asked.status, 200);
  assert.equal(grantsAt(victim, 'DEMO1'), grants, 'nothing removed before the answer');
  assert.match(asked.text, /<h1>Ta bort Britt Andersson från Demoskolan\?<\/h1>/);
  assert.match(asked.text, new RegExp(`Britt Andersson \\(${victim}\\) tas bort från Demoskolan och förlorar sina behörigheter där\\. Kontot finns kvar\\.`));
  assert.match(asked.text, /<input type="hidden" name="bekrafta" value="ja">/);
  assert.match(asked.text, new RegExp(`<a class="cancel" href="/identity-manager/person\\?kod=DEMO1&amp;anvandarnamn=${victim}">Avbryt</a>`));
  // With script the form asks in a dialog, with the same words.
  const page = await c.get(personPath(victim));
  assert.match(page.text, new RegExp(`<form method="post" action="/identity-manager/ta-bort" data-confirm="Ta bort Britt Andersson från Demoskolan\\? Britt Andersson \\(${victim}\\) tas bort från Demoskolan och förlorar sina behörigheter där\\. Kontot finns kvar\\." data-confirm-yes="Ta bort från skolan">`));

  const done = await c.post('/identity-manager/ta-bort', { csrf: Client.csrf(asked.text), kod: 'DEMO1', anvandarnamn: victim, bekrafta: 'ja' });
  assert.equal(done.status, 303);
  assert.equal(grantsAt(victim, 'DEMO1'), 0);
  assert.equal(count(`SELECT count(*) FROM persons WHERE username = '${victim}'`), 1, 'the account stays');
  const list = await c.get(done.location);
  assert.match(new URL(done.location, srv.url).pathname, /^\/identity-manager\/skola$/, 'back to the list');
  assert.match(list.text, new RegExp(`${victim} är borttagen från skolan och har inte längre några behörigheter där\\. Kontot finns kvar\\.`));
  // The message names its person only by a username from the address: a crafted link shows no words of its own.
  const crafted = await c.get(`/identity-manager/skola?kod=DEMO1&m=borttagen&u=${encodeURIComponent('Ring 0771-123456 nu')}`);
  assert.equal(crafted.status, 200);
  assert.doesNotMatch(crafted.text, /Ring 0771|är borttagen från skolan/);
  assert.equal((await c.get(personPath(victim))).status, 404, 'no longer at the school');

  // Another school's person: refused before any question.
  const refused = await c.submit(SCHOOL, '/identity-manager/ta-bort', { kod: 'DEMO2', anvandarnamn: srv.pelle });
  assert.equal(refused.status, 403);
  assert.doesNotMatch(refused.text, /bekrafta/);
});

test('the agency removes an authorization administrator only after the question; from the person page it returns there', async () => {
  const agnes = mina(['admin', 'person', 'add', '--first', 'Agda', '--last', 'Avsätter', '--email', 'agda.avsatter@example.se'], srv.env).stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', agnes], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', agnes, '--role', 'agency-admin'], srv.env).status, 0);
  const agency = await login(agnes);
  const school = await agency.get(SCHOOL);
  assert.match(school.text, /data-confirm="Ta bort Anna Admin som behörighetsadministratör vid Demoskolan\? Anna Admin \([a-z0-9]+\) kan inte längre administrera behörigheter vid Demoskolan\./);
  const isAdmin = () => count(`SELECT count(*) FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.username = '${srv.anna}' AND g.role = 'school-admin'`);
  const asked = await agency.submit(personPath(srv.anna), '/identity-manager/avsatt', { kod: 'DEMO1', anvandarnamn: srv.anna, fran: 'person' });
  assert.equal(asked.status, 200);
  assert.match(asked.text, /<h1>Ta bort Anna Admin som behörighetsadministratör vid Demoskolan\?<\/h1>/);
  assert.equal(isAdmin(), 1, 'still an administrator');
  const anna = await login(srv.anna);
  const refused = await anna.submit(personPath(srv.anna), '/identity-manager/avsatt', { kod: 'DEMO1', anvandarnamn: srv.anna });
  assert.equal(refused.status, 403, 'only the agency, and not even a question for anyone else');
  const done = await agency.post('/identity-manager/avsatt', { csrf: Client.csrf(asked.text), kod: 'DEMO1', anvandarnamn: srv.anna, fran: 'person', bekrafta: 'ja' });
  assert.equal(done.status, 303);
  assert.equal(done.location, `${personPath(srv.anna)}&m=avsatt`, 'Anna keeps studietider: still at the school');
  assert.equal(isAdmin(), 0);
  assert.match((await agency.get(done.location)).text, /är inte längre behörighetsadministratör vid skolan/);
  const back = await agency.submit(personPath(srv.anna), '/identity-manager/utse', { kod: 'DEMO1', anvandarnamn: srv.anna, fran: 'person' });
  assert.equal(back.location, `${personPath(srv.anna)}&m=utsedd`);
  assert.equal(isAdmin(), 1);
});
