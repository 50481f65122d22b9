// Test helpers: start a throw-away Mina server (fresh SQLite database seeded with `mina admin demo`)
// and a headless Chromium with a fresh profile. The binary comes from MINA_BIN (so the suite can run
// against an AddressSanitizer build), default build/mina of this checkout.
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer as startHttpServer, DEMO_PASSWORD } from '../http/harness.js';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

/**
 * Start a server (the HTTP tests' harness: fresh SQLite database, `mina admin demo`, `mina serve` on
 * a free loopback port). Returns { baseURL, port, users: { pelle, anna }, password, stderr(), stop() };
 * stop() fails if the server does not exit cleanly after SIGTERM.
 */
export async function startServer(extraEnv = {}) {
  const srv = await startHttpServer(extraEnv, 'mina-browser-');
  return {
    baseURL: srv.url,
    port: srv.port,
    users: { pelle: srv.pelle, anna: srv.anna },
    password: DEMO_PASSWORD,
    stderr: srv.log,
    stop: () => srv.stop(),
  };
}

/**
 * Launch headless Chromium with a fresh profile. playwright-core refuses a --user-data-dir argument
 * for launch(); it gives every launch() its own new temporary profile directory instead (and removes
 * it on close), and every browser.newContext() is a separate, empty, incognito-like context.
 */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}

/** Log in through the login form using the manual's labels. */
export async function login(page, baseURL, username, password) {
  await page.goto(`${baseURL}/logga-in`);
  await page.getByLabel('Användarnamn', { exact: true }).fill(username);
  await page.getByLabel('Lösenord', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Logga in', exact: true }).click();
  await page.waitForURL(`${baseURL}/start`);
}

/**
 * A test file's server and browser: started before its first test, stopped after its last. Returns
 * an object whose `server` and `browser` are set once started.
 */
export function serverAndBrowser(extraEnv = {}) {
  const it = {};
  before(async () => {
    it.server = await startServer(extraEnv);
    it.browser = await launchBrowser();
  });
  after(async () => {
    await it.browser?.close();
    await it.server?.stop();
  });
  return it;
}
