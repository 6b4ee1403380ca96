// SPDX-License-Identifier: MIT
//
// The widget on rulingd's demo page, in Chromium, against the real rulingd and the bundled
// knowledge base: an answer with its sources and a working source link, related questions,
// suggestions when the bot does not know, its choices when it asks back, the superseded
// note, the examples it offers, the conversation kept across a reload, and no serious
// accessibility violation in the light and the dark theme. Every expected text comes from rulingd's own /api/ask.
import {
  suite, startDaemon, launchBrowser, newPage, axeCheck, skipUnlessReady,
} from './harness.mjs';
import {
  apiAsk, ask, botItems, userItems, openPanel, shownText, questionTexts, dateWords,
  waitForReplies, widgetReady,
} from './lib/widget.mjs';

await skipUnlessReady();
const s = suite('widget answers');
const d = await startDaemon({ suite: s });
const browser = await launchBrowser();

try {
  const page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
  await page.goto(d.url);

  await s.step('the launcher opens the panel and focuses the question field', async () => {
    await widgetReady(page);
    s.check('the panel starts closed', await page.locator('.rb-panel').isHidden());
    await page.getByRole('button', { name: 'Ask about the ruling' }).click();
    s.check('the panel is open', await page.locator('.rb-panel').isVisible());
    s.check('the launcher says so', await page.locator('.rb-launcher')
      .getAttribute('aria-expanded') === 'true');
    s.check('the question field has focus', await page.locator('#rb-input')
      .evaluate((e) => e.getRootNode().activeElement === e));
    s.check('the not-legal-advice line is shown', await page.locator('.rb-disclaimer')
      .innerText() === 'General information with sources, not legal advice.');
  });

  await s.step('a question gets the engine\'s answer with its sources as links', async () => {
    const want = await apiAsk(d, 'who was the judge');
    const reply = await ask(page, 'who was the judge');
    s.check('the question is shown', (await userItems(page).last().innerText())
      .includes('who was the judge'));
    s.check('the answer is the engine\'s', await shownText(reply) === want.text,
      await shownText(reply));
    const items = reply.locator('.rb-sources > li');
    s.check('one list item per source', await items.count() === want.sources.length,
      `${await items.count()} vs ${want.sources.length}`);
    for (const [i, src] of want.sources.entries()) {
      const li = items.nth(i);
      const link = li.locator('a');
      s.check(`source ${i + 1}: title is a link to its URL`,
        await link.getAttribute('href') === src.url && (await link.innerText()).includes(src.title));
      s.check(`source ${i + 1}: opens safely in a new tab`,
        await link.getAttribute('target') === '_blank' &&
        (await link.getAttribute('rel')).includes('noopener'));
      const meta = await li.locator('.rb-meta').innerText();
      s.check(`source ${i + 1}: publisher and date`, meta.includes(src.publisher) &&
        meta.includes(dateWords(src.date, 'en')), meta);
      if (src.citation)
        s.check(`source ${i + 1}: citation`, await li.locator('cite').innerText() === src.citation);
    }
    const popup = page.context().waitForEvent('page');
    await items.first().locator('a').click();
    const opened = await popup;
    await opened.waitForLoadState();
    s.check('clicking the source opens its page', opened.url() === want.sources[0].url,
      opened.url());
    await opened.close();
  });

  await s.step('a related question is a button that asks it', async () => {
    const reply = botItems(page).last();
    const related = await questionTexts(reply, '.rb-related');
    s.check('related questions are shown', related.length > 0);
    const want = await apiAsk(d, related[0]);
    await reply.locator('.rb-related .rb-question').first().click();
    const next = await waitForReplies(page, 2);
    s.check('the related question is asked', (await userItems(page).last().innerText())
      .includes(related[0]));
    s.check('and answered by the engine', await shownText(next) === want.text);
  });

  await s.step('when the bot does not know, it says so and suggests questions', async () => {
    const q = "what's the weather in chicago";
    const want = await apiAsk(d, q);
    s.check('the engine declines this one', want.type === 'no_answer');
    const reply = await ask(page, q);
    s.check('the decline is shown', await shownText(reply) === want.text);
    const shown = await questionTexts(reply, '.rb-suggestions');
    s.check('its suggestions are buttons', JSON.stringify(shown) ===
      JSON.stringify(want.suggestions.map((x) => x.question)), JSON.stringify(shown));
    s.check('no sources on a decline', await reply.locator('.rb-sources').count() === 0);
    const n = await botItems(page).count();
    const next = await apiAsk(d, shown[0]);
    await reply.locator('.rb-suggestions .rb-question').first().click();
    s.check('a suggestion gets an answer', await shownText(await waitForReplies(page, n + 1))
      === next.text && next.type === 'answer');
  });

  await s.step('when the bot is unsure, its choices are buttons under its question', async () => {
    const q = 'when';
    const want = await apiAsk(d, q);
    s.check('the engine asks this one back', want.type === 'clarify' && want.choices.length > 1,
      JSON.stringify(want));
    const reply = await ask(page, q);
    s.check('its question is shown', await shownText(reply) === want.text);
    const shown = await questionTexts(reply, '.rb-choices');
    s.check('its choices are buttons', JSON.stringify(shown) ===
      JSON.stringify(want.choices.map((x) => x.question)), JSON.stringify(shown));
    s.check('without a heading of their own', await reply.locator('.rb-label').count() === 0,
      await reply.innerText());
    const n = await botItems(page).count();
    const next = await apiAsk(d, shown[1]);
    await reply.locator('.rb-choices .rb-question').nth(1).click();
    s.check('the question is asked', (await userItems(page).last().innerText())
      .includes(shown[1]));
    s.check('a choice gets its answer', await shownText(await waitForReplies(page, n + 1))
      === next.text && next.type === 'answer' && next.fact === want.choices[1].fact);
  });

  await s.step('a superseded answer carries the "no longer current" note', async () => {
    const q = 'Which conditions did the judge block?';
    const want = await apiAsk(d, q);
    s.check('the engine calls it superseded', want.status === 'superseded' ||
      want.status === 'partly-superseded', want.status);
    const reply = await ask(page, q);
    const note = reply.locator('.rb-superseded');
    s.check('the note is shown', (await note.innerText()).includes('This is no longer current.'));
    s.check('it links the later answer', await note.locator('.rb-question').innerText() ===
      want.superseded_by.question);
    const current = await apiAsk(d, 'who was the judge');
    s.check('a current answer has no note', current.status === 'current' &&
      await botItems(page).first().locator('.rb-superseded').count() === 0);
  });

  await s.step('the examples offered at the start are all answered', async () => {
    const examples = await page.locator('.rb-intro .rb-question').allTextContents();
    s.check('three examples', examples.length === 3, JSON.stringify(examples));
    for (const q of examples) {
      const want = await apiAsk(d, q);
      s.check(`"${q}" has a sourced answer`, want.type === 'answer' && want.sources.length > 0);
    }
  });

  await s.step('only answers are announced', async () => {
    const log = page.locator('.rb-log');
    s.check('the messages are a polite log', await log.getAttribute('role') === 'log' &&
      await log.getAttribute('aria-live') === 'polite');
    const userLive = await userItems(page).evaluateAll((els) => els.map((e) => e.ariaLive));
    s.check('the reader\'s own questions are not announced',
      userLive.length > 0 && userLive.every((v) => v === 'off'));
    const botLive = await botItems(page).evaluateAll((els) => els.map((e) => e.ariaLive));
    s.check('answers are', botLive.every((v) => v === null));
    s.check('the typing dots are not read out', await page.locator('.rb-typing')
      .getAttribute('aria-hidden') === 'true');
    s.check('no typing dots once answered', await page.locator('.rb-typing').isHidden());
  });

  await s.step('the conversation survives a page reload in the same tab', async () => {
    const before = await page.locator('.rb-list > li').allInnerTexts();
    await page.reload();
    await widgetReady(page);
    s.check('the panel is still open', await page.locator('.rb-panel').isVisible());
    const after = await page.locator('.rb-list > li').allInnerTexts();
    s.check('every message is back', JSON.stringify(after) === JSON.stringify(before),
      `${after.length} vs ${before.length} messages`);
    const other = await newPage(browser, {});
    await other.goto(d.url);
    await openPanel(other);
    s.check('a new tab starts a new conversation', await botItems(other).count() === 0);
    await other.context().close();
  });

  // Checked before axe, which sets inline styles of its own that the page's CSP refuses.
  s.check('no errors in the page', page.errors.length === 0, page.errors.join('\n'));

  await s.step('no serious accessibility violations, light and dark', async () => {
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      const bad = await axeCheck(page);
      s.check(`axe: ${scheme}`, bad.length === 0, bad.join('\n'));
    }
  });

} finally {
  await browser.close();
  await d.stop();
}
process.exit(s.summary());
