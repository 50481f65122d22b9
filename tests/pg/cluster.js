// Helpers for the tests that need PostgreSQL itself (tests/pg/): a fresh database on the throwaway
// server that scripts/pg.sh started (MINA_TEST_POSTGRES_URL), and nginx as a load balancer on
// loopback in front of several `mina serve`.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

export const ADMIN_URL = process.env.MINA_TEST_POSTGRES_URL;

/** Fails the test file at once when no PostgreSQL was started for it. */
export function requirePostgres() {
  assert.ok(ADMIN_URL, 'MINA_TEST_POSTGRES_URL is not set: start a throwaway server with `scripts/pg.sh start` '
    + 'and export the URL it prints (make test does both)');
}

/** psql on `url`: rows of strings, like harness.sql() for SQLite. */
export function psql(url, query) {
  const r = spawnSync('psql', ['-X', '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', url, '-c', query], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => l.split('\t'));
}

/** A new empty database; returns its URL and a function that drops it. */
export function freshDatabase(prefix = 'mina_pg_') {
  const name = `${prefix}${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  psql(ADMIN_URL, `CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => psql(ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** nginx on a free loopback port, round-robin over `ports`, as deploy/nginx does it (the proxy
 * replaces X-Forwarded-For with the client's address). Returns { url, stop() }. */
export async function startBalancer(ports) {
  const dir = mkdtempSync(join(tmpdir(), 'mina-lb-'));
  const port = await freePort();
  const conf = `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  client_max_body_size 8m;
  upstream mina { ${ports.map((p) => `server 127.0.0.1:${p} max_fails=0;`).join(' ')} }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mina;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_next_upstream off;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const proc = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      proc.kill('SIGQUIT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How many access-log lines of a server match `re` (its stderr, as the harness keeps it). */
export const logCount = (srv, re) => srv.log().split('\n').filter((l) => re.test(l)).length;
