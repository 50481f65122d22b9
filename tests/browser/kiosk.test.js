// Lösenordskiosken in a real browser: change a password (R8), a forgotten password by mail (R9), the
// first login with the mailed one-time password (R4), "Byt tecken", "Visa lösenord", AVSLUTA, and an
// axe-core scan of every kiosk page. One server (with a real SMTP sink) and one browser for the file;
// every test has its own user and its own browser context. They run one after another: on two cores
// that is faster than side by side (Chromium's renderers are the bottleneck, not the server).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, login } from './server.js';
import { assertAccessible } from './axe.js';
import { startServer as startHttpServer, mina, sql, DEMO_PASSWORD } from '../http/harness.js';
import { startSmtp, otpFrom } from '../http/smtp.js';

const CAPTCHA = 'testa';

let smtp;
let srv; // the HTTP harness's server: url, db, env, pelle, anna, log(), stop()
let browser;
const contexts = new Set();
// Users with the demo password for the tests that only need the new-password page (made in before():
// the CLI runs synchronously and would stall the event loop inside a test).
const users = {};

before(async () => {
  smtp = await startSmtp();
  srv = await startHttpServer({
    MINA_CAPTCHA_TEST_ANSWER: CAPTCHA,
    MINA_MAIL_SMTP_URL: smtp.url,
    MINA_MAIL_POLL_INTERVAL: '1s',
    // The first one-time password goes out as soon as the first grant is given (R3 says two days).
    MINA_POLICY_OTP_EMAIL_DELAY: '0s',
  }, 'mina-browser-');
  browser = await launchBrowser();
  users.show = personWithPassword('Visa', 'Lösen', 'visa.losen@example.se');
  users.end = personWithPassword('Avs', 'Luta', 'avs.luta@example.se');
  users.axe = personWithPassword('Axe', 'Kiosk', 'axe.kiosk@example.se');
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  try {
    await srv?.stop();
  } finally {
    await smtp?.dispose();
  }
});

/** A fresh Swedish browser context (own cookies, so its own kiosk flow) and a page in it. */
async function newPage() {
  const context = await browser.newContext({ locale: 'sv-SE' });
  contexts.add(context);
  return context.newPage();
}

async function closePage(page) {
  const context = page.context();
  contexts.delete(context);
  await context.close();
}

const path = (page) => new URL(page.url()).pathname;

/** A person with a password, made with the CLI (no grant, so no first one-time password mail). */
function personWithPassword(first, last, email, password = DEMO_PASSWORD) {
  const add = mina(['admin', 'person', 'add', '--first', first, '--last', last, '--email', email], srv.env);
  assert.equal(add.status, 0, add.stderr);
  const username = add.stdout.trim().split('\n').pop().trim();
  assert.match(username, /^[a-z]{2}\d{4}$/, `username from person add: ${add.stdout}`);
  const set = mina(['admin', 'person', 'set-password', '--username', username], srv.env, `${password}\n`);
  assert.equal(set.status, 0, set.stderr);
  return username;
}

/** Fill the kiosk's sign-in form (at /kiosk or /kiosk/forsta-gangen) and press Ok. */
async function fillSignIn(page, username, secret, { otp = false, captcha = CAPTCHA } = {}) {
  await page.getByLabel('Skriv användarnamn', { exact: true }).fill(username);
  await page.getByLabel(otp ? 'Skriv engångslösenord' : 'Skriv lösenord', { exact: true }).fill(secret);
  await page.getByLabel('Skriv tecken i bilden', { exact: true }).fill(captcha);
  await page.getByRole('button', { name: 'Ok', exact: true }).click();
}

/** /kiosk → the new-password page, with username + password + CAPTCHA. */
async function kioskSignIn(page, username, password = DEMO_PASSWORD) {
  const res = await page.goto(`${srv.url}/kiosk`);
  assert.equal(res.status(), 200);
  await fillSignIn(page, username, password);
  await page.waitForURL(`${srv.url}/kiosk/nytt-losenord`);
  await page.getByRole('heading', { level: 1, name: 'Skapa nytt lösenord' }).waitFor();
}

