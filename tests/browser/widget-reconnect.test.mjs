// SPDX-License-Identifier: MIT
//
// The widget when the connection goes away: rulingd restarted mid-conversation (the
// reader is told, a question asked meanwhile is sent once when it is back), a page
// reloaded while a question waits, and, with the websocket played by the test, a
// connection that drops after the question left and a server that answers twice.
import fs from 'node:fs';
import path from 'node:path';

import {
  suite, startDaemon, launchBrowser, newPage, skipUnlessReady, ROOT,
} from './harness.mjs';
import {
  apiAsk, ask, botItems, userItems, openPanel, shownText, metric, waitForReplies, hostSite,
} from './lib/widget.mjs';

await skipUnlessReady();
const s = suite('widget reconnect');
const d = await startDaemon({ suite: s });
const browser = await launchBrowser();
const web = path.join(ROOT, 'adapters', 'web');
const site = await hostSite({
  '/': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Story</title></head>
<body><h1>A story</h1><script src="/widget.js" data-rulingbot-url="${d.ws}" async></script>
</body></html>`,
  '/widget.js': { type: 'text/javascript', body: fs.readFileSync(path.join(web, 'widget.js')) },
  '/widget.css': { type: 'text/css', body: fs.readFileSync(path.join(web, 'widget.css')) },
});
// Every question rulingd took, whatever its outcome.
const QUESTIONS = 'rulingd_questions_total';

async function statusText(page) {
  return page.locator('.rb-status').innerText();
}

try {
  const page = await newPage(browser, {});
  await page.goto(d.url);
  await openPanel(page);

  await s.step('rulingd restarts: the reader is told, the pending question is answered once',
    async () => {
      await ask(page, 'who was the judge');
      await d.stop();
      await page.waitForFunction(() => document.querySelector('[data-rulingbot]').shadowRoot
        .querySelector('.rb-status').textContent.includes('Reconnecting'), null, { timeout: 10000 });
      s.check('the reader is told it is reconnecting',
        (await statusText(page)).startsWith('Connection lost. Reconnecting'));
      const q = 'When did the judge rule?';
      await page.locator('#rb-input').fill(q);
      await page.locator('#rb-input').press('Enter');
      await userItems(page).nth(1).waitFor();
      s.check('the question is shown at once', (await userItems(page).nth(1).innerText())
        .includes(q));
      s.check('and said to wait for the connection', (await statusText(page))
        .includes('Your question will be sent when the connection is back.'));
      s.check('no answer yet', await botItems(page).count() === 1);
      await d.start();
      const reply = await waitForReplies(page, 2, 40000);
      const want = await apiAsk(d, q);
      s.check('it is answered when rulingd is back', await shownText(reply) === want.text);
      s.check('the status line is cleared', (await statusText(page)) === '');
      await page.waitForTimeout(1500);
      s.check('answered once in the page', await botItems(page).count() === 2);
      // The new rulingd has seen exactly two questions: the widget's and ours above.
      s.check('asked once of rulingd', await metric(d, QUESTIONS) === 2,
        `${await metric(d, QUESTIONS)} questions`);
    });

  await s.step('a question waiting when the page reloads is sent after the reload', async () => {
    // A site that serves the widget's files itself: its page reloads while rulingd is down.
    await page.goto(`${site.url}/`);
    await openPanel(page);
    await d.stop();
    await page.locator('.rb-status:not(:empty)').waitFor({ timeout: 10000 });
    const q = 'What is a sanctuary city?';
    await page.locator('#rb-input').fill(q);
    await page.locator('#rb-input').press('Enter');
    await userItems(page).nth(0).waitFor();
    await page.reload();
    await page.locator('.rb-panel').waitFor({ state: 'visible' });
    s.check('the question is still there', (await userItems(page).nth(0).innerText()).includes(q));
    await d.start();
    const reply = await waitForReplies(page, 1, 40000);
    s.check('and answered', await shownText(reply) === (await apiAsk(d, q)).text);
    await page.waitForTimeout(1000);
    s.check('once', await botItems(page).count() === 1 && await metric(d, QUESTIONS) === 2);
  });

  await s.step('a connection lost after the question left: asked again, shown once', async () => {
    const ctx = await newPage(browser, {});
    const asks = [];
    let connections = 0;
    await ctx.routeWebSocket(/\/$/, (ws) => {
      const n = ++connections;
      ws.onMessage((data) => {
        const m = JSON.parse(data);
        asks.push(m);
        if (n === 1) {
          ws.close(); // the question went out; its answer never comes back
          return;
        }
        // A confused server answering twice: the widget must show it once.
        const reply = JSON.stringify({ type: 'answer', id: m.id, text: `Answer to ${m.text}`,
          lang: 'en', status: 'current', sources: [] });
        ws.send(reply);
        ws.send(reply);
      });
    });
    await ctx.goto(d.url);
    await openPanel(ctx);
    const reply = await ask(ctx, 'who was the judge', { timeout: 20000 });
    await ctx.waitForTimeout(1000);
    s.check('it reconnected', connections === 2, `${connections} connections`);
    s.check('the same question went again with the same id', asks.length === 2 &&
      asks[0].id === asks[1].id && asks[0].type === 'ask' && asks[1].text === 'who was the judge',
      JSON.stringify(asks));
    s.check('the answer is shown once', await botItems(ctx).count() === 1 &&
      await shownText(reply) === 'Answer to who was the judge');
    await ctx.context().close();
  });

  await s.step('a question waits while the server holds its answer', async () => {
    const ctx = await newPage(browser, {});
    let hold = null;
    await ctx.routeWebSocket(/\/$/, (ws) => {
      ws.onMessage((data) => {
        const m = JSON.parse(data);
        hold = () => ws.send(JSON.stringify({ type: 'answer', id: m.id, text: 'Late answer.',
          lang: 'en', status: 'current' }));
      });
    });
    await ctx.goto(d.url);
    await openPanel(ctx);
    await ctx.locator('#rb-input').fill('who was the judge');
    await ctx.locator('#rb-input').press('Enter');
    await ctx.locator('.rb-typing').waitFor({ state: 'visible', timeout: 5000 });
    s.check('the typing dots show while waiting', await ctx.locator('.rb-typing').isVisible());
    s.check('and the log is marked busy', await ctx.locator('.rb-log')
      .getAttribute('aria-busy') === 'true');
    hold();
    await waitForReplies(ctx, 1);
    s.check('they go when the answer comes', await ctx.locator('.rb-typing').isHidden() &&
      await ctx.locator('.rb-log').getAttribute('aria-busy') === 'false');
    await ctx.context().close();
  });

  // The browser logs each refused connection while rulingd is down; nothing else is allowed.
  const errors = page.errors.filter((e) => !/WebSocket connection to .* failed/.test(e));
  s.check('no errors in the page', errors.length === 0, errors.join('\n'));
} finally {
  await site.close();
  await browser.close();
  await d.stop();
}
process.exit(s.summary());
