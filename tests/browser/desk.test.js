// The agency's desk and the one form for a new school with its authorization administrator in a
// real browser ([10] item 3): axe-core on the desk and on the form (empty and refused) in Swedish and
// English, and neither page scrolls sideways on a phone (390 px) or a laptop (1280 px).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, login } from './server.js';
import { assertAccessible } from './axe.js';
import { startServer, mina, sql, Client, DEMO_PASSWORD, addAgencyAdmin } from '../http/harness.js';

let server;
let browser;
let agencyUser;

before(async () => {
  server = await startServer({}, 'mina-browser-');
  agencyUser = addAgencyAdmin(server.env);
  // A locked account with a long name, so that the desk's list has a row to fit.
  mina(['admin', 'person', 'add', '--first', 'Maximiliana-Konstantinopel', '--last', 'Långnamnsdotter-Efterledsson', '--email', 'lang@example.se'], server.env);
  for (let i = 0; i < 4; i++) await new Client(server).login(server.pelle, `wrong-${i}`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage(locale, viewport = { width: 1280, height: 800 }) {
  return (await browser.newContext({ locale, viewport })).newPage();
}

/** The page does not scroll sideways, and nothing sticks out of its box, at 390 and 1280 px. */
async function fits(page, what) {
  for (const [width, height] of [[390, 844], [1280, 800]]) {
    await page.setViewportSize({ width, height });
    const sizes = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      inner: window.innerWidth,
      overflowing: [...document.querySelectorAll('main *')]
        .filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible' && e.clientWidth > 0)
        .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className}`),
    }));
    assert.ok(sizes.page <= sizes.inner, `${what} at ${width} px scrolls sideways: ${sizes.page} > ${sizes.inner}`);
    assert.deepEqual(sizes.overflowing, [], `${what} at ${width} px: elements wider than their box`);
  }
}

describe("the agency's desk in the browser", { concurrency: false }, () => {
  test('Swedish: the desk and the one form, refused and then saved; axe and no sideways scroll', async () => {
    const page = await newPage('sv-SE');
    await login(page, server.url, agencyUser, DEMO_PASSWORD);
    await page.getByRole('heading', { name: 'Översikt' }).waitFor();
    await page.getByRole('link', { name: /^1 konto är låst just nu$/ }).waitFor();
    await assertAccessible(page, "the agency's desk");
    await fits(page, "the agency's desk");

    await page.getByRole('link', { name: /^\d+ skolor$/ }).click();
    await page.getByRole('heading', { name: 'Ny skola med behörighetsadministratör' }).waitFor();
    await assertAccessible(page, 'the school list with the one form');
    await fits(page, 'the school list with the one form');

    const form = page.locator('form[action="/identity-manager/ny-skola"]');
    await form.getByLabel('Skolkod').fill('BDA1');
    await form.getByLabel('Skolans namn').fill('Bryggans folkhögskola');
    await form.getByLabel('Skolform').selectOption('folkhogskola');
    await form.getByLabel('Postadress för breven').fill('Bryggans folkhögskola\nBox 9\n123 45 Bryggan');
    await form.getByLabel('Förnamn').fill('Berit');
    await form.getByLabel('Efternamn').fill('Brygga');
    await form.getByLabel('E-postadress').fill('berit.brygga@example');  // no dot in the domain: refused
    await page.getByRole('button', { name: 'Spara skolan och utse behörighetsadministratören' }).click();
    await page.getByRole('alert').filter({ hasText: 'E-postadressen ser inte rätt ut' }).waitFor();
    assert.equal(await form.getByLabel('Skolans namn').inputValue(), 'Bryggans folkhögskola', 'what was typed stays');
    assert.equal(await form.getByLabel('E-postadress').getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'the one form with an error at its field');
    await fits(page, 'the one form with an error');
    assert.equal(sql(server.db, "SELECT count(*) FROM schools WHERE code = 'BDA1'")[0][0], '0');

    await form.getByLabel('E-postadress').fill('berit.brygga@example.se');
    await page.getByRole('button', { name: 'Spara skolan och utse behörighetsadministratören' }).click();
    await page.getByRole('status').filter({ hasText: /Skolan BDA1 är tillagd och [a-z]{2}\d{4} är utsedd till behörighetsadministratör/ }).waitFor();
    assert.equal(sql(server.db, "SELECT count(*) FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.email = 'berit.brygga@example.se' AND g.school_code = 'BDA1' AND g.role = 'school-admin'")[0][0], '1');

    await page.goto(`${server.url}/start`);
    await page.getByRole('link', { name: /^1 brev med användarnamn är inte postat än$|brev med användarnamn är inte postade än$/ }).waitFor();
    await page.getByRole('link', { name: 'Loggen: vem gjorde vad och när' }).waitFor();
    await page.context().close();
  });

  test('English: the desk and the one form; axe and no sideways scroll', async () => {
    const page = await newPage('sv-SE', { width: 390, height: 844 });
    await login(page, server.url, agencyUser, DEMO_PASSWORD);
    await page.goto(`${server.url}/sprak?l=en&next=/start`);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('heading', { name: 'Locked accounts' }).waitFor();
    await assertAccessible(page, "the agency's desk in English");
    await fits(page, "the agency's desk in English");
    await page.goto(`${server.url}/identity-manager`);
    await page.getByRole('heading', { name: 'New school with an authorization administrator' }).waitFor();
    const form = page.locator('form[action="/identity-manager/ny-skola"]');
    await form.getByLabel('School code').fill('bad code');
    await form.getByLabel("The school's name").fill('Harbour College');
    await form.getByLabel('First name').fill('Harry');
    await form.getByLabel('Last name').fill('Harbour');
    await form.getByLabel('Email address').fill('harry.harbour@example.se');
    await page.getByRole('button', { name: 'Save the school and appoint the authorization administrator' }).click();
    await page.getByRole('alert').filter({ hasText: 'The school code must be' }).waitFor();
    assert.equal(await form.getByLabel('School code').getAttribute('aria-invalid'), 'true');
    await assertAccessible(page, 'the one form refused, in English');
    await fits(page, 'the one form refused, in English');
    await page.context().close();
  });
});
