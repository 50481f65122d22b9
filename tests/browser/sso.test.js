// Single sign-on (issue [11]) in Chromium: a service (the small relying party of tests/http/lib/rp.js,
// openid-client on its own loopback port) logs a person in through Mina tjänster. The login page names
// the service (axe-core on it); the password leads back to the service; and a person whose password
// has expired goes through the password kiosk (a one-time password by mail, a new password) and, after
// logging in with the new one, still lands at the service.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './server.js';
import { assertAccessible } from './axe.js';
import { mina, sqlWrite, DEMO_PASSWORD } from '../http/harness.js';
import { startSmtp, otpFrom } from '../http/smtp.js';
import { startOidcServer, addClient } from '../http/lib/oidc.js';
import { startRp } from '../http/lib/rp.js';

const CAPTCHA = 'testa';
let smtp;
let srv;
let rp;
let browser;

before(async () => {
  smtp = await startSmtp();
  srv = await startOidcServer({
    MINA_CAPTCHA_TEST_ANSWER: CAPTCHA,
    MINA_MAIL_SMTP_URL: smtp.url,
    MINA_MAIL_POLL_INTERVAL: '1s',
    MINA_POLICY_OTP_EMAIL_DELAY: '0s',
  }, 'mina-browser-sso-');
  rp = await startRp({
    issuer: srv.url,
    name: 'Testtjänsten',
    register: ({ redirectUri, postLogoutUri }) => {
      const c = addClient(srv, { id: 'testtjansten', name: 'Testtjänsten', redirectUris: [redirectUri], postLogoutUris: [postLogoutUri] });
      return { clientId: c.id, secret: c.secret };
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await rp?.stop();
  try {
    await srv?.stop();
  } finally {
    await smtp?.dispose();
  }
});

async function newPage() {
  const context = await browser.newContext({ locale: 'sv-SE' });
  return context.newPage();
}

/** A person with a password (the CLI), whose password is `ageDays` old. */
function person(first, last, email, ageDays = 0) {
  const add = mina(['admin', 'person', 'add', '--first', first, '--last', last, '--email', email], srv.env);
  assert.equal(add.status, 0, add.stderr);
  const username = add.stdout.trim().split('\n').pop().trim();
  const set = mina(['admin', 'person', 'set-password', '--username', username], srv.env, `${DEMO_PASSWORD}\n`);
  assert.equal(set.status, 0, set.stderr);
  if (ageDays) sqlWrite(srv.db, `UPDATE persons SET password_set_at = ${srv.sqlNow} - ${ageDays} * 86400 WHERE username = '${username}'`);
  return username;
}

async function fillLogin(page, username, password) {
  await page.getByLabel('Användarnamn', { exact: true }).fill(username);
  await page.getByLabel('Lösenord', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Logga in', exact: true }).click();
}

test('the service\'s login → Mina tjänster\'s login page naming the service → back at the service, logged in; Logga ut there ends both', async () => {
  const page = await newPage();
  try {
    await page.goto(`${rp.url}/login`);
    await page.waitForURL(`${srv.url}/logga-in`);
    await page.getByText('Du loggar in i Testtjänsten.', { exact: false }).waitFor();
    await assertAccessible(page, '/logga-in naming the service');
    await fillLogin(page, srv.pelle, DEMO_PASSWORD);
    await page.waitForURL(`${rp.url}/me`);
    assert.equal(await page.locator('#who').innerText(), 'Inloggad i Testtjänsten som Pelle Test');
    // Logga ut at the service: through the provider's end_session_endpoint and back.
    await page.goto(`${rp.url}/logout`);
    await page.waitForURL(`${rp.url}/logged-out?state=rp-logout`);
    await page.goto(`${srv.url}/start`);
    assert.equal(new URL(page.url()).pathname, '/logga-in', 'Logga ut at the service ended the portal session');
  } finally {
    await page.context().close();
  }
});

test('logged in at the portal first, the service needs no password', async () => {
  const page = await newPage();
  try {
    await page.goto(`${srv.url}/logga-in`);
    await fillLogin(page, srv.anna, DEMO_PASSWORD);
    await page.waitForURL(`${srv.url}/start`);
    await page.goto(`${rp.url}/login`);
    await page.waitForURL(`${rp.url}/me`);
    assert.equal(await page.locator('#who').innerText(), 'Inloggad i Testtjänsten som Anna Admin');
  } finally {
    await page.context().close();
  }
});

test('an expired password: the kiosk detour (one-time password, new password), then the login lands at the service', async () => {
  const email = 'gammal.losen@example.se';
  const username = person('Gammal', 'Lösen', email, 366);
  const fresh = 'Blå valar sjunger djupt';
  const page = await newPage();
  try {
    await page.goto(`${rp.url}/login`);
    await page.waitForURL(`${srv.url}/logga-in`);
    await page.getByText('Du loggar in i Testtjänsten.', { exact: false }).waitFor();
    await fillLogin(page, username, DEMO_PASSWORD);
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /Ditt lösenord har gått ut/);

    await page.locator('main a[href="/kiosk/glomt"]').first().click();
    await page.waitForURL(`${srv.url}/kiosk/glomt`);
    await page.getByLabel('Skriv användarnamn', { exact: true }).fill(username);
    await page.getByLabel('Skriv tecken i bilden', { exact: true }).fill(CAPTCHA);
    await page.getByRole('button', { name: 'Ok', exact: true }).click();
    await page.waitForURL(`${srv.url}/kiosk/glomt/engangslosenord`);
    const mail = await smtp.waitForMail((m) => m.to.includes(email), 15_000);
    const otp = otpFrom(mail);
    assert.ok(otp, `a one-time password in the mail:\n${mail.text}`);
    await page.getByRole('textbox', { name: 'Skriv engångslösenord', exact: true }).fill(otp);
    await page.getByRole('button', { name: 'Ok', exact: true }).click();
    await page.waitForURL(`${srv.url}/kiosk/nytt-losenord`);
    await page.getByLabel('Lösenord', { exact: true }).fill(fresh);
    await page.getByLabel('Bekräfta', { exact: true }).fill(fresh);
    await page.getByRole('button', { name: 'Spara', exact: true }).click();
    await page.waitForURL(`${srv.url}/kiosk/klart`);

    await page.getByRole('link', { name: 'Logga in i Mina tjänster', exact: true }).click();
    await page.waitForURL(`${srv.url}/logga-in`);
    await page.getByText('Du loggar in i Testtjänsten.', { exact: false }).waitFor();
    await fillLogin(page, username, fresh);
    await page.waitForURL(`${rp.url}/me`);
    assert.equal(await page.locator('#who').innerText(), 'Inloggad i Testtjänsten som Gammal Lösen');
  } finally {
    await page.context().close();
  }
});
