// The SMTP sink the HTTP tests read mail from, proved end to end with curl and without `mina`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSmtp, otpFrom } from './smtp.js';

let smtp;
before(async () => {
  smtp = await startSmtp();
});
after(async () => smtp && (await smtp.dispose()));

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');

/** A mail as an SMTP client would send it: RFC 2047 subject, quoted-printable UTF-8 body. */
function writeMail(name, subject, body) {
  const file = join(smtp.dir, `${name}.eml`);
  const qp = Buffer.from(body, 'utf8').toString('latin1')
    .replace(/[=\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  writeFileSync(file, [
    `From: =?UTF-8?B?${b64('Mina tjänster')}?= <noreply@mina.test>`,
    'To: elev@skolan.test',
    `Subject: =?UTF-8?B?${b64(subject)}?=`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    qp.replace(/\n/g, '\r\n'),
  ].join('\r\n'));
  return file;
}

function curlSend(file) {
  return spawnSync('curl', ['-sS', '--max-time', '10', '--url', smtp.url, '--mail-from', 'noreply@mina.test',
    '--mail-rcpt', 'elev@skolan.test', '--upload-file', file], { encoding: 'utf8' });
}

test('a mail sent with curl arrives decoded', async () => {
  const file = writeMail('otp', 'Ditt engångslösenord till Mina tjänster', 'Hej!\nEngångslösenord: Abc-123\n');
  const r = curlSend(file);
  assert.equal(r.status, 0, r.stderr);
  const mail = await smtp.waitForMail((m) => m.to === 'elev@skolan.test');
  assert.equal(mail.subject, 'Ditt engångslösenord till Mina tjänster');
  assert.equal(mail.from, 'Mina tjänster <noreply@mina.test>');
  assert.equal(mail.mail_from, 'noreply@mina.test');
  assert.deepEqual(mail.rcpt_tos, ['elev@skolan.test']);
  assert.equal(mail.html, null);
  assert.match(mail.headers.Subject, /^=\?UTF-8\?B\?/);
  assert.match(mail.raw, /Eng=C3=A5ngsl=C3=B6senord/);
  assert.equal(otpFrom(mail), 'Abc-123');
  assert.equal(otpFrom({ text: 'One-time password:  xY-9 \n' }), 'xY-9');
  assert.equal(otpFrom({ text: 'Hej' }), null);
});

test('an injected 451 makes the client fail and stores nothing', async () => {
  const before = smtp.mails().length;
  smtp.setReply('451 Try later');
  try {
    const r = curlSend(writeMail('later', 'Nej', 'Engångslösenord: Nope-1\n'));
    assert.notEqual(r.status, 0, 'curl should fail on 451');
    await assert.rejects(smtp.waitForMail((m) => otpFrom(m) === 'Nope-1', 500), /no mail matching/);
    assert.equal(smtp.mails().length, before);
  } finally {
    smtp.setReply(null);
  }
  assert.equal(curlSend(writeMail('again', 'Ja', 'Engångslösenord: Yes-2\n')).status, 0);
  assert.equal(otpFrom(await smtp.waitForMail((m) => otpFrom(m) === 'Yes-2')), 'Yes-2');
});

test('stop() takes the server down and restart() brings it back on the same port', async () => {
  const { port } = smtp;
  const r = await smtp.stop();
  assert.equal(r.code, 0, `sink exit: ${JSON.stringify(r)}\n${smtp.log()}`);
  assert.notEqual(curlSend(writeMail('down', 'Borta', 'x\n')).status, 0, 'nothing should listen now');
  await smtp.restart();
  assert.equal(smtp.port, port);
  const count = smtp.mails().length;
  assert.equal(curlSend(writeMail('back', 'Tillbaka', 'Engångslösenord: Back-3\n')).status, 0);
  const mail = await smtp.waitForMail((m, i) => i >= count);
  assert.equal(mail.subject, 'Tillbaka');
  assert.equal(mail.file, `${String(count + 1).padStart(6, '0')}.json`);
});
