// The schools' files in a real browser (issue [9] items 5 and 9): files saved by Excel in
// Windows-1252 are checked and then saved through the preview's form, as Chromium sends it back,
// in Studietider och utbildningar and in Studeranderapportering; the report file's format is a page
// of the product, reached from the file page, with an example file that downloads and uploads cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { serverAndBrowser, login } from './server.js';
import { assertAccessible } from './axe.js';
import { day, pnr } from '../http/days.js';

const ST_HEADER = 'Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;Sista dag;Poäng;Studietakt;Lov;Status';

const it = serverAndBrowser();

/** Chooses `bytes` in the page's file input and clicks `button`; returns the preview's HTTP status. */
async function upload(page, bytes, name, button, path) {
  await page.getByLabel('Fil att ladda upp').setInputFiles({ name, mimeType: 'text/csv', buffer: bytes });
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path),
    page.getByRole('button', { name: button }).click(),
  ]);
  return response.status();
}

test('Windows-1252 files from Excel are checked and saved in both services; the format page, its example downloaded and uploaded', async () => {
  const page = await (await it.browser.newContext({ locale: 'sv-SE' })).newPage();
  await login(page, it.server.baseURL, it.server.users.pelle, it.server.password);
  await page.getByLabel('Vald skola:').selectOption({ label: 'Demoskolan' });
  await page.getByRole('button', { name: 'Byt', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Du rapporterar nu för Demoskolan.' }).waitFor();
  const menu = page.getByRole('navigation', { name: 'Tjänster' });

  // (1) Studietider och utbildningar: two educations in a Windows-1252 file with CRLF, as Excel saves it.
  await menu.getByRole('link', { name: /Studietider och utbildningar/ }).click();
  const educations = Buffer.from([
    ST_HEADER,
    `WEB-FIL;Företagsekonomi för vuxna;gymnasieniva;ingen;;nej;nej;HT26;${day(-60)};${day(150)};;100;;publicerad`,
    'EKO1;Ekonomi 1;gymnasieniva;ingen;;nej;nej;HT26;2026-08-31;2027-01-17;;100;;publicerad',
  ].join('\r\n') + '\r\n', 'latin1');
  assert.equal(await upload(page, educations, 'utbildningar.csv', 'Granska filen', '/tjanster/studietider/fil'), 200);
  await page.getByRole('heading', { level: 1, name: 'Granska filen innan den sparas' }).waitFor();
  await page.getByRole('cell', { name: 'Företagsekonomi för vuxna' }).waitFor();
  await page.getByRole('button', { name: 'Spara 2 rader' }).click();
  await page.getByRole('status').filter({ hasText: 'Filen är sparad. Nya: 4. Ändrade: 0. Publicerade studietider: 2.' }).waitFor();

  // (2) Studeranderapportering, Rapportera med fil: the format is a page of the product.
  await menu.getByRole('link', { name: 'Studeranderapportering' }).click();
  await page.getByRole('link', { name: 'Rapportera med fil' }).click();
  await page.getByRole('heading', { level: 1, name: 'Rapportera med fil' }).waitFor();
  await page.getByRole('link', { name: 'Så ska filen se ut: filformat och exempelfil' }).click();
  await page.getByRole('heading', { level: 1, name: 'Filformat för rapporter med fil' }).waitFor();
  const columns = page.getByRole('table', { name: 'Kolumner' });
  assert.equal(await columns.locator('tbody tr').count(), 14, 'every column of the file');
  assert.equal(await page.getByRole('table', { name: 'Händelser' }).locator('tbody tr').count(), 13, 'every event');
  await assertAccessible(page, 'the report file\'s format page');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Ladda ner exempelfilen (CSV)' }).first().click(),
  ]);
  assert.equal(download.suggestedFilename(), 'exempel-rapporter.csv');
  const example = await readFile(await download.path());
  assert.deepEqual([...example.subarray(0, 3)], [0xef, 0xbb, 0xbf]);

  // (3) The example uploaded as it came: every row accepted, and saved.
  await page.getByRole('link', { name: 'Till Rapportera med fil' }).click();
  await page.getByRole('heading', { level: 1, name: 'Rapportera med fil' }).waitFor();
  assert.equal(await upload(page, example, 'exempel-rapporter.csv', 'Kontrollera filen', '/tjanster/studeranderapportering/fil'), 200);
  await page.getByRole('status').filter({ hasText: /^7 rader, \d+ studerande, 0 rader med fel\. Godkända: 7\. Redan rapporterade: 0\.$/ }).waitFor();
  await page.getByRole('button', { name: 'Spara alla rader' }).click();
  await page.getByRole('status').filter({ hasText: 'Filen är sparad: 7 rapporter.' }).waitFor();

  // (4) Reports in Windows-1252 with LF line ends, å ä ö in the names and a heading: saved.
  await page.getByRole('link', { name: 'Till filer och inlämningar' }).click();
  await page.getByRole('heading', { level: 1, name: 'Rapportera med fil' }).waitFor();
  const reports = Buffer.from([
    'Personnummer;Namn;Utbildning;Stödform;Händelse;Datum',
    `${pnr('1988-03-01', 1)};Åsa Öberg;WEB-FIL;studiemedel;studiestart;${day(-50)}`,
    `${pnr('1988-03-01', 2)};Örjan Ärlig;WEB-FIL;studiemedel;studiestart;${day(-49)}`,
  ].join('\n') + '\n', 'latin1');
  assert.equal(await upload(page, reports, 'rapporter.csv', 'Kontrollera filen', '/tjanster/studeranderapportering/fil'), 200);
  await page.getByRole('status').filter({ hasText: '2 rader, 2 studerande, 0 rader med fel. Godkända: 2. Redan rapporterade: 0.' }).waitFor();
  const [saved] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/tjanster/studeranderapportering/fil/spara'),
    page.getByRole('button', { name: 'Spara alla rader' }).click(),
  ]);
  assert.equal(saved.status(), 303, 'the save is not refused (it was 409: the page had carried the bytes as they came)');
  await page.getByRole('status').filter({ hasText: 'Filen är sparad: 2 rapporter.' }).waitFor();

  // The names as they were written, in the school's list.
  await menu.getByRole('link', { name: 'Studeranderapportering' }).click();
  await page.getByLabel('Namn', { exact: true }).fill('Åsa Öberg');
  await page.getByRole('button', { name: 'Sök', exact: true }).click();
  await page.getByRole('cell', { name: 'Åsa Öberg' }).first().waitFor();
});
