// `mina admin client …` (issue [11], SPEC §5): the services that log in through Mina tjänster,
// registered from the command line. A secret is printed once and only its digest is stored; every
// refusal is a non-zero exit with one line on standard error, and changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mina, sql, sqlWrite, createTestDatabase, sqlDialect } from './harness.js';

let dir;
let database;
let env;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mina-clients-'));
  database = createTestDatabase(dir);
  env = { MINA_DATABASE_URL: database.url, MINA_DATABASE_SQLITE_SYNCHRONOUS_FULL: 'false' };
  const m = mina(['migrate'], env);
  assert.equal(m.status, 0, m.stderr);
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  database?.drop();
});

const refused = (r, pattern) => {
  assert.notEqual(r.status, 0, 'non-zero exit');
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, pattern);
};
const lastLine = (r) => r.stdout.trim().split('\n').pop();
const { sqlNewline } = sqlDialect();
const clients = () => sql(database.db, `SELECT id, name, secret_digest, is_public, replace(redirect_uris, ${sqlNewline}, ' '), id_token_alg FROM oidc_clients ORDER BY id`);

const SEMAFOR = ['admin', 'client', 'add', '--id', 'semafor', '--name', 'Semafor',
  '--redirect-uri', 'https://semafor.example.se/cb', '--redirect-uri', 'http://127.0.0.1:8080/cb',
  '--post-logout-uri', 'https://semafor.example.se/ut', '--initiate-login-uri', 'https://semafor.example.se/login'];

let firstSecret;

test('add prints a secret, once, on its last line; only a digest of it is stored', () => {
  const r = mina(SEMAFOR, env);
  assert.equal(r.status, 0, r.stderr);
  firstSecret = lastLine(r);
  assert.match(firstSecret, /^[A-Za-z0-9_-]{43}$/, '256 bits, base64url');
  const [[id, name, digest, isPublic, uris, alg]] = clients();
  assert.deepEqual([id, name, isPublic, alg], ['semafor', 'Semafor', '0', 'RS256']);
  assert.equal(uris, 'https://semafor.example.se/cb http://127.0.0.1:8080/cb', 'in order, newline-separated');
  assert.ok(digest.length >= 32, 'a digest is stored');
  assert.notEqual(digest, firstSecret);
  const everything = sql(database.db, "SELECT * FROM oidc_clients").flat().join('\t');
  assert.ok(!everything.includes(firstSecret), 'the secret is nowhere in the table');
  const audit = sql(database.db, "SELECT kind, actor, subject, detail FROM audit_log WHERE kind = 'oidc.client_added'");
  assert.equal(audit.length, 1);
  assert.match(audit[0][1], /^cli:/);
  assert.equal(audit[0][2], 'semafor');
  assert.ok(!audit.flat().join(' ').includes(firstSecret), 'never the secret in the log');
});

test('a public client gets no secret; ES256 and a JWKS file are taken', () => {
  const pub = mina(['admin', 'client', 'add', '--id', 'app.mobil', '--name', 'Mobilappen', '--public',
    '--redirect-uri', 'http://[::1]:7000/cb', '--id-token-alg', 'ES256'], env);
  assert.equal(pub.status, 0, pub.stderr);
  assert.match(lastLine(pub), /no secret/);
  const jwks = join(dir, 'jwks.json');
  writeFileSync(jwks, '{"keys":[{"kty":"EC","crv":"P-256","x":"x","y":"y","kid":"k1"}]}\n');
  const keyed = mina(['admin', 'client', 'add', '--id', 'csn-order', '--name', 'CSN Order', '--jwks', jwks,
    '--redirect-uri', 'https://order.example.se/cb'], env);
  assert.equal(keyed.status, 0, keyed.stderr);
  assert.deepEqual(sql(database.db, "SELECT is_public, secret_digest, id_token_alg FROM oidc_clients WHERE id = 'app.mobil'"), [['1', '', 'ES256']]);
  assert.deepEqual(sql(database.db, "SELECT jwks FROM oidc_clients WHERE id = 'csn-order'"), [['{"keys":[{"kty":"EC","crv":"P-256","x":"x","y":"y","kid":"k1"}]}']]);
});

