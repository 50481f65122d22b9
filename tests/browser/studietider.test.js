// Studietider och utbildningar in a real browser (issue [5]): a school creates an education with two
// study periods, publishes them, and a student finds them in Ansök om studiemedel; and the school's
// file (issue [5] §5): downloaded through the link, uploaded through the form, previewed and saved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer, launchBrowser, login } from './server.js';
import { assertAccessible } from './axe.js';

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

test('an education with two periods, published, is found in the public view', async () => {
  const page = await (await browser.newContext({ locale: 'sv-SE' })).newPage();
  await login(page, server.baseURL, server.users.pelle, server.password);
  await page.getByLabel('Vald skola:').selectOption({ label: 'Demoskolan' });
  await page.getByRole('button', { name: 'Byt', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Du rapporterar nu för Demoskolan.' }).waitFor();
  await page.getByRole('navigation', { name: 'Tjänster' }).getByRole('link', { name: /Studietider och utbildningar/ }).click();

  await page.getByLabel('Utbildningskod').fill('SJUK-1');
  await page.getByLabel('Utbildningens namn (som de studerande ser det)').fill('Undersköterska, distans');
  await page.getByLabel('Nivå').selectOption({ label: 'Gymnasienivå' });
  await page.getByLabel('Poängsystem').selectOption({ label: 'Komvuxpoäng' });
  await page.getByLabel('Poäng totalt').fill('1500');
  await page.getByLabel('Distansutbildning').check();
  await page.getByRole('button', { name: 'Spara utbildningen' }).click();
  await page.getByRole('status').filter({ hasText: 'Utbildningen är sparad. Lägg nu till dess studietider.' }).waitFor();

  for (const [label, first, last, credits] of [['HT2026', '2026-08-17', '2027-01-17', '400'], ['VT2027', '2027-01-18', '2027-06-13', '300']]) {
    await page.getByLabel('Benämning').fill(label);
    await page.getByLabel('Första dag').fill(first);
    await page.getByLabel('Sista dag').fill(last);
    await page.getByLabel(/Poäng under studietiden/).fill(credits);
    await page.getByRole('button', { name: 'Spara studietiden' }).click();
    await page.getByRole('status').filter({ hasText: 'Studietiden är sparad som utkast.' }).waitFor();
  }
  await assertAccessible(page, 'an education with two draft periods');
  for (const label of ['HT2026', 'VT2027']) {
    await page.getByRole('button', { name: `Publicera ${label}` }).click();
    await page.getByRole('status').filter({ hasText: 'Studietiden är publicerad.' }).waitFor();
  }
  const states = await page.locator('table tbody tr td:nth-child(7)').allTextContents();
  assert.deepEqual(states, ['Publicerad (version 1).', 'Publicerad (version 1).']);

  // A student, not logged in, on a phone.
  const student = await (await browser.newContext({ locale: 'sv-SE', viewport: { width: 390, height: 844 } })).newPage();
  await student.goto(`${server.baseURL}/studiemedel`);
  await student.getByLabel('Skola eller utbildning (namn eller kod)').fill('undersköterska');
  await student.getByRole('button', { name: 'Sök' }).click();
  await student.getByRole('heading', { name: 'Undersköterska, distans' }).waitFor();
  const rows = await student.locator('table tbody tr').allTextContents();
  assert.equal(rows.length, 2);
  assert.match(rows[0], /HT2026.*2026-08-17.*2027-01-17.*22.*75 %/s, rows[0]);
  assert.match(rows[1], /VT2027.*2027-01-18.*2027-06-13.*21/s, rows[1]);
  assert.ok(student.url().includes('q=undersk'), 'the search is a link that can be shared');
  await assertAccessible(student, 'the public view on a phone');
});

const FILE_HEADER = 'Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;Sista dag;Poäng;Studietakt;Lov;Status';

/** Pelle, logged in with Demoskolan chosen, on the list of Studietider och utbildningar. */
async function schoolUser() {
  const page = await (await browser.newContext({ locale: 'sv-SE' })).newPage();
  await login(page, server.baseURL, server.users.pelle, server.password);
  await page.getByLabel('Vald skola:').selectOption({ label: 'Demoskolan' });
  await page.getByRole('button', { name: 'Byt', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Du rapporterar nu för Demoskolan.' }).waitFor();
  await page.getByRole('navigation', { name: 'Tjänster' }).getByRole('link', { name: /Studietider och utbildningar/ }).click();
  await page.getByRole('heading', { name: 'Många utbildningar på en gång: fil' }).waitFor();
  return page;
}

/** Chooses `csv` in the file input, clicks Granska filen; returns the preview's HTTP status. */
async function uploadFile(page, csv, name) {
  await page.getByLabel('Fil att ladda upp').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/tjanster/studietider/fil'),
    page.getByRole('button', { name: 'Granska filen' }).click(),
  ]);
  await page.getByRole('heading', { level: 1, name: 'Granska filen innan den sparas' }).waitFor();
  return response.status();
}

/** The preview's rows as { line: text of the fate cell }. */
async function fates(page) {
  const rows = page.getByRole('region', { name: 'Granska filen innan den sparas' }).locator('table tbody tr');
  const out = {};
  for (const row of await rows.all()) {
    const cells = await row.locator('td').allTextContents();
    out[cells[0]] = cells.map((c) => c.trim()).slice(1).join(' | ');
  }
  return out;
}

test('the school file: downloaded through the link, uploaded, previewed row by row, saved; a bad row stops it; found on a phone', async () => {
  const page = await schoolUser();

  // Download through the link: a CSV with a byte-order mark and the header line.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Ladda ner skolans fil (CSV)' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^studietider-DEMO\d-\d{4}-\d{2}-\d{2}\.csv$/);
  const bytes = await readFile(await download.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the file starts with a UTF-8 byte-order mark');
  const lines = bytes.subarray(3).toString('utf8').split('\r\n');
  assert.equal(lines[0], FILE_HEADER);

  // Upload two new educations with three periods, one of them published.
  const csv = [
    FILE_HEADER,
    'WEB-EKO;Ekonomistyrning, distans;eftergymnasial;hp;60;ja;nej;HT2026;2026-08-31;2027-01-17;30;;;publicerad',
    'WEB-EKO;Ekonomistyrning, distans;eftergymnasial;hp;60;ja;nej;VT2027;2027-01-18;2027-06-06;30;;;utkast',
    'WEB-SVA;Svenska som andraspråk;gymnasieniva;ingen;;nej;nej;HT2026;2026-08-17;2026-12-18;;75;;utkast',
  ].join('\r\n') + '\r\n';
  assert.equal(await uploadFile(page, csv, 'nya-utbildningar.csv'), 200);
  await page.getByRole('status').filter({ hasText: 'Rader i filen: 3. Nya: 3. Ändrade: 0. Oförändrade: 0. Kan inte sparas: 0.' }).waitFor();
  assert.deepEqual(await fates(page), {
    2: 'WEB-EKO | Ekonomistyrning, distans | HT2026 | Ny. Ny utbildning. Ny studietid HT2026. Publiceras: de studerande ser den.',
    3: 'WEB-EKO | Ekonomistyrning, distans | VT2027 | Ny. Ny studietid VT2027.',
    4: 'WEB-SVA | Svenska som andraspråk | HT2026 | Ny. Ny utbildning. Ny studietid HT2026.',
  });
  assert.equal(await page.getByRole('alert').count(), 0, 'no refused rows, no alert');
  await assertAccessible(page, 'the preview of a file that can be saved');
  await page.getByRole('button', { name: 'Spara 3 rader' }).click();
  await page.waitForURL(/\/tjanster\/studietider\?m=fil/);
  await page.getByRole('status').filter({ hasText: 'Filen är sparad. Nya: 5. Ändrade: 0. Publicerade studietider: 1.' }).waitFor();
  const listed = await page.getByRole('region', { name: 'Utbildningar' }).locator('tbody th').allTextContents();
  assert.ok(listed.includes('WEB-EKO') && listed.includes('WEB-SVA'), `the list shows the new educations: ${listed}`);
  // The school's file now holds the saved rows as they were uploaded.
  const [again] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Ladda ner skolans fil (CSV)' }).click(),
  ]);
  const savedLines = (await readFile(await again.path(), 'utf8')).split('\r\n');
  for (const line of csv.split('\r\n').slice(1, -1)) assert.ok(savedLines.includes(line), `the downloaded file has ${line}`);

  // A file with one bad row: the row says why, nothing can be saved.
  const bad = [
    FILE_HEADER,
    'WEB-BRA;En bra rad;eftergymnasial;hp;30;nej;nej;HT2026;2026-08-31;2027-01-17;30;;;utkast',
    'WEB-DAT;Fel datum;eftergymnasial;hp;30;nej;nej;HT2026;nästa vecka;2027-01-17;30;;;publicerad',
  ].join('\n');
  assert.equal(await uploadFile(page, bad, 'fel.csv'), 422);
  await page.getByRole('status').filter({ hasText: 'Rader i filen: 2. Nya: 1. Ändrade: 0. Oförändrade: 0. Kan inte sparas: 1.' }).waitFor();
  await page.getByRole('alert').filter({ hasText: 'ingenting sparas så länge någon rad inte går att spara' }).waitFor();
  const refused = await fates(page);
  assert.match(refused[2], /^WEB-BRA .* Ny\./);
  assert.equal(refused[3], 'WEB-DAT | Fel datum | HT2026 | Kan inte sparas: Värdet i kolumnen ”Första dag” går inte att läsa.');
  assert.equal(await page.getByRole('button', { name: /^Spara/ }).count(), 0, 'no save button while a row is refused');
  await assertAccessible(page, 'the preview of a file with a refused row');

  // A student, not logged in, on a phone, finds the published period; the draft stays hidden.
  const student = await (await browser.newContext({ locale: 'sv-SE', viewport: { width: 390, height: 844 } })).newPage();
  await student.goto(`${server.baseURL}/studiemedel`);
  await student.getByLabel('Skola eller utbildning (namn eller kod)').fill('ekonomistyr');
  await student.getByRole('button', { name: 'Sök' }).click();
  await student.getByRole('heading', { name: 'Ekonomistyrning, distans' }).waitFor();
  const rows = await student.locator('table tbody tr').allTextContents();
  assert.equal(rows.length, 1, 'only the published period');
  assert.match(rows[0], /HT2026.*2026-08-31.*2027-01-17/s, rows[0]);
  assert.equal(await student.getByRole('heading', { name: 'Svenska som andraspråk' }).count(), 0);
  await student.getByLabel('Skola eller utbildning (namn eller kod)').fill('andrasprak');
  await student.getByRole('button', { name: 'Sök' }).click();
  await student.getByRole('status').filter({ hasText: 'Ingen publicerad utbildning stämmer med sökningen' }).waitFor();
  assert.equal(await student.getByRole('heading', { name: 'Svenska som andraspråk' }).count(), 0, 'a draft is never shown');
});
