// The Swedish a reader sees at once ([9] item 7): the errors the walk-through found must not come
// back. Each check reads a page as it is served; tests/unit/web/language_test.cpp reads the catalogs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, DEMO_PASSWORD } from './harness.js';

let srv;
before(async () => { srv = await startServer({ MINA_CAPTCHA_TEST_ANSWER: 'testa' }); });
after(async () => { await srv?.stop(); });

const text = (html) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

test('the header says "Mina tjänster", the kiosk\'s says "Lösenordskiosk" as the manual\'s screens do', async () => {
  const login = (await new Client(srv).get('/logga-in')).text;
  assert.match(login, /class="brand">.*Mina tjänster<\/p>/);
  const c = new Client(srv);
  assert.equal((await c.login(srv.pelle)).status, 303);
  const start = (await c.get('/start')).text;
  assert.match(start, /class="brand">.*Mina tjänster<\/p>/);
  const kiosk = (await new Client(srv).get('/kiosk')).text;
  assert.match(kiosk, /class="brand">.*Lösenordskiosk<\/p>/);
  for (const page of [login, start, kiosk]) assert.doesNotMatch(page, /Mina Tjänster/);
});

test('the opening hours are labelled so, and written in lower case inside a sentence', async () => {
  const c = new Client(srv);
  assert.equal((await c.login(srv.pelle)).status, 303);
  const contact = (await c.get('/kontakta-oss')).text;
  assert.match(contact, /<dt>Telefontid<\/dt><dd>Måndag–fredag/);
  assert.doesNotMatch(contact, /<dt>Kontakta oss<\/dt>/);
  const start = text((await c.get('/start')).text);
  assert.match(start, /ringer du skoltelefonen [0-9 -]+, måndag–fredag/);
  assert.doesNotMatch(start, /[a-zåäö0-9,] Måndag/, 'no capital inside a sentence');
});

test('a new password refused in the kiosk is not headed "Det gick inte att logga in"', async () => {
  const c = new Client(srv);
  const csrf = Client.csrf((await c.get('/kiosk')).text);
  assert.equal((await c.post('/kiosk', { csrf, username: srv.pelle, password: DEMO_PASSWORD, captcha: 'testa' })).status, 303);
  const r = await c.post('/kiosk/nytt-losenord', { csrf, password: 'kort123', confirm: 'kort123' });
  assert.equal(r.status, 422);
  assert.match(r.text, /<h2>Det gick inte att spara lösenordet<\/h2>/);
  assert.doesNotMatch(r.text, /Det gick inte att logga in/);
});

test('counts take their plural form from the catalog: "1 dag", "1 gång", never "1 dagar"', async () => {
  // One wrong try allowed: the rule says "mer än en gång", not "en gånger".
  const one = await startServer({ MINA_POLICY_MAX_FAILED_LOGINS: '1' });
  try {
    const page = text((await new Client(one).get('/logga-in')).text);
    assert.match(page, /mer än en gång /);
    assert.doesNotMatch(page, /\ben gånger\b/);
  } finally {
    await one.stop();
  }
  // The Identity Manager's "engångslösenordet skickas med e-post om 2 dagar" says dagar, as the letter does.
  const c = new Client(srv);
  assert.equal((await c.login(srv.anna)).status, 303);
  const r = await c.submit('/identity-manager/skola?kod=DEMO1', '/identity-manager/person',
    { kod: 'DEMO1', fornamn: 'Ny', efternamn: 'Person', epost: 'ny.person@example.se', tjanst: 'studietider' });
  assert.equal(r.status, 303, r.text);
  const flash = text((await c.get(r.location)).text);
  assert.match(flash, /skickas med e-post om 2 dagar/);
  assert.doesNotMatch(flash, /dygn|\b1 dagar\b/);
});
