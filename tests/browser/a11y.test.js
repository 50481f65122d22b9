// axe-core (WCAG 2.0/2.1 A and AA rules) on every page of the portal, in the states a user meets them.
// Two tracks run side by side, each in its own browser context and in order: the logged-out pages, and
// a logged-in session (Pelle) that chooses a school, uses a service, is refused one and logs out.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, login } from './server.js';
import { runAxe, assertAccessible } from './axe.js';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});


async function visit(page, path, expectedStatus = 200) {
  const res = await page.goto(server.baseURL + path);
  assert.equal(res.status(), expectedStatus, `status of ${path}`);
}

async function newPage(options) {
  return (await browser.newContext(options)).newPage();
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
      await sv.getByRole('button', { name: 'Logga in' }).click();
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
});
