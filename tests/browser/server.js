// Test helpers: start a throw-away Mina server (fresh SQLite database seeded with `mina admin demo`)
// and a headless Chromium with a fresh profile. The binary comes from MINA_BIN (so the suite can run
// against an AddressSanitizer build), default /work/main/build/mina.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const execFileP = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');
export const MINA_BIN = process.env.MINA_BIN || '/work/main/build/mina';
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const DEMO_PASSWORD_FALLBACK = 'Mina-demo-2026!';

/**
 * Start a server. Returns { baseURL, port, users: { pelle, anna }, password, stderr(), stop() }.
 * `extraEnv` is merged into the server's environment (e.g. { MINA_POLICY_SESSION_IDLE: '125s' }).
 */
export async function startServer(extraEnv = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'mina-browser-'));
  const env = {
    ...process.env,
    MINA_DATABASE_URL: `sqlite:${join(dir, 'mina.db')}`,
    MINA_SERVER_LISTEN: '127.0.0.1:0',
    MINA_LOG_LEVEL: 'info',
    MINA_ARGON2_MEM_KIB: '19456',
    ...extraEnv,
  };

  let demo;
  try {
    demo = await execFileP(MINA_BIN, ['admin', 'demo'], { env, timeout: 30_000 });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`"${MINA_BIN} admin demo" failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  const out = demo.stdout + demo.stderr;
  const users = {};
  for (const m of out.matchAll(/^\s*([a-z]+\d+) \(([^,)]+),/gm)) {
    if (m[2] === 'Pelle Test') users.pelle = m[1];
    if (m[2] === 'Anna Admin') users.anna = m[1];
  }
  if (!users.pelle || !users.anna) throw new Error(`could not parse demo users from:\n${out}`);
  const password = out.match(/with the password (\S+)/)?.[1] ?? DEMO_PASSWORD_FALLBACK;

  const child = spawn(MINA_BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

  const portReported = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not report its port within 15 s:\n${log}`)), 15_000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${code}, signal ${signal}):\n${log}`));
    });
  });
  let port;
  try {
    port = await portReported;
  } catch (e) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  }

  let stopped = false;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    port,
    users,
    password,
    stderr: () => log,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer;
      const timeout = new Promise((r) => { timer = setTimeout(() => r(null), 10_000); });
      const result = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (result === null) { child.kill('SIGKILL'); await exited; }
      await rm(dir, { recursive: true, force: true });
      if (result === null) throw new Error(`server did not exit within 10 s of SIGTERM:\n${log}`);
      // Under MINA_BIN=<ASan build> a leak/error report makes the exit code non-zero.
      if (result && result.code !== 0 && result.signal !== 'SIGTERM') {
        throw new Error(`server exited with code ${result.code}, signal ${result.signal}:\n${log}`);
      }
    },
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
  await page.getByRole('button', { name: 'Logga in' }).click();
  await page.waitForURL(`${baseURL}/start`);
}
