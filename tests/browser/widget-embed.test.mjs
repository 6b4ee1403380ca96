// SPDX-License-Identifier: MIT
//
// The widget embedded with its one-line tag in another site's page (a second loopback
// port, as a newsroom's site would be): the page's styles and the widget's stay apart,
// data- attributes and RulingBot.init() set its options, and text from the server stays
// text — a knowledge base full of <img onerror> and <script> runs nothing, and a source
// address that is not http(s) is never a link.
import {
  suite, startDaemon, launchBrowser, newPage, skipUnlessReady, BUILD,
} from './harness.mjs';
import {
  apiAsk, ask, botItems, openPanel, shownText, hostSite, embedTag, widgetReady,
} from './lib/widget.mjs';

await skipUnlessReady();
const s = suite('widget embed');
const d = await startDaemon({ kb: `${BUILD}/test/hostile.sqlite`, suite: s });
const browser = await launchBrowser();

// A page whose styles would wreck any widget that took them.
const RUDE_CSS = `<style>
  * { color: rgb(255, 0, 0) !important; font-family: serif !important;
      background: rgb(255, 255, 0) !important; }
  button { display: none !important; }
  .rb-panel, .rb-launcher { display: none !important; }
</style>`;

function page(body, { lang = 'en', head = '' } = {}) {
  return `<!doctype html><html${lang ? ` lang="${lang}"` : ''}><head><meta charset="utf-8">
<title>Host page</title>${head}</head><body><h1>A newsroom story</h1>
<p id="story">Story text.</p><button id="own">The page's own button</button>${body}</body></html>`;
}

const site = await hostSite({
  '/rude': page(embedTag(d), { head: RUDE_CSS }),
  '/options': page(embedTag(d, 'data-rulingbot-title="Ask the Tribune bot" ' +
    'data-rulingbot-position="left" data-rulingbot-theme="dark" data-rulingbot-open')),
  '/manual': page(`<script src="${d.url}widget.js" data-rulingbot-manual></script>
<script src="/init.js"></script>`),
  '/plain': page(embedTag(d)),
});

try {
  await s.step('the host page\'s styles do not reach the widget', async () => {
    const p = await newPage(browser, {});
    await p.goto(`${site.url}/rude`);
    await widgetReady(p);
    const launcher = p.locator('.rb-launcher');
    s.check('the launcher is shown despite "button { display: none }"', await launcher.isVisible());
    const style = await launcher.evaluate((e) => getComputedStyle(e));
    s.check('in its own colours', style.color !== 'rgb(255, 0, 0)' &&
      style.backgroundColor !== 'rgb(255, 255, 0)', `${style.color} on ${style.backgroundColor}`);
    s.check('and font', !/^serif/.test(style.fontFamily), style.fontFamily);
    await launcher.click();
    s.check('the panel opens', await p.locator('.rb-panel').isVisible());
    s.check('the widget\'s styles do not reach the page', await p.evaluate(() =>
      document.styleSheets.length === 1 && document.head.querySelectorAll('style, link').length === 1 &&
      getComputedStyle(document.getElementById('own')).display === 'none'));
    s.check('it adds one element to the page', await p.evaluate(() =>
      Array.from(document.body.children).filter((e) => e.hasAttribute('data-rulingbot')).length === 1));
    await p.context().close();
  });

  await s.step('markup in answers, titles, quotes and questions stays text', async () => {
    const p = await newPage(browser, {});
    await p.goto(`${site.url}/plain`);
    await openPanel(p);
    const want = await apiAsk(d, 'markup test');
    const reply = await ask(p, 'markup test');
    s.check('the answer is shown with its markup as text', await shownText(reply) === want.text);
    s.check('the source title as text', (await reply.locator('.rb-sources a').innerText())
      .includes(want.sources[0].title));
    s.check('the publisher as text', (await reply.locator('.rb-meta').innerText())
      .includes(want.sources[0].publisher));
    s.check('the quote as text', (await reply.locator('.rb-quote').innerText())
      .includes(want.sources[0].quote));
    const related = reply.locator('.rb-related .rb-question');
    s.check('the related question as text', await related.innerText() === want.related[0].question);
    await related.click();
    await botItems(p).nth(1).waitFor();
    await ask(p, '<img src=x onerror="window.__rbPwned=\'question\'"> hello');
    await p.waitForTimeout(500);
    const found = await p.evaluate(() => {
      const root = document.querySelector('[data-rulingbot]').shadowRoot;
      return { img: root.querySelectorAll('img').length, script: root.querySelectorAll('script,b,i,u').length,
        pwned: window.__rbPwned || null };
    });
    s.check('no element was made from server text', found.img === 0 && found.script === 0,
      JSON.stringify(found));
    s.check('no script ran', found.pwned === null, found.pwned);
    await p.context().close();
  });

  await s.step('links only for http(s) addresses', async () => {
    const p = await newPage(browser, {});
    await p.routeWebSocket(/\/$/, (ws) => {
      ws.onMessage((data) => {
        const m = JSON.parse(data);
        ws.send(JSON.stringify({ type: 'answer', id: m.id, text: 'Four sources.', lang: 'en',
          status: 'current', sources: [
            { title: 'Script address', publisher: 'P', url: 'javascript:window.__rbPwned=1' },
            { title: 'Data address', publisher: 'P', url: 'data:text/html,<b>x</b>' },
            { title: 'Relative address', publisher: 'P', url: '/elsewhere' },
            { title: 'Web address', publisher: 'P', url: 'HTTPS://example.org/ok' },
          ] }));
      });
    });
    await p.goto(`${site.url}/plain`);
    await openPanel(p);
    const reply = await ask(p, 'anything');
    const links = await reply.locator('.rb-sources a').evaluateAll((as) => as.map((a) => a.href));
    s.check('one link, the https one', JSON.stringify(links) === '["https://example.org/ok"]',
      JSON.stringify(links));
    s.check('the other titles are shown as text', (await reply.locator('.rb-sources').innerText())
      .includes('Script address'));
    await p.context().close();
  });

  await s.step('options by data- attributes', async () => {
    const p = await newPage(browser, { colorScheme: 'light' });
    await p.goto(`${site.url}/options`);
    await widgetReady(p);
    s.check('open on load', await p.locator('.rb-panel').isVisible());
    s.check('the title', await p.locator('.rb-title').innerText() === 'Ask the Tribune bot');
    const box = await p.locator('.rb-panel').boundingBox();
    s.check('on the left', box.x < 100, JSON.stringify(box));
    const bg = await p.locator('.rb-panel').evaluate((e) => getComputedStyle(e).backgroundColor);
    s.check('the dark theme even in a light browser', bg === 'rgb(31, 31, 31)', bg);
    await p.context().close();
  });

  await s.step('options by RulingBot.init()', async () => {
    const p = await newPage(browser, {});
    await p.route('**/init.js', (route) => route.fulfill({ contentType: 'text/javascript',
      body: `RulingBot.init({url: ${JSON.stringify(d.ws)}, lang: "es", open: true, theme: "light"});` }));
    await p.goto(`${site.url}/manual`);
    await widgetReady(p);
    s.check('one widget', await p.locator('[data-rulingbot]').count() === 1);
    s.check('in Spanish', await p.locator('.rb-title').innerText() ===
      'Pregunte sobre City of Chicago v. Sessions');
    const want = await apiAsk(d, 'prueba de marcas');
    const reply = await ask(p, 'prueba de marcas');
    s.check('answering over the given address', await shownText(reply) === want.text);
    await p.context().close();
  });
} finally {
  await site.close();
  await browser.close();
  await d.stop();
}
process.exit(s.summary());
