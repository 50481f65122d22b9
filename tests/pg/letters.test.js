// Two `mina serve` on one PostgreSQL render the print queue together (issue [7]): each letter is
// claimed by one server and rendered once, none keeps a stale error, and a letter for a school
// without a postal address is said once in the two logs together, then made when the address is set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, mina, sleep } from '../http/harness.js';
import { requirePostgres, freshDatabase, psql } from './cluster.js';

requirePostgres();

let db;
let a;
let b;
const dirs = [];
before(async () => {
  db = freshDatabase('mina_letters_');
  for (let i = 0; i < 2; i++) dirs.push(mkdtempSync(join(tmpdir(), `mina-letters-${i}-`)));
  const env = { MINA_DATABASE_URL: db.url, MINA_MAIL_POLL_INTERVAL: '1s' };
  a = await startServer({ ...env, MINA_LETTERS_DIR: dirs[0] }, 'mina-letters-a-');
  b = await startServer({ ...env, MINA_LETTERS_DIR: dirs[1] }, 'mina-letters-b-');
});
after(async () => {
  await a?.stop();
  await b?.stop();
  db?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const q = (query) => psql(db.url, query);
const count = (query) => Number(q(query)[0][0]);
const pdfs = () => dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.pdf')));
const bothLogs = () => `${a.log()}\n${b.log()}`.split('\n');

test('with two servers, each of 200 letters is rendered exactly once', async () => {
  const before = pdfs().length;
  const first = count('SELECT coalesce(max(id), 0) FROM letters') + 1;
  // 200 letters at once for the demo's people at the demo school (which has a postal address).
  q(`INSERT INTO letters (person_id, school_code, created_at)
     SELECT p.id, 'DEMO1', 0 FROM persons p CROSS JOIN generate_series(1, 100) LIMIT 200`);
  const queued = count(`SELECT count(*) FROM letters WHERE id >= ${first}`);
  assert.equal(queued, 200);
  for (let i = 0; i < 300 && count(`SELECT count(*) FROM letters WHERE id >= ${first} AND status = 'queued'`) > 0; i++) await sleep(200);
  assert.equal(count(`SELECT count(*) FROM letters WHERE id >= ${first} AND status = 'rendered'`), 200);
  assert.equal(count(`SELECT count(*) FROM letters WHERE id >= ${first} AND last_error <> ''`), 0, 'no stale error');
  await sleep(1500);  // a second rendering, if any, would have happened by now
  const files = pdfs().length - before;
  assert.equal(files, 200, `one PDF per letter across both servers' letters.dir, not ${files}`);
  const written = bothLogs().map((l) => l.match(/letters: letter (\d+) for \S+ written to/)).filter(Boolean).map((m) => Number(m[1]))
    .filter((id) => id >= first);
  assert.equal(written.length, 200, 'one "written" line per letter in the two logs together');
  assert.equal(new Set(written).size, 200);
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'letter.rendered'`) >= 200, true);
  assert.equal(count(`SELECT count(DISTINCT detail) FROM audit_log WHERE kind = 'letter.rendered'`),
    count(`SELECT count(*) FROM audit_log WHERE kind = 'letter.rendered'`), 'each path audited once');
});

test('letters for a school without an address: said once in the two logs, made once when the address is set', async () => {
  assert.equal(mina(['admin', 'school', 'add', '--code', 'NOADR', '--name', 'Utan adress', '--form', 'komvux'], a.env).status, 0);
  const first = count('SELECT coalesce(max(id), 0) FROM letters') + 1;
  q(`INSERT INTO letters (person_id, school_code, created_at) SELECT p.id, 'NOADR', 0 FROM persons p CROSS JOIN generate_series(1, 3) LIMIT 3`);
  await sleep(4000);  // several polls on each server
  assert.equal(count(`SELECT count(*) FROM letters WHERE id >= ${first} AND status = 'queued' AND last_error = ''`), 3);
  const said = bothLogs().filter((l) => /waits in the print queue: school NOADR/.test(l));
  assert.equal(said.length, 3, `one line per letter, from one server:\n${said.join('\n')}`);
  const before = pdfs().length;
  assert.equal(mina(['admin', 'school', 'set-address', '--code', 'NOADR', '--address', 'Box 3|123 45 Stad'], a.env).status, 0);
  for (let i = 0; i < 50 && count(`SELECT count(*) FROM letters WHERE id >= ${first} AND status = 'rendered'`) < 3; i++) await sleep(200);
  assert.equal(count(`SELECT count(*) FROM letters WHERE id >= ${first} AND status = 'rendered'`), 3);
  await sleep(1500);
  assert.equal(pdfs().length - before, 3);
});
