// Passkeys in Chromium (issue [12]) with its virtual authenticator (the DevTools protocol's WebAuthn
// domain, through playwright-core): an administrator registers a passkey at the enrolment the policy
// asks for; logs in with the passkey alone ("Logga in med passkey"); logs in with the password and
// the passkey as the second step; a cloned credential (its counter going backwards) is refused; a
// credential removed in Anpassa is refused. axe-core checks the new pages. WebAuthn refuses an IP
// address as the relying party's id, so the browser reaches the server as localhost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer as startHttpServer, sql, DEMO_PASSWORD } from '../http/harness.js';
import { launchBrowser } from './server.js';
import { assertAccessible } from './axe.js';

let srv;
let browser;
let base;

before(async () => {
  srv = await startHttpServer({ MINA_POLICY_SECOND_FACTOR_ROLES: 'agency-admin,school-admin' }, 'mina-browser-passkey-');
  base = `http://localhost:${srv.port}`;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const count = (q) => Number(sql(srv.db, q)[0][0]);

/** A page in a fresh context with a virtual platform authenticator (user verification, resident keys). */
async function withAuthenticator() {
  const context = await browser.newContext({ locale: 'sv-SE' });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  return { context, page, cdp, authenticatorId };
}

async function passwordLogin(page, username) {
  await page.goto(`${base}/logga-in`);
  await page.getByLabel('Användarnamn', { exact: true }).fill(username);
  await page.getByLabel('Lösenord', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Logga in', exact: true }).click();
  await page.waitForURL(`${base}/logga-in/andra-steget`);
}

async function logout(page) {
  await page.getByRole('button', { name: 'Logga ut' }).click();
  await page.waitForURL(/\/logga-in\?ut=1$/);
}

test('register a passkey at enrolment, log in with it alone and as the second step; a clone and a removed key are refused', async () => {
  const { context, page, cdp, authenticatorId } = await withAuthenticator();
  try {
    // Enrolment: the password alone opens nothing; the passkey is made here.
    await passwordLogin(page, srv.anna);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Skydda ditt konto med ett andra steg');
    await assertAccessible(page, 'the enrolment page');
    await page.getByLabel('Namn på passkeyn (till exempel Jobbdatorn)').fill('Testnyckel');
    await page.getByRole('button', { name: 'Skapa passkey' }).click();
    await page.getByRole('heading', { name: 'Dina reservkoder' }).waitFor();
    assert.equal(await page.locator('.recovery-codes li').count(), 10);
    await assertAccessible(page, 'the recovery codes');
    await page.getByRole('link', { name: 'Jag har sparat koderna – fortsätt' }).click();
    await page.waitForURL(`${base}/start`);
    assert.equal(count(`SELECT count(*) FROM passkeys k JOIN persons p ON p.id = k.person_id WHERE p.username = '${srv.anna}' AND k.name = 'Testnyckel'`), 1);
    await logout(page);

    // A passkey alone: no username, no password.
    await page.getByRole('button', { name: 'Logga in med passkey' }).click();
    await page.waitForURL(`${base}/start`);
    assert.equal(count(`SELECT count(*) FROM sessions s JOIN persons p ON p.id = s.person_id WHERE p.username = '${srv.anna}' AND s.amr = 'hwk user mfa'`), 1);
    await logout(page);

    // The password, then the passkey as the second step.
    await passwordLogin(page, srv.anna);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Bekräfta att det är du');
    await assertAccessible(page, 'the second step');
    await page.getByRole('button', { name: 'Använd passkey' }).click();
    await page.waitForURL(`${base}/start`);
    assert.equal(count(`SELECT count(*) FROM sessions s JOIN persons p ON p.id = s.person_id WHERE p.username = '${srv.anna}' AND s.amr = 'pwd hwk mfa'`), 1);
    await logout(page);

    // A clone: the same key with its counter behind the one the server has seen.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    const stored = Number(sql(srv.db, `SELECT k.sign_count FROM passkeys k JOIN persons p ON p.id = k.person_id WHERE p.username = '${srv.anna}'`)[0][0]);
    assert.ok(stored >= 2, `the counter moved with each use (${stored})`);
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: credentials[0].credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...credentials[0], signCount: 0 } });
    await page.getByRole('button', { name: 'Logga in med passkey' }).click();
    await page.waitForURL(/\/logga-in\?passkey=fel$/);
    assert.match(await page.locator('#login-error').innerText(), /Det gick inte att logga in med passkeyn/);
    assert.equal(count(`SELECT count(*) FROM audit_log WHERE kind = 'passkey.refused' AND subject = '${srv.anna}' AND detail LIKE 'signature counter%'`), 1);
    // The real key again (its counter ahead), to go on.
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: credentials[0].credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...credentials[0], signCount: stored + 10 } });
    await page.getByRole('button', { name: 'Logga in med passkey' }).click();
    await page.waitForURL(`${base}/start`);

    // Removed in Anpassa: refused afterwards.
    await page.goto(`${base}/anpassa/inloggning`);
    await assertAccessible(page, 'Anpassa: inloggning i två steg');
    await page.getByRole('button', { name: 'Ta bort Testnyckel' }).click();
    await page.getByRole('dialog').getByRole('button', { name: /Ta bort/ }).click();
    await page.waitForURL(`${base}/anpassa/inloggning?m=passkey-bort`);
    assert.equal(count(`SELECT count(*) FROM passkeys k JOIN persons p ON p.id = k.person_id WHERE p.username = '${srv.anna}'`), 0);
    await logout(page);
    await page.getByRole('button', { name: 'Logga in med passkey' }).click();
    await page.waitForURL(/\/logga-in\?passkey=fel$/);
  } finally {
    await context.close();
  }
});

test('without WebAuthn in the browser, the passkey buttons stay hidden and the code path is the way', async () => {
  const context = await browser.newContext({ locale: 'sv-SE', javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto(`${base}/logga-in`);
    assert.equal(await page.getByRole('button', { name: 'Logga in med passkey' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Logga in', exact: true }).count(), 1);
  } finally {
    await context.close();
  }
});
