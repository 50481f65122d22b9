// The Identity Manager's admin screens in a real browser, each checked with axe-core (issue [3]):
// the agency adds a school and names its contact person, reads the failed-mail list and the audit
// log with filters; a school admin adds people from a CSV file through the preview.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, login } from './server.js';
import { assertAccessible } from './axe.js';
import { startServer, mina, sql, DEMO_PASSWORD } from '../http/harness.js';

let server;
let browser;
let agencyUser;

before(async () => {
  server = await startServer({}, 'mina-browser-');
  const add = mina(['admin', 'person', 'add', '--first', 'Ada', '--last', 'Agency', '--email', 'ada.agency@example.se'], server.env);
  agencyUser = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', agencyUser], server.env, `${DEMO_PASSWORD}\n`).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', agencyUser, '--role', 'agency-admin'], server.env).status, 0);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage() {
  return (await browser.newContext({ locale: 'sv-SE' })).newPage();
}
const path = (page) => new URL(page.url()).pathname;

describe('Identity Manager in the browser', { concurrency: true }, () => {
  test('the agency: add a school, name its contact, read the failed mail and the log; every screen passes axe', async () => {
    const page = await newPage();
    await login(page, server.url, agencyUser, DEMO_PASSWORD);
    // From the portal's login page link, as the manual describes.
    await page.goto(`${server.url}/identity-manager`);
    assert.equal(path(page), '/identity-manager');
    await assertAccessible(page, 'the agency\'s list of schools');

    // A refused school first: the reason, and what was typed stays. (The form of its own; the one
    // above it adds a school with its authorization administrator, [10] item 3.)
    const add = page.getByRole('region', { name: 'Lägg till en skola' });
    await add.getByLabel('Skolkod').fill('fel kod');
    await add.getByLabel('Skolans namn').fill('Nya folkhögskolan');
    await page.getByRole('button', { name: 'Lägg till skolan' }).click();
    await page.getByRole('alert').filter({ hasText: 'Skolkoden ska vara 1–16' }).waitFor();
    assert.equal(await add.getByLabel('Skolans namn').inputValue(), 'Nya folkhögskolan');
    await assertAccessible(page, 'the add-school form with an error');

    await add.getByLabel('Skolkod').fill('FHS1');
    await add.getByLabel('Skolform').selectOption({ label: 'Folkhögskola (som inte är ansluten till folkhögskolerutinen)' });
    await add.getByLabel('Postadress för breven').fill('Nya folkhögskolan\nBox 7\n123 45 Byn');
    await add.getByLabel('Kontaktperson på CSN').fill('Kerstin Kontakt');
    await add.getByLabel('Kontaktpersonens telefon').fill('010-222 33 44');
    await page.getByRole('button', { name: 'Lägg till skolan' }).click();
    await page.getByRole('status').filter({ hasText: 'Skolan FHS1 är tillagd.' }).waitFor();
    assert.deepEqual(sql(server.db, "SELECT form, contact_name FROM schools WHERE code = 'FHS1'")[0], ['folkhogskola', 'Kerstin Kontakt']);

    await page.getByRole('link', { name: 'Nya folkhögskolan' }).click();
    await page.getByRole('heading', { name: 'Skolans uppgifter' }).waitFor();
    assert.equal(await page.getByLabel('Kontaktpersonens telefon').inputValue(), '010-222 33 44');
    await page.getByLabel('Kontaktpersonens telefon').fill('010-999 88 77');
    await page.getByRole('button', { name: 'Spara skolans uppgifter' }).click();
    await page.getByRole('status').filter({ hasText: 'Skolans uppgifter är sparade.' }).waitFor();
    await assertAccessible(page, 'a school\'s page for the agency');

    await page.goto(`${server.url}/identity-manager`);
    await page.getByRole('link', { name: 'E-post som inte kunde skickas' }).click();
    await page.getByRole('heading', { name: 'E-post som inte kunde skickas' }).waitFor();
    await assertAccessible(page, 'the failed-mail list');

    await page.goto(`${server.url}/identity-manager`);
    await page.getByRole('link', { name: 'Loggen: vem gjorde vad och när' }).click();
    await page.getByLabel('Händelse').selectOption('school.added');
    await page.getByRole('button', { name: 'Visa' }).click();
    await page.getByRole('cell', { name: 'FHS1', exact: true }).waitFor();
    const kinds = await page.locator('table.audit tbody tr td:nth-child(2) code').allTextContents();
    assert.ok(kinds.length > 0 && kinds.every((k) => k === 'school.added'), kinds.join());
    await assertAccessible(page, 'the audit log, filtered');
    await page.goto(`${server.url}/identity-manager/logg?fran=igar`);
    await page.getByRole('alert').waitFor();
    await assertAccessible(page, 'the audit log with a refused date');

    for (const [link, what] of [['/identity-manager/sok?q=pelle', 'the search'], ['/identity-manager/brev', 'the print queue']]) {
      await page.goto(server.url + link);
      await assertAccessible(page, what);
    }
    await page.context().close();
  });

  test('a school admin adds people from a CSV file: the preview first, then saved', async () => {
    const page = await newPage();
    await login(page, server.url, server.anna, DEMO_PASSWORD);
    await page.goto(`${server.url}/identity-manager/skola?kod=DEMO1`);
    const csv = 'förnamn;efternamn;e-post;tjänster\nGun;Gran;gun.gran@example.se;studietider\nFel;Rad;fel-adress;studietider\n';
    await page.getByLabel('Fil (CSV)').setInputFiles({ name: 'personal.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Förhandsgranska' }).click();
    await page.getByRole('heading', { name: 'Förhandsgranskning av filen' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Nya personer: 1. Finns redan och får tjänster: 0. Har redan tjänsterna: 0. Rader som inte tas med: 1.' }).waitFor();
    await page.getByRole('cell', { name: 'Tas inte med: e-postadressen ser inte rätt ut.' }).waitFor();
    assert.equal(sql(server.db, "SELECT count(*) FROM persons WHERE email = 'gun.gran@example.se'")[0][0], '0', 'nothing saved by the preview');
    await assertAccessible(page, 'the import preview');

    await page.getByRole('button', { name: 'Spara 1 rad' }).click();
    await page.getByRole('status').filter({ hasText: 'Filen är sparad. Nya personer: 1. Fick tjänster: 0.' }).waitFor();
    assert.equal(path(page), '/identity-manager/skola');
    await page.getByRole('link', { name: 'Gun Gran' }).waitFor();
    await assertAccessible(page, 'the people page after an import');
    await page.context().close();
  });
});
