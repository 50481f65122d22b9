// Times shown to people are local ([9] item 6, SPEC §3): portal.time_zone (default Europe/Stockholm),
// in the forms the reader's language uses; a zone ICU does not know is refused at start, by name.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, sql, mina, swedishTableTime } from './harness.js';

const servers = [];
after(async () => { for (const s of servers) await s.stop(); });

const SCHOOL = '/identity-manager/skola?kod=DEMO1';

/// Locks Pelle with four wrong passwords and returns the Identity Manager's line for him and the lock's end.
async function lockedLine(srv) {
  for (let i = 0; i < 4; i++) await new Client(srv).login(srv.pelle, `wrong-${i}`);
  const until = Number(sql(srv.db, `SELECT locked_until FROM persons WHERE username = '${srv.pelle}'`)[0][0]);
  const c = new Client(srv);
  assert.equal((await c.login(srv.anna)).status, 303);
  const page = (await c.get(SCHOOL)).text;
  return { page, until };
}

test('the Identity Manager shows a lock until a Swedish time, in the form of a table', async () => {
  const srv = await startServer();
  servers.push(srv);
  const { page, until } = await lockedLine(srv);
  assert.match(page, new RegExp(`Låst till ${swedishTableTime(until)}<`));
  assert.doesNotMatch(page, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, 'no ISO time with its T and Z for a person');
});

test('portal.time_zone moves every time shown; an unknown zone is refused at start, naming the key', async () => {
  const srv = await startServer({ MINA_PORTAL_TIME_ZONE: 'America/New_York' });
  servers.push(srv);
  const { page, until } = await lockedLine(srv);
  assert.match(page, new RegExp(`Låst till ${swedishTableTime(until, 'America/New_York')}<`));
  assert.notEqual(swedishTableTime(until, 'America/New_York'), swedishTableTime(until));

  const r = mina(['serve'], { MINA_DATABASE_URL: `sqlite:/tmp/mina-tz-${process.pid}/mina.db`, MINA_PORTAL_TIME_ZONE: 'Europe/Stokholm' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /MINA_PORTAL_TIME_ZONE/, 'names the setting as it was given');
  assert.match(r.stderr, /Europe\/Stockholm/, 'says what a zone looks like');
});

test('the Identity Manager lists people in Swedish order: Å, Ä, Ö after Z, lower and upper case alike', async () => {
  const srv = await startServer();
  servers.push(srv);
  for (const [first, last] of [['Örjan', 'Östberg'], ['Åke', 'Åberg'], ['Ärla', 'Ängström'], ['Zäta', 'Zetterlund'], ['Bo', 'af Klint'], ['Eva', 'Ek']]) {
    const add = mina(['admin', 'person', 'add', '--first', first, '--last', last, '--email', `${first.toLowerCase()}@example.se`], srv.env);
    assert.equal(add.status, 0, add.stderr);
    const username = add.stdout.trim().split('\n').pop();
    assert.equal(mina(['admin', 'grant', '--username', username, '--school', 'DEMO1', '--role', 'studietider'], srv.env).status, 0);
  }
  const c = new Client(srv);
  assert.equal((await c.login(srv.anna)).status, 303);
  const page = (await c.get(SCHOOL)).text;
  const at = (name) => { const i = page.indexOf(name); assert.ok(i > 0, name); return i; };
  const order = ['Bo af Klint', 'Eva Ek', 'Zäta Zetterlund', 'Åke Åberg', 'Ärla Ängström', 'Örjan Östberg'];
  for (let i = 1; i < order.length; i++) assert.ok(at(order[i - 1]) < at(order[i]), `${order[i - 1]} before ${order[i]}`);
});
