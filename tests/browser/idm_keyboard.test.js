// The Identity Manager's list and a person's page in a real browser ([10] items 1–4): a school
// admin who uses only the keyboard filters the list, opens a person, changes a service and saves,
// and removes a person through the dialog, the focus visible and where it should be at every step;
// axe-core on the list, the person page, the dialog and the confirmation page in Swedish and English;
// no sideways scrolling on a phone (390x844) or a desktop (1280x800) with 62 people at the school.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, login } from './server.js';
import { assertAccessible } from './axe.js';
import { startServer, Client, sql, DEMO_PASSWORD } from '../http/harness.js';

let server;
let browser;

/** 60 people from a file through the import (its preview, then saved), as a school admin would. */
async function seedSixty() {
  const c = new Client(server);
  assert.equal((await c.login(server.anna)).status, 303);
  let file = 'förnamn;efternamn;e-post;tjänster\n';
  for (let i = 1; i <= 60; i++) {
    const n = String(i).padStart(2, '0');
    file += `Person${n};Lista${n};person${n}@lista.example.se;studietider\n`;
  }
  const page = await c.get('/identity-manager/skola?kod=DEMO1');
  const form = new FormData();
  form.set('csrf', Client.csrf(page.text));
  form.set('kod', 'DEMO1');
  form.set('fil', new Blob([file], { type: 'text/csv' }), 'lista.csv');
  const preview = await c.request('POST', '/identity-manager/import', { body: form });
  assert.equal(preview.status, 200);
  const saved = await c.post('/identity-manager/import/spara', {
    csrf: Client.csrf(preview.text),
    kod: 'DEMO1',
    fil: preview.text.match(/name="fil" value="([^"]*)"/)[1].replaceAll('&#10;', '\n').replaceAll('&amp;', '&'),
    filnamn: 'lista.csv',
    plan: preview.text.match(/name="plan" value="([^"]*)"/)[1],
  });
  assert.equal(saved.status, 303);
}

before(async () => {
  server = await startServer({}, 'mina-browser-');
  await seedSixty();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const SCHOOL = '/identity-manager/skola?kod=DEMO1';
const usernameOf = (email) => sql(server.db, `SELECT username FROM persons WHERE email = '${email}'`)[0][0];
const rolesAt = (username) =>
  sql(server.db, `SELECT g.role FROM grants g JOIN persons p ON p.id = g.person_id WHERE p.username = '${username}' AND g.school_code = 'DEMO1' ORDER BY g.role`).map((r) => r[0]);

async function newPage(locale = 'sv-SE', viewport = { width: 1280, height: 800 }) {
  return (await browser.newContext({ locale, viewport })).newPage();
}

/** What has the focus: its tag, name or text, and whether the focus is drawn (:focus-visible with an outline or ring). */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body', visible: false };
    const style = getComputedStyle(el);
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      name: el.getAttribute('name'),
      value: el.getAttribute('value'),
      text: (el.textContent || '').trim(),
      inDialog: !!el.closest('dialog'),
      visible: el.matches(':focus-visible') && (style.outlineStyle !== 'none' || style.boxShadow !== 'none'),
    };
  });
}

/** Tab (or Shift+Tab) until `wanted(focus)`; fails after `max` presses. Asserts the focus is drawn there. */
async function tabTo(page, wanted, what, { max = 80, back = false } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    if (wanted(f)) {
      assert.ok(f.visible, `the focus on ${what} is visible`);
      return f;
    }
  }
  assert.fail(`${what} not reached with ${max} presses of Tab`);
}

