// PostgreSQL stops for a while under load and starts again (issue [4]): requests meanwhile fail
// cleanly and at once (503, never a hang), the servers recover by themselves, and every change the
// servers acknowledged before or after is there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, Client, sleep } from '../http/harness.js';
import { psql } from './cluster.js';

const PG = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'pg.sh');
// Its own throwaway server, so that stopping it disturbs no other test.
const dir = mkdtempSync(join(tmpdir(), 'mina-pgfault-'));
chmodSync(dir, 0o755);  // the server runs as the postgres user when the tests run as root
// Its port lies below the kernel's ephemeral range: a port in it can be taken, while the server is
// stopped, by any outgoing connection (the servers' own to PostgreSQL), and the restart then fails.
const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
const pgPort = 10000 + (process.pid % Math.max(1000, ephemeralLow - 10000));
const pgEnv = { ...process.env, MINA_PG_DIR: join(dir, 'pg'), MINA_PG_PORT: String(pgPort) };
const pg = (cmd) => {
  const r = spawnSync('bash', [PG, cmd], { env: pgEnv, encoding: 'utf8' });
  assert.equal(r.status, 0, `scripts/pg.sh ${cmd}: ${r.stderr}`);
  return r.stdout.trim().split('\n').pop();
};

let adminUrl;
let dbUrl;
let srv;
before(async () => {
  adminUrl = pg('start');
  psql(adminUrl, 'CREATE DATABASE mina_fault');
  const u = new URL(adminUrl);
  u.pathname = '/mina_fault';
  dbUrl = u.toString();
  srv = await startServer({ MINA_DATABASE_URL: dbUrl }, 'mina-fault-');
});
after(async () => {
  await srv?.stop();
  pg('stop');
  rmSync(dir, { recursive: true, force: true });
});

test('the database stops under load: 503 at once meanwhile, recovery by itself, no acknowledged change lost', async () => {
  const anna = new Client(srv);
  assert.equal((await anna.login(srv.anna)).status, 303);
  const page = await anna.get('/identity-manager/skola?kod=DEMO1');
  const csrf = Client.csrf(page.text);
  const acknowledged = [];
  const statuses = [];
  let slowest = 0;
  let n = 0;
  let running = true;
  // Load: reading pages and adding people, one after another, from three clients.
  const worker = async (k) => {
    while (running) {
      const i = n++;
      const started = Date.now();
      const email = `fel${k}.${i}@example.se`;
      const r = i % 2
        ? await anna.get('/start').catch(() => ({ status: 'error' }))
        : await anna.post('/identity-manager/person', { csrf, kod: 'DEMO1', fornamn: 'Fel', efternamn: `Tål${i}`, epost: email, tjanst: 'studietider' }).catch(() => ({ status: 'error' }));
      slowest = Math.max(slowest, Date.now() - started);
      statuses.push(r.status);
      if (!(i % 2) && r.status === 303) acknowledged.push(email);
    }
  };
  const workers = [0, 1, 2].map(worker);
  await sleep(1500);
  pg('pause');
  const outageStart = statuses.length;
  await sleep(4000);
  const during = statuses.slice(outageStart);
  pg('resume');
  // The servers find the database again by themselves.
  let healthy = false;
  for (let i = 0; i < 100 && !healthy; i++) {
    healthy = (await fetch(`${srv.url}/healthz`)).status === 200;
    if (!healthy) await sleep(200);
  }
  await sleep(1500);
  running = false;
  await Promise.all(workers);

  assert.ok(healthy, 'healthz is 200 again after the restart');
  assert.ok(during.length > 10, `requests kept being answered during the outage (${during.length})`);
  assert.ok(during.includes(503), 'the outage was answered 503');
  assert.ok(statuses.every((s) => [200, 303, 503].includes(s)), `only 200, 303 and 503: ${[...new Set(statuses)].join()}`);
  assert.ok(slowest < 10_000, `no request hung (slowest ${slowest} ms)`);
  assert.ok(statuses.slice(-5).every((s) => s === 200 || s === 303), 'working again at the end');
  const saved = new Set(psql(dbUrl, "SELECT email FROM persons WHERE email LIKE 'fel%@example.se'").map((r) => r[0]));
  const lost = acknowledged.filter((e) => !saved.has(e));
  assert.deepEqual(lost, [], 'every acknowledged person is in the database');
  assert.ok(acknowledged.length > 5);
  assert.equal((await new Client(srv).login(srv.pelle)).status, 303, 'logging in works again');
});
