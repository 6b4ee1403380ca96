// SPDX-License-Identifier: MIT
//
// Takes the README's pictures of the widget (`make screenshots`): the demo page on a
// desktop and on a 360 px phone, each with one real answer from the bundled knowledge
// base, written to docs/widget-desktop.png and docs/widget-phone.png. Not a test: the
// pictures change whenever the widget's look does, and are committed by hand.
import path from 'node:path';

import { ROOT, startDaemon, launchBrowser, newPage, skipUnlessReady } from '../harness.mjs';
import { ask, openPanel } from '../lib/widget.mjs';

skipUnlessReady();
const d = await startDaemon({});
const browser = await launchBrowser();
const shots = [
  { file: 'widget-desktop.png', viewport: { width: 1100, height: 760 } },
  { file: 'widget-phone.png', viewport: { width: 360, height: 740 } },
];

try {
  for (const shot of shots) {
    const page = await newPage(browser, { viewport: shot.viewport, deviceScaleFactor: 1,
      reducedMotion: 'reduce' });
    await page.goto(d.url);
    await openPanel(page);
    await ask(page, 'Who was the judge?');
    await page.locator('#rb-input').blur();
    const out = path.join(ROOT, 'docs', shot.file);
    await page.screenshot({ path: out });
    console.log(`wrote ${path.relative(ROOT, out)}`);
    await page.context().close();
  }
} finally {
  await browser.close();
  await d.stop();
}