/** On /kiosk/nytt-losenord: type a password twice and press Spara. */
async function submitNewPassword(page, password, confirm = password) {
  await page.getByLabel('Lösenord', { exact: true }).fill(password);
  await page.getByLabel('Bekräfta', { exact: true }).fill(confirm);
  await page.getByRole('button', { name: 'Spara', exact: true }).click();
}

/** Spara with a good password leads to /kiosk/klart with its heading and the link to the portal. */
async function saveAndExpectDone(page, password) {
  await submitNewPassword(page, password);
  await page.waitForURL(`${srv.url}/kiosk/klart`);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Nu har du ändrat ditt lösenord');
  const link = page.getByRole('link', { name: 'Logga in i Mina tjänster', exact: true });
  assert.equal(await link.getAttribute('href'), '/logga-in');
}

/** A refused new password: the page stays, the error names the rule and is visible on screen. */
async function expectRefusal(page, text) {
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal(path(page), '/kiosk/nytt-losenord');
  assert.equal(await alert.count(), 1);
  assert.match(await alert.innerText(), new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.ok(await alert.isVisible(), 'the error is visible');
  // Visible without scrolling: it is above the form, inside the first screen.
  const box = await alert.boundingBox();
  const viewport = page.viewportSize();
  assert.ok(box && box.y >= 0 && box.y + box.height <= viewport.height, `error inside the viewport: ${JSON.stringify(box)}`);
  // Both fields are emptied after a refusal (never sent back in the page).
  assert.equal(await page.getByLabel('Lösenord', { exact: true }).inputValue(), '');
  assert.equal(await page.getByLabel('Bekräfta', { exact: true }).inputValue(), '');
}

/** The portal's login with the wrong password: refused, still on /logga-in. */
async function expectLoginRefused(page, username, password) {
  await page.goto(`${srv.url}/logga-in`);
  await page.getByLabel('Användarnamn', { exact: true }).fill(username);
  await page.getByLabel('Lösenord', { exact: true }).fill(password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/logga-in') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Logga in', exact: true }).click(),
  ]);
  assert.equal(response.status(), 422, 'the old password is refused');
  await page.getByRole('alert').waitFor();
  assert.equal(path(page), '/logga-in');
}


