// The report form by keyboard alone ([10] item 5): Tab, Shift+Tab, Enter, Space and the arrow keys
// (and typing into the fields). A reporter chooses the event (step 1, radio buttons), fills in its
// fields (step 2, only that event's), sends, lands on the error summary when something is wrong,
// corrects it and saves; in Swedish and in English, axe-core on every step, and at 390x844 and
// 1280x800 the page never scrolls sideways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, login } from './server.js';
import { assertAccessible } from './axe.js';
import { day, pnr } from '../http/days.js';

const BASE = '/tjanster/studeranderapportering';
const it = serverAndBrowser();
const HEADER = 'Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;Sista dag;Poäng;Studietakt;Lov;Status';
const STUDENT = pnr('1972-05-01', 3);
const SIZES = [{ width: 390, height: 844 }, { width: 1280, height: 800 }];

/** Pelle at Demoskolan in `lang` (the language cookie, as the "In English" link sets it). */
async function pelle(lang, viewport) {
  const context = await it.browser.newContext({ locale: 'sv-SE', viewport });  // logged in in Swedish, then the cookie
  const page = await context.newPage();
  await login(page, it.server.baseURL, it.server.users.pelle, it.server.password);
  await page.getByLabel('Vald skola:').selectOption({ label: 'Demoskolan' });
  await page.getByRole('button', { name: 'Byt', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Du rapporterar nu för Demoskolan.' }).waitFor();
  if (lang === 'en') await context.addCookies([{ name: 'mina_lang', value: 'en', url: it.server.baseURL }]);
  return page;
}

/** Tab (or Shift+Tab) until the focus is on `selector`; fails after `max` presses. */
async function tabTo(page, selector, { back = false, max = 80 } = {}) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`${selector} not reached with ${back ? 'Shift+Tab' : 'Tab'}`);
}
const focused = (page) => page.evaluate(() => {
  const e = document.activeElement;
  return e ? `${e.tagName.toLowerCase()}#${e.id}` : '';
});

/** axe-core, and no sideways scrolling at either size (the size the walk uses restored). */
async function check(page, what) {
  await assertAccessible(page, what);
  const size = page.viewportSize();
  for (const s of SIZES) {
    await page.setViewportSize(s);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(over <= 0, `${what}: the page scrolls sideways by ${over} px at ${s.width}x${s.height}`);
  }
  await page.setViewportSize(size);
}

test('setup: an education with a published study period, by the Studietider file', async () => {
  const page = await pelle('sv', SIZES[1]);
  await page.goto(`${it.server.baseURL}/tjanster/studietider`);
  const csv = [HEADER, `KBD1;Kortkommandon;gymnasieniva;ingen;;nej;nej;HT2026;${day(-60)};${day(150)};;100;;publicerad`,
    `KBD2;Kortkommandon 2;gymnasieniva;ingen;;nej;nej;HT2026;${day(-60)};${day(150)};;100;;publicerad`].join('\r\n') + '\r\n';
  await page.getByLabel('Fil att ladda upp').setInputFiles({ name: 'studietider.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await page.getByRole('button', { name: 'Granska filen' }).click();
  await page.getByRole('button', { name: 'Spara 2 rader' }).click();
  await page.getByRole('status').filter({ hasText: 'Publicerade studietider: 2.' }).waitFor();
  await page.context().close();
});

const WORDS = {
  sv: { step1: 'Steg 1 av 2', step2: 'Steg 2 av 2', start: 'Studiestart', term: 'Studietid för terminen', saved: 'Rapporten är skickad.',
        checkDigit: 'Kontrollsiffran stämmer inte', range: 'Ange första och sista dag.' },
  en: { step1: 'Step 1 of 2', step2: 'Step 2 of 2', start: 'Study start', term: 'Study time of the term', saved: 'The report has been sent.',
        checkDigit: 'check digit', range: 'Give the first and the last day.' },
};

test('in Swedish at 390x844: a study start by keyboard, a wrong check digit first, the summary focused, fixed, saved', async () => {
  const w = WORDS.sv;
  const page = await pelle('sv', SIZES[0]);
  await page.goto(`${it.server.baseURL}${BASE}/ny`);
  await page.getByText(w.step1).waitFor();
  await check(page, 'step 1 (sv)');

  // Step 1: Tab into the choice (the first radio), Space chooses it, the arrows move the choice.
  await tabTo(page, 'input[name="handelse"]');
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getByRole('radio', { name: w.term }).isChecked(), true, 'ArrowDown chooses the next event');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.getByRole('radio', { name: w.start }).isChecked(), true, 'ArrowUp back');
  await tabTo(page, 'button[type="submit"]');
  await Promise.all([page.waitForURL(/\/ny\?handelse=studiestart$/), page.keyboard.press('Enter')]);
  await page.getByText(w.step2).waitFor();
  await check(page, 'step 2, a study start (sv)');

  // Step 2: only the study start's fields; typed, chosen with the arrow keys, sent with Enter.
  await tabTo(page, '#personnummer');
  await page.keyboard.type(pnr('1972-05-01', 3, { wrongCheck: true }));
  await tabTo(page, '#utbildning');
  for (let i = 0; i < 20 && (await page.locator('#utbildning').inputValue()) !== 'KBD1'; i++) await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator('#utbildning').inputValue(), 'KBD1');
  // With script, only the chosen education's periods are offered.
  const offered = await page.locator('#studieperiod optgroup:not([disabled])').evaluateAll((gs) => gs.map((g) => g.dataset.education));
  assert.deepEqual(offered, ['KBD1'], 'the periods of the education chosen');
  await tabTo(page, '#studieperiod');
  for (let i = 0; i < 20 && (await page.locator('#studieperiod').inputValue()) !== 'HT2026'; i++) await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator('#studieperiod').inputValue(), 'HT2026');
  await tabTo(page, '#datum');
  await page.keyboard.type(day(-50));
  assert.equal(await page.locator('#sista_dag').count(), 0, 'a study start asks for no last day');
  await tabTo(page, 'form[action$="/rapport"] button[type="submit"]');
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.keyboard.press('Enter')]);
  await page.locator('#errors').waitFor();
  assert.equal(await focused(page), 'div#errors', 'the error summary has the focus');
  assert.match(await page.locator('#errors').innerText(), new RegExp(w.checkDigit));
  await check(page, 'step 2 with errors (sv)');

  // Corrected from the summary onwards, Shift+Tab checked on the way, and saved.
  await tabTo(page, '#personnummer');
  await page.keyboard.press('Shift+Tab');
  assert.notEqual(await focused(page), 'input#personnummer', 'Shift+Tab leaves the field backwards');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(STUDENT);
  assert.equal(await page.locator('#studieperiod').inputValue(), 'HT2026', 'the period chosen is kept');
  await tabTo(page, 'form[action$="/rapport"] button[type="submit"]');
  await Promise.all([page.waitForURL(/\/student\?id=\d+&m=sparad$/), page.keyboard.press('Enter')]);
  await page.getByRole('status').filter({ hasText: w.saved }).waitFor();
  await check(page, 'the student page after saving (sv)');
  await page.context().close();
});

