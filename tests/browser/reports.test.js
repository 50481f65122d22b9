// Studeranderapportering in a real browser (issue [6]): Pelle at Demoskolan publishes a study period
// through the Studietider file, opens Studeranderapportering from the left menu, reports a study
// start for a new student by the form, then on the student's page a term's study time and a
// discontinuation, corrects the discontinuation with a reason, and is refused a second one: the
// message in the page's error summary and next to the field. The student's page on a phone. Only the
// visible Swedish labels are used (i18n/sv.toml, keys sr_*). Dates are relative to today (UTC, as the
// server's rules take it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, login } from './server.js';
import { assertAccessible } from './axe.js';
import { day, pnr } from '../http/days.js';

const BASE = '/tjanster/studeranderapportering';

const STUDIETIDER_HEADER = 'Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första dag;Sista dag;Poäng;Studietakt;Lov;Status';

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

/** Pelle, logged in with Demoskolan chosen (a new context; `options` e.g. a phone's viewport). */
async function pelleAtDemoskolan(options = {}) {
  const page = await (await browser.newContext({ locale: 'sv-SE', ...options })).newPage();
  await login(page, server.baseURL, server.users.pelle, server.password);
  await page.getByLabel('Vald skola:').selectOption({ label: 'Demoskolan' });
  await page.getByRole('button', { name: 'Byt', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Du rapporterar nu för Demoskolan.' }).waitFor();
  return page;
}

/** The text of the elements a field's aria-describedby names: what a screen reader reads with it. */
async function description(field) {
  const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
  const texts = [];
  for (const id of ids) texts.push((await field.page().locator(`[id="${id}"]`).textContent()).trim());
  return texts.join(' ');
}

/** The error summary (role=alert) at the top of the page: its list items. */
async function errorSummary(page) {
  const summary = page.getByRole('alert').filter({ has: page.getByRole('heading') });
  await summary.waitFor();
  return (await summary.getByRole('listitem').allTextContents()).map((t) => t.trim());
}

/**
 * The history table of the student page, newest first: per row { nr, kind, day, details, row }; `day`
 * is the dates in the cell (first – last), `dayCell` and `details` the cells' text as shown.
 */
async function history(page) {
  const table = page.getByRole('table', { name: /Rapporter, senaste först/ });
  const out = [];
  for (const row of await table.locator('tbody tr').all()) {
    const cells = (await row.locator('td').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    const dates = cells[2].match(/\d{4}-\d{2}-\d{2}/g) ?? [];
    out.push({ nr: cells[0], kind: cells[1], day: dates.join(' – '), dayCell: cells[2], details: cells[3], row });
  }
  return out;
}

/** The student page's "Rapportera en händelse": a <details> element, opened on its event's fields. */
async function reportMore(page) {
  const details = page.locator('details').filter({ has: page.locator('summary', { hasText: 'Rapportera en händelse' }) });
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  await details.getByLabel('Datum', { exact: true }).waitFor();
  return details;
}
/** "Rapportera en händelse" in two steps ([10] item 5): the event chosen, then its fields. */
async function reportEvent(page, kind) {
  const details = page.locator('details').filter({ has: page.locator('summary', { hasText: 'Rapportera en händelse' }) });
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  await details.getByLabel('Händelse', { exact: true }).selectOption({ label: kind });
  await details.getByRole('button', { name: 'Fortsätt' }).click();
  const form = await reportMore(page);
  await form.getByRole('group', { name: `Händelsen: ${kind}` }).waitFor();
  return form;
}

const STUDENT = pnr('1971-03-01', 7);   // the journey's student
const NAME = 'Greta Gustafsson';
let studentURL;                          // the student's page, for the phone test

test('Pelle publishes a study period, reports a study start, a term, a discontinuation; corrects it; a second one is refused', async () => {
  const page = await pelleAtDemoskolan();
  const menu = page.getByRole('navigation', { name: 'Tjänster' });

  // (1) An education with a published study period (60 days ago to 150 days ahead), by the school's file.
  await menu.getByRole('link', { name: /Studietider och utbildningar/ }).click();
  const csv = [STUDIETIDER_HEADER, `WEB-RAP;Rapportering i webbläsaren;gymnasieniva;ingen;;nej;nej;HT26;${day(-60)};${day(150)};;100;;publicerad`].join('\r\n') + '\r\n';
  await page.getByLabel('Fil att ladda upp').setInputFiles({ name: 'studietider.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await page.getByRole('button', { name: 'Granska filen' }).click();
  await page.getByRole('heading', { level: 1, name: 'Granska filen innan den sparas' }).waitFor();
  await page.getByRole('button', { name: 'Spara 1 rad' }).click();
  await page.getByRole('status').filter({ hasText: 'Publicerade studietider: 1.' }).waitFor();

  // (2) Studeranderapportering from the left menu; Ny rapport.
  await menu.getByRole('link', { name: 'Studeranderapportering' }).click();
  await page.getByRole('heading', { level: 1, name: 'Studeranderapportering' }).waitFor();
  assert.equal(await menu.getByRole('link', { name: 'Studeranderapportering' }).getAttribute('aria-current'), 'page');
  await page.getByRole('link', { name: 'Ny rapport' }).click();
  await page.getByRole('heading', { level: 1, name: 'Ny rapport' }).waitFor();
  // Step 1: the event; step 2: its fields ([10] item 5).
  await page.getByRole('radio', { name: 'Studiestart' }).check();
  await page.getByRole('button', { name: 'Fortsätt' }).click();
  await page.getByRole('group', { name: 'Händelsen: Studiestart' }).waitFor();
  assert.equal(await page.getByLabel('Sista dag', { exact: true }).count(), 0, 'a study start asks for its day only');
  const education = page.getByLabel('Utbildning', { exact: true });
  assert.ok((await education.locator('option').allTextContents()).includes('WEB-RAP – Rapportering i webbläsaren'));
  const period = page.getByLabel('Studieperiod', { exact: true });
  assert.ok((await period.locator('option').allTextContents()).includes(`HT26 – Rapportering i webbläsaren (${day(-60)}–${day(150)})`), 'the published periods to choose from');
  await period.selectOption({ label: `HT26 – Rapportering i webbläsaren (${day(-60)}–${day(150)})` });

  // A mistyped number first: refused, the form kept, the error in the summary and at the field.
  await page.getByLabel('Personnummer', { exact: true }).fill(pnr('1971-03-01', 7, { wrongCheck: true }));
  await page.getByLabel('Namn (frivilligt)').fill(NAME);
  await education.selectOption({ label: 'WEB-RAP – Rapportering i webbläsaren' });
  await page.getByLabel('Stödform', { exact: true }).selectOption({ label: 'Studiemedel' });
  await page.getByLabel('Datum', { exact: true }).fill(day(-50));
  const [refusedNew] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `${BASE}/rapport`),
    page.getByRole('button', { name: 'Skicka rapporten' }).click(),
  ]);
  assert.equal(refusedNew.status(), 422);
  const checkDigitMessage = 'Kontrollsiffran stämmer inte: kontrollera att numret är rätt inskrivet.';
  assert.deepEqual(await errorSummary(page), [checkDigitMessage]);
  const number = page.getByLabel('Personnummer', { exact: true });
  assert.equal(await number.getAttribute('aria-invalid'), 'true');
  assert.match(await description(number), new RegExp(checkDigitMessage));
  assert.equal(await page.getByLabel('Datum', { exact: true }).inputValue(), day(-50), 'what was typed is kept');
  assert.equal(await page.getByLabel('Namn (frivilligt)').inputValue(), NAME);
  await page.getByRole('group', { name: 'Händelsen: Studiestart' }).waitFor();
  assert.equal(await page.getByLabel('Studieperiod', { exact: true }).inputValue(), 'HT26', 'the period chosen is kept');

  await number.fill(STUDENT);
  await page.getByRole('button', { name: 'Skicka rapporten' }).click();
  await page.waitForURL(new RegExp(`${BASE}/student\\?id=\\d+&m=sparad$`));
  studentURL = page.url().replace(/&m=sparad$/, '');
  await page.getByRole('status').filter({ hasText: 'Rapporten är skickad.' }).waitFor();
  // The student's page shows the number in full (the list masks it).
  const h1 = (await page.getByRole('heading', { level: 1 }).textContent()).trim();
  assert.ok(h1.startsWith(`${NAME} – `) && h1.includes(STUDENT.replace('-', '').slice(0, 6)) && h1.endsWith(STUDENT.slice(-4)),
    `the heading names the student with the full number ${STUDENT}: ${h1}`);
  await page.getByRole('heading', { level: 2, name: 'WEB-RAP – Rapportering i webbläsaren' }).waitFor();
  let rows = await history(page);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].kind, 'Studiestart');
  assert.equal(rows[0].day, day(-50));

  // (3) The term's study time, from the student page's own form.
  let form = await reportEvent(page, 'Studietid för terminen');
  await form.getByLabel('Datum', { exact: true }).fill(day(-50));
  await form.getByLabel('Sista dag', { exact: true }).fill(day(150));
  await form.getByRole('button', { name: 'Skicka rapporten' }).click();
  await page.waitForURL(/&m=sparad$/);
  await page.getByRole('status').filter({ hasText: 'Rapporten är skickad.' }).waitFor();
  rows = await history(page);
  assert.deepEqual(rows.map((r) => r.kind), ['Studietid för terminen', 'Studiestart'], 'newest first');
  assert.equal(rows[0].day, `${day(-50)} – ${day(150)}`);

  // (4) A discontinuation.
  form = await reportEvent(page, 'Avbrott');
  await form.getByLabel('Datum', { exact: true }).fill(day(-10));
  await form.getByRole('button', { name: 'Skicka rapporten' }).click();
  await page.waitForURL(/&m=sparad$/);
  rows = await history(page);
  assert.deepEqual(rows.map((r) => r.kind), ['Avbrott', 'Studietid för terminen', 'Studiestart']);
  assert.equal(rows[0].day, day(-10));
  const facts = page.locator('dl.facts');
  assert.match(await facts.innerText(), /Status\s+Avbruten/);
  const avbrott = rows[0].nr;

  // (5) Corrected through its "Rätta": a new date and a reason.
  const correct = rows[0].row.locator('details');
  await correct.locator('summary').click();
  assert.equal(await correct.evaluate((d) => d.open), true);
  assert.equal(await correct.getByLabel('Datum', { exact: true }).inputValue(), day(-10), 'the form starts from the report');
  await correct.getByLabel('Datum', { exact: true }).fill(day(-8));
  await correct.getByLabel('Orsak till rättelsen').fill('Fel datum i första rapporten');
  await correct.getByRole('button', { name: 'Skicka rättelsen' }).click();
  await page.waitForURL(/&m=sparad$/);
  await page.getByRole('status').filter({ hasText: 'Rapporten är skickad.' }).waitFor();
  rows = await history(page);
  assert.equal(rows.length, 4, rows.map((r) => r.kind).join());
  assert.equal(rows[0].kind, 'Avbrott');
  assert.equal(rows[0].day, day(-8));
  assert.match(rows[0].details, new RegExp(`Rättar ${avbrott}: Fel datum i första rapporten`));
  assert.equal(rows[1].nr, avbrott);
  assert.equal(rows[1].kind, 'Avbrott (rättad)', 'the old report marked as corrected');
  assert.equal(rows[1].day, day(-10));
  assert.equal(await rows[1].row.locator('details').count(), 0, 'a corrected report cannot be corrected again');
  assert.equal(await rows[0].row.locator('details').count(), 1, 'the correction can');

  // (6) A second discontinuation is refused: the summary and the Datum field say why; nothing saved.
  form = await reportEvent(page, 'Avbrott');
  await form.getByLabel('Datum', { exact: true }).fill(day(-2));
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `${BASE}/rapport`),
    form.getByRole('button', { name: 'Skicka rapporten' }).click(),
  ]);
  assert.equal(refused.status(), 422);
  const ended = 'Studierna är avslutade (Avbruten): bara studieresultat och rättelser tas emot.';
  assert.deepEqual(await errorSummary(page), [ended]);
  form = await reportMore(page);
  assert.equal(await form.evaluate((d) => d.open), true, 'the form with the error is open');
  const datum = form.getByLabel('Datum', { exact: true });
  assert.equal(await datum.inputValue(), day(-2), 'what was typed is kept');
  assert.equal(await datum.getAttribute('aria-invalid'), 'true');
  assert.match(await description(datum), new RegExp(ended.replace(/[()]/g, '\\$&')));
  assert.ok(await form.getByText(ended).isVisible(), 'the message is shown next to the field');
  await form.getByRole('group', { name: 'Händelsen: Avbrott' }).waitFor();
  assert.equal((await history(page)).length, 4, 'nothing saved');

  // A date that has not been yet: refused likewise, at the field ("Byt händelse" first).
  await form.getByRole('link', { name: 'Byt händelse' }).click();
  form = await reportEvent(page, 'Studieresultat');
  await form.getByLabel('Datum', { exact: true }).fill(day(5));
  await form.getByLabel('Godkänd', { exact: true }).selectOption({ label: 'Godkänd' });
  await form.getByRole('button', { name: 'Skicka rapporten' }).click();
  assert.deepEqual(await errorSummary(page), ['Datumet har inte varit än.']);
  form = await reportMore(page);
  assert.match(await description(form.getByLabel('Datum', { exact: true })), /Datumet har inte varit än\./);
  assert.equal((await history(page)).length, 4, 'nothing saved');

  // The list: the student's reports, the number masked; the page back from the list.
  await page.getByRole('link', { name: 'Till rapporterna' }).click();
  await page.getByRole('heading', { level: 1, name: 'Studeranderapportering' }).waitFor();
  const masked = `${STUDENT.slice(0, 6)}-****`;
  const listed = page.getByRole('table', { name: 'Rapporter' }).locator('tbody tr');
  assert.equal(await listed.count(), 4);
  for (const text of await listed.allInnerTexts()) {
    assert.ok(text.includes(masked), `masked: ${text}`);
    assert.ok(!text.includes(STUDENT), `never in full: ${text}`);
  }
  await listed.first().getByRole('link', { name: masked }).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(NAME) }).waitFor();
});

