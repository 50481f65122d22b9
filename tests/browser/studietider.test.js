// Studietider och utbildningar in a real browser (issue [5]): a school creates an education with two
// study periods, publishes them, and a student finds them in Ansök om studiemedel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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
