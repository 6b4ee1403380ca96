// SPDX-License-Identifier: MIT
//
// The widget for every reader: keyboard only (open, ask, follow a source, close with
// Esc, focus always visible), a 360 px phone screen (the panel takes the screen), the
// Spanish interface (from the page's language, the browser's, or an option), and the
// demo page without JavaScript (a plain form and rulingd's answer page).
import {
  suite, startDaemon, launchBrowser, newPage, axeCheck, skipUnlessReady,
} from './harness.mjs';
import {
  apiAsk, ask, botItems, openPanel, shownText, dateWords, hostSite, embedTag, widgetReady,
} from './lib/widget.mjs';

await skipUnlessReady();
const s = suite('widget access');
const d = await startDaemon({ suite: s });
const browser = await launchBrowser();

// The focused element, looking inside the widget's shadow root.
function focused(page) {
  return page.evaluate(() => {
    let e = document.activeElement;
    while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
    if (!e) return null;
    const st = getComputedStyle(e);
    return { tag: e.tagName.toLowerCase(), cls: e.className, id: e.id, href: e.href || null,
      outline: `${st.outlineStyle} ${st.outlineWidth}` };
  });
}

async function tabUntil(page, want, key = 'Tab', limit = 40) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press(key);
    const f = await focused(page);
    if (f && want(f)) return f;
  }
  return null;
}

const site = await hostSite({
  '/es': `<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Noticia</title></head>
<body><h1>Una noticia</h1>${embedTag(d)}</body></html>`,
  '/nolang': `<!doctype html><html><head><meta charset="utf-8"><title>Story</title></head>
<body><h1>A story</h1>${embedTag(d)}</body></html>`,
  '/forced-en': `<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Noticia</title></head>
<body><h1>Una noticia</h1>${embedTag(d, 'data-rulingbot-lang="en"')}</body></html>`,
});

