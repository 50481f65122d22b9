// The start page after login (R11, R12, R15), preferences, logout and the session's lifetime.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, sql, sqlWrite, sleep } from './harness.js';

let srv;
before(async () => {
  srv = await startServer({
    MINA_PORTAL_CONTACT_NAME: 'Karin Lindh',
    MINA_PORTAL_CONTACT_PHONE: '060-123 45',
    MINA_POLICY_SESSION_IDLE: '3s',
  });
});
after(async () => srv && (await srv.stop()));

const menu = (html) => [...(html.match(/<ul class="menu">([\s\S]*?)<\/ul>/)?.[1] ?? '').matchAll(/>([^<]+)<\/a>/g)].map((m) => m[1]);

test('the login page states the manual\'s rule with the default numbers', async () => {
  const r = await new Client(srv).get('/logga-in');
  assert.match(r.text, /Om du skriver in fel användarnamn eller lösenord mer än tre gånger blir ditt konto låst i 30 minuter\. Efter 30 minuter kan du logga in med rätt användarnamn och lösenord\. Om problemet kvarstår, kontakta CSN\./);
});

test('the start page has the manual header, school selector and an empty menu until a school is chosen', async () => {
  const c = new Client(srv);
  await c.login(srv.pelle);
  const r = await c.get('/start');
  for (const words of ['>Startsida</a>', '>Kontakta oss</a>', '>Anpassa</a>', '>Logga ut</button>',
    '<label for="skola">Vald skola:</label>', 'Välj skola --&gt;', '>Byt</button>', 'Inloggad som <strong>Pelle Test</strong>',
    '<option value="DEMO1">Demoskolan</option>', '<option value="DEMO2">Exempelhögskolan</option>']) {
    assert.ok(r.text.includes(words), `missing: ${words}`);
  }
  assert.deepEqual(menu(r.text), []);
  assert.equal(r.headers.get('cache-control'), 'no-store');
});

test('the menu shows only the services granted at the chosen school', async () => {
  const c = new Client(srv);
  await c.login(srv.pelle);
  let r = await c.submit('/start', '/skola', { skola: 'DEMO1' });
  assert.equal(r.status, 303);
  r = await c.get(r.location);
  assert.match(r.text, /Du rapporterar nu för Demoskolan/);
  assert.deepEqual(menu(r.text), ['Studietider och utbildningar', 'Studeranderapportering']);
  assert.equal((await c.get('/tjanster/studeranderapportering')).status, 200);
  await c.submit('/start', '/skola', { skola: 'DEMO2' });
  r = await c.get('/start');
  assert.deepEqual(menu(r.text), ['Studietider och utbildningar']);
  assert.equal((await c.get('/tjanster/studietider')).status, 200);
  const refused = await c.get('/tjanster/studeranderapportering');
  assert.equal(refused.status, 403, 'authorized on the server, whatever the menu shows');
  assert.match(refused.text, /Du har inte behörighet till den här tjänsten/);
  const audit = sql(srv.db, `SELECT count(*) FROM audit_log WHERE kind = 'access.refused' AND subject = '${srv.pelle}'`);
  assert.ok(Number(audit[0][0]) >= 1);
  const switches = sql(srv.db, `SELECT school_code FROM audit_log WHERE kind = 'school.switch' AND subject = '${srv.pelle}' ORDER BY id`);
  assert.deepEqual(switches.map((r) => r[0]), ['DEMO1', 'DEMO2']);
});

test('a school without a grant cannot be chosen, even by a forged form', async () => {
  const c = new Client(srv);
  await c.login(srv.anna);
  const r = await c.submit('/start', '/skola', { skola: 'DEMO2' });
  assert.equal(r.location, '/start?m=ej-skola');
  const page = await c.get(r.location);
  assert.match(page.text, /Du har inte behörighet vid den skolan/);
  assert.deepEqual(menu(page.text), ['Studietider och utbildningar', 'Identity Manager'], 'her only school stays chosen');
  assert.equal((await c.get('/tjanster/studeranderapportering')).status, 403);
});

