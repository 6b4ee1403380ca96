// SPDX-License-Identifier: MIT
//
// Shared by the browser tests (tests/browser/*.mjs): the built rulingd on a free port,
// Debian's chromium driven by playwright-core (never a browser npm downloads), an axe-core
// check, and checks that end with 'N passed, N failed' like every suite (tests/run reads
// that line). In the spirit of tests/integration/harness.py and daemon.py.
//
//   import { suite, skipUnlessReady, startDaemon, launchBrowser, newPage, axeCheck }
//       from './harness.mjs';
//   skipUnlessReady();
//   const s = suite('widget');
//   const d = await startDaemon({ suite: s });
//   const browser = await launchBrowser();
//   const page = await newPage(browser);
//   await s.step('the page loads', async () => {
//     await page.goto(d.url);
//     s.check('no page errors', page.errors.length === 0, page.errors.join('\n'));
//   });
//   await browser.close();
//   await d.stop();
//   process.exit(s.summary());
//
// Environment: BUILD (default build, relative to the repository), VALGRIND=1 (rulingd runs
// under valgrind and every wait is SLOW times longer). `scripts/install-deps --test`
// installs chromium and the npm packages (npm ci here).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const BUILD = path.resolve(ROOT, process.env.BUILD || 'build');
export const KB = path.join(BUILD, 'kb.sqlite');
export const FIXTURE = path.join(BUILD, 'test', 'fixture.sqlite');
export const WWW = path.join(ROOT, 'adapters', 'web');
export const CHROMIUM = '/usr/bin/chromium';
const HOST = '127.0.0.1';

export const VALGRIND = process.env.VALGRIND === '1';
// The same valgrind command as tests/integration/harness.py: exit status 99 means errors.
const VALGRIND_CMD = ['valgrind', '--quiet', '--error-exitcode=99', '--leak-check=full',
  '--errors-for-leak-kinds=definite,indirect', '--show-leak-kinds=definite,indirect'];
// Lets rulingd's searches run under valgrind, which is tens of times slower.
const SLOW_ARGS = VALGRIND ? ['--query-deadline', '0'] : [];
// Keeps the default rate limits out of tests that are about something else.
const NO_RATE = ['--rate', '100000', '--burst', '100000'];
// Waits are multiplied by this under valgrind.
export const SLOW = VALGRIND ? 10 : 1;

