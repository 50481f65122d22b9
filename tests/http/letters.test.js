// The print queue (SPEC §5, issue [7]): a letter for a school without a postal address is no
// error: it waits, marked "Adress saknas" in `mina letters list` and on the agency's page, is said
// once in the log, and is made as soon as the address is set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client, sql, sleep, eventually, mina, DEMO_PASSWORD } from './harness.js';

let srv;
let letters;
let agencyName;
before(async () => {
  letters = mkdtempSync(join(tmpdir(), 'mina-letters-'));
  srv = await startServer({ MINA_MAIL_POLL_INTERVAL: '1s', MINA_LETTERS_DIR: letters });
  const add = mina(['admin', 'person', 'add', '--first', 'Agda', '--last', 'Verket', '--email', 'agda.verket@example.se'], srv.env);
  agencyName = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'person', 'set-password', '--username', agencyName], srv.env, `${DEMO_PASSWORD}\n`).status, 0);
  assert.equal(mina(['admin', 'grant', '--username', agencyName, '--role', 'agency-admin'], srv.env).status, 0);
});
after(async () => {
  await srv?.stop();
  rmSync(letters, { recursive: true, force: true });
});

// [id, status, path, last error]; sql() leaves out empty columns at the end of a row.
const letterOf = (username) =>
  sql(srv.db, `SELECT l.id, l.status, l.path, l.last_error FROM letters l JOIN persons p ON p.id = l.person_id WHERE p.username = '${username}'`)
    .map(([id, status, path = '', error = '']) => [id, status, path, error]);

test('a letter for a school without a postal address waits, marked and said once, and is made when the address is set', async () => {
  const school = mina(['admin', 'school', 'add', '--code', 'NOADR', '--name', 'Skolan utan adress', '--form', 'komvux'], srv.env);
  assert.equal(school.status, 0, school.stderr);
  const add = mina(['admin', 'person', 'add', '--first', 'Vera', '--last', 'Väntar', '--email', 'vera.vantar@example.se'], srv.env);
  const username = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'grant', '--username', username, '--school', 'NOADR', '--role', 'studietider'], srv.env).status, 0);
  const [id] = letterOf(username)[0];

  await sleep(2500);  // what the test is about: the letter waits over several rounds of the worker (1 s apart)
  const [, status, path, error] = letterOf(username)[0];
  assert.equal(status, 'queued');
  assert.equal(path, '');
  assert.equal(error, '', 'waiting is not an error');
  const said = srv.log().split('\n').filter((l) => l.includes(`letter ${id} for ${username}`));
  assert.equal(said.length, 1, `one log line over several polls:\n${said.join('\n')}`);
  assert.match(said[0], /waits in the print queue: school NOADR has no postal address/);
  assert.doesNotMatch(said[0], /\berror\b/i);

  const list = mina(['letters', 'list'], srv.env);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`^${id}\\taddress-missing\\t${username}\\tNOADR\\t`, 'm'));

  const agency = new Client(srv);
  assert.equal((await agency.login(agencyName)).status, 303);
  const page = await agency.get('/identity-manager/brev');
  assert.equal(page.status, 200);
  const row = page.text.split('<tr>').find((r) => r.includes(username));
  assert.ok(row, 'the letter is in the print queue');
  assert.match(row, /Adress saknas/);
  assert.doesNotMatch(row, /Hämta PDF/, 'nothing to download yet');
  const people = await agency.get('/identity-manager/skola?kod=NOADR');
  assert.equal(people.status, 200);
  assert.match(people.text.split('<tr>').find((r) => r.includes(username)) ?? '', /Adress saknas/, 'and in the school\'s list of people');

  const set = mina(['admin', 'school', 'set-address', '--code', 'NOADR', '--address', 'Box 9|123 45 Adresstad'], srv.env);
  assert.equal(set.status, 0, set.stderr);
  const made = await eventually('made at the next poll after the address was set', () => {
    const l = letterOf(username)[0];
    return l[1] === 'rendered' && l;
  }, { timeoutMs: 8000 });
  assert.ok(made[2].startsWith(letters) && existsSync(made[2]), made[2]);
  assert.equal(made[3], '');
  assert.match(mina(['letters', 'list'], srv.env).stdout, new RegExp(`^${id}\\trendered\\t`, 'm'));
  const after = await agency.get('/identity-manager/brev');
  assert.doesNotMatch(after.text.split('<tr>').find((r) => r.includes(username)), /Adress saknas/);
});

test('a school given its address on the agency page gets its waiting letters made at once', async () => {
  assert.equal(mina(['admin', 'school', 'add', '--code', 'NOADR2', '--name', 'Andra skolan', '--form', 'komvux'], srv.env).status, 0);
  const username = mina(['admin', 'person', 'add', '--first', 'Ture', '--last', 'Tålig', '--email', 'ture.talig@example.se'], srv.env)
    .stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'grant', '--username', username, '--school', 'NOADR2', '--role', 'studietider'], srv.env).status, 0);
  await sleep(1200);  // a round of the worker (1 s), which must not make it: the school has no address
  assert.equal(letterOf(username)[0][1], 'queued');
  const agency = new Client(srv);
  assert.equal((await agency.login(agencyName)).status, 303);
  const r = await agency.submit('/identity-manager/skola?kod=NOADR2', '/identity-manager/skoluppgifter', {
    kod: 'NOADR2', namn: 'Andra skolan', skolform: 'komvux', adress: 'Box 10\n123 46 Adresstad',
  });
  assert.equal(r.status, 303, r.text);
  await eventually('the save wakes the worker: the letter is made within 2 s',
    () => letterOf(username)[0][1] === 'rendered', { timeoutMs: 2000 });
});
