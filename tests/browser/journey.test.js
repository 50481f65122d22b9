// The manual's main journey: log in, choose a school, use the menu, be refused a service that is not
// granted at the chosen school, log out.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, login } from './server.js';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const menuLinks = (page) => page.getByRole('navigation', { name: 'Tjänster' }).getByRole('link');

async function chooseSchool(page, name) {
  await page.getByLabel('Vald skola:').selectOption({ label: name });
  await page.getByRole('button', { name: 'Byt', exact: true }).click();
  // The URL is the same after the second change of school, so wait for the new page's notice.
  await page.getByRole('status').filter({ hasText: `Du rapporterar nu för ${name}.` }).waitFor();
  assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/start?m=skola');
}

describe('journeys (independent users, run side by side)', { concurrency: true }, () => {
  test('Pelle: log in, choose school, menu follows the grants, 403 without grant, log out', async () => {
    const context = await browser.newContext({ locale: 'sv-SE' });
    const page = await context.newPage();
    try {
      const base = server.baseURL;
      await page.goto(`${base}/logga-in`);
      assert.equal(await page.locator('html').getAttribute('lang'), 'sv');
      assert.equal(await page.getByRole('link', { name: 'Har du glömt eller vill du ändra ditt lösenord?' }).getAttribute('href'), '/kiosk');
      assert.equal(await page.getByRole('link', { name: 'Administrera behörigheter i Identity Manager' }).getAttribute('href'), '/identity-manager');

      await page.getByLabel('Användarnamn', { exact: true }).fill(server.users.pelle);
      await page.getByLabel('Lösenord', { exact: true }).fill(server.password);
      await page.getByRole('button', { name: 'Logga in', exact: true }).click();
      await page.waitForURL(`${base}/start`);

      // Header navigation and the logged-in user.
      const mainNav = page.getByRole('navigation', { name: 'Huvudmeny' });
      for (const name of ['Startsida', 'Kontakta oss', 'Anpassa']) {
        assert.equal(await mainNav.getByRole('link', { name, exact: true }).count(), 1, `header link ${name}`);
      }
      assert.equal(await mainNav.getByRole('button', { name: 'Logga ut' }).count(), 1);
      assert.match(await page.locator('.who').innerText(), /Inloggad som\s+Pelle Test/);

      // Two schools and none chosen yet: the prompt is selected and the menu is empty.
      const select = page.getByLabel('Vald skola:');
      assert.equal(await select.getAttribute('id'), 'skola');
      assert.deepEqual(await select.locator('option').allTextContents(), ['Välj skola -->', 'Demoskolan', 'Exempelhögskolan']);
      assert.equal(await select.inputValue(), '');
      assert.equal(await menuLinks(page).count(), 0, 'menu must be empty before a school is chosen');

      // Demoskolan: both services.
      await chooseSchool(page, 'Demoskolan');
      assert.equal(await page.getByLabel('Vald skola:').inputValue(), 'DEMO1');
      assert.deepEqual(await menuLinks(page).allTextContents(), ['Studietider och utbildningar', 'Studeranderapportering']);

      // Exempelhögskolan: only Studietider och utbildningar.
      await chooseSchool(page, 'Exempelhögskolan');
      assert.equal(await page.getByLabel('Vald skola:').inputValue(), 'DEMO2');
      assert.deepEqual(await menuLinks(page).allTextContents(), ['Studietider och utbildningar']);

      // Open the service from the menu.
      await menuLinks(page).filter({ hasText: 'Studietider och utbildningar' }).click();
      await page.waitForURL(`${base}/tjanster/studietider`);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Studietider och utbildningar');
      assert.match(await page.locator('main').innerText(), /Exempelhögskolan/);
      assert.equal(await menuLinks(page).first().getAttribute('aria-current'), 'page');

      // The other service by direct URL: refused by the server, not just hidden in the menu.
      const refused = await page.goto(`${base}/tjanster/studeranderapportering`);
      assert.equal(refused.status(), 403);
      assert.match(await page.locator('main').innerText(), /Du har inte behörighet till den här tjänsten vid vald skola/);
      assert.deepEqual(await menuLinks(page).allTextContents(), ['Studietider och utbildningar']);

      // Log out.
      await page.getByRole('button', { name: 'Logga ut' }).click();
      await page.waitForURL(/\/logga-in\?ut=1$/);
      assert.equal(await page.getByRole('status').innerText(), 'Du är utloggad.');
      assert.equal(await page.getByRole('button', { name: 'Logga in', exact: true }).count(), 1);

      // The session is gone: /start sends you to the login page.
      const again = await page.goto(`${base}/start`);
      assert.equal(new URL(page.url()).pathname, '/logga-in');
      assert.equal(again.status(), 200);
      assert.equal(await page.getByLabel('Användarnamn', { exact: true }).count(), 1);
    } finally {
      await context.close();
    }
  });

  test('Anna: one school is preselected and the school admin sees Identity Manager', async () => {
    const context = await browser.newContext({ locale: 'sv-SE' });
    const page = await context.newPage();
    try {
      await login(page, server.baseURL, server.users.anna, server.password);
      assert.match(await page.locator('.who').innerText(), /Inloggad som\s+Anna Admin/);
      assert.equal(await page.getByLabel('Vald skola:').inputValue(), 'DEMO1');
      assert.deepEqual(await menuLinks(page).allTextContents(), ['Studietider och utbildningar', 'Identity Manager']);
      await menuLinks(page).filter({ hasText: 'Identity Manager' }).click();
      await page.waitForURL(`${server.baseURL}/identity-manager/skola?kod=DEMO1`);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Behörigheter vid Demoskolan');
      assert.ok(await page.getByRole('cell', { name: server.users.pelle, exact: true }).isVisible(), 'FAQ 2: the username is there to read out');
      assert.ok(await page.getByRole('rowheader', { name: 'Pelle Test' }).isVisible(), 'the row is named by the person');
    } finally {
      await context.close();
    }
  });
});
