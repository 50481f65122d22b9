// A hung SMTP relay (issue [7]): mail is sent by `mail.concurrency` senders, each exchange bounded by
// `mail.timeout`, so a relay that never answers holds one sender and not the queue; and the kiosk's
// one-time password (valid for minutes, someone waits for it) is claimed before older mail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, Client, mina, sql, eventually } from './harness.js';
import { otpFrom } from './smtp.js';

/** The message as a mail program shows it, near enough: quoted-printable undone, UTF-8 read. */
function quotedPrintable(raw) {
  const bytes = raw.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/**
 * A small SMTP relay that answers every command except RCPT TO for an address in `hang`: that one
 * it never answers (the connection stays open, as a hung relay's does). `received` lists the mails
 * it took, in order; `hung` the recipients it is hanging on now.
 */
function startRelay() {
  const relay = { hang: new Set(), received: [], hung: new Set(), sockets: new Set() };
  const server = createServer((socket) => {
    relay.sockets.add(socket);
    socket.on('close', () => relay.sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = '';
    let data = null;  // the message while in DATA
    let rcpt = '';
    let hanging = '';
    socket.on('close', () => hanging && relay.hung.delete(hanging));
    socket.write('220 hang.test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (hanging) return;
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (data !== null) {
          if (line === '.') {
            relay.received.push({ to: rcpt, text: quotedPrintable(data.join('\n')), at: Date.now() });
            data = null;
            socket.write('250 2.0.0 queued\r\n');
          } else data.push(line.startsWith('..') ? line.slice(1) : line);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 hang.test\r\n');
        else if (verb === 'MAIL') socket.write('250 2.1.0 ok\r\n');
        else if (verb === 'RCPT') {
          rcpt = (line.match(/<([^>]*)>/) || [])[1] || '';
          if (relay.hang.has(rcpt)) {
            hanging = rcpt;
            relay.hung.add(rcpt);
            return;  // and never a word more
          }
          socket.write('250 2.1.5 ok\r\n');
        } else if (verb === 'DATA') {
          data = [];
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      relay.url = `smtp://127.0.0.1:${server.address().port}`;
      relay.close = () => {
        for (const s of relay.sockets) s.destroy();
        return new Promise((r) => server.close(r));
      };
      resolve(relay);
    });
  });
}

const until = (what, predicate, timeoutMs) => eventually(what, predicate, { timeoutMs, intervalMs: 50 });

let relay;
let srv;
let letters;
const TIMEOUT_S = 8;
before(async () => {
  relay = await startRelay();
  letters = mkdtempSync(join(tmpdir(), 'mina-letters-'));
  srv = await startServer({
    MINA_CAPTCHA_TEST_ANSWER: 'testa',
    MINA_MAIL_SMTP_URL: relay.url,
    MINA_MAIL_POLL_INTERVAL: '1s',
    MINA_MAIL_CONCURRENCY: '2',
    MINA_MAIL_TIMEOUT: `${TIMEOUT_S}s`,
    MINA_POLICY_OTP_EMAIL_DELAY: '1s',
    MINA_POLICY_CLIENT_MAX_FAILURES: '100000',
    MINA_LETTERS_DIR: letters,
  });
});
after(async () => {
  await srv?.stop();
  await relay?.close();
  rmSync(letters, { recursive: true, force: true });
});

/** A new person with a first grant: their first one-time password is due after otp_email_delay. */
function newPerson(first, last, email) {
  const add = mina(['admin', 'person', 'add', '--first', first, '--last', last, '--email', email], srv.env);
  assert.equal(add.status, 0, add.stderr);
  const username = add.stdout.trim().split('\n').pop();
  assert.equal(mina(['admin', 'grant', '--username', username, '--school', 'DEMO1', '--role', 'studietider'], srv.env).status, 0);
  return username;
}

/** Orders a one-time password in the kiosk (Glömt lösenord): an otp-reset mail, due at once. */
async function orderReset(username) {
  const c = new Client(srv);
  const page = await c.get('/kiosk/glomt');
  assert.equal(page.status, 200);
  const r = await c.post('/kiosk/glomt', { csrf: Client.csrf(page.text), username, captcha: 'testa' });
  assert.equal(r.status, 303);
  assert.equal(r.location, '/kiosk/glomt/engangslosenord');
}

test('a relay that hangs on one mail holds one sender: the kiosk mail goes through another at once', async () => {
  const kiosk = newPerson('Kim', 'Kiosk', 'kim.kiosk@example.se');
  await until('Kim\'s first mail', () => relay.received.some((m) => m.to === 'kim.kiosk@example.se'), 10_000);
  relay.hang.add('hang.ett@example.se');
  newPerson('Hanna', 'Hänger', 'hang.ett@example.se');
  await until('the relay hangs on Hanna\'s mail', () => relay.hung.has('hang.ett@example.se'), 10_000);
  const ordered = Date.now();
  await orderReset(kiosk);
  await until('the kiosk mail', () => relay.received.some((m) => m.to === 'kim.kiosk@example.se' && m.at >= ordered), 4_000);
  assert.ok(relay.hung.has('hang.ett@example.se'), 'while the other exchange still hangs');
  const mail = relay.received.filter((m) => m.to === 'kim.kiosk@example.se').pop();
  assert.ok(otpFrom(mail.text), 'it carries the one-time password');
  assert.match(mail.text, /Har du fått flera engångslösenord är det bara det senaste som fungerar\./);
  // The hung exchange ends at mail.timeout, and the mail is tried again later, not lost.
  await until('the hung exchange times out', () => !relay.hung.has('hang.ett@example.se'), (TIMEOUT_S + 4) * 1000);
  const row = mina(['outbox', 'list', '--status', 'pending'], srv.env).stdout;
  assert.match(row, /hang\.ett@example\.se.*timed out|timed out.*hang\.ett@example\.se/, row);
  relay.hang.clear();
});

test('kiosk mail is claimed before older mail that waits for a free sender', async () => {
  relay.hang.add('hang.tva@example.se').add('hang.tre@example.se');
  newPerson('Hugo', 'Hänger', 'hang.tva@example.se');
  newPerson('Hilda', 'Hänger', 'hang.tre@example.se');
  await until('both senders hang', () => relay.hung.size === 2, 10_000);
  const hungAt = relay.received.length;
  // Older mail, due before the kiosk's: three first one-time passwords (and Kia's own first one).
  const waiting = ['vanta.ett@example.se', 'vanta.tva@example.se', 'vanta.tre@example.se'];
  waiting.forEach((email, i) => newPerson('Väntar', `Nummer${i}`, email));
  const kiosk = newPerson('Kia', 'Kiosk', 'kia.kiosk@example.se');
  const theirs = [...waiting, 'kia.kiosk@example.se'].map((e) => `'${e}'`).join(', ');
  await eventually('every first one-time password is due', () => sql(srv.db,
    `SELECT count(*) FROM outbox WHERE recipient IN (${theirs}) AND not_before > ${srv.sqlNow}`)[0][0] === '0');
  assert.equal(relay.hung.size, 2, 'the senders still hang');
  await orderReset(kiosk);
  const ours = () => relay.received.slice(hungAt).filter((m) => [...waiting, 'kia.kiosk@example.se'].includes(m.to));
  assert.equal(ours().length, 0, 'nothing goes while both senders hang');
  await until('the five mails', () => ours().length >= 5, (TIMEOUT_S + 10) * 1000);
  const order = ours().map((m) => `${m.to}${/\/kiosk\/glomt/.test(m.text) ? ' (kiosk)' : ''}`);
  const reset = ours().findIndex((m) => m.to === 'kia.kiosk@example.se' && /\/kiosk\/glomt/.test(m.text));
  assert.ok(reset >= 0 && reset < 2, `the kiosk mail is among the first two sent once the senders are free: ${order.join(', ')}`);
  relay.hang.clear();
});
