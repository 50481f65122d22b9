// Starts the real `mina` on a loopback port with a temporary database, and talks to it over HTTP.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MINA_BIN = process.env.MINA_BIN || join(root, 'build', 'mina');
export const DEMO_PASSWORD = 'Mina-demo-2026!';

/** Runs `mina` with the given arguments; returns { status, stdout, stderr }. */
export function mina(args, env = {}, input = undefined) {
  const r = spawnSync(MINA_BIN, args, { env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs one SQL query against the server's SQLite file, read-only; returns rows as arrays of strings. */
export function sql(dbPath, query) {
  const r = spawnSync('sqlite3', ['-readonly', '-separator', '\t', dbPath, query], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => l.split('\t'));
}

/** Changes the server's SQLite file while it runs (tests only: to move time, e.g. a password's age). */
export function sqlWrite(dbPath, statement) {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', dbPath, statement], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout;
}

/**
 * A server with the demo data: schools DEMO1 (Demoskolan) and DEMO2 (Exempelhögskolan); Pelle Test
 * (studietider + studeranderapportering at DEMO1, studietider at DEMO2) and Anna Admin
 * (school-admin + studietider at DEMO1).
 */
export async function startServer(extraEnv = {}, prefix = 'mina-http-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = join(dir, 'mina.db');
  const env = {
    MINA_DATABASE_URL: `sqlite:${db}`,
    MINA_SERVER_LISTEN: '127.0.0.1:0',
    MINA_DATABASE_SQLITE_SYNCHRONOUS_FULL: 'false',
    MINA_LOG_LEVEL: 'info',
    ...extraEnv,
  };
  const demo = mina(['admin', 'demo'], env);
  if (demo.status !== 0) throw new Error(`demo failed: ${demo.stderr}`);
  const users = [...demo.stdout.matchAll(/^ {2}([a-z]{2}\d{4}) /gm)].map((m) => m[1]);
  const proc = spawn(MINA_BIN, ['serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 15_000);
    const onData = (chunk) => {
      log += chunk;
      const m = log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stderr.on('data', onData);
    proc.stdout.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
  const server = {
    dir, db, env, port, proc,
    url: `http://127.0.0.1:${port}`,
    pelle: users[0],
    anna: users[1],
    log: () => log,
    exited: new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal }))),
    /** SIGTERM, then a clean exit is required: under a sanitizer build a report makes it non-zero. */
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      let timer;
      const late = new Promise((r) => { timer = setTimeout(() => r(null), 10_000); });
      const r = await Promise.race([server.exited, late]);
      clearTimeout(timer);
      if (r === null) {
        proc.kill('SIGKILL');
        await server.exited;
      }
      rmSync(dir, { recursive: true, force: true });
      if (r === null) throw new Error(`server did not exit within 10 s of SIGTERM:\n${log}`);
      if (r.code !== 0) throw new Error(`server exited with code ${r.code}, signal ${r.signal}:\n${log}`);
      return r;
    },
  };
  return server;
}

/** A browser-like client: keeps cookies, never follows redirects by itself. */
export class Client {
  constructor(server, headers = {}) {
    this.server = server;
    this.cookies = new Map();
    this.headers = headers;
  }
  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async request(method, path, { form, body, headers = {} } = {}) {
    const h = { ...this.headers, ...headers };
    if (this.cookies.size) h.cookie = this.cookieHeader();
    let payload = body;
    if (form) {
      payload = new URLSearchParams(form).toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(this.server.url + path, { method, headers: h, body: payload, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /Max-Age=0/.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, location: res.headers.get('location') };
  }
  get(path, opts) {
    return this.request('GET', path, opts);
  }
  post(path, form, opts = {}) {
    return this.request('POST', path, { ...opts, form });
  }
  /** The CSRF token of the last page's forms. */
  static csrf(html) {
    const m = html.match(/name="csrf" value="([^"]+)"/);
    return m ? m[1] : '';
  }
  async login(username, password = DEMO_PASSWORD, extra = {}) {
    const page = await this.get('/logga-in');
    return this.post('/logga-in', { csrf: Client.csrf(page.text), username, password, ...extra });
  }
  /** POST a form after login, with the CSRF token of the page at `from`. */
  async submit(from, path, form) {
    const page = await this.get(from);
    return this.post(path, { csrf: Client.csrf(page.text), ...form });
  }
}

/** Sends raw bytes on one TCP connection and collects everything the server sends back until it closes. */
export function rawExchange(port, chunks, { delayMs = 0, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    const started = Date.now();
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ data, closedByServer: false, ms: Date.now() - started });
    }, timeoutMs);
    sock.on('data', (d) => (data += d.toString('latin1')));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ data, closedByServer: true, ms: Date.now() - started });
    });
    sock.on('error', () => {});
    sock.on('connect', async () => {
      for (const c of chunks) {
        sock.write(c);
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      }
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