test('refusals: a taken id, a bad redirect URI, a bad id, algorithm or JWKS change nothing', () => {
  const before = clients();
  const auditBefore = sql(database.db, 'SELECT count(*) FROM audit_log');
  refused(mina(SEMAFOR, env), /a client with id semafor already exists/);
  const add = (uri) => mina(['admin', 'client', 'add', '--id', 'ny', '--name', 'Ny', '--redirect-uri', uri], env);
  refused(add('http://semafor.example.se/cb'), /http:\/\/ only for the loopback hosts/);
  refused(add('https://semafor.example.se/cb#frag'), /a fragment \(#\) is not allowed/);
  refused(add('/cb'), /not an absolute https:\/\//);
  refused(add('https://user@semafor.example.se/cb'), /a user name is not allowed/);
  refused(mina(['admin', 'client', 'add', '--id', 'Ny Tjänst', '--name', 'Ny', '--redirect-uri', 'https://a.example.se/cb'], env), /client id must be/);
  refused(mina(['admin', 'client', 'add', '--id', 'ny', '--name', 'Ny', '--redirect-uri', 'https://a.example.se/cb', '--id-token-alg', 'HS256'], env), /RS256 or ES256/);
  refused(mina(['admin', 'client', 'add', '--id', 'ny', '--name', 'Ny', '--redirect-uri', 'https://a.example.se/cb', '--post-logout-uri', 'http://a.example.se/'], env), /post-logout URI/);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '[1, 2]');
  refused(mina(['admin', 'client', 'add', '--id', 'ny', '--name', 'Ny', '--redirect-uri', 'https://a.example.se/cb', '--jwks', bad], env), /jwks: not a JSON object/);
  refused(mina(['admin', 'client', 'add', '--id', 'ny', '--name', 'Ny', '--redirect-uri', 'https://a.example.se/cb', '--jwks', join(dir, 'none.json')], env), /cannot read/);
  refused(mina(['admin', 'client', 'add', '--id', 'ny', '--name', 'Ny'], env), /redirect-uri/);
  refused(mina(['admin', 'client', 'rotate-secret', '--id', 'app.mobil'], env), /public: it has no secret/);
  refused(mina(['admin', 'client', 'rotate-secret', '--id', 'okand'], env), /no such client: okand/);
  refused(mina(['admin', 'client', 'remove', '--id', 'okand'], env), /no such client: okand/);
  assert.deepEqual(clients(), before);
  assert.deepEqual(sql(database.db, 'SELECT count(*) FROM audit_log'), auditBefore);
});

test('list shows each client on one line: id, name, kind, redirect URIs', () => {
  const r = mina(['admin', 'client', 'list'], env);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    'app.mobil\tMobilappen\tpublic\thttp://[::1]:7000/cb',
    'csn-order\tCSN Order\tconfidential\thttps://order.example.se/cb',
    'semafor\tSemafor\tconfidential\thttps://semafor.example.se/cb\thttp://127.0.0.1:8080/cb',
  ]);
  assert.ok(!r.stdout.includes(firstSecret));
});

test('rotate-secret prints a new secret and stores only its digest', () => {
  const [[, , oldDigest]] = clients().filter(([id]) => id === 'semafor');
  const r = mina(['admin', 'client', 'rotate-secret', '--id', 'semafor'], env);
  assert.equal(r.status, 0, r.stderr);
  const secret = lastLine(r);
  assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(secret, firstSecret);
  const [[, , newDigest]] = clients().filter(([id]) => id === 'semafor');
  assert.notEqual(newDigest, oldDigest, 'the old secret no longer matches');
  assert.ok(!sql(database.db, 'SELECT * FROM oidc_clients').flat().join('\t').includes(secret));
  assert.equal(sql(database.db, "SELECT count(*) FROM audit_log WHERE kind = 'oidc.secret_rotated'")[0][0], '1');
});

test('remove takes the client away, and is audited', () => {
  const r = mina(['admin', 'client', 'remove', '--id', 'semafor'], env);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(clients().map(([id]) => id), ['app.mobil', 'csn-order']);
  assert.deepEqual(sql(database.db, "SELECT subject FROM audit_log WHERE kind = 'oidc.client_removed'"), [['semafor']]);
});

test("a removed person's subject goes with them; a removed client's used codes (and so its tokens) too", () => {
  // No command removes a person: the schema's ON DELETE CASCADE is what keeps nothing of theirs behind.
  const p = mina(['admin', 'person', 'add', '--first', 'Rut', '--last', 'Rensad', '--email', 'rut.rensad@example.se'], env);
  assert.equal(p.status, 0, p.stderr);
  const [[person]] = sql(database.db, `SELECT id FROM persons WHERE username = '${lastLine(p)}'`);
  const fk = database.backend === 'postgres' ? '' : 'PRAGMA foreign_keys = ON; ';
  // Codes and access tokens are sealed, never stored: what is, is each code's first use.
  const used = (id) => `${fk}INSERT INTO oidc_used_codes (id, client_id, keep_until) VALUES ('code-${id}', 'csn-order', 4000000000);`;
  sqlWrite(database.db, `${used(person)} INSERT INTO oidc_subjects VALUES (${person}, 'subject-rut');`);
  const count = () => sql(database.db, `SELECT (SELECT count(*) FROM oidc_used_codes), (SELECT count(*) FROM oidc_subjects)`)[0];
  assert.deepEqual(count(), ['1', '1']);
  sqlWrite(database.db, `${fk}DELETE FROM persons WHERE id = ${person}`);
  assert.deepEqual(count(), ['1', '0'], 'the subject went; the record of a use is the client\'s');
  sqlWrite(database.db, used(person + 1000));
  assert.deepEqual(count(), ['2', '0']);
  assert.equal(mina(['admin', 'client', 'remove', '--id', 'csn-order'], env).status, 0);
  assert.deepEqual(count(), ['0', '0'], "the client's used codes went with it, and with them every token it holds");
});