test('Startsida is kept for its session, and made again when anything it shows has changed', async () => {
  const pages = async () => {
    const m = (await new Client(srv).get('/metrics')).text;
    return ['hit', 'miss'].map((r) => Number(m.match(new RegExp(`mina_session_pages_total\\{result="${r}"\\} (\\d+)`))[1]));
  };
  const c = new Client(srv);
  await c.login(srv.anna);
  // Past the idle clock's grain (a quarter of 3 s): the first page moves the session's last use,
  // which the page does not show, so the second is still the kept one.
  await sleep(1000);
  const [hits0, misses0] = await pages();
  const first = await c.get('/start');
  const again = await c.get('/start');
  assert.equal(again.text, first.text);
  assert.deepEqual(await pages(), [hits0 + 1, misses0 + 1], 'the second page came from memory');

  // Another session of the same person gets a page of its own (its own CSRF token).
  const other = new Client(srv);
  await other.login(srv.anna);
  const theirs = await other.get('/start');
  assert.notEqual(Client.csrf(theirs.text), Client.csrf(first.text));
  assert.equal(Client.csrf((await c.get('/start')).text), Client.csrf(first.text));

  // An operator renames her in the database, behind this server's back: the next page says so.
  const id = sql(srv.db, `SELECT id FROM persons WHERE username = '${srv.anna}'`)[0][0];
  sqlWrite(srv.db, `UPDATE persons SET first_name = 'Annika' WHERE id = ${id}`);
  try {
    assert.match((await c.get('/start')).text, /Inloggad som <strong>Annika Admin<\/strong>/);
  } finally {
    sqlWrite(srv.db, `UPDATE persons SET first_name = 'Anna' WHERE id = ${id}`);
  }
  assert.match((await c.get('/start')).text, /Inloggad som <strong>Anna Admin<\/strong>/);

  // The notice belongs to the address it came with, and English is a page of its own.
  assert.match((await c.get('/start?m=ej-skola')).text, /Du har inte behörighet vid den skolan/);
  assert.doesNotMatch((await c.get('/start')).text, /Du har inte behörighet vid den skolan/);
  c.cookies.set('mina_lang', 'en');
  assert.match((await c.get('/start')).text, /<html lang="en"/);
});

test('without a session every page after login leads to the login page', async () => {
  const c = new Client(srv);
  for (const path of ['/start', '/kontakta-oss', '/anpassa', '/tjanster/studietider', '/identity-manager']) {
    const r = await c.get(path);
    assert.equal(r.status, 303, path);
    assert.match(r.location, /^\/logga-in/);
  }
  assert.equal((await c.post('/skola', { skola: 'DEMO1' })).status, 303);
});

test('Kontakta oss shows the agency contact person and the school phone', async () => {
  const c = new Client(srv);
  await c.login(srv.pelle);
  const r = await c.get('/kontakta-oss');
  assert.equal(r.status, 200);
  for (const words of ['Karin Lindh', '060-123 45', '0771-276 400', 'Måndag–fredag 9.00–12.00', 'behörighetsadministratör'])
    assert.ok(r.text.includes(words), `missing: ${words}`);
});

test('Anpassa: language and default school are saved and used', async () => {
  const c = new Client(srv);
  await c.login(srv.pelle);
  let r = await c.submit('/anpassa', '/anpassa', { lang: 'en', default_school: 'DEMO2' });
  assert.equal(r.location, '/anpassa?m=sparat');
  r = await c.get('/anpassa?m=sparat');
  assert.match(r.text, /Your preferences are saved/);
  const again = new Client(srv);
  await again.login(srv.pelle);
  const start = await again.get('/start');
  assert.match(start.text, /<html lang="en">/);
  assert.match(start.text, /<option value="DEMO2" selected>/);
  r = await again.submit('/anpassa', '/anpassa', { lang: 'xx', default_school: 'DEMO2' });
  assert.equal(r.location, '/anpassa?m=fel', 'an unknown language is refused');
  r = await again.submit('/anpassa', '/anpassa', { lang: '', default_school: '' });
  assert.equal(r.location, '/anpassa?m=sparat');
});

test('Logga ut ends the session on the server', async () => {
  const c = new Client(srv);
  await c.login(srv.pelle);
  const token = c.cookies.get('mina_session');
  const r = await c.submit('/start', '/logga-ut', {});
  assert.equal(r.location, '/logga-in?ut=1');
  assert.match((await c.get('/logga-in?ut=1')).text, /Du är utloggad/);
  const replay = new Client(srv);
  replay.cookies.set('mina_session', token);
  const after = await replay.get('/start');
  assert.equal(after.status, 303);
  assert.equal(after.location, '/logga-in?slut=1');
});

test('an idle session ends after the idle timeout, and the extend call keeps it alive', async () => {
  const c = new Client(srv);
  await c.login(srv.pelle);
  const keep = new Client(srv);
  await keep.login(srv.anna);
  const csrf = Client.csrf((await keep.get('/start')).text);
  for (let i = 0; i < 4; i++) {
    await sleep(1000);
    assert.equal((await keep.post('/session/forlang', { csrf })).status, 204);
  }
  assert.equal((await keep.get('/start')).status, 200, 'extended');
  const r = await c.get('/start');
  assert.equal(r.status, 303, 'idle for more than 3 s');
  assert.match((await c.get(r.location)).text, /Du har loggats ut eftersom du inte har varit aktiv/);
});

test('Identity Manager is refused to a reporter and open to a school admin', async () => {
  const reporter = new Client(srv);
  await reporter.login(srv.pelle);
  assert.equal((await reporter.get('/identity-manager')).status, 403);
  const admin = new Client(srv);
  await admin.login(srv.anna);
  const idm = await admin.get('/identity-manager');
  assert.equal(idm.status, 302, 'one school: straight to it');
  assert.equal((await admin.get(idm.location)).status, 200);
});
