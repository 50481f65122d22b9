// Other processes open the SQLite database while the server runs under load (issue [7] item 1).
//
// The server's kept viewers (database.view_cache) once read SQLite's WAL-index in `<db>-shm` through
// a descriptor of their own; closing it dropped all of the process's POSIX locks on that file,
// SQLite's too. The next process to open the database (`mina admin`, `mina outbox list`,
// `mina backup`, the sqlite3 shell) believed it was alone, rebuilt the WAL-index, and the server died
// of SIGBUS without a word in its log. Here the CLI and the shell open the database some 300 times
// while several sessions ask for Startsida without pause: the server must live through it, answer
// every page, and still show at once what the shell changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { startServer, Client, sql, sqlWrite, sleep, BACKEND, MINA_BIN } from './harness.js';

/** Runs a program without blocking the event loop (the clients keep asking meanwhile). */
function run(file, args, env = {}) {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ ok: !error, what: `${file.split('/').pop()} ${args.join(' ')}`, stderr: String(stderr) }));
  });
}

/** GET `path` with the session's cookie on a kept-alive connection; resolves to the status, or 'no answer'. */
function status(srv, agent, cookie, path) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: srv.port, path, agent, headers: { cookie } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve('no answer'));
    });
    req.on('error', () => resolve('no answer'));
  });
}

const metric = (text, name, result) => Number(text.match(new RegExp(`${name}\\{result="${result}"\\} (\\d+)`))?.[1] ?? NaN);

test('the server lives through the CLI and the sqlite3 shell opening its database hundreds of times', {
  skip: BACKEND !== 'sqlite' && 'SQLite only: other processes open the database file',
  timeout: 120_000,
}, async () => {
  const srv = await startServer({ MINA_DATABASE_VIEW_CACHE: 'true', MINA_SERVER_ACCESS_LOG: 'false' }, 'mina-sqlite-opens-');
  try {
    const clients = [];
    for (const user of [srv.pelle, srv.anna, srv.pelle, srv.anna]) {
      const c = new Client(srv);
      assert.equal((await c.login(user)).status, 303);
      clients.push(c);
    }

    // Two openers side by side, each a cycle of six programs that open the database: 300 opens.
    const cycle = (o, i) => [
      () => run(MINA_BIN, ['outbox', 'list'], srv.env),
      () => run(MINA_BIN, ['admin', 'person', 'add', '--first', 'Open', '--last', `Er${o}x${i}`, '--email', `opener.${o}.${i}@example.se`], srv.env),
      () => run(MINA_BIN, ['backup', '--out', join(srv.dir, `backup-${o}-${i}.db`)], srv.env),
      () => run('sqlite3', ['-cmd', '.timeout 5000', srv.db, 'SELECT count(*) FROM persons']),
      () => run('sqlite3', ['-cmd', '.timeout 5000', srv.db, `UPDATE persons SET last_name = last_name WHERE username = '${srv.anna}'`]),
      () => run('sqlite3', ['-readonly', '-cmd', '.timeout 5000', srv.db, 'SELECT count(*) FROM sessions']),
    ];
    let opening = true;
    let unanswered = false;  // then there is no use going on
    const openers = Promise.all([0, 1].map(async (o) => {
      const results = [];
      for (let i = 0; i < 25 && !unanswered; i++) for (const open of cycle(o, i)) results.push(await open());
      return results;
    })).finally(() => { opening = false; });

    // Meanwhile every session asks for Startsida without pause, four requests at a time each, for as
    // long as the openers run.
    const statuses = new Map();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const load = clients.flatMap((c) => [0, 1, 2, 3].map(async () => {
      for (let n = 0; opening && n < 100_000; n++) {
        const s = await status(srv, agent, c.cookieHeader(), '/start');
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
        if (s === 'no answer') {
          unanswered = true;
          break;
        }
      }
    }));
    const opened = (await openers).flat();
    await Promise.all(load);
    agent.destroy();

    // A server that stopped answering may not have been seen to exit yet.
    if (statuses.has('no answer')) await Promise.race([srv.exited, sleep(2000)]);
    const died = srv.proc.exitCode !== null || srv.proc.signalCode !== null;
    assert.ok(!died, `the server died (exit code ${srv.proc.exitCode}, signal ${srv.proc.signalCode}) after ` +
      `${opened.length} opens and ${statuses.get(200) ?? 0} pages; its log:\n${srv.log().slice(-2000)}`);
    const answered = statuses.get(200) ?? 0;
    assert.deepEqual([...statuses.keys()], [200], `every page was answered with 200: ${JSON.stringify([...statuses])}`);
    assert.equal(opened.length, 300, 'every opener ran to the end');
    const failed = opened.filter((r) => !r.ok);
    assert.deepEqual(failed, [], 'every program that opened the database succeeded');
    assert.ok(answered >= 100, `the clients kept asking (${answered} pages)`);

    // What the shell changes shows on the very next page, and the kept viewers were in use meanwhile.
    const [pelle, anna] = clients;
    sqlWrite(srv.db, `UPDATE persons SET first_name = 'Annika' WHERE username = '${srv.anna}'`);
    assert.match((await anna.get('/start')).text, /Inloggad som <strong>Annika Admin<\/strong>/);
    assert.match((await pelle.get('/start')).text, /Inloggad som <strong>Pelle Test<\/strong>/);
    const m = (await pelle.get('/metrics')).text;
    assert.ok(metric(m, 'mina_view_cache_lookups_total', 'hit') > 0, 'pages used the kept viewers');
    assert.deepEqual(sql(srv.db, 'PRAGMA integrity_check'), [['ok']]);
  } finally {
    const alive = srv.proc.exitCode === null && srv.proc.signalCode === null;
    // A server that died has failed the test above already, with the reason: only clean up after it.
    await srv.stop().catch((e) => {
      if (alive) throw e;
    });
  }
});