test('API keys: Anna, the school admin, creates a key, sees it once, and revokes it with its button', async () => {
  const page = await (await browser.newContext({ locale: 'sv-SE' })).newPage();
  await login(page, server.baseURL, server.users.anna, server.password);
  await page.getByLabel('Vald skola:').selectOption({ label: 'Demoskolan' });
  await page.getByRole('button', { name: 'Byt', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Du rapporterar nu för Demoskolan.' }).waitFor();
  // Anna administers the school's authorizations but does not report: the list (with its link to the
  // keys) is not hers, so she opens the keys page by its address.
  await page.goto(`${server.baseURL}${BASE}/api-nycklar`);
  await page.getByRole('heading', { level: 1, name: 'API-nycklar' }).waitFor();
  await page.getByText('Skolan har inga API-nycklar.').waitFor();
  await page.getByLabel('Namn på nyckeln').fill('Skolsystemet');
  await page.getByRole('button', { name: 'Skapa nyckeln' }).click();
  const shown = page.getByRole('status').filter({ hasText: 'Ny nyckel Skolsystemet' });
  await shown.waitFor();
  const key = (await shown.locator('code').textContent()).trim();
  assert.match(key, /^mina_\S{20,}$/);
  await shown.getByText('Kopiera nyckeln nu: den visas bara den här gången.').waitFor();

  await page.goto(`${server.baseURL}${BASE}/api-nycklar`);
  assert.ok(!(await page.content()).includes(key), 'the key is shown once only');
  const row = page.getByRole('table', { name: 'Skolans nycklar' }).getByRole('row', { name: /Skolsystemet/ });
  const cells = (await row.getByRole('cell').allInnerTexts()).map((t) => t.trim());
  assert.equal(cells[0], `${key.slice(0, cells[0].length - 1)}…`, `the key's beginning: ${cells[0]}`);
  assert.ok(!/Återkallad/.test(cells[3]), `a new key is not revoked: its state reads "${cells[3]}"`);
  await row.getByRole('button', { name: 'Återkalla Skolsystemet' }).click();
  // Asked first ([10] item 2): the dialog names the key; "Avbryt" has the focus.
  const dialog = page.getByRole('dialog');
  await dialog.getByText(/API-nyckeln ”Skolsystemet” \(skapad \d{4}-\d{2}-\d{2}\) slutar fungera direkt/).waitFor();
  await dialog.getByRole('button', { name: 'Återkalla' }).click();
  await page.getByRole('status').filter({ hasText: 'Nyckeln är återkallad.' }).waitFor();
  const after = (await page.getByRole('table', { name: 'Skolans nycklar' }).getByRole('row', { name: /Skolsystemet/ }).getByRole('cell').allInnerTexts()).map((t) => t.trim());
  assert.match(after[3], /^Återkallad \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  const res = await fetch(`${server.baseURL}/api/v1/schools/DEMO1/reports`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"mode":"validate","reports":[]}',
  });
  assert.equal(res.status, 401, 'a revoked key is refused');
});

test('the history reads as written: a date without a last day has no dash, a report that corrects nothing says nothing of corrections', async () => {
  assert.ok(studentURL, 'the journey above made a student');
  const page = await pelleAtDemoskolan();
  await page.goto(studentURL);
  const rows = await history(page);
  assert.deepEqual(rows.map((r) => [r.kind, r.dayCell, r.details]), [
    ['Avbrott', day(-8), `Rättar ${rows[1].nr}: Fel datum i första rapporten`],
    ['Avbrott (rättad)', day(-10), ''],
    ['Studietid för terminen', `${day(-50)} – ${day(150)}`, ''],
    ['Studiestart', day(-50), ''],
  ]);
});

test('the student page on a phone: the report form opens and fits, axe passes, the page does not scroll sideways', async () => {
  assert.ok(studentURL, 'the journey above made a student');
  const page = await pelleAtDemoskolan({ viewport: { width: 390, height: 844 } });
  await page.goto(studentURL);
  await page.getByRole('heading', { level: 1, name: new RegExp(NAME) }).waitFor();
  const region = page.getByRole('region', { name: /Rapporter, senaste först/ });
  assert.equal(await region.getAttribute('tabindex'), '0', 'the wide history scrolls in its own focusable region');
  const form = await reportEvent(page, 'Studietid för terminen');
  const datum = form.getByLabel('Datum', { exact: true });
  await datum.scrollIntoViewIfNeeded();
  const box = await datum.boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `the Datum field fits the screen: ${JSON.stringify(box)}`);
  await assertAccessible(page, 'the student page on a phone, the report form open');
  // WCAG 1.4.10 (reflow): only the history table may scroll sideways, inside its region, not the page.
  const sizes = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    region: document.querySelector('.table-wrap').scrollWidth - document.querySelector('.table-wrap').clientWidth,
    main: Math.round(document.getElementById('main').getBoundingClientRect().width),
  }));
  assert.ok(sizes.page <= 0,
    `the page scrolls sideways by ${sizes.page} px at 390 px (main is ${sizes.main} px wide; the history region itself scrolls ${sizes.region} px)`);
});
