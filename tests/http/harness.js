// Starts the real `mina` on a loopback port with a temporary database, and talks to it over HTTP.
//
// The database is SQLite unless the environment says otherwise: MINA_TEST_BACKEND=postgres with
// MINA_TEST_POSTGRES_URL (an admin URL such as `scripts/pg.sh start` prints) gives every server a
// fresh PostgreSQL database of its own, `mina_t_<random>`, dropped when the server stops.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MINA_BIN = process.env.MINA_BIN || join(root, 'build', 'mina');
/** Whether MINA_BIN is built with AddressSanitizer or UndefinedBehaviorSanitizer (make test's second
 *  round): their shadow memory and quarantine make memory figures meaningless, and their checks need
 *  file descriptors of their own. */
export const SANITIZED = (() => {
  const r = spawnSync('ldd', [MINA_BIN], { encoding: 'utf8' });
  return /lib(asan|ubsan)\.so/.test(r.stdout || '');
})();
export const DEMO_PASSWORD = 'Mina-demo-2026!';
export const TEST_IDENTITY_KEY = '5e'.repeat(32);

/** 'sqlite' (the default) or 'postgres', from MINA_TEST_BACKEND. */
export const BACKEND = (() => {
  const b = (process.env.MINA_TEST_BACKEND ?? '').toLowerCase();
  if (b === '' || b === 'sqlite') return 'sqlite';
  if (b === 'postgres' || b === 'postgresql') return 'postgres';
  throw new Error(`MINA_TEST_BACKEND must be sqlite or postgres, not ${b}`);
})();

/**
 * What differs between the two dialects, for the tests' own SQL. Everything else the tests write
 * is plain SQL that both read alike. Rules of thumb: a comparison in a select list is a boolean in
 * PostgreSQL (printed t/f) and 0/1 in SQLite, so write CAST(x > 0 AS INTEGER); a subquery in FROM
 * needs an alias; NULL prints as an empty string in both.
 */
export function sqlDialect(backend = BACKEND) {
  const pg = backend === 'postgres';
  return {
    backend,
    /** Now, in whole Unix seconds (truncated, as strftime('%s') does). */
    sqlNow: pg ? 'floor(extract(epoch from now()))::bigint' : "strftime('%s','now')",
    /** A newline character. */
    sqlNewline: pg ? 'chr(10)' : 'char(10)',
    /**
     * Values joined with ','. SQLite (3.40) has no ORDER BY inside an aggregate: there the order is
     * the rows' order, so order them in a subquery as well.
     */
    sqlGroupConcat: (expr, orderBy = '') =>
      (pg ? `string_agg(${expr}, ','${orderBy ? ` ORDER BY ${orderBy}` : ''})` : `group_concat(${expr})`),
  };
}

