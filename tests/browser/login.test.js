// The login page: a failed login, and the English version.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser } from './server.js';

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

describe('login page (independent browser contexts, run side by side)', { concurrency: true }, () => {
  test('wrong password: alert with the lockout rule, username kept, password emptied', async () => {
    const context = await browser.newContext({ locale: 'sv-SE' });
    const page = await context.newPage();
    try {
      await page.goto(`${server.baseURL}/logga-in`);
      assert.equal(await page.getByRole('alert').count(), 0, 'no alert before a failed login');

      await page.getByLabel('Användarnamn', { exact: true }).fill(server.users.pelle);
      await page.getByLabel('Lösenord', { exact: true }).fill('Fel-lösenord-1');
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/logga-in') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Logga in', exact: true }).click(),
      ]);
      assert.equal(response.status(), 422);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.equal(new URL(page.url()).pathname, '/logga-in', 'must stay on the login page');
      assert.equal(await alert.count(), 1);
      const text = await alert.innerText();
      assert.match(text, /Det gick inte att logga in/);
      assert.match(text, /mer än tre gånger/);
      assert.match(text, /30 minuter/);

      const username = page.getByLabel('Användarnamn', { exact: true });
      const password = page.getByLabel('Lösenord', { exact: true });
      assert.equal(await username.inputValue(), server.users.pelle, 'username keeps the typed value');
      assert.equal(await password.inputValue(), '', 'password field is emptied');
      // The fields point at the error so a screen reader announces it with the field.
      for (const field of [username, password]) {
        assert.equal(await field.getAttribute('aria-invalid'), 'true');
        assert.equal(await field.getAttribute('aria-describedby'), await alert.getAttribute('id'));
      }

      // Still not logged in.
      await page.goto(`${server.baseURL}/start`);
      assert.equal(new URL(page.url()).pathname, '/logga-in');
    } finally {
      await context.close();
    }
  });

  test('English via Accept-Language: Username, Password, Log in', async () => {
    const context = await browser.newContext({ locale: 'en-GB', extraHTTPHeaders: { 'Accept-Language': 'en-GB,en;q=0.9' } });
    const page = await context.newPage();
    try {
      await page.goto(`${server.baseURL}/logga-in`);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.equal(await page.getByLabel('Username', { exact: true }).count(), 1);
      assert.equal(await page.getByLabel('Password', { exact: true }).count(), 1);
      assert.equal(await page.getByRole('button', { name: 'Log in', exact: true }).count(), 1);
      assert.equal(await page.getByLabel('Användarnamn', { exact: true }).count(), 0);
      // The way back to Swedish is offered, marked up in Swedish.
      const sv = page.getByRole('link', { name: 'På svenska' });
      assert.equal(await sv.getAttribute('lang'), 'sv');
    } finally {
      await context.close();
    }
  });

  test('English via the "In English" link on the Swedish page (cookie)', async () => {
    const context = await browser.newContext({ locale: 'sv-SE' });
    const page = await context.newPage();
    try {
      await page.goto(`${server.baseURL}/logga-in`);
      assert.equal(await page.getByRole('button', { name: 'Logga in', exact: true }).count(), 1);
      const link = page.getByRole('link', { name: 'In English' });
      assert.equal(await link.getAttribute('href'), '/sprak?l=en&next=/logga-in');
      await link.click();
      // Same URL before and after (/sprak redirects back), so wait for the English page itself.
      await page.getByRole('button', { name: 'Log in', exact: true }).waitFor();
      assert.equal(page.url(), `${server.baseURL}/logga-in`);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.equal(await page.getByLabel('Username', { exact: true }).count(), 1);
      assert.equal(await page.getByLabel('Password', { exact: true }).count(), 1);
      assert.equal(await page.getByRole('button', { name: 'Log in', exact: true }).count(), 1);

      // The choice sticks (cookie) even though the browser asks for Swedish.
      await page.goto(`${server.baseURL}/kiosk`);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    } finally {
      await context.close();
    }
  });
});