describe('lösenordskiosken', () => {
  test('R8: Pelle changes his password in the kiosk; the new one works, the old one does not', async () => {
    const page = await newPage();
    try {
      await page.goto(`${srv.url}/kiosk`);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Logga in i lösenordskiosken');
      const forgot = page.getByRole('link', { name: 'Har du glömt ditt lösenord eller fungerar det inte?', exact: true });
      assert.equal(await forgot.getAttribute('href'), '/kiosk/glomt');
      assert.equal(await page.getByRole('button', { name: 'Avbryt', exact: true }).count(), 1);
      assert.equal(await page.getByRole('button', { name: 'AVSLUTA', exact: true }).count(), 1);

      await fillSignIn(page, srv.pelle, DEMO_PASSWORD);
      await page.waitForURL(`${srv.url}/kiosk/nytt-losenord`);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Skapa nytt lösenord');

      // "Allmänt" shows who is changing the password, read-only (no form field for them).
      const general = page.getByRole('group', { name: 'Allmänt', exact: true });
      assert.equal(await general.locator('dd#kiosk-username').innerText(), srv.pelle);
      assert.equal(await general.locator('dd#kiosk-email').innerText(), 'pelle.test@example.se');
      assert.match(await general.innerText(), /Användarnamn/);
      assert.match(await general.innerText(), /E-post/);
      assert.equal(await general.getByRole('textbox').count(), 0, 'username and email are not editable');
      const rules = page.getByRole('group', { name: 'Nytt lösenord', exact: true });
      assert.match(await rules.innerText(), /minst 12 och högst 128 tecken/);
      assert.equal(await rules.getByRole('listitem').count(), 4);

      await submitNewPassword(page, 'Kort-1');
      await expectRefusal(page, 'Lösenordet är för kort. Det ska ha minst 12 tecken.');
      // The refused attempt still shows who is signed in.
      assert.equal(await page.locator('#kiosk-username').innerText(), srv.pelle);

      await submitNewPassword(page, 'Blå hästar dansar i gryningen', 'Blå hästar dansar i skymningen');
      await expectRefusal(page, 'Lösenordet i Bekräfta är inte samma som i Lösenord.');

      await saveAndExpectDone(page, 'Blå hästar dansar i gryningen');

      await page.getByRole('link', { name: 'Logga in i Mina tjänster', exact: true }).click();
      await page.waitForURL(`${srv.url}/logga-in`);
      await login(page, srv.url, srv.pelle, 'Blå hästar dansar i gryningen');
      assert.equal(path(page), '/start');

      const other = await newPage();
      try {
        await expectLoginRefused(other, srv.pelle, DEMO_PASSWORD);
      } finally {
        await closePage(other);
      }
    } finally {
      await closePage(page);
    }
  });

  test('R9: Anna has forgotten her password: one-time password by mail, new password, login', async () => {
    const page = await newPage();
    try {
      await page.goto(`${srv.url}/kiosk`);
      await page.getByRole('link', { name: 'Har du glömt ditt lösenord eller fungerar det inte?', exact: true }).click();
      await page.waitForURL(`${srv.url}/kiosk/glomt`);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Har du glömt ditt lösenord eller fungerar det inte?');
      assert.match(await page.locator('main').innerText(), /Ett engångslösenord kommer till din e-postadress när du tryckt på Ok/);
      assert.equal(await page.getByLabel('Skriv lösenord', { exact: true }).count(), 0, 'no password field here');

      await page.getByLabel('Skriv användarnamn', { exact: true }).fill(srv.anna);
      await page.getByLabel('Skriv tecken i bilden', { exact: true }).fill(CAPTCHA);
      await page.getByRole('button', { name: 'Ok', exact: true }).click();
      await page.waitForURL(`${srv.url}/kiosk/glomt/engangslosenord`);
      assert.match(await page.locator('main').innerText(), /Fyll i det engångslösenord som skickats till din e-postadress/);

      const mail = await smtp.waitForMail((m) => /anna\.admin@example\.se/.test(m.to), 10_000);
      assert.equal(mail.subject, 'Ditt nya engångslösenord till Mina tjänster');
      const otp = otpFrom(mail);
      assert.ok(otp, `a one-time password in the mail:\n${mail.text}`);
      assert.match(mail.text, /\/kiosk\/glomt/);

      await page.getByRole('textbox', { name: 'Skriv engångslösenord', exact: true }).fill(otp);
      await page.getByRole('button', { name: 'Ok', exact: true }).click();
      await page.waitForURL(`${srv.url}/kiosk/nytt-losenord`);
      assert.equal(await page.locator('#kiosk-username').innerText(), srv.anna);
      assert.equal(await page.locator('#kiosk-email').innerText(), 'anna.admin@example.se');

      await saveAndExpectDone(page, 'Gröna ekorrar klättrar snabbt');
      await login(page, srv.url, srv.anna, 'Gröna ekorrar klättrar snabbt');
      assert.equal(path(page), '/start');
    } finally {
      await closePage(page);
    }
  });

  test('R4: first login with the one-time password from the first mail (/kiosk/forsta-gangen)', async () => {
    const add = mina(['admin', 'person', 'add', '--first', 'Nora', '--last', 'Ny', '--email', 'nora.ny@example.se'], srv.env);
    assert.equal(add.status, 0, add.stderr);
    const username = add.stdout.trim().split('\n').pop().trim();
    assert.match(username, /^[a-z]{2}\d{4}$/);
    const grant = mina(['admin', 'grant', '--username', username, '--school', 'DEMO1', '--role', 'studietider'], srv.env);
    assert.equal(grant.status, 0, grant.stderr);

    const mail = await smtp.waitForMail((m) => /nora\.ny@example\.se/.test(m.to), 10_000);
    assert.equal(mail.subject, 'Ditt engångslösenord till Mina tjänster');
    const otp = otpFrom(mail);
    assert.ok(otp, `a one-time password in the mail:\n${mail.text}`);
    const link = mail.text.match(/https?:\/\/\S+\/kiosk\/forsta-gangen\b/);
    assert.ok(link, `the mail links to /kiosk/forsta-gangen:\n${mail.text}`);

    const page = await newPage();
    try {
      const res = await page.goto(srv.url + new URL(link[0]).pathname);
      assert.equal(res.status(), 200);
      assert.equal(path(page), '/kiosk/forsta-gangen');
      assert.equal(await page.getByLabel('Skriv engångslösenord', { exact: true }).count(), 1);
      assert.equal(await page.getByLabel('Skriv lösenord', { exact: true }).count(), 0);
      assert.equal(await page.getByLabel('Skriv engångslösenord', { exact: true }).getAttribute('autocomplete'), 'one-time-code');

      await fillSignIn(page, username, otp, { otp: true });
      await page.waitForURL(`${srv.url}/kiosk/nytt-losenord`);
      assert.equal(await page.locator('#kiosk-username').innerText(), username);
      assert.equal(await page.locator('#kiosk-email').innerText(), 'nora.ny@example.se');

      await saveAndExpectDone(page, 'Sju sjösjuka sjömän sjunger');
      await login(page, srv.url, username, 'Sju sjösjuka sjömän sjunger');
      assert.equal(path(page), '/start');
    } finally {
      await closePage(page);
    }
  });

  test('"Byt tecken" shows a new image and keeps the typed username (not the password)', async () => {
    const page = await newPage();
    try {
      await page.goto(`${srv.url}/kiosk`);
      const img = page.locator('img[src^="/kiosk/tecken.png"]');
      assert.equal(await img.count(), 1);
      assert.match(await img.getAttribute('alt'), /Bild med fem tecken/);
      const listen = page.getByRole('link', { name: 'Lyssna på tecknen', exact: true });
      assert.match(await listen.getAttribute('href'), /^\/kiosk\/tecken\.wav(\?|$)/);
      const wav = await page.request.get(srv.url + (await listen.getAttribute('href')));
      assert.equal(wav.status(), 200);
      assert.equal(wav.headers()['content-type'], 'audio/wav');
      assert.equal((await wav.body()).subarray(0, 4).toString('latin1'), 'RIFF');

      // The image is drawn with fresh noise on every request, so its bytes differ anyway: what must
      // change is the answer the flow expects (read from the database by the flow's CSRF token).
      const csrf = await page.locator('input[name="csrf"]').first().inputValue();
      assert.match(csrf, /^[A-Za-z0-9_-]{16,}$/);
      const answer = () => {
        const rows = sql(srv.db, `SELECT captcha_answer FROM kiosk_flows WHERE csrf_token = '${csrf}'`);
        assert.equal(rows.length, 1, 'one flow for this browser');
        return rows[0][0];
      };
      const answerBefore = answer();
      assert.match(answerBefore, /^\S{5}$/, 'five characters');
      const srcBefore = await img.getAttribute('src');
      assert.match(srcBefore, /^\/kiosk\/tecken\.png\?v=[A-Za-z0-9_-]+$/);
      const png = await page.request.get(srv.url + srcBefore);
      assert.equal(png.status(), 200);
      assert.equal(png.headers()['content-type'], 'image/png');
      assert.match(png.headers()['cache-control'] ?? '', /no-store/, 'never a cached old image');
      assert.equal((await png.body()).subarray(1, 4).toString('latin1'), 'PNG');
      const shotBefore = await img.screenshot();

      await page.getByLabel('Skriv användarnamn', { exact: true }).fill('pe1234');
      await page.getByLabel('Skriv lösenord', { exact: true }).fill('hemligt-lösenord');
      const imageRequests = [];
      page.on('request', (r) => { if (new URL(r.url()).pathname === '/kiosk/tecken.png') imageRequests.push(r.url()); });
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/kiosk/byt-tecken') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Byt tecken', exact: true }).click(),
      ]);
      assert.equal(response.status(), 200);
      await page.waitForLoadState('load');
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Logga in i lösenordskiosken');
      assert.equal(await page.getByRole('alert').count(), 0, 'no error for a new image');
      assert.equal(await page.locator('input[name="csrf"]').first().inputValue(), csrf, 'the same flow');

      const answerAfter = answer();
      assert.match(answerAfter, /^\S{5}$/);
      assert.notEqual(answerAfter, answerBefore, 'a new CAPTCHA');
      const srcAfter = await img.getAttribute('src');
      assert.match(srcAfter, /^\/kiosk\/tecken\.png\?v=[A-Za-z0-9_-]+$/);
      // The browser fetched the image again after the click (whether or not ?v= changed: it is the
      // expiry second, equal when Byt tecken comes within the same second), and shows another one.
      assert.deepEqual(imageRequests, [srv.url + srcAfter], 'the new image was loaded once');
      const shotAfter = await img.screenshot();
      assert.ok(!shotBefore.equals(shotAfter), 'the image on screen changed');
      assert.equal(await img.evaluate((e) => e.complete && e.naturalWidth > 0), true, 'the new image loaded');

      assert.equal(await page.getByLabel('Skriv användarnamn', { exact: true }).inputValue(), 'pe1234');
      assert.equal(await page.getByLabel('Skriv lösenord', { exact: true }).inputValue(), '', 'the password is never sent back');
      assert.equal(await page.getByLabel('Skriv tecken i bilden', { exact: true }).inputValue(), '');
    } finally {
      await closePage(page);
    }
  });

  test('"Visa lösenord" switches both fields between hidden and shown', async () => {
    const user = users.show;
    const page = await newPage();
    try {
      await kioskSignIn(page, user);
      const password = page.getByLabel('Lösenord', { exact: true });
      const confirm = page.getByLabel('Bekräfta', { exact: true });
      const show = page.getByLabel('Visa lösenord', { exact: true });
      assert.ok(await show.isVisible(), 'the checkbox is shown when JavaScript runs');
      assert.equal(await show.isChecked(), false);
      assert.equal(await password.getAttribute('type'), 'password');
      assert.equal(await confirm.getAttribute('type'), 'password');

      await password.fill('Ett hemligt lösenord 42');
      await confirm.fill('Ett hemligt lösenord 43');
      await show.check();
      assert.equal(await password.evaluate((e) => e.type), 'text');
      assert.equal(await confirm.evaluate((e) => e.type), 'text');
      assert.equal(await password.inputValue(), 'Ett hemligt lösenord 42');
      assert.equal(await confirm.inputValue(), 'Ett hemligt lösenord 43');

      await show.uncheck();
      assert.equal(await password.evaluate((e) => e.type), 'password');
      assert.equal(await confirm.evaluate((e) => e.type), 'password');
      assert.equal(await password.inputValue(), 'Ett hemligt lösenord 42', 'the value survives the switch');
    } finally {
      await closePage(page);
    }
  });

  test('AVSLUTA on the new-password page ends the flow on the server', async () => {
    const user = users.end;
    const page = await newPage();
    try {
      await kioskSignIn(page, user);
      const kioskCookies = (await page.context().cookies()).filter((c) => c.name === 'mina_kiosk');
      assert.equal(kioskCookies.length, 1, 'the flow is bound to a cookie');

      await page.getByRole('banner').getByRole('button', { name: 'AVSLUTA', exact: true }).click();
      await page.waitForURL(`${srv.url}/logga-in?kiosk=slut`);
      assert.equal(await page.getByRole('status').innerText(), 'Du har avslutat lösenordskiosken.');

      await page.goto(`${srv.url}/kiosk/nytt-losenord`);
      assert.equal(path(page), '/kiosk', 'no flow: back to the start of the kiosk');
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Logga in i lösenordskiosken');

      // Not only the cookie is gone: the old flow's cookie, put back, opens nothing either.
      await page.context().clearCookies();
      await page.context().addCookies(kioskCookies);
      await page.goto(`${srv.url}/kiosk/nytt-losenord`);
      assert.equal(path(page), '/kiosk', 'the ended flow is gone on the server');
      await page.context().addCookies(kioskCookies);
      await page.goto(`${srv.url}/kiosk/klart`);
      assert.equal(path(page), '/kiosk');
    } finally {
      await closePage(page);
    }
  });

  // As on /logga-in, the kiosk's fields point at the error (aria-invalid + aria-describedby), so a
  // screen reader reads the error with the field.
  test('kiosk errors are tied to their fields like the login page (aria-invalid, aria-describedby)', {
  }, async () => {
    const page = await newPage();
    try {
      await page.goto(`${srv.url}/kiosk`);
      await fillSignIn(page, users.show, DEMO_PASSWORD, { captcha: 'fel99' });
      await page.getByRole('alert').waitFor();
      const captcha = page.getByLabel('Skriv tecken i bilden', { exact: true });
      assert.equal(await captcha.getAttribute('aria-invalid'), 'true', 'the CAPTCHA field is marked invalid');
      assert.match(await captcha.getAttribute('aria-describedby') ?? '', /\bkiosk-error\b/);

      await kioskSignIn(page, users.show);
      await submitNewPassword(page, 'kort');
      await expectRefusal(page, 'Lösenordet är för kort.');
      for (const name of ['Lösenord', 'Bekräfta']) {
        const field = page.getByLabel(name, { exact: true });
        assert.equal(await field.getAttribute('aria-invalid'), 'true', `${name} is marked invalid`);
        assert.match(await field.getAttribute('aria-describedby') ?? '', /\bkiosk-error\b/, `${name} points at the error`);
      }
    } finally {
      await closePage(page);
    }
  });

  test('axe-core: every kiosk page has no WCAG 2.1 A/AA violation', async () => {
    const user = users.axe;
    const page = await newPage();
    try {
      await page.goto(`${srv.url}/kiosk`);
      await assertAccessible(page, '/kiosk');

      await page.goto(`${srv.url}/kiosk/forsta-gangen`);
      assert.equal(await page.getByLabel('Skriv engångslösenord', { exact: true }).count(), 1);
      await assertAccessible(page, '/kiosk/forsta-gangen');

      // A wrong CAPTCHA: the sign-in page with an error.
      await page.goto(`${srv.url}/kiosk`);
      await fillSignIn(page, user, DEMO_PASSWORD, { captcha: 'fel99' });
      await page.getByRole('alert').waitFor();
      assert.match(await page.getByRole('alert').innerText(), /Tecknen stämde inte med bilden/);
      await assertAccessible(page, '/kiosk with an error');

      await page.goto(`${srv.url}/kiosk/glomt`);
      await assertAccessible(page, '/kiosk/glomt');

      // An unknown username leads to the same page as a known one (nothing tells them apart).
      await page.getByLabel('Skriv användarnamn', { exact: true }).fill('zz9999');
      await page.getByLabel('Skriv tecken i bilden', { exact: true }).fill(CAPTCHA);
      await page.getByRole('button', { name: 'Ok', exact: true }).click();
      await page.waitForURL(`${srv.url}/kiosk/glomt/engangslosenord`);
      await assertAccessible(page, '/kiosk/glomt/engangslosenord');

      await kioskSignIn(page, user);
      await assertAccessible(page, '/kiosk/nytt-losenord');

      await submitNewPassword(page, 'kort');
      await expectRefusal(page, 'Lösenordet är för kort.');
      await assertAccessible(page, '/kiosk/nytt-losenord with an error');

      await saveAndExpectDone(page, 'Tre tysta tranor i träsket');
      await assertAccessible(page, '/kiosk/klart');
    } finally {
      await closePage(page);
    }
  });
});