async function assertNoSidewaysScroll(page, what) {
  for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
    await page.setViewportSize(viewport);
    const { scrollWidth, innerWidth, overflowing } = await page.evaluate(() => {
      // Any element wider than its box and scrolling inside it: a table that scrolls on its own, say.
      const overflowing = [...document.querySelectorAll('main *')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
        .map((el) => el.tagName + '.' + el.className);
      return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, overflowing };
    });
    assert.ok(scrollWidth <= innerWidth, `${what} at ${viewport.width}px: scrollWidth ${scrollWidth} > ${innerWidth}`);
    assert.deepEqual(overflowing, [], `${what} at ${viewport.width}px: nothing scrolls inside`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

// In order: the second test counts the people the first one left.
describe('the Identity Manager by keyboard, on a phone and a desktop', { concurrency: 1 }, () => {
  test('a school admin filters, opens a person, saves a service and removes a person, with the keyboard only', async () => {
    const page = await newPage();
    await login(page, server.url, server.anna, DEMO_PASSWORD);
    await page.goto(server.url + SCHOOL);

    // Filter the list: the free-text field, typed, Enter sends the GET form.
    await tabTo(page, (f) => f.id === 'filter-q', 'the filter field');
    await page.keyboard.type('person42');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=person42/);
    assert.equal(await page.locator('#people-count').textContent(), '1 person');

    // Open the person: their name is the row's link.
    await tabTo(page, (f) => f.tag === 'a' && f.text === 'Person42 Lista42', 'the person\'s link');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/identity-manager\/person\?/);
    await page.getByRole('heading', { level: 1, name: 'Person42 Lista42' }).waitFor();
    const person42 = usernameOf('person42@lista.example.se');
    assert.deepEqual(rolesAt(person42), ['studietider']);

    // Tick Studeranderapportering with Space, then Spara tjänster with Enter.
    await tabTo(page, (f) => f.tag === 'input' && f.value === 'studeranderapportering', 'the Studeranderapportering box');
    await page.keyboard.press('Space');
    assert.ok(await page.getByLabel('Studeranderapportering').isChecked());
    await tabTo(page, (f) => f.tag === 'button' && f.text === 'Spara tjänster', 'Spara tjänster');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: `Tjänsterna för ${person42} är sparade.` }).waitFor();
    assert.match(page.url(), /\/identity-manager\/person\?kod=DEMO1&anvandarnamn=[a-z0-9]+&m=sparat$/, 'back on the person page');
    assert.deepEqual(rolesAt(person42), ['studeranderapportering', 'studietider']);

    // Remove through the dialog: it opens with the focus on Avbryt (Escape closes it, the focus goes
    // back to the button), then Shift+Tab to the verb and Enter.
    await tabTo(page, (f) => f.tag === 'button' && f.text === 'Ta bort från skolan', 'Ta bort från skolan');
    await page.keyboard.press('Enter');
    const dialog = page.locator('dialog.confirm-dialog');
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /Person42 Lista42 \([a-z0-9]+\) tas bort från Demoskolan och förlorar sina behörigheter där\. Kontot finns kvar\./);
    let f = await focused(page);
    assert.ok(f.inDialog && f.text === 'Avbryt' && f.visible, `the safe choice has the focus, visibly: ${JSON.stringify(f)}`);
    await assertAccessible(page, 'the removal question in its dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    f = await focused(page);
    assert.equal(f.text, 'Ta bort från skolan', 'the focus is back on the button that opened the dialog');
    assert.deepEqual(rolesAt(person42), ['studeranderapportering', 'studietider'], 'nothing removed by Escape');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await tabTo(page, (x) => x.inDialog && x.text === 'Ta bort från skolan', 'the dialog\'s Ta bort från skolan', { max: 3, back: true });
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: `${person42} är borttagen från skolan` }).waitFor();
    assert.match(page.url(), /\/identity-manager\/skola\?kod=DEMO1&m=borttagen/, 'back on the list');
    assert.deepEqual(rolesAt(person42), [], 'removed from the school');
    await page.context().close();
  });

  test('axe-core on the list, the person page and the confirmation page, in Swedish and English; no sideways scrolling', async () => {
    for (const [locale, words] of [['sv', { next: 'Nästa', remove: 'Ta bort från skolan', count: '61 personer' }],
      ['en', { next: 'Next', remove: 'Remove from the school', count: '61 people' }]]) {
      // Logged in with the login page's Swedish labels, then the language as the language link sets it.
      const language = [{ name: 'mina_lang', value: locale, url: server.url }];
      const page = await newPage();
      await login(page, server.url, server.anna, DEMO_PASSWORD);
      await page.context().addCookies(language);
      await page.goto(server.url + SCHOOL);
      await page.locator('#people-count').filter({ hasText: words.count }).waitFor();
      assert.equal(await page.locator('table.people.list tbody tr').count(), 50, 'one page of 50');
      await assertAccessible(page, `the list (${locale})`);
      await assertNoSidewaysScroll(page, `the list (${locale})`);
      await page.getByRole('link', { name: words.next }).click();
      await page.waitForURL(/sida=2/);
      await assertAccessible(page, `the list's second page (${locale})`);
      await page.goto(`${server.url}${SCHOOL}&status=vantar&sortera=status&ordning=fallande`);
      await assertAccessible(page, `the list filtered and sorted (${locale})`);

      await page.goto(`${server.url}/identity-manager/person?kod=DEMO1&anvandarnamn=${server.pelle}`);
      await page.getByRole('heading', { level: 1, name: 'Pelle Test' }).waitFor();
      await assertAccessible(page, `the person page (${locale})`);
      await assertNoSidewaysScroll(page, `the person page (${locale})`);

      // Without script the server asks: the confirmation page.
      const noScript = await browser.newContext({ locale: 'sv-SE', javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
      const plain = await noScript.newPage();
      await login(plain, server.url, server.anna, DEMO_PASSWORD);
      await noScript.addCookies(language);
      await plain.goto(`${server.url}/identity-manager/person?kod=DEMO1&anvandarnamn=${server.pelle}`);
      await plain.getByRole('button', { name: words.remove }).click();
      await plain.getByRole('heading', { level: 1, name: /Pelle Test/ }).waitFor();
      assert.equal(new URL(plain.url()).pathname, '/identity-manager/ta-bort');
      assert.equal(rolesAt(server.pelle).length, 2, 'nothing removed by asking');
      await noScript.close();
      // The same page checked where axe can run: the form sent without the dialog (form.submit()
      // fires no submit event), as a browser without script sends it.
      await page.evaluate(() => document.querySelector('form[action="/identity-manager/ta-bort"]').submit());
      await page.waitForURL(/\/identity-manager\/ta-bort$/);
      await page.getByRole('heading', { level: 1, name: /Pelle Test/ }).waitFor();
      await assertAccessible(page, `the removal's confirmation page (${locale})`);
      await assertNoSidewaysScroll(page, `the removal's confirmation page (${locale})`);
      assert.equal(rolesAt(server.pelle).length, 2, 'nothing removed by asking');
      await page.context().close();
    }
  });
});
