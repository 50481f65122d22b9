// axe-core (WCAG 2.0/2.1 A and AA rules) on every page of the portal, in the states a user meets them.
// Tracks run side by side, each in its own browser context and in order: the logged-out pages, a
// logged-in session (Pelle) that chooses a school, uses a service, is refused one and logs out, the
// school admin (Anna), and Studeranderapportering (Pelle at Demoskolan, then an agency admin).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, login } from './server.js';
import { runAxe, assertAccessible } from './axe.js';
import { createTestDatabase, mina, TEST_IDENTITY_KEY } from '../http/harness.js';
import { day } from '../http/days.js';

let server;
let browser;
// The database is made here, not by the server's helper, so that `mina admin` can add a person to it
// (the agency admin of Studeranderapportering).
let dbDir;
let database;
let cliEnv;

before(async () => {
  dbDir = mkdtempSync(join(tmpdir(), 'mina-a11y-db-'));
  database = createTestDatabase(dbDir);
  cliEnv = { MINA_DATABASE_URL: database.url, MINA_SECURITY_IDENTITY_KEY: TEST_IDENTITY_KEY };
  server = await startServer({ MINA_DATABASE_URL: database.url });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  try {
    await server?.stop();
  } finally {
    database?.drop();
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  }
});

// ---- Studeranderapportering: dates relative to today in Stockholm, as the server's rules take it ----


async function visit(page, path, expectedStatus = 200) {
  const res = await page.goto(server.baseURL + path);
  assert.equal(res.status(), expectedStatus, `status of ${path}`);
}

async function newPage(options) {
  return (await browser.newContext(options)).newPage();
}

/**
 * No id twice on the page. axe 4.14 no longer checks this (its duplicate-id rules are deprecated), but a
 * label's for= and an aria-describedby name only the first element with the id: the other field is
 * left without its label or its hint.
 */
async function assertUniqueIds(page, what) {
  const twice = await page.evaluate(() => {
    const seen = new Map();
    for (const el of document.querySelectorAll('[id]')) {
      if (!seen.has(el.id)) seen.set(el.id, []);
      seen.get(el.id).push(el.outerHTML.slice(0, 80).replace(/\s+/g, ' '));
    }
    return [...seen].filter(([, els]) => els.length > 1).map(([id, els]) => `#${id}: ${els.join(' | ')}`);
  });
  assert.deepEqual(twice, [], `ids used twice on ${what} (${page.url()})`);
}

