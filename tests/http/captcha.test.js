// The kiosk's CAPTCHA without the test mode (R5): single-use, bound to the flow, expiring after
// 10 minutes, a new one on "Byt tecken", an image and a spoken alternative.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, sql, sqlWrite, DEMO_PASSWORD } from './harness.js';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

/** The answer of the CAPTCHA of the flow whose forms carry `csrf` (each flow has its own token). */
const answer = (csrf) => sql(srv.db, `SELECT captcha_answer FROM kiosk_flows WHERE csrf_token = '${csrf}'`)[0][0];

test('a CAPTCHA is used once: right or wrong, the next form needs the new one', async () => {
  const c = new Client(srv);
  const page = await c.get('/kiosk');
  const csrf = Client.csrf(page.text);
  const first = answer(csrf);
  assert.match(first, /^[a-z0-9]{5}$/);
  const wrong = await c.post('/kiosk', { csrf, username: srv.pelle, password: DEMO_PASSWORD, captcha: 'xxxxx' });
  assert.equal(wrong.status, 422);
  assert.match(wrong.text, /Tecknen stämde inte med bilden/);
  const second = answer(csrf);
  assert.notEqual(second, first, 'a wrong answer uses the CAPTCHA up');
  const reused = await c.post('/kiosk', { csrf, username: srv.pelle, password: DEMO_PASSWORD, captcha: first });
  assert.equal(reused.status, 422, 'the old answer is dead');
  const failures = sql(srv.db, `SELECT failed_count FROM persons WHERE username = '${srv.pelle}'`)[0][0];
  assert.equal(failures, '0', 'a wrong CAPTCHA does not even look at the password');
  const third = answer(csrf);
  const ok = await c.post('/kiosk', { csrf, username: srv.pelle, password: DEMO_PASSWORD, captcha: ` ${third.toUpperCase()} ` });
  assert.equal(ok.status, 303, 'case and spaces do not matter');
  assert.equal(ok.location, '/kiosk/nytt-losenord');
});

test('a CAPTCHA older than 10 minutes is refused', async () => {
  const c = new Client(srv);
  const csrf = Client.csrf((await c.get('/kiosk/glomt')).text);
  const a = answer(csrf);
  sqlWrite(srv.db, `UPDATE kiosk_flows SET captcha_expires_at = ${srv.sqlNow} - 1`);
  const r = await c.post('/kiosk/glomt', { csrf, username: srv.pelle, captcha: a });
  assert.equal(r.status, 422);
  assert.match(r.text, /för gammal/);
});

test('a CAPTCHA belongs to its flow: another browser cannot use it', async () => {
  const a = new Client(srv);
  const stolen = answer(Client.csrf((await a.get('/kiosk')).text));
  const b = new Client(srv);
  const csrf = Client.csrf((await b.get('/kiosk')).text);
  const r = await b.post('/kiosk', { csrf, username: srv.pelle, password: DEMO_PASSWORD, captcha: stolen });
  assert.equal(r.status, 422);
});

test('Byt tecken draws a new CAPTCHA without JavaScript and keeps the username', async () => {
  const c = new Client(srv);
  const csrf = Client.csrf((await c.get('/kiosk')).text);
  const before = answer(csrf);
  const r = await c.post('/kiosk/byt-tecken', { csrf, sida: 'signin', username: 'ab1234', password: 'secret' });
  assert.equal(r.status, 200);
  assert.match(r.text, /value="ab1234"/);
  assert.ok(!r.text.includes('secret'), 'a password is never sent back');
  assert.notEqual(answer(csrf), before);
});

test('the image is a PNG drawn anew each time, and the spoken alternative is a WAV spoken anew each time', async () => {
  const c = new Client(srv);
  await c.get('/kiosk');
  const get = async (path) => {
    const res = await fetch(srv.url + path, { headers: { cookie: c.cookieHeader() } });
    return { status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'),
             bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const one = await get('/kiosk/tecken.png');
  const two = await get('/kiosk/tecken.png');
  assert.equal(one.status, 200);
  assert.equal(one.type, 'image/png');
  assert.equal(one.cache, 'no-store');
  assert.equal(one.bytes.subarray(1, 4).toString(), 'PNG');
  assert.equal(one.bytes.readUInt32BE(16), 200, 'width');
  assert.equal(one.bytes.readUInt32BE(20), 70, 'height');
  assert.ok(!one.bytes.equals(two.bytes), 'two draws of the same answer differ');
  const wav = await get('/kiosk/tecken.wav');
  assert.equal(wav.status, 200);
  assert.equal(wav.type, 'audio/wav');
  assert.equal(wav.bytes.subarray(0, 4).toString(), 'RIFF');
  assert.ok(wav.bytes.length > 10_000);
  assert.equal(wav.bytes.readUInt32LE(4), wav.bytes.length - 8, 'RIFF length');
  assert.equal(wav.bytes.readUInt32LE(40), wav.bytes.length - 44, 'data length');
  const again = await get('/kiosk/tecken.wav');
  assert.ok(!wav.bytes.equals(again.bytes), 'two downloads of the same challenge differ (voices, pauses, noise)');
  const none = await fetch(`${srv.url}/kiosk/tecken.png`);
  assert.equal(none.status, 404, 'no flow, no image');
});

test('a kiosk form from an ended or foreign flow is refused', async () => {
  const c = new Client(srv);
  const csrf = Client.csrf((await c.get('/kiosk')).text);
  const end = await c.post('/kiosk/avsluta', { csrf });
  assert.equal(end.status, 303);
  assert.equal(end.location, '/logga-in?kiosk=slut');
  assert.ok(!c.cookies.has('mina_kiosk'));
  const login = await c.get('/logga-in?kiosk=slut');
  assert.match(login.text, /Du har avslutat lösenordskiosken/);
  const late = await c.post('/kiosk/nytt-losenord', { csrf, password: 'x', confirm: 'x' });
  assert.equal(late.status, 303);
  assert.equal(late.location, '/kiosk?slut=1');
  const other = new Client(srv);
  const otherCsrf = Client.csrf((await other.get('/kiosk')).text);
  const forged = await other.post('/kiosk', { csrf, username: srv.pelle, password: DEMO_PASSWORD, captcha: answer(otherCsrf) });
  assert.equal(forged.status, 403, "another flow's CSRF token is refused");
});
