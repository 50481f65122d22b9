// Help in the product ([10] item 4): Vanliga frågor and Kontakta oss checked as people see them:
// axe-core in Swedish and English, logged out and logged in, and no sideways scroll on a phone
// (390x844) or a desktop (1280x800); Studietider's file format page likewise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, login } from './server.js';
import { assertAccessible } from './axe.js';

const it = serverAndBrowser();
const SIZES = [{ width: 390, height: 844 }, { width: 1280, height: 800 }];

async function noSidewaysScroll(page, what) {
  const over = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
    // Any element wider than its box: its content spilling sideways.
    spilling: [...document.querySelectorAll('main *')]
      .filter((el) => getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
      .map((el) => el.tagName + (el.id ? `#${el.id}` : '') + (el.className ? `.${el.className}` : '')),
  }));
  assert.ok(over.scroll <= over.inner, `${what}: the page is ${over.scroll} px wide in a ${over.inner} px window`);
  assert.deepEqual(over.spilling, [], `${what}: elements overflow their box`);
}

for (const lang of ['sv', 'en']) {
  test(`Vanliga frågor, logged out, in ${lang}: accessible, its list leads to the answer, fits a phone and a desktop`, async () => {
    for (const viewport of SIZES) {
      const ctx = await it.browser.newContext({ viewport, locale: lang === 'en' ? 'en-GB' : 'sv-SE', extraHTTPHeaders: { 'accept-language': lang } });
      const page = await ctx.newPage();
      const res = await page.goto(`${it.server.baseURL}/vanliga-fragor`);
      assert.equal(res.status(), 200);
      await assertAccessible(page, `Vanliga frågor (${lang}, ${viewport.width} px)`);
      await noSidewaysScroll(page, `Vanliga frågor (${lang}, ${viewport.width} px)`);
      const q = lang === 'sv' ? 'Vem ska jag kontakta om jag har frågor om Mina tjänster?' : 'Whom do I contact if I have questions about Mina tjänster?';
      await page.getByRole('navigation').getByRole('link', { name: q }).click();
      await page.waitForURL(/#vem-kontaktar-jag$/);
      await ctx.close();
    }
  });
}

for (const lang of ['sv', 'en']) {
  test(`Kontakta oss and Vanliga frågor after login, in ${lang}: the school's administrators, accessible, fits`, async () => {
    for (const viewport of SIZES) {
      const ctx = await it.browser.newContext({ viewport, extraHTTPHeaders: { 'accept-language': 'sv' } });
      const page = await ctx.newPage();
      await login(page, it.server.baseURL, it.server.users.pelle, it.server.password);
      await page.setExtraHTTPHeaders({ 'accept-language': lang });  // the pages after login follow the browser
      await page.locator('#skola').selectOption('DEMO1');
      await page.locator('form.school button[type="submit"]').click();
      await page.waitForURL(/\/start/);
      await page.locator('.topnav').getByRole('link', { name: lang === 'sv' ? 'Kontakta oss' : 'Contact us' }).click();
      await page.waitForURL(/\/kontakta-oss$/);
      await assertAccessible(page, `Kontakta oss (${lang}, ${viewport.width} px)`);
      await noSidewaysScroll(page, `Kontakta oss (${lang}, ${viewport.width} px)`);
      assert.ok(await page.getByRole('heading', { name: lang === 'sv' ? 'Behörighetsadministratörer på Demoskolan' : 'Authorization administrators at Demoskolan' }).isVisible());
      assert.ok(await page.getByText('Anna Admin').isVisible());
      if (lang === 'sv') {
        // Studietider's file format, reached from the file card.
        await page.goto(`${it.server.baseURL}/tjanster/studietider`);
        await page.getByRole('link', { name: 'Så ska filen se ut: kolumner och exempel' }).click();
        await page.waitForURL(/\/tjanster\/studietider\/fil\/format$/);
        await assertAccessible(page, `Studietider's file format (${viewport.width} px)`);
        await noSidewaysScroll(page, `Studietider's file format (${viewport.width} px)`);
      }
      await page.locator('.topnav').getByRole('link', { name: lang === 'sv' ? 'Vanliga frågor' : 'FAQ' }).click();
      await page.waitForURL(/\/vanliga-fragor$/);
      await assertAccessible(page, `Vanliga frågor after login (${lang}, ${viewport.width} px)`);
      await noSidewaysScroll(page, `Vanliga frågor after login (${lang}, ${viewport.width} px)`);
      await ctx.close();
    }
  });
}

test('the way to Vanliga frågor from the login page and the kiosk, on a phone: visible, and the page still fits', async () => {
  const ctx = await it.browser.newContext({ viewport: SIZES[0], extraHTTPHeaders: { 'accept-language': 'sv' } });
  const page = await ctx.newPage();
  for (const path of ['/logga-in', '/kiosk', '/kiosk/glomt']) {
    await page.goto(it.server.baseURL + path);
    const link = page.getByRole('link', { name: 'Vanliga frågor om inloggning och lösenord' });
    assert.ok(await link.isVisible(), path);
    const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
    assert.ok(scroll <= inner, `${path}: ${scroll} px wide in a ${inner} px window`);
    await assertAccessible(page, `${path} with the link to Vanliga frågor (390 px)`);
  }
  await page.getByRole('link', { name: 'Vanliga frågor om inloggning och lösenord' }).click();
  await page.waitForURL(/\/vanliga-fragor$/);
  assert.ok(await page.getByRole('heading', { level: 1, name: 'Vanliga frågor' }).isVisible());
  await ctx.close();
});
