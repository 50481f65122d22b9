// Every page as people see it ([10] item 7): each role's pages, found by following the links a person
// can follow (so a page added later is checked without being listed here), in Swedish and in English,
// at 1280×800 (a laptop) and 390×844 (a phone). On each page and size:
//  - the page does not scroll sideways, and no element's content overflows its box or scrolls inside it
//    (a table that needs an inner scrollbar to reach its last column fails);
//  - no date breaks across lines ("2026-08-" above "24");
//  - every link the crawl followed answered 200 with a page;
//  - axe-core finds no WCAG 2.1 A/AA violation (at 1280 px, in each language).
// Roles: logged out, a reporter at two schools (Pelle), a school's authorization administrator (Anna),
// and the agency (Vera, added here), on the demo data with its reports.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser } from './server.js';
import { assertAccessible } from './axe.js';
import { addAgencyAdmin, createTestDatabase, mina, TEST_IDENTITY_KEY } from '../http/harness.js';

const SIZES = [{ width: 1280, height: 800 }, { width: 390, height: 844 }];
const LANGS = [
  { lang: 'sv', locale: 'sv-SE', header: 'sv-SE,sv;q=0.9' },
  { lang: 'en', locale: 'en-GB', header: 'en-GB,en;q=0.9' },
];
const MAX_PAGES = 60;       // per role and language: the crawl stops there
const MAX_PER_PATH = 3;     // the same page with other queries (pages of a list, another school)

let server;
let browser;
let dbDir;
let database;
let cliEnv;
let vera;

before(async () => {
  dbDir = mkdtempSync(join(tmpdir(), 'mina-layout-db-'));
  database = createTestDatabase(dbDir);
  cliEnv = { MINA_DATABASE_URL: database.url, MINA_SECURITY_IDENTITY_KEY: TEST_IDENTITY_KEY };
  const demo = mina(['admin', 'demo', '--with-reports'], cliEnv);
  assert.equal(demo.status, 0, demo.stderr);
  const run = (args, input) => {
    const r = mina(args, cliEnv, input);
    assert.equal(r.status, 0, `mina ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  // Long names and addresses, as real schools have them: what a narrow column must still hold.
  for (const [first, last, email] of [
    ['Maria-Kristina', 'Johansson-Bergström', 'maria-kristina.johansson-bergstrom@studieadministrationen.example.se'],
    ['Åsa', 'Öberg', 'asa.oberg@example.se'],
  ]) {
    const username = run(['admin', 'person', 'add', '--first', first, '--last', last, '--email', email]).match(/[a-z]{2}\d{4}/)[0];
    run(['admin', 'grant', '--username', username, '--school', 'DEMO1', '--role', 'studietider']);
  }
  vera = addAgencyAdmin(cliEnv, { first: 'Vera', last: 'Verket', email: 'vera.verket@example.se' });
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

/** What the page shows that does not fit: sideways scrolling, overflowing boxes, broken dates. */
function layoutProblems() {
  const problems = [];
  const root = document.documentElement;
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += `#${el.id}`;
    if (el.classList.length) s += `.${[...el.classList].join('.')}`;
    const text = (el.innerText || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ').slice(0, 50);
    return text ? `${s} "${text}"` : s;
  };
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push(`the page scrolls sideways (${root.scrollWidth} px wide in ${root.clientWidth})`);
  }
  // Hidden on purpose: off-screen skip link, text for screen readers only, closed dialogs and details.
  const clipped = (el) => {
    for (let a = el; a; a = a.parentElement) if (getComputedStyle(a).clip !== 'auto') return true;
    return false;
  };
  const away = (el) => el.closest('.skip, .visually-hidden, [hidden], dialog:not([open])') || clipped(el);
  const controls = new Set(['INPUT', 'SELECT', 'TEXTAREA', 'OPTION', 'svg', 'IMG', 'AUDIO', 'VIDEO', 'PROGRESS']);
  // Innermost first: a box that overflows only because a box inside it does is not named again.
  const named = [];
  for (const el of [...document.body.querySelectorAll('*')].reverse()) {
    if (controls.has(el.tagName) || el.closest('svg') || away(el)) continue;
    if (named.some((inner) => el.contains(inner))) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.display === 'inline' || cs.display === 'contents' || cs.visibility === 'hidden') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      const how = cs.overflowX === 'auto' || cs.overflowX === 'scroll' ? 'scrolls inside' : 'overflows';
      problems.push(`${name(el)} ${how} (${el.scrollWidth} px of content in ${el.clientWidth})`);
      named.push(el);
    }
  }
  // A date on two lines: the ISO day (2026-08-24) and the local time (2026-08-24 09.15) keep together.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const date = /\d{4}-\d{2}-\d{2}/g;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement || away(node.parentElement) || node.parentElement.closest('textarea, pre, option, script, style')) continue;
    for (const m of node.data.matchAll(date)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) problems.push(`the date ${m[0]} breaks across lines in ${name(node.parentElement)}`);
    }
  }
  return problems;
}