try {
  await s.step('keyboard only: open, ask, follow a source, close with Esc', async () => {
    const page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
    await page.goto(d.url);
    await widgetReady(page);
    const launcher = await tabUntil(page, (f) => f.cls.includes('rb-launcher'));
    s.check('Tab reaches the launcher', launcher !== null);
    s.check('with a visible focus ring', launcher && launcher.outline.startsWith('solid') &&
      !launcher.outline.endsWith(' 0px'), launcher && launcher.outline);
    await page.keyboard.press('Enter');
    s.check('Enter opens the panel on the question field',
      await page.locator('.rb-panel').isVisible() && (await focused(page)).id === 'rb-input');
    await page.keyboard.type('who was the judge');
    await page.keyboard.press('Enter');
    await botItems(page).first().waitFor();
    const want = await apiAsk(d, 'who was the judge');
    s.check('Enter sends, and the answer comes', await shownText(botItems(page).first()) === want.text);
    s.check('focus stays in the field', (await focused(page)).id === 'rb-input');
    const link = await tabUntil(page, (f) => f.tag === 'a', 'Shift+Tab');
    s.check('Shift+Tab reaches the source links', link !== null &&
      want.sources.some((src) => src.url === link.href), link && link.href);
    s.check('their focus is visible', link && link.outline.startsWith('solid'));
    const popup = page.context().waitForEvent('page');
    await page.keyboard.press('Enter');
    const opened = await popup;
    s.check('Enter follows the link', opened.url() === link.href);
    await opened.close();
    await page.bringToFront();
    await page.keyboard.press('Escape');
    s.check('Esc closes the panel', await page.locator('.rb-panel').isHidden());
    s.check('and gives focus back to the launcher', (await focused(page)).cls.includes('rb-launcher'));
    const close = await (async () => {
      await page.keyboard.press('Enter');
      return tabUntil(page, (f) => f.cls.includes('rb-close'), 'Shift+Tab');
    })();
    s.check('the close button is reachable and labelled', close !== null &&
      await page.locator('.rb-close').getAttribute('aria-label') === 'Close the chat');
    await page.keyboard.press('Enter');
    s.check('and closes', await page.locator('.rb-panel').isHidden());
    await page.context().close();
  });

  await s.step('on a 360 px phone the panel takes the whole screen', async () => {
    const page = await newPage(browser, { viewport: { width: 360, height: 740 } });
    await page.goto(d.url);
    await openPanel(page);
    const box = await page.locator('.rb-panel').boundingBox();
    s.check('full screen', box.x === 0 && box.y === 0 && box.width === 360 && box.height === 740,
      JSON.stringify(box));
    await ask(page, 'Which conditions did the judge block?');
    const fits = await page.evaluate(() => {
      const root = document.querySelector('[data-rulingbot]').shadowRoot;
      const log = root.querySelector('.rb-log');
      const input = root.querySelector('#rb-input').getBoundingClientRect();
      const send = root.querySelector('.rb-send').getBoundingClientRect();
      return { wide: log.scrollWidth <= log.clientWidth, input: input.right <= send.left,
        send: send.right <= 360 && send.bottom <= 740 && send.height >= 44 };
    });
    s.check('no sideways scrolling', fits.wide);
    s.check('the field and the Send button fit, and are big enough to touch',
      fits.input && fits.send, JSON.stringify(fits));
    s.check('the launcher hides behind the open panel',
      await page.locator('.rb-launcher').isHidden());
    const bad = await axeCheck(page);
    s.check('axe: phone', bad.length === 0, bad.join('\n'));
    await page.keyboard.press('Escape');
    s.check('Esc gives the page back', await page.locator('.rb-launcher').isVisible());
    await page.context().close();
  });

  await s.step('Spanish interface from the page\'s language', async () => {
    const page = await newPage(browser, { locale: 'en-US' });
    await page.goto(`${site.url}/es`);
    await widgetReady(page);
    s.check('the launcher', await page.locator('.rb-launcher').innerText() ===
      'Preguntar sobre el fallo');
    await openPanel(page);
    s.check('the title and the legal note', await page.locator('.rb-title').innerText() ===
      'Pregunte sobre City of Chicago v. Sessions' &&
      await page.locator('.rb-disclaimer').innerText() ===
      'Información general con fuentes, no asesoría legal.');
    s.check('the labels', await page.locator('label[for="rb-input"]').innerText() === 'Su pregunta' &&
      await page.locator('.rb-send').innerText() === 'Enviar');
    const q = '¿Quién fue el juez?';
    const want = await apiAsk(d, q);
    const reply = await ask(page, q);
    s.check('a Spanish answer', want.lang === 'es' && await shownText(reply) === want.text);
    s.check('marked as Spanish for screen readers', await reply.getAttribute('lang') === 'es');
    s.check('"Fuentes" over its sources', (await reply.locator('.rb-sources-box .rb-label')
      .innerText()) === 'Fuentes');
    s.check('dates in Spanish', (await reply.locator('.rb-meta').first().innerText())
      .includes(dateWords(want.sources[0].date, 'es')));
    const bad = await axeCheck(page);
    s.check('axe: Spanish', bad.length === 0, bad.join('\n'));
    await page.context().close();
  });

  await s.step('Spanish from the browser, English when the tag says so', async () => {
    const page = await newPage(browser, { locale: 'es-MX' });
    await page.goto(`${site.url}/nolang`);
    await widgetReady(page);
    s.check('a page without a language follows the browser',
      await page.locator('.rb-launcher').innerText() === 'Preguntar sobre el fallo');
    await page.goto(`${site.url}/forced-en`);
    await widgetReady(page);
    s.check('data-rulingbot-lang wins', await page.locator('.rb-launcher').innerText() ===
      'Ask about the ruling');
    await page.context().close();
  });

  await s.step('without JavaScript: the form and rulingd\'s answer page', async () => {
    const page = await newPage(browser, { javaScriptEnabled: false });
    await page.goto(d.url);
    s.check('no widget', await page.locator('[data-rulingbot]').count() === 0);
    const q = 'who was the judge';
    const want = await apiAsk(d, q);
    await page.locator('#q').fill(q);
    await page.locator('form button[type="submit"]').click();
    await page.waitForLoadState();
    const body = await page.locator('body').innerText();
    s.check('the answer page shows the answer', body.includes(want.text), page.url());
    const href = await page.locator(`a[href="${want.sources[0].url}"]`).count();
    s.check('with its source as a link', href === 1);
    // axe is itself a script: it checks the same page in a context that runs scripts.
    const checked = await newPage(browser, {});
    await checked.goto(page.url());
    const bad = await axeCheck(checked);
    s.check('axe: answer page', bad.length === 0, bad.join('\n'));
    await checked.context().close();
    await page.context().close();
  });
} finally {
  await site.close();
  await browser.close();
  await d.stop();
}
process.exit(s.summary());
