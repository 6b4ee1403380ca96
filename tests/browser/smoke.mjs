// SPDX-License-Identifier: MIT
//
// Smoke test of the browser test setup (harness.mjs): rulingd on the bundled knowledge
// base serves its demo page to headless Chromium, the page has its title, the form that
// works without JavaScript answers a question, and axe finds no serious or critical
// accessibility problem on it. Run: node tests/browser/smoke.mjs (tests/run runs it).

import { axeCheck, launchBrowser, newPage, skipUnlessReady, startDaemon, suite } from './harness.mjs';

skipUnlessReady();
const s = suite('smoke');
const d = await s.step('rulingd starts', () => startDaemon({ suite: s }));
const browser = d && (await s.step('chromium starts', () => launchBrowser()));

if (d && browser) {
  const page = await newPage(browser);

  await s.step('the demo page', async () => {
    const r = await page.goto(d.url);
    s.check('GET / answers 200', r && r.status() === 200, r && r.status());
    const title = await page.title();
    s.check('the title names the ruling', title.includes('City of Chicago v. Sessions'), title);
    const problems = await axeCheck(page);
    s.check('axe: no serious or critical violations on /', problems.length === 0,
      problems.join('\n'));
  });

  await s.step('the form without JavaScript', async () => {
    await page.fill('#q', 'who was the judge');
    const [r] = await Promise.all([
      page.waitForResponse((res) => new URL(res.url()).pathname === '/api/ask'),
      page.click('form button[type=submit]'),
    ]);
    await page.waitForURL('**/api/ask?*');
    s.check('the form goes to /api/ask?q=...', new URL(page.url()).pathname === '/api/ask' &&
      new URL(page.url()).searchParams.get('q') === 'who was the judge', page.url());
    s.check('/api/ask answers 200', r && r.status() === 200, r && r.status());
    const body = await page.textContent('body');
    s.check('the answer names Judge Leinenweber', body.includes('Leinenweber'), body);
  });

  s.check('no page or console errors', page.errors.length === 0, page.errors.join('\n'));
  await page.context().close();
}

if (browser) await browser.close();
if (d) await s.step('rulingd stops', async () => {
  const status = await d.stop();
  s.check('rulingd exits with status 0 on SIGTERM', status === 0, status);
});
process.exit(s.summary());
