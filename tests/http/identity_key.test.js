// The key that seals students' personal numbers (issue [6] §1, domain-csn.md §2.5): kept outside
// the database, made once beside an SQLite database, required on PostgreSQL, and checked at start
// so that a server with another key never seals numbers the others cannot read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, mina, createTestDatabase, BACKEND } from './harness.js';

let dir;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mina-key-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const refusedToServe = (env, pattern) => {
  const r = mina(['serve'], { MINA_SERVER_LISTEN: '127.0.0.1:0', ...env });
  assert.notEqual(r.status, 0, `refused: ${r.stderr}`);
  assert.match(r.stderr, pattern);
};

test('identity-key prints a new random key of 64 hexadecimal digits', () => {
  const a = mina(['admin', 'identity-key']);
  const b = mina(['admin', 'identity-key']);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /^[0-9a-f]{64}\n$/);
  assert.notEqual(a.stdout, b.stdout);
});

test('on SQLite the key is made once beside the database, and a server with another key refuses to start', async () => {
  const db = join(dir, 'eget.db');
  const url = `sqlite:${db}`;
  const srv = await startServer({ MINA_DATABASE_URL: url, MINA_SECURITY_IDENTITY_KEY: '' }, 'mina-key-', { backend: 'sqlite' });
  await srv.stop();
  const file = join(dir, 'identity.key');
  assert.ok(existsSync(file), 'identity.key beside the database');
  const key = readFileSync(file, 'utf8');
  assert.match(key, /^[0-9a-f]{64}\n$/);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'readable by the server\'s user only');
  assert.match(srv.log(), /a new identity key was written to .*identity\.key/);

  // Started again: the same key is read, not made anew.
  const again = await startServer({ MINA_DATABASE_URL: url, MINA_SECURITY_IDENTITY_KEY: '' }, 'mina-key-', { backend: 'sqlite' });
  await again.stop();
  assert.equal(readFileSync(file, 'utf8'), key);
  assert.doesNotMatch(again.log(), /a new identity key/);

  refusedToServe({ MINA_DATABASE_URL: url, MINA_SECURITY_IDENTITY_KEY: '7'.repeat(64) },
    /is not the key this database's personal numbers were sealed with/);
  refusedToServe({ MINA_DATABASE_URL: url, MINA_SECURITY_IDENTITY_KEY: 'kort' }, /64 hexadecimal digits/);
  refusedToServe({ MINA_DATABASE_URL: url, MINA_SECURITY_IDENTITY_KEY: '', MINA_SECURITY_IDENTITY_KEY_FILE: join(dir, 'saknas.key') },
    /cannot be read/);
});

test('config show hides the key', () => {
  const r = mina(['config', 'show'], { MINA_SECURITY_IDENTITY_KEY: 'ab'.repeat(32) });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /identity_key = "\*\*\*"/);
  assert.doesNotMatch(r.stdout, /abab/);
});

test('on PostgreSQL every server must be given the key', { skip: BACKEND !== 'postgres' && 'runs in the PostgreSQL pass' }, () => {
  const database = createTestDatabase(dir);
  try {
    refusedToServe({ MINA_DATABASE_URL: database.url, MINA_SECURITY_IDENTITY_KEY: '' }, /security\.identity_key is needed with PostgreSQL/);
  } finally {
    database.drop();
  }
});