/** seconds, times SLOW, in milliseconds (what Playwright and timers take). */
export function slow(seconds) {
  return seconds * SLOW * 1000;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function indent(text) {
  return '    ' + String(text).slice(0, 3000).replace(/\n/g, '\n    ');
}

// ---- Checks ------------------------------------------------------------------------------

/**
 * A suite of checks. check(what, ok, detail) records one (a failure is printed with its
 * detail) and returns ok; await step(name, fn) runs fn, and a thrown error counts as one
 * failed check with its message, then the test goes on; summary() prints
 * 'N passed, N failed' as the last line and returns the exit status (0 or 1).
 * A watchdog ends the test with a failure after budget seconds (times SLOW).
 */
export function suite(name, { budget = 120 } = {}) {
  const s = {
    name,
    passed: 0,
    failed: 0,
    check(what, ok, detail = '') {
      if (ok) {
        s.passed++;
      } else {
        s.failed++;
        console.log(`FAIL ${name}: ${what}`);
        if (detail !== '' && detail !== undefined && detail !== null) console.log(indent(detail));
      }
      return Boolean(ok);
    },
    async step(stepName, fn) {
      try {
        return await fn();
      } catch (e) {
        s.check(`${stepName} (ran to its end)`, false, (e && e.stack) || String(e));
        return undefined;
      }
    },
    summary() {
      clearTimeout(watchdog);
      console.log(`${s.passed} passed, ${s.failed} failed`);
      return s.failed ? 1 : 0;
    },
  };
  // Unref'd: it never keeps the test alive, only ends one that hangs. The exit handler
  // below stops rulingd, and Playwright closes its browsers on exit.
  const watchdog = setTimeout(() => {
    s.check(`the test ran within its time budget (${budget * SLOW} s)`, false);
    s.summary();
    process.exit(1);
  }, slow(budget));
  watchdog.unref();
  return s;
}

/**
 * Ends the test with a failure (never a silent pass) when the browser or the npm packages
 * are missing; `scripts/install-deps --test` installs both.
 */
export function skipUnlessReady() {
  const missing = [];
  if (!fs.existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (Debian package chromium)`);
  for (const p of ['playwright-core', 'axe-core']) {
    if (!fs.existsSync(path.join(HERE, 'node_modules', p, 'package.json'))) {
      missing.push(`tests/browser/node_modules/${p} (npm ci in tests/browser)`);
    }
  }
  if (missing.length) {
    console.log('FAIL browser tests cannot run; missing:');
    for (const m of missing) console.log(`    ${m}`);
    console.log('    run scripts/install-deps --test (or make test-deps)');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

// ---- rulingd -----------------------------------------------------------------------------

// Every rulingd started here, killed (with its process group) when the test exits however
// it exits: normally, by an uncaught exception, or by SIGINT, SIGTERM or SIGHUP.
const running = new Set();
const tmpDirs = [];

function killAll() {
  for (const proc of running) {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
}

process.on('exit', killAll);
for (const [sig, n] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
  process.on(sig, () => {
    killAll();
    process.exit(128 + n);
  });
}

/** A TCP port nothing listens on now (on 127.0.0.1). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function healthy(url) {
  try {
    const r = await fetch(url + 'healthz', { signal: AbortSignal.timeout(2000) });
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts the built rulingd on 127.0.0.1 and a free port with --kb (default build/kb.sqlite;
 * FIXTURE is the test knowledge base), --www (default adapters/web), no rate limit, then
 * args; under valgrind when VALGRIND=1. Waits until /healthz answers 200 (10 s, times
 * SLOW), and throws with rulingd's standard error when it does not.
 *
 * With suite given, stop() records under valgrind whether valgrind found errors, and
 * rulingd's standard error is printed when a check of the suite failed while it ran.
 *
 * Returns { port, url: 'http://127.0.0.1:PORT/', ws: 'ws://127.0.0.1:PORT/',
 *           stop(signal = 'SIGTERM') -> exit status (negative: killed by that signal;
 *             SIGKILL after 5 s, times SLOW), start() (the same port again),
 *           alive(), stderr() (all it wrote, over restarts), command }.
 */
export async function startDaemon({ kb = KB, www = WWW, args = [], port, suite: s } = {}) {
  const program = path.join(BUILD, 'rulingd');
  if (!fs.existsSync(program)) throw new Error(`${program} is not built (make)`);
  port = port || (await freePort());
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rulingd-browser-'));
  tmpDirs.push(tmp);
  const logPath = path.join(tmp, 'stderr.log');
  const command = [program, ...SLOW_ARGS, '--listen', `${HOST}:${port}`,
    ...(kb ? ['--kb', path.resolve(ROOT, kb)] : []),
    ...(www ? ['--www', path.resolve(ROOT, www)] : []),
    ...NO_RATE, ...args];
  const full = VALGRIND ? [...VALGRIND_CMD, ...command] : command;
  let proc = null;
  let exited = null; // a promise of the exit status of proc
  let failedBefore = 0;

  const d = {
    port,
    url: `http://${HOST}:${port}/`,
    ws: `ws://${HOST}:${port}/`,
    command: full,

    stderr() {
      try {
        return fs.readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    },

    alive() {
      return proc !== null && proc.pid !== undefined && proc.exitCode === null &&
        proc.signalCode === null;
    },

    async start() {
      if (d.alive()) throw new Error('rulingd already runs');
      failedBefore = s ? s.failed : 0;
      const log = fs.openSync(logPath, 'a');
      // Its own process group (detached), so that stop() and the exit handler reach any
      // process it starts (--workers). stdio goes to a file: no pipe keeps the test alive.
      proc = spawn(full[0], full.slice(1), { cwd: ROOT, detached: true,
        stdio: ['ignore', log, log] });
      fs.closeSync(log);
      const started = proc;
      exited = new Promise((resolve) => {
        started.on('exit', (code, sig) => resolve(code !== null ? code : -os.constants.signals[sig]));
        started.on('error', (e) => {
          fs.appendFileSync(logPath, `spawn failed: ${e.message}\n`);
          resolve(-1);
        });
      });
      proc.unref();
      running.add(proc);
      const deadline = Date.now() + slow(10);
      while (Date.now() < deadline && d.alive()) {
        if (await healthy(d.url)) return d;
        await sleep(50);
      }
      const why = d.alive() ? 'did not answer /healthz in time' : 'exited';
      await d.stop('SIGKILL');
      throw new Error(`rulingd ${why}: ${full.join(' ')}\n${d.stderr()}`);
    },

    async stop(sig = 'SIGTERM') {
      if (proc === null || !running.has(proc)) return proc === null ? null : await exited;
      if (d.alive()) {
        try {
          process.kill(proc.pid, sig);
        } catch {
          // gone meanwhile
        }
        let timer;
        const late = new Promise((resolve) => {
          timer = setTimeout(() => resolve('late'), slow(5));
        });
        if ((await Promise.race([exited, late])) === 'late') {
          try {
            process.kill(proc.pid, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        }
        clearTimeout(timer);
      }
      const status = await exited;
      // Whatever is left in its process group (workers) goes too.
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        // none left
      }
      running.delete(proc);
      if (s) {
        if (VALGRIND) s.check('valgrind is clean for rulingd', status !== 99, d.stderr());
        if (s.failed > failedBefore) {
          const lines = d.stderr().trimEnd().split('\n').slice(-60);
          console.log(`---- rulingd (${full.join(' ')}) stderr, last 60 lines:`);
          console.log(lines.map((x) => '    ' + x).join('\n'));
        }
      } else if (VALGRIND && status === 99) {
        throw new Error(`valgrind found errors in rulingd:\n${d.stderr()}`);
      }
      return status;
    },
  };
  return d.start();
}

// ---- Chromium ----------------------------------------------------------------------------

// Without the background-networking flags Chromium keeps trying Google's hosts, which this
// closed network refuses. --no-sandbox: the tests run as root, where Chromium's sandbox
// will not start.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Debian's headless chromium, through playwright-core (a new, empty profile each time). */
export async function launchBrowser(options = {}) {
  // Imported here, not at the top, so that skipUnlessReady() can explain a missing package.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: slow(30),
    ...options,
  });
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function stubPage(url) {
  const text = String(url).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>external page stub</title>` +
    `<p>external page stub: ${text}</p></html>`;
}

/**
 * A page in a new browser context. Requests to 127.0.0.1 and localhost go through; any
 * other http(s) request is answered with a small 200 page 'external page stub: URL', so a
 * test can follow a source link without the internet (page.stubbed lists those URLs).
 * page.errors collects uncaught page errors and console errors (a CSP violation or a failed
 * load is one) of every page of the context, popups included.
 *
 * Options: viewport ({width, height}, default 1280x800), locale ('en-US'), colorScheme
 * ('light'), javaScriptEnabled (true); anything else is passed to browser.newContext().
 * The page's own Content-Security-Policy stays in force (no bypassCSP): a test sees what
 * a user's browser would block. Close with `await page.context().close()`.
 */
export async function newPage(browser, { viewport = { width: 1280, height: 800 },
  locale = 'en-US', colorScheme = 'light', javaScriptEnabled = true, ...rest } = {}) {
  const context = await browser.newContext({ viewport, locale, colorScheme,
    javaScriptEnabled, ...rest });
  context.setDefaultTimeout(slow(10));
  context.setDefaultNavigationTimeout(slow(10));
  const errors = [];
  const stubbed = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (LOCAL_HOSTS.has(url.hostname) || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      return route.continue();
    }
    stubbed.push(url.href);
    return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8',
      body: stubPage(url.href) });
  });
  const watched = new WeakSet();
  const watch = (p) => {
    if (watched.has(p)) return;
    watched.add(p);
    p.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
    });
  };
  context.on('page', watch);
  const page = await context.newPage();
  watch(page); // (context.on('page') may have seen it already: watched once either way)
  page.errors = errors;
  page.stubbed = stubbed;
  page.javaScriptEnabled = javaScriptEnabled;
  return page;
}

// ---- Accessibility -----------------------------------------------------------------------

let axeSource = null;

/**
 * Runs axe-core on the page (or on include: a CSS selector, or anything axe.run takes as
 * its context) and returns its serious and critical violations, each as
 * 'id: help (targets)'. axe looks inside open shadow roots by itself; a target inside one
 * reads 'host >>> inner'.
 *
 * axe is injected with page.evaluate, not a <script> tag: the demo page's CSP
 * (script-src 'self') blocks an inline script tag, and bypassCSP on the context would turn
 * the CSP off for the whole test. Playwright's evaluate goes through the DevTools protocol,
 * which the page's CSP does not govern.
 *
 * axe needs timers, which do not run in a page with javaScriptEnabled: false, so it cannot
 * check such a page: this throws. To check what a user without JavaScript sees, use a page
 * with JavaScript whose context aborts the scripts (context.route).
 */
export async function axeCheck(page, { include } = {}) {
  if (page.javaScriptEnabled === false) {
    throw new Error('axeCheck needs a page with JavaScript (axe waits on timers)');
  }
  if (axeSource === null) {
    axeSource = fs.readFileSync(path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  }
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(axeSource);
  }
  // preload: false -- axe would otherwise copy the page's style sheets into <style>
  // elements, which style-src 'self' blocks (a console error in page.errors), and only
  // css-orientation-lock reads them.
  const run = page.evaluate(async (context) => {
    const result = await window.axe.run(context === null ? document : context,
      { resultTypes: ['violations'], preload: false });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.map((n) => n.target) }));
  }, include === undefined ? null : include);
  // page.evaluate has no time limit of its own.
  let timer;
  const late = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('axe did not finish in time')), slow(30));
  });
  const violations = await Promise.race([run, late]).finally(() => clearTimeout(timer));
  const flat = (t) => (Array.isArray(t) ? t.map(flat).join(' >>> ') : String(t));
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => {
      const shown = v.targets.slice(0, 5).map(flat);
      const more = v.targets.length > 5 ? `, and ${v.targets.length - 5} more` : '';
      return `${v.id}: ${v.help} (${shown.join(', ')}${more})`;
    });
}
