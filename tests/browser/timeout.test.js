// The idle-timeout warning (WCAG 2.2.1 Timing Adjustable). With a 125 s idle limit and the warning
// shown 120 s before the end, static/session.js shows #timeout-warning about 5 s after a page loads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, login } from './server.js';
import { runAxe, formatViolations } from './axe.js';

let server;
let browser;

before(async () => {
  server = await startServer({ MINA_POLICY_SESSION_IDLE: '125s' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the timeout warning appears, "Fortsätt vara inloggad" hides it and the session goes on', async () => {
  const context = await browser.newContext({ locale: 'sv-SE' });
  const page = await context.newPage();
  try {
    await login(page, server.baseURL, server.users.anna, server.password);
    const loadedAt = Date.now();
    assert.equal(await page.locator('body').getAttribute('data-idle-seconds'), '125');
    assert.equal(await page.locator('body').getAttribute('data-warn-seconds'), '120');

    const warning = page.locator('#timeout-warning');
    assert.equal(await warning.getAttribute('role'), 'alertdialog');
    assert.equal(await warning.isVisible(), false, 'the warning starts hidden');

    const dialog = page.getByRole('alertdialog', {
      name: 'Du loggas snart ut eftersom du inte har varit aktiv. Vill du fortsätta vara inloggad?',
    });
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    const after = (Date.now() - loadedAt) / 1000;
    assert.ok(after >= 3, `the warning came too early (${after.toFixed(1)} s after the page loaded)`);

    // Keyboard and screen-reader users land on the button.
    const button = dialog.getByRole('button', { name: 'Fortsätt vara inloggad' });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'timeout-continue', 'focus moves to the button');

    // The page with the warning showing is accessible too.
    const scan = await runAxe(page);
    assert.equal(scan.violations.length, 0, `axe violations with the timeout warning shown:\n${formatViolations(scan.violations)}`);

    const [extend] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/session/forlang') && r.request().method() === 'POST'),
      button.click(),
    ]);
    assert.equal(extend.status(), 204, 'the server extends the session');
    await warning.waitFor({ state: 'hidden', timeout: 5_000 });
    assert.equal(new URL(page.url()).pathname, '/start', 'no navigation away from the page');

    // The session still works.
    const res = await page.goto(`${server.baseURL}/start`);
    assert.equal(res.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/start', 'not redirected to the login page');
    assert.match(await page.locator('.who').innerText(), /Inloggad som\s+Anna Admin/);
  } finally {
    await context.close();
  }
});
