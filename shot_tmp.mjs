import { launchBrowser, login } from './tests/browser/server.js';
import { startServer, mina, DEMO_PASSWORD, createTestDatabase, TEST_IDENTITY_KEY } from './tests/http/harness.js';
import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
const dir = mkdtempSync(join(tmpdir(), 'shot-')); const database = createTestDatabase(dir);
const env = { MINA_DATABASE_URL: database.url, MINA_SECURITY_IDENTITY_KEY: TEST_IDENTITY_KEY };
mina(['admin', 'demo', '--with-reports'], env);
const srv = await startServer(env);
mina(['admin', 'grant', '--username', srv.anna, '--role', 'agency-admin'], srv.env);
const browser = await launchBrowser();
const shots = process.argv.slice(2);
try {
  for (const width of [1280, 390]) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 }, locale: 'sv-SE' });
    const page = await ctx.newPage();
    await login(page, srv.url, srv.anna, DEMO_PASSWORD);
    await page.locator('#skola').selectOption('DEMO1'); await page.locator('form.school button[type="submit"]').click();
    for (const s of shots) {
      const [name, path] = s.split('=');
      await page.goto(srv.url + path);
      await page.screenshot({ path: `/tmp/shots10/${name}-${width}.png`, fullPage: true });
    }
    await ctx.close();
  }
} finally { await browser.close(); await srv.stop(); }
