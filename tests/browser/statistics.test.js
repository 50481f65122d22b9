// The statistics page in a real browser ([10] item 6): the agency's pictures of every school and of
// one, in Swedish and English, checked with axe-core with every table opened; the pictures and tables
// fit a phone (390x844) and a desktop (1280x800) without the page scrolling sideways or a chart
// overflowing its box; a school's administrator sees their school.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, login } from './server.js';
import { assertAccessible } from './axe.js';
import { startServer, mina, DEMO_PASSWORD, addAgencyAdmin } from '../http/harness.js';

let server;
let browser;
let agencyUser;

before(async () => {
  server = await startServer({}, 'mina-browser-');
  assert.equal(mina(['admin', 'demo', '--with-reports'], server.env).status, 0);
  agencyUser = addAgencyAdmin(server.env);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Nothing wider than the window: the page, each chart and each table inside its section. */
async function fits(page, what) {
  const sizes = await page.evaluate(() => {
    const over = [];
    for (const el of document.querySelectorAll('svg.chart, table.stats-table, .stats-chart, .stats-choose')) {
      const box = el.getBoundingClientRect();
      const parent = el.parentElement.getBoundingClientRect();
      if (box.right > parent.right + 1 || box.left < parent.left - 1 || box.right > window.innerWidth)
        over.push(`${el.tagName}.${el.getAttribute('class')}`);
    }
    return { scroll: document.documentElement.scrollWidth, inner: window.innerWidth, over };
  });
  assert.ok(sizes.scroll <= sizes.inner, `${what}: the page scrolls sideways (${sizes.scroll} > ${sizes.inner})`);
  assert.deepEqual(sizes.over, [], `${what}: overflowing their box`);
}

for (const [locale, words] of [
  ['sv-SE', { user: 'Användarnamn', password: 'Lösenord', login: 'Logga in', heading: 'Statistik: Alla skolor', reports: /^Rapporter per vecka, vecka \d+–\d+: högst \d+ vecka \d+$/, table: 'Visa som tabell', school: 'Skola', show: 'Visa' }],
  ['en-GB', { user: 'Username', password: 'Password', login: 'Log in', heading: 'Statistics: All schools', reports: /^Reports per week, week \d+–\d+: at most \d+ in week \d+$/, table: 'Show as a table', school: 'School', show: 'Show' }],
]) {
  test(`the agency's statistics in ${locale}: accessible, named pictures, fits a phone and a desktop`, async () => {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel(words.user, { exact: true }).fill(agencyUser);
    await page.getByLabel(words.password, { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: words.login, exact: true }).click();
    await page.waitForURL(`${server.url}/start`);
    await page.goto(`${server.url}/identity-manager/statistik`);
    await page.getByRole('heading', { level: 1, name: words.heading }).waitFor();
    const img = page.getByRole('img', { name: words.reports });
    assert.equal(await img.count(), 1, 'the reports chart is an image named in words');
    for (const summary of await page.locator('summary').all()) await summary.click();
    await page.getByRole('table').first().waitFor();
    assert.equal(await page.getByRole('table').count(), 3);
    await assertAccessible(page, `statistics, every school (${locale})`);
    await fits(page, `1280x800 (${locale})`);
    await page.setViewportSize({ width: 390, height: 844 });
    await fits(page, `390x844 (${locale})`);
    const box = await img.boundingBox();
    assert.ok(box.width > 250 && box.width <= 390, `the chart scales to the phone: ${box.width}`);

    // One school, chosen without script.
    await page.getByLabel(words.school, { exact: true }).selectOption('DEMO1');
    await page.getByRole('button', { name: words.show, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: /Demoskolan/ }).waitFor();
    assert.match(page.url(), /kod=DEMO1/);
    await assertAccessible(page, `statistics, one school on a phone (${locale})`);
    await fits(page, `one school, 390x844 (${locale})`);
    await context.close();
  });
}

test("a school's authorization administrator reaches their school's pictures from the Identity Manager", async () => {
  const context = await browser.newContext({ locale: 'sv-SE', viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await login(page, server.url, server.anna, DEMO_PASSWORD);
  await page.goto(`${server.url}/identity-manager/skola?kod=DEMO1`);
  await page.getByRole('link', { name: 'Statistik', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Statistik: Demoskolan' }).waitFor();
  assert.equal(await page.getByLabel('Skola', { exact: true }).count(), 0, 'one school: nothing to choose');
  await assertAccessible(page, 'statistics, a school admin on a phone');
  await fits(page, 'a school admin, 390x844');
  await context.close();
});