test('in English at 1280x800: the term\'s study time by keyboard, the last day missing first, then saved', async () => {
  const w = WORDS.en;
  const page = await pelle('en', SIZES[1]);
  await page.goto(`${it.server.baseURL}${BASE}/ny`);
  await page.getByText(w.step1).waitFor();
  await check(page, 'step 1 (en)');
  await tabTo(page, 'input[name="handelse"]');
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getByRole('radio', { name: w.term }).isChecked(), true);
  await tabTo(page, 'button[type="submit"]');
  await Promise.all([page.waitForURL(/\/ny\?handelse=studietid$/), page.keyboard.press('Enter')]);
  await page.getByText(w.step2).waitFor();
  await check(page, 'step 2, the term\'s study time (en)');

  await tabTo(page, '#personnummer');
  await page.keyboard.type(STUDENT);
  await tabTo(page, '#utbildning');
  for (let i = 0; i < 20 && (await page.locator('#utbildning').inputValue()) !== 'KBD1'; i++) await page.keyboard.press('ArrowDown');
  await tabTo(page, '#datum');
  await page.keyboard.type(day(-50));
  await tabTo(page, 'form[action$="/rapport"] button[type="submit"]');
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.keyboard.press('Enter')]);
  await page.locator('#errors').waitFor();
  assert.equal(await focused(page), 'div#errors', 'the error summary has the focus');
  assert.match(await page.locator('#errors').innerText(), new RegExp(w.range));
  await check(page, 'step 2 with errors (en)');

  await tabTo(page, '#sista_dag');
  await page.keyboard.type(day(150));
  await page.keyboard.press('Enter');  // Enter in a field sends its form
  await page.waitForURL(/\/student\?id=\d+&m=sparad$/);
  await page.getByRole('status').filter({ hasText: w.saved }).waitFor();
  await check(page, 'the student page after saving (en)');
  await page.context().close();
});

test('"Återkalla" a study period by keyboard: the dialog names it, Escape keeps it, Återkalla withdraws it', async () => {
  const page = await pelle('sv', SIZES[0]);
  const csv = [HEADER,
    `KBD1;Kortkommandon;gymnasieniva;ingen;;nej;nej;HT2026;${day(-60)};${day(150)};;100;;publicerad`,
    `KBD1;Kortkommandon;gymnasieniva;ingen;;nej;nej;VT2027;${day(151)};${day(300)};;100;;publicerad`].join('\r\n') + '\r\n';
  await page.goto(`${it.server.baseURL}/tjanster/studietider`);
  await page.getByLabel('Fil att ladda upp').setInputFiles({ name: 'studietider.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await page.getByRole('button', { name: 'Granska filen' }).click();
  await page.getByRole('button', { name: /^Spara/ }).click();
  await page.goto(`${it.server.baseURL}/tjanster/studietider/utbildning?kod=KBD1`);
  const row = () => page.getByRole('row', { name: /VT2027/ });
  const id = await row().locator('form[action$="/studietid/aterkalla"] input[name="id"]').getAttribute('value');
  await tabTo(page, `form[action$="/studietid/aterkalla"]:has(input[name="id"][value="${id}"]) button`, { max: 120 });
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Återkalla studieperioden VT2027? Studieperioden VT2027 i Kortkommandon återkallas.', { exact: false }).waitFor();
  assert.equal(await focused(page), 'button#', 'the safe choice, Avbryt, has the focus');
  await check(page, 'the question before a study period is withdrawn');
  await page.keyboard.press('Escape');
  assert.equal(await dialog.count(), 0, 'Escape closes the question');
  assert.doesNotMatch(await row().innerText(), /Återkallad/, 'nothing withdrawn');
  await page.keyboard.press('Enter');
  await dialog.waitFor();
  await page.keyboard.press('Shift+Tab');
  await Promise.all([page.waitForURL(/m=aterkallad/), page.keyboard.press('Enter')]);
  await page.getByRole('status').filter({ hasText: 'Studietiden är återkallad.' }).waitFor();
  assert.match(await row().innerText(), /Återkallad/);
  await page.context().close();
});
