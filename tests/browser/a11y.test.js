// axe-core (WCAG 2.0/2.1 A and AA rules) on every page of the portal, in the states a user meets them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, login } from './server.js';
import { runAxe, formatViolations, WCAG_TAGS } from './axe.js';

let server;
let browser;
let sv;       // Swedish, logged out
let pelle;    // Swedish, logged in as Pelle (the tests below run in order and share this session)
let en;       // English browser, logged out

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  sv = await (await browser.newContext({ locale: 'sv-SE' })).newPage();
  en = await (await browser.newContext({ locale: 'en-GB', extraHTTPHeaders: { 'Accept-Language': 'en' } })).newPage();
  pelle = await (await browser.newContext({ locale: 'sv-SE' })).newPage();
  await login(pelle, server.baseURL, server.users.pelle, server.password);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function assertAccessible(page, what) {
  const results = await runAxe(page);
  // A scan that ran no rules would pass vacuously.
  assert.ok(results.passes.length + results.violations.length + results.incomplete.length > 0 || results.inapplicable.length > 0,
    `axe ran no rules on ${what}`);
  const v = results.violations;
  assert.equal(v.length, 0,
    `${v.length} axe violation(s) [${WCAG_TAGS.join(', ')}] on ${what} (${page.url()}):\n${formatViolations(v)}`);
}

async function visit(page, path, expectedStatus = 200) {
  const res = await page.goto(server.baseURL + path);
  assert.equal(res.status(), expectedStatus, `status of ${path}`);
}

test('axe is really injected and reports a known violation', async () => {
  // Guard against a scan that silently checks nothing: a page with an unlabelled field must fail.
  const page = await (await browser.newContext()).newPage();
  await page.setContent('<!DOCTYPE html><html lang="sv"><title>t</title><main><input type="text"></main></html>');
  const results = await runAxe(page);
  assert.ok(results.violations.some((v) => v.id === 'label'), 'axe should flag an unlabelled input');
  await page.context().close();
});

test('/logga-in', async () => {
  await visit(sv, '/logga-in');
  await assertAccessible(sv, 'the login page');
});

test('/logga-in with an error shown', async () => {
  await visit(sv, '/logga-in');
  await sv.getByLabel('Användarnamn', { exact: true }).fill('nobody1');
  await sv.getByLabel('Lösenord', { exact: true }).fill('wrong-password');
  await sv.getByRole('button', { name: 'Logga in' }).click();
  await sv.getByRole('alert').waitFor();
  await assertAccessible(sv, 'the login page with a login error');
});

test('/logga-in in English', async () => {
  await visit(en, '/logga-in');
  assert.equal(await en.locator('html').getAttribute('lang'), 'en');
  await assertAccessible(en, 'the English login page');
});

test('/kiosk', async () => {
  await visit(sv, '/kiosk');
  await assertAccessible(sv, 'the password kiosk page');
});

test('/tillganglighet', async () => {
  await visit(sv, '/tillganglighet');
  await assertAccessible(sv, 'the accessibility statement');
});

test('/start before a school is chosen', async () => {
  await visit(pelle, '/start');
  assert.equal(await pelle.getByLabel('Vald skola:').inputValue(), '');
  await assertAccessible(pelle, 'the start page before a school is chosen');
});

test('/start after choosing a school', async () => {
  await pelle.getByLabel('Vald skola:').selectOption({ label: 'Exempelhögskolan' });
  await pelle.getByRole('button', { name: 'Byt', exact: true }).click();
  await pelle.waitForURL(/\/start\?m=skola$/);
  await assertAccessible(pelle, 'the start page after choosing a school');
});

test('/kontakta-oss', async () => {
  await visit(pelle, '/kontakta-oss');
  await assertAccessible(pelle, 'the contact page');
});

test('/anpassa', async () => {
  await visit(pelle, '/anpassa');
  await assertAccessible(pelle, 'the customize page');
});

test('service page /tjanster/studietider', async () => {
  await visit(pelle, '/tjanster/studietider');
  await assertAccessible(pelle, 'a service page');
});

test('403 page /tjanster/studeranderapportering (not granted at Exempelhögskolan)', async () => {
  await visit(pelle, '/tjanster/studeranderapportering', 403);
  await assertAccessible(pelle, 'the 403 page');
});

test('/tillganglighet and /kiosk while logged in', async () => {
  await visit(pelle, '/tillganglighet');
  await assertAccessible(pelle, 'the accessibility statement (logged in)');
  await visit(pelle, '/kiosk');
  await assertAccessible(pelle, 'the password kiosk page (logged in)');
});

test('404 page', async () => {
  await visit(sv, '/finns-inte', 404);
  await assertAccessible(sv, 'the 404 page');
});

test('/logga-in after logging out', async () => {
  await visit(pelle, '/start');
  await pelle.getByRole('button', { name: 'Logga ut' }).click();
  await pelle.waitForURL(/\/logga-in\?ut=1$/);
  await assertAccessible(pelle, 'the login page with the logged-out notice');
});
