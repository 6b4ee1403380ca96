// SPDX-License-Identifier: MIT
//
// What the widget tests share: asking rulingd directly (the answer the widget must show),
// driving the widget in a page, and reading what it shows. Playwright's CSS locators see
// through the widget's open shadow root, so `.rb-bot` finds its answers.
import http from 'node:http';

// The JSON reply rulingd gives over HTTP, to compare the widget's rendering with.
export async function apiAsk(daemon, question) {
  const res = await fetch(`${daemon.url}api/ask?q=${encodeURIComponent(question)}`);
  if (res.status !== 200) throw new Error(`/api/ask answered ${res.status}`);
  return res.json();
}

// One counter from rulingd's /metrics, 0 when absent.
export async function metric(daemon, name) {
  const text = await (await fetch(`${daemon.url}metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(name + ' ') || line.startsWith(name + '{'))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

// Answers (and notices) of the bot, not counting the welcome text.
export function botItems(page) {
  return page.locator('.rb-list > .rb-bot:not(.rb-intro)');
}

export function userItems(page) {
  return page.locator('.rb-list > .rb-user');
}

// Waits until the widget has drawn itself (its stylesheet is in).
export async function widgetReady(page) {
  await page.locator('.rb-launcher').waitFor({ state: 'visible', timeout: 10000 });
}

export async function openPanel(page) {
  await widgetReady(page);
  if (await page.locator('.rb-panel').isHidden()) await page.locator('.rb-launcher').click();
  await page.locator('.rb-panel').waitFor({ state: 'visible' });
}

// Types a question into the widget, sends it with Enter and waits for the bot's next
// reply. Returns that reply's locator.
export async function ask(page, question, { timeout = 10000 } = {}) {
  const before = await botItems(page).count();
  await page.locator('#rb-input').fill(question);
  await page.locator('#rb-input').press('Enter');
  return waitForReplies(page, before + 1, timeout);
}

// Waits until the bot has shown n replies; returns the nth (1-based).
export async function waitForReplies(page, n, timeout = 10000) {
  await botItems(page).nth(n - 1).waitFor({ timeout });
  return botItems(page).nth(n - 1);
}

// The reply's answer text as shown, without the screen-reader prefix.
export async function shownText(reply) {
  return reply.locator('.rb-text').evaluate((p) =>
    Array.from(p.childNodes).filter((n) => !(n.classList && n.classList.contains('rb-sr')))
      .map((n) => n.textContent).join(''));
}

// The question buttons of a reply's block (".rb-related" or ".rb-suggestions").
export async function questionTexts(reply, block) {
  return reply.locator(`${block} .rb-question`).allTextContents();
}

// rulingd's date words, written independently of the widget's own code.
export function dateWords(date, lang) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return new Intl.DateTimeFormat(lang === 'es' ? 'es' : 'en-US',
    { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d);
}

// A web site on another loopback port that embeds the widget with the one-line tag,
// as a newsroom's page would. pages: { '/path': html, or { type, body } }.
// Returns { url, close() }.
export async function hostSite(pages) {
  const server = http.createServer((req, res) => {
    let page = pages[new URL(req.url, 'http://x').pathname];
    if (typeof page === 'string') page = { type: 'text/html; charset=utf-8', body: page };
    res.writeHead(page ? 200 : 404, { 'content-type': page ? page.type : 'text/plain' });
    res.end(page ? page.body : 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// The embed tag of the README, for the daemon d, with extra data- attributes.
export function embedTag(d, attrs = '') {
  return `<script src="${d.url}widget.js" data-rulingbot-url="${d.ws}" ${attrs} async></script>`;
}