/** Runs `mina` with the given arguments; returns { status, stdout, stderr }. */
export function mina(args, env = {}, input = undefined) {
  const r = spawnSync(MINA_BIN, args, { env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Adds a person with the agency-admin role and the demo password, with `mina admin`; returns the
 * username. Throws if a command fails.
 */
export function addAgencyAdmin(env, { first = 'Ada', last = 'Agency', email = 'ada.agency@example.se' } = {}) {
  const run = (args, input) => {
    const r = mina(args, env, input);
    if (r.status !== 0) throw new Error(`mina ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const username = run(['admin', 'person', 'add', '--first', first, '--last', last, '--email', email]).trim().split('\n').pop();
  run(['admin', 'person', 'set-password', '--username', username], `${DEMO_PASSWORD}\n`);
  run(['admin', 'grant', '--username', username, '--role', 'agency-admin']);
  return username;
}

const isPostgres = (db) => /^postgres(ql)?:\/\//.test(db);
const PSQL = ['-X', '-q', '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1'];

function psql(url, statement, { readOnly = false } = {}) {
  const env = { ...process.env, PGCONNECT_TIMEOUT: '10' };
  if (readOnly) env.PGOPTIONS = `${env.PGOPTIONS ?? ''} -c default_transaction_read_only=on`.trim();
  const r = spawnSync('psql', [...PSQL, '-d', url, '-c', statement], { env, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`psql: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout;
}

/**
 * Runs one SQL query against a server's database, read-only; returns rows as arrays of strings.
 * `db` is a server's `db`: the SQLite file's path, or for PostgreSQL the database's URL. NULL is an
 * empty string in both; a PostgreSQL boolean would print as t/f (see sqlDialect).
 */
export function sql(db, query) {
  let out;
  if (isPostgres(db)) {
    out = psql(db, query, { readOnly: true });
  } else {
    const r = spawnSync('sqlite3', ['-readonly', '-separator', '\t', db, query], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
    out = r.stdout;
  }
  return out.trim() === '' ? [] : out.trim().split('\n').map((l) => l.split('\t'));
}

/** Changes a server's database while it runs (tests only: to move time, e.g. a password's age). */
export function sqlWrite(db, statement) {
  if (isPostgres(db)) return psql(db, statement);
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db, statement], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout;
}

/**
 * A fresh, empty database of the backend's kind: { backend, url (for MINA_DATABASE_URL), db (for
 * sql() and sqlWrite()), drop() }. SQLite: `mina.db` in `dir` (whoever made `dir` removes it).
 * PostgreSQL: a new database `mina_t_<random>` in the cluster of MINA_TEST_POSTGRES_URL.
 */
export function createTestDatabase(dir, backend = BACKEND) {
  if (backend === 'sqlite') {
    const db = join(dir, 'mina.db');
    return { backend, url: `sqlite:${db}`, db, drop() {} };
  }
  const admin = process.env.MINA_TEST_POSTGRES_URL;
  if (!admin) throw new Error('MINA_TEST_BACKEND=postgres needs MINA_TEST_POSTGRES_URL (scripts/pg.sh start prints it)');
  const name = `mina_t_${randomBytes(6).toString('hex')}`;
  // C.UTF-8: text sorts by code point, as in SQLite, whatever the cluster's default locale.
  psql(admin, `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  u.search = '';
  let dropped = false;
  return {
    backend,
    url: u.href,
    db: u.href,
    name,
    drop() {
      if (dropped) return;
      dropped = true;
      psql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * A server with the demo data: schools DEMO1 (Demoskolan) and DEMO2 (Exempelhögskolan); Pelle Test
 * (studietider + studeranderapportering at DEMO1, studietider at DEMO2) and Anna Admin
 * (school-admin + studietider at DEMO1).
 *
 * Its own fresh database of the backend's kind (BACKEND, or `backend` to choose), dropped by
 * stop(). A MINA_DATABASE_URL in `extraEnv` is used as it is instead: several servers sharing one
 * database (whoever made it drops it).
 *
 * `wrap`: a command the server is started through (a resource limit: prlimit).
 *
 * The server object: url, port, env, proc, log(), exited, stop(); `db` for sql()/sqlWrite(), `dir`
 * (a temporary directory), `backend` ('sqlite' or 'postgres') and the dialect's helpers (sqlNow,
 * sqlNewline, sqlGroupConcat; see sqlDialect).
 */
export async function startServer(extraEnv = {}, prefix = 'mina-http-', { backend = BACKEND, wrap = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const given = extraEnv.MINA_DATABASE_URL;
  const database = given
    ? { backend: isPostgres(given) ? 'postgres' : 'sqlite', url: given, db: isPostgres(given) ? given : given.replace(/^sqlite:/, ''), drop() {} }
    : createTestDatabase(dir, backend);
  const { db } = database;
  const env = {
    MINA_DATABASE_URL: database.url,
    MINA_SERVER_LISTEN: '127.0.0.1:0',
    MINA_DATABASE_SQLITE_SYNCHRONOUS_FULL: 'false',
    MINA_LOG_LEVEL: 'info',
    // One identity key for every test server, so that servers sharing a database (and a database
    // moved by migrate-data) read each other's sealed personal numbers.
    MINA_SECURITY_IDENTITY_KEY: TEST_IDENTITY_KEY,
    // The demo's Anna (school-admin) and the agency admins the tests add would be asked to enrol a
    // second factor at login ([12], policy.second_factor_roles' default): the tests of other things
    // log in with the password alone. tests/http/second_factor.test.js and the browser's passkey
    // tests run with the default.
    MINA_POLICY_SECOND_FACTOR_ROLES: '',
    ...extraEnv,
  };
  const cleanUp = () => {
    rmSync(dir, { recursive: true, force: true });
    database.drop();
  };
  const demo = mina(['admin', 'demo'], env);
  if (demo.status !== 0) {
    cleanUp();
    throw new Error(`demo failed: ${demo.stderr}`);
  }
  const users = [...demo.stdout.matchAll(/^ {2}([a-z]{2}\d{4}) /gm)].map((m) => m[1]);
  // `wrap`: a command that runs the server, e.g. ['prlimit', '--nofile=64:64', '--'] (it must exec it,
  // so that proc.pid is the server's).
  const [command, ...args] = [...wrap, MINA_BIN, 'serve'];
  const proc = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  let log = '';
  let port;
  try {
    port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 15_000);
      const onData = (chunk) => {
        log += chunk;
        const m = log.match(/listening on http:\/\/\S+:(\d+)/);  // 127.0.0.1, or 0.0.0.0 with a public_url
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      proc.stderr.on('data', onData);
      proc.stdout.on('data', onData);
      proc.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
    });
  } catch (e) {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
    cleanUp();
    throw e;
  }
  const server = {
    dir, db, env, port, proc,
    ...sqlDialect(database.backend),
    url: `http://127.0.0.1:${port}`,
    pelle: users[0],
    anna: users[1],
    log: () => log,
    exited,
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
      cleanUp();
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

/** Waits for `ms` milliseconds. Only for a deliberate passage of time (past a lock, a timeout, a
 *  clock's grain) or to give something the chance to happen that must not: to wait for something to
 *  happen, use eventually(). */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` (sync or async) every `intervalMs` until it returns a truthy value, and returns that
 * value. A `check` that throws (an assertion) counts as not yet. After `timeoutMs` it throws an error
 * that names `what` was awaited, with the last value or error seen.
 *   const row = await eventually('the letter is rendered', () => letterOf(u).find((l) => l[1] === 'rendered'));
 */
export async function eventually(what, check, { timeoutMs = 15_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = `it gave ${JSON.stringify(v)}`;
    } catch (e) {
      last = `it threw: ${e?.message ?? e}`;
    }
    if (Date.now() >= deadline) throw new Error(`not within ${timeoutMs} ms: ${what} (last check: ${last})`);
    await sleep(intervalMs);
  }
}

/// A moment (Unix seconds) as a Swedish reader in Stockholm reads it in running text, "7 december 2026
/// kl. 02.47", computed by Node's own ICU (an implementation independent of the server's).
export function swedishTime(unixSeconds, timeZone = 'Europe/Stockholm') {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('sv-SE', {
    timeZone, day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(unixSeconds * 1000)).map((p) => [p.type, p.value]));
  return `${parts.day} ${parts.month} ${parts.year} kl. ${parts.hour}.${parts.minute}`;
}

/// The same moment in a table's form, "2026-12-07 02:47", Stockholm time.
export function swedishTableTime(unixSeconds, timeZone = 'Europe/Stockholm') {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('sv-SE', {
    timeZone, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(unixSeconds * 1000)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}