describe('axe-core scan', { concurrency: true }, () => {
  describe('logged out', { concurrency: 1 }, () => {
    let sv;
    let en;
    before(async () => {
      sv = await newPage({ locale: 'sv-SE' });
      en = await newPage({ locale: 'en-GB', extraHTTPHeaders: { 'Accept-Language': 'en' } });
    });

    test('axe is really injected and reports a known violation', async () => {
      // Guard against a scan that silently checks nothing: a page with an unlabelled field must fail.
      await sv.setContent('<!DOCTYPE html><html lang="sv"><title>t</title><main><input type="text"></main></html>');
      const results = await runAxe(sv);
      assert.ok(results.violations.some((v) => v.id === 'label'), 'axe should flag an unlabelled input');
    });

    test('/logga-in', async () => {
      await visit(sv, '/logga-in');
      await assertAccessible(sv, 'the login page');
    });

    test('/logga-in with an error shown', async () => {
      await visit(sv, '/logga-in');
      await sv.getByLabel('Användarnamn', { exact: true }).fill('nobody1');
      await sv.getByLabel('Lösenord', { exact: true }).fill('wrong-password');
      await sv.getByRole('button', { name: 'Logga in', exact: true }).click();
      await sv.getByRole('alert').waitFor();
      await assertAccessible(sv, 'the login page with a login error');
    });

    test('/logga-in in English', async () => {
      await visit(en, '/logga-in');
      assert.equal(await en.locator('html').getAttribute('lang'), 'en');
      await assertAccessible(en, 'the English login page');
    });

    test('/kiosk', async () => {
      await visit(sv, '/kiosk');
      await assertAccessible(sv, 'the password kiosk page');
    });

    test('/tillganglighet', async () => {
      await visit(sv, '/tillganglighet');
      await assertAccessible(sv, 'the accessibility statement');
    });

    test('404 page (the error page)', async () => {
      await visit(sv, '/finns-inte', 404);
      await assertAccessible(sv, 'the 404 page');
    });
  });

  describe('logged in as Anna (school admin)', { concurrency: 1 }, () => {
    let anna;
    before(async () => {
      anna = await newPage({ locale: 'sv-SE' });
      await login(anna, server.baseURL, server.users.anna, server.password);
    });

    test('Identity Manager: the school\'s people', async () => {
      await visit(anna, '/identity-manager/skola?kod=DEMO1');
      await assertAccessible(anna, 'the Identity Manager people page');
    });

    test('Identity Manager: the FAQ 4 question and a refused email', async () => {
      await anna.getByLabel('Förnamn').fill('Ny');
      await anna.getByLabel('Efternamn').fill('Person');
      await anna.getByLabel('E-postadress').fill('ny.person@example.se');
      await anna.getByRole('button', { name: 'Spara', exact: true }).click();
      await anna.getByRole('alert').waitFor();
      await assertAccessible(anna, 'the Identity Manager with the no-services question');
    });

    test('Studeranderapportering: the API keys page, without keys and with a new key shown', async () => {
      await visit(anna, '/start');
      await anna.getByLabel('Vald skola:').selectOption({ label: 'Demoskolan' });
      await anna.getByRole('button', { name: 'Byt', exact: true }).click();
      await anna.getByRole('status').filter({ hasText: 'Du rapporterar nu för Demoskolan.' }).waitFor();
      await visit(anna, '/tjanster/studeranderapportering/api-nycklar');
      await anna.getByText('Skolan har inga API-nycklar.').waitFor();
      await assertAccessible(anna, 'the API keys page without keys');
      await assertUniqueIds(anna, 'the API keys page without keys');
      await anna.getByLabel('Namn på nyckeln').fill('Skolsystemet');
      await anna.getByRole('button', { name: 'Skapa nyckeln' }).click();
      await anna.locator('#new-key').waitFor();
      assert.match(await anna.locator('#new-key').textContent(), /^mina_\S{20,}$/);
      await assertAccessible(anna, 'the API keys page with a new key shown');
      await assertUniqueIds(anna, 'the API keys page with a new key shown');
    });
  });

  describe('logged in as Pelle', { concurrency: 1 }, () => {
    let pelle;
    before(async () => {
      pelle = await newPage({ locale: 'sv-SE' });
      await login(pelle, server.baseURL, server.users.pelle, server.password);
    });

    test('/start before a school is chosen', async () => {
      await visit(pelle, '/start');
      assert.equal(await pelle.getByLabel('Vald skola:').inputValue(), '');
      await assertAccessible(pelle, 'the start page before a school is chosen');
    });

    test('/start after choosing a school', async () => {
      await pelle.getByLabel('Vald skola:').selectOption({ label: 'Exempelhögskolan' });
      await pelle.getByRole('button', { name: 'Byt', exact: true }).click();
      await pelle.waitForURL(/\/start\?m=skola$/);
      await assertAccessible(pelle, 'the start page after choosing a school');
    });

    test('/kontakta-oss', async () => {
      await visit(pelle, '/kontakta-oss');
      await assertAccessible(pelle, 'the contact page');
    });

    test('/anpassa', async () => {
      await visit(pelle, '/anpassa');
      await assertAccessible(pelle, 'the customize page');
    });

    test('Studietider och utbildningar: the list, a refused education, an education with a period and its history', async () => {
      await visit(pelle, '/tjanster/studietider');
      await assertAccessible(pelle, 'the list of educations');
      await pelle.getByLabel('Utbildningskod').fill('A11Y 1');
      await pelle.getByLabel('Utbildningens namn (som de studerande ser det)').fill('Tillgänglighet');
      await pelle.getByLabel('Poäng totalt').fill('trettio');
      await pelle.getByRole('button', { name: 'Spara utbildningen' }).click();
      await pelle.getByRole('alert').first().waitFor();
      await assertAccessible(pelle, 'the education form with errors');
      await pelle.getByLabel('Utbildningskod').fill('A11Y-1');
      await pelle.getByLabel('Poäng totalt').fill('30');
      await pelle.getByRole('button', { name: 'Spara utbildningen' }).click();
      await pelle.getByRole('status').filter({ hasText: 'Utbildningen är sparad.' }).waitFor();
      await pelle.getByLabel('Benämning').fill('HT2026');
      await pelle.getByLabel('Första dag').fill('2026-08-31');
      await pelle.getByLabel('Sista dag').fill('2026-09-06');
      await pelle.getByLabel(/Poäng under studietiden/).fill('1,5');
      await pelle.getByRole('button', { name: 'Spara studietiden' }).click();
      await pelle.getByRole('status').filter({ hasText: 'Studietiden är sparad som utkast.' }).waitFor();
      await pelle.getByRole('button', { name: 'Publicera HT2026' }).click();
      await pelle.getByRole('status').filter({ hasText: 'Studietiden är publicerad.' }).waitFor();
      await assertAccessible(pelle, 'an education with a published period (marked: shorter than 3 weeks)');
      await visit(pelle, '/studiemedel?q=A11Y-1');
      await pelle.getByRole('heading', { name: 'Tillgänglighet' }).waitFor();
      await assertAccessible(pelle, 'Ansök om studiemedel: the public search');
    });

    test('Studietider och utbildningar: the file\'s preview (savable, and with refused rows) and the public search with pages', async () => {
      const header = 'Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;Sista dag;Poäng;Studietakt;Lov;Status';
      const upload = async (csv, name) => {
        await visit(pelle, '/tjanster/studietider');
        await pelle.getByLabel('Fil att ladda upp').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
        await pelle.getByRole('button', { name: 'Granska filen' }).click();
        await pelle.getByRole('heading', { level: 1, name: 'Granska filen innan den sparas' }).waitFor();
      };
      // 25 published educations: three pages (10 a page) in the public search.
      const rows = [header];
      for (let i = 1; i <= 25; i++) {
        const n = String(i).padStart(2, '0');
        rows.push(`SID-${n};Sidbytesprogrammet inriktning ${n};eftergymnasial;hp;60;nej;nej;HT2026;2026-08-31;2027-01-17;30;;;publicerad`);
      }
      await upload(rows.join('\r\n'), 'sidor.csv');
      await pelle.getByRole('status').filter({ hasText: 'Rader i filen: 25. Nya: 25.' }).waitFor();
      await assertAccessible(pelle, 'the preview of a file that can be saved');
      await pelle.getByRole('button', { name: 'Spara 25 rader' }).click();
      await pelle.getByRole('status').filter({ hasText: 'Filen är sparad' }).waitFor();

      await upload([header,
        'SID-BRA;En bra rad;eftergymnasial;hp;30;nej;nej;VT2027;2027-01-18;2027-06-06;30;;;utkast',
        'SID-FEL;Fel datum;eftergymnasial;hp;30;nej;nej;HT2026;nästa vecka;2027-01-17;30;;;utkast',
        'SID-ENH;Okänd poängtyp;eftergymnasial;högskolepinnar;30;nej;nej;;;;;;;'].join('\n'), 'fel.csv');
      await pelle.getByRole('alert').filter({ hasText: 'ingenting sparas' }).waitFor();
      assert.equal(await pelle.locator('tr.refused').count(), 2);
      await assertAccessible(pelle, 'the preview of a file with refused rows');

      await visit(pelle, '/studiemedel?q=sidbytes');
      const pages = pelle.getByRole('navigation', { name: 'Sidor med träffar' });
      await pages.getByRole('link', { name: 'Nästa sida' }).waitFor();
      await assertAccessible(pelle, 'Ansök om studiemedel: the first page of a search with more pages');
      await pages.getByRole('link', { name: 'Nästa sida' }).click();
      await pelle.getByRole('navigation', { name: 'Sidor med träffar' }).getByRole('link', { name: 'Föregående sida' }).waitFor();
      await pelle.getByRole('heading', { name: 'Sidbytesprogrammet inriktning 15' }).waitFor();
      await assertAccessible(pelle, 'Ansök om studiemedel: the last page of a search');
    });

    test('403 page /tjanster/studeranderapportering (not granted at Exempelhögskolan)', async () => {
      await visit(pelle, '/tjanster/studeranderapportering', 403);
      await assertAccessible(pelle, 'the 403 page');
    });

    test('/logga-in after logging out', async () => {
      await visit(pelle, '/start');
      await pelle.getByRole('button', { name: 'Logga ut' }).click();
      await pelle.waitForURL(/\/logga-in\?ut=1$/);
      await assertAccessible(pelle, 'the login page with the logged-out notice');
    });
  });

  describe('Studeranderapportering: Pelle at Demoskolan, then an agency admin', { concurrency: 1 }, () => {
    const BASE = '/tjanster/studeranderapportering';
    let pelle;
    before(async () => {
      pelle = await newPage({ locale: 'sv-SE' });
      await login(pelle, server.baseURL, server.users.pelle, server.password);
      await pelle.getByLabel('Vald skola:').selectOption({ label: 'Demoskolan' });
      await pelle.getByRole('button', { name: 'Byt', exact: true }).click();
      await pelle.getByRole('status').filter({ hasText: 'Du rapporterar nu för Demoskolan.' }).waitFor();
      // An education with a published study period (60 days ago to 150 days ahead), by the school's file.
      await visit(pelle, '/tjanster/studietider');
      const csv = ['Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;Sista dag;Poäng;Studietakt;Lov;Status',
        `A11Y-SR;Tillgänglig rapportering;gymnasieniva;ingen;;nej;nej;HT26;${day(-60)};${day(150)};;100;;publicerad`].join('\r\n');
      await pelle.getByLabel('Fil att ladda upp').setInputFiles({ name: 'studietider.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
      await pelle.getByRole('button', { name: 'Granska filen' }).click();
      await pelle.getByRole('button', { name: 'Spara 1 rad' }).click();
      await pelle.getByRole('status').filter({ hasText: 'Publicerade studietider: 1.' }).waitFor();
    });

    test(`${BASE}/ny: empty, and with errors after a refused report`, async () => {
      await visit(pelle, `${BASE}/ny`);
      await assertAccessible(pelle, 'the new report form, step 1: the event');
      await assertUniqueIds(pelle, 'the new report form, step 1: the event');
      await pelle.getByRole('radio', { name: 'Studiestart' }).check();
      await pelle.getByRole('button', { name: 'Fortsätt' }).click();
      await pelle.getByLabel('Personnummer', { exact: true }).waitFor();
      await assertAccessible(pelle, 'the new report form, step 2: its fields');
      await assertUniqueIds(pelle, 'the new report form, step 2: its fields');
      await pelle.getByLabel('Personnummer', { exact: true }).fill('870704-9996');  // a wrong check digit
      await pelle.getByRole('button', { name: 'Skicka rapporten' }).click();
      await pelle.getByRole('alert').filter({ hasText: 'Kontrollsiffran stämmer inte' }).waitFor();
      await assertAccessible(pelle, 'the new report form with errors');
      await assertUniqueIds(pelle, 'the new report form with errors');
    });

    test('the student page: with its history, with an open correction form, with a refused report', async () => {
      await visit(pelle, `${BASE}/ny?handelse=studiestart`);
      await pelle.getByLabel('Personnummer', { exact: true }).fill('821105-9954');
      await pelle.getByLabel('Namn (frivilligt)').fill('Kim Ek');
      await pelle.getByLabel('Stödform', { exact: true }).selectOption({ label: 'Studiemedel' });
      await pelle.getByLabel('Datum', { exact: true }).fill(day(-50));
      await pelle.getByRole('button', { name: 'Skicka rapporten' }).click();
      await pelle.waitForURL(/\/student\?id=\d+&m=sparad$/);
      const more = pelle.locator('details').filter({ has: pelle.locator('summary', { hasText: 'Rapportera en händelse' }) });
      await more.locator('summary').click();
      await more.getByLabel('Händelse', { exact: true }).selectOption({ label: 'Avbrott' });
      await more.getByRole('button', { name: 'Fortsätt' }).click();
      await more.getByLabel('Datum', { exact: true }).fill(day(-10));
      await more.getByRole('button', { name: 'Skicka rapporten' }).click();
      await pelle.getByRole('status').filter({ hasText: 'Rapporten är skickad.' }).waitFor();
      await pelle.getByRole('table', { name: /Rapporter, senaste först/ }).locator('tbody tr').nth(1).waitFor();
      await assertAccessible(pelle, 'the student page with its history');
      await assertUniqueIds(pelle, 'the student page with its history');
      const correct = pelle.getByRole('table', { name: /Rapporter, senaste först/ }).locator('tbody tr').first().locator('details');
      await correct.locator('summary').click();
      await correct.getByLabel('Orsak till rättelsen').waitFor();
      await assertAccessible(pelle, 'the student page with a correction form open');
      await assertUniqueIds(pelle, 'the student page with a correction form open');
      await more.locator('summary').click();
      await more.getByLabel('Händelse', { exact: true }).selectOption({ label: 'Avbrott' });
      await more.getByRole('button', { name: 'Fortsätt' }).click();
      await more.getByLabel('Datum', { exact: true }).fill(day(-2));
      await more.getByRole('button', { name: 'Skicka rapporten' }).click();
      await pelle.getByRole('alert').filter({ hasText: 'Studierna är avslutade' }).waitFor();
      await assertAccessible(pelle, 'the student page with a refused report\'s errors');
      await assertUniqueIds(pelle, 'the student page with a refused report\'s errors');
    });

    test('the student page of a protected identity: masked, and only the agency lifts it', async () => {
      await pelle.getByLabel('Skyddade personuppgifter', { exact: true }).check();
      await pelle.getByRole('button', { name: 'Spara', exact: true }).click();
      await pelle.getByRole('status').filter({ hasText: 'Uppgifterna om den studerande är sparade.' }).waitFor();
      await pelle.getByRole('heading', { level: 1, name: 'Skyddade personuppgifter' }).waitFor();
      await pelle.getByText('Bara myndigheten kan häva skyddet.').first().waitFor();
      assert.equal(await pelle.getByText('821105-9954').count(), 0, 'the number is masked');
      assert.equal(await pelle.getByText('Kim Ek').count(), 0, 'the name is masked');
      await assertAccessible(pelle, 'the student page of a protected identity');
      await assertUniqueIds(pelle, 'the student page of a protected identity');
    });

    test(`${BASE}: the list with rows, and with a personnummer search error`, async () => {
      await visit(pelle, BASE);
      await pelle.getByRole('table', { name: 'Rapporter' }).waitFor();
      await assertAccessible(pelle, 'the list of reports');
      await assertUniqueIds(pelle, 'the list of reports');
      await pelle.getByLabel('Personnummer', { exact: true }).fill('870704-9996');
      await pelle.getByRole('button', { name: 'Sök', exact: true }).click();
      await pelle.getByText('Kontrollsiffran stämmer inte').waitFor();
      await assertAccessible(pelle, 'the list with a personnummer search error');
      await assertUniqueIds(pelle, 'the list with a personnummer search error');
    });

    // Three steps, each scanned last, so that a violation on one page does not hide the next page's.
    test('the preview of a file with a good and a refused row', async () => {
      await visit(pelle, `${BASE}/fil`);
      const csv = ['personnummer;namn;utbildning;studieperiod;stodform;handelse;datum',
        `090527+1474;Ada Fil;A11Y-SR;HT26;studiemedel;studiestart;${day(-40)}`,
        `870704-9996;Fel Siffra;A11Y-SR;HT26;studiemedel;studiestart;${day(-40)}`].join('\r\n');
      await pelle.getByLabel('Fil att ladda upp').setInputFiles({ name: 'rapporter.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
      await pelle.getByRole('button', { name: 'Kontrollera filen' }).click();
      await pelle.getByRole('status').filter({ hasText: '2 rader, 1 studerande, 1 rad med fel. Godkända: 1. Redan rapporterade: 0.' }).waitFor();
      await assertAccessible(pelle, 'the preview of a file with a good and a refused row');
      await assertUniqueIds(pelle, 'the preview of a file with a good and a refused row');
    });

    test(`${BASE}/inlamning?id=N after saving the good rows`, async () => {
      await pelle.getByRole('button', { name: 'Spara bara de godkända raderna' }).click();
      await pelle.waitForURL(/\/inlamning\?id=\d+/);
      await pelle.getByRole('heading', { level: 1, name: /^Inlämning \d+$/ }).waitFor();
      await assertAccessible(pelle, 'a submission with a refused row');
      await assertUniqueIds(pelle, 'a submission with a refused row');
    });

    test(`${BASE}/fil with submissions`, async () => {
      await visit(pelle, `${BASE}/fil`);
      await pelle.getByRole('table', { name: 'Inlämningar' }).waitFor();
      await assertAccessible(pelle, 'the file page with submissions');
      await assertUniqueIds(pelle, 'the file page with submissions');
    });

    test(`${BASE}/fil/format`, async () => {
      await visit(pelle, `${BASE}/fil/format`);
      await pelle.getByRole('heading', { level: 1, name: 'Filformat för rapporter med fil' }).waitFor();
      await assertAccessible(pelle, 'the report file\'s format page');
      await assertUniqueIds(pelle, 'the report file\'s format page');
    });

    test(`${BASE}/myndighet as an agency admin`, async () => {
      const add = mina(['admin', 'person', 'add', '--first', 'Vera', '--last', 'Verket', '--email', 'vera.verket@example.se'], cliEnv);
      assert.equal(add.status, 0, add.stderr);
      const vera = add.stdout.trim().split('\n').pop();
      const pw = mina(['admin', 'person', 'set-password', '--username', vera], cliEnv, `${server.password}\n`);
      assert.equal(pw.status, 0, pw.stderr);
      const grant = mina(['admin', 'grant', '--username', vera, '--role', 'agency-admin'], cliEnv);
      assert.equal(grant.status, 0, grant.stderr);
      const agency = await newPage({ locale: 'sv-SE' });
      await login(agency, server.baseURL, vera, server.password);
      await agency.getByRole('navigation', { name: 'Tjänster' }).getByRole('link', { name: 'Rapporter från skolorna' }).click();
      await agency.getByRole('heading', { level: 1, name: 'Rapporter från skolorna' }).waitFor();
      await agency.getByRole('table', { name: 'Antal rapporter' }).waitFor();
      await agency.getByRole('button', { name: /^Häv skyddet/ }).first().waitFor();  // the protected student's rows
      await assertAccessible(agency, 'the agency\'s reports from the schools');
      // The search's "Skolkod" is its own text field's label (not the school chooser's above the menu).
      const schoolCode = agency.getByLabel('Skolkod', { exact: true });
      assert.equal(await schoolCode.count(), 1);
      assert.equal(await schoolCode.evaluate((e) => `${e.tagName.toLowerCase()} ${e.type}`), 'input text', 'the label Skolkod names the search field');
      await assertUniqueIds(agency, 'the agency\'s reports from the schools');
    });
  });
});
