// axe-core for the browser tests. The pages send a CSP without inline script, so axe is not added as a
// <script> tag (page.addScriptTag inlines the file and the CSP blocks it); it is evaluated through the
// DevTools protocol (page.evaluate), which the page's CSP does not govern.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
let axeSource;

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Run axe on the page as it is now; returns axe's results object. */
export async function runAxe(page, tags = WCAG_TAGS) {
  axeSource ??= await readFile(axePath, 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(axeSource);
  }
  return page.evaluate(
    (runOnly) => window.axe.run(document, { runOnly: { type: 'tag', values: runOnly }, resultTypes: ['violations'] }),
    tags,
  );
}

/** One readable block per violation: rule id, impact, help, and every offending element's selector. */
export function formatViolations(violations) {
  return violations.map((v) => {
    const nodes = v.nodes.map((n) => {
      const summary = (n.failureSummary || '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
      return `    - ${n.target.join(' ')}\n      ${n.html.slice(0, 200)}\n      ${summary}`;
    });
    return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes.join('\n')}`;
  }).join('\n');
}

/** Fails unless axe finds no violation on the page as it is now (and really checked something). */
export async function assertAccessible(page, what) {
  const results = await runAxe(page);
  // A scan that checked nothing would pass vacuously.
  assert.ok(results.passes.some((r) => r.id === 'color-contrast') || results.violations.some((r) => r.id === 'color-contrast'),
    `axe did not check colour contrast on ${what}`);
  const v = results.violations;
  assert.equal(v.length, 0,
    `${v.length} axe violation(s) [${WCAG_TAGS.join(', ')}] on ${what} (${page.url()}):\n${formatViolations(v)}`);
}