/** The links of the page worth following: this site's pages, not files, not logging out. */
function pageLinks(origin) {
  const out = [];
  for (const a of document.querySelectorAll('a[href]')) {
    const u = new URL(a.href, location.href);
    if (u.origin !== origin) continue;
    if (/^\/(static|sprak|logga-ut|healthz|metrics|api)\b/.test(u.pathname)) continue;
    if (/\.(pdf|csv|txt|png|wav|svg)$|\/(pdf|export|exempel)$/.test(u.pathname)) continue;
    u.hash = '';
    out.push(u.pathname + u.search);
  }
  return out;
}

/**
 * Visits every page reachable by links from `starts` (breadth first), and checks each at both sizes and
 * with axe. Returns the paths visited. `prepare(page)` logs in and chooses a school first.
 */
async function crawl({ lang, locale, header }, who, starts, prepare) {
  const context = await browser.newContext({ locale, extraHTTPHeaders: { 'Accept-Language': header }, viewport: SIZES[0] });
  const page = await context.newPage();
  const failures = [];
  const visited = [];
  try {
    if (prepare) await prepare(page);
    const queue = [...starts];
    const seen = new Set(queue);
    const perPath = new Map();
    while (queue.length && visited.length < MAX_PAGES) {
      const path = queue.shift();
      const bare = path.split('?')[0];
      if ((perPath.get(bare) ?? 0) >= MAX_PER_PATH) continue;
      perPath.set(bare, (perPath.get(bare) ?? 0) + 1);
      // Asked first without the page: a file behind a link (a download) is not a page to look at.
      const head = await context.request.get(server.baseURL + path);
      const type = head.headers()['content-type'] || '';
      if (head.status() === 200 && (!type.startsWith('text/html') || head.headers()['content-disposition'])) continue;
      visited.push(path);
      if (head.status() !== 200) {
        failures.push(`${who} ${lang} ${path}: a link leads to ${head.status()}`);
        continue;
      }
      await page.setViewportSize(SIZES[0]);
      await page.goto(server.baseURL + path);
      const htmlLang = await page.evaluate(() => document.documentElement.lang);
      if (htmlLang !== lang) failures.push(`${who} ${lang} ${path}: the page is in "${htmlLang}"`);
      // What a person sees when they open every "Visa …" (<details>) on the page.
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
      for (const size of SIZES) {
        await page.setViewportSize(size);
        for (const p of await page.evaluate(layoutProblems)) failures.push(`${who} ${lang} ${size.width}px ${path}: ${p}`);
      }
      await page.setViewportSize(SIZES[0]);
      try {
        await assertAccessible(page, `${who} ${lang} ${path}`);
      } catch (e) {
        failures.push(e.message);
      }
      for (const link of await page.evaluate(pageLinks, server.baseURL)) {
        if (!seen.has(link)) {
          seen.add(link);
          queue.push(link);
        }
      }
    }
  } finally {
    await context.close();
  }
  assert.deepEqual(failures, [], `${failures.length} problem(s) on ${who}'s pages in ${lang}:\n${failures.join('\n')}`);
  console.log(`# ${who} (${lang}): ${visited.length} pages, each at ${SIZES.map((z) => z.width).join(' and ')} px`);
  return visited;
}

/** Logs in and chooses `school` in "Vald skola". */
const loggedIn = (username, school) => async (page) => {
  // By the fields' ids: the labels are in the page's language.
  await page.goto(`${server.baseURL}/logga-in`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(server.password);
  await page.locator('main form[action="/logga-in"] button[type="submit"]').click();
  await page.waitForURL(`${server.baseURL}/start`);
  if (school) {
    await page.locator('#skola').selectOption(school);
    await page.locator('form.school button[type="submit"]').click();
    await page.waitForLoadState();
  }
};

describe('every page fits and passes axe, at 1280 and 390 px, in both languages', { concurrency: true }, () => {
  for (const l of LANGS) {
    test(`logged out (${l.lang})`, async () => {
      const pages = await crawl(l, 'nobody', ['/logga-in', '/kiosk', '/studiemedel', '/tillganglighet']);
      assert.ok(pages.length >= 4, `pages found: ${pages.join(', ')}`);
    });
    test(`a reporter at two schools (${l.lang})`, async () => {
      const pages = await crawl(l, 'Pelle', ['/start', '/kontakta-oss', '/anpassa'], loggedIn(server.users.pelle, 'DEMO1'));
      for (const p of ['/tjanster/studietider', '/tjanster/studeranderapportering']) {
        assert.ok(pages.some((v) => v.startsWith(p)), `${p} was reached: ${pages.join(', ')}`);
      }
    });
    test(`a school's authorization administrator (${l.lang})`, async () => {
      const pages = await crawl(l, 'Anna', ['/start'], loggedIn(server.users.anna, 'DEMO1'));
      assert.ok(pages.some((v) => v.startsWith('/identity-manager/skola')), `the school's people were reached: ${pages.join(', ')}`);
    });
    test(`the agency (${l.lang})`, async () => {
      const pages = await crawl(l, 'Vera', ['/start', '/identity-manager'], loggedIn(vera));
      for (const p of ['/identity-manager/logg', '/identity-manager/post', '/identity-manager/brev', '/identity-manager/skola']) {
        assert.ok(pages.some((v) => v.startsWith(p)), `${p} was reached: ${pages.join(', ')}`);
      }
    });
  }
});
