// The HTML report of a shortlist in Debian's Chromium (issue 15, run by .ci/report-html):
// opens the report URL with the sponsor's token, checks what a reader sees (the
// shortlist's title, programme, a ranked CDMO, "Methodology", an excluded CDMO), and
// records every request the page makes: the page must load nothing but itself.
//
// Environment: CDMX_REPORT_URL, CDMX_REPORT_TOKEN, CDMX_REPORT_EXPECT_TITLE,
// CDMX_REPORT_EXPECT_PROGRAMME, CDMX_REPORT_EXPECT_RANKED, CDMX_REPORT_EXPECT_EXCLUDED
// (names the page must show; the last two may be empty when there are none), CDMX_UI_OUT
// (folder for the screenshot, the printed PDF and the logs), CDMX_UI_TIMEOUT (seconds,
// default 60), CDMX_UI_CHROMIUM (default /usr/bin/chromium).
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { CHROMIUM, CHROMIUM_ARGS, mustEnv: mustEnvOf } = require('../lib/chromium.js');

const mustEnv = (name) => mustEnvOf('report-html', name);

const URL_ = mustEnv('CDMX_REPORT_URL');
const TOKEN = mustEnv('CDMX_REPORT_TOKEN');
const OUT = mustEnv('CDMX_UI_OUT');
const TIMEOUT_SECONDS = Number(process.env.CDMX_UI_TIMEOUT || 60);

function log(message) {
  console.log(`report-html: ${message}`);
}

const requests = [];
const consoleLines = [];
let profile;
let context;

function writeLogs() {
  fs.writeFileSync(path.join(OUT, 'requests.log'), requests.map((r) => `${r.method} ${r.url}`).join('\n') + '\n');
  fs.writeFileSync(path.join(OUT, 'console.log'), consoleLines.join('\n') + (consoleLines.length ? '\n' : ''));
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cdmx-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 1000 },
  });
  try {
    // Every request of the context (the page's, and any a worker or frame would make).
    context.on('request', (request) => requests.push({ method: request.method(), url: request.url() }));
    const page = context.pages()[0] || (await context.newPage());
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
    // The token goes with the report's request only, as a colleague's browser session would.
    await page.route((url) => url.href === URL_, (route) =>
      route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${TOKEN}` } }),
    );

    const response = await page.goto(URL_, { waitUntil: 'load', timeout: 30_000 });
    assert.ok(response, 'no response for the report');
    assert.equal(response.status(), 200, `the report answered ${response.status()}`);
    assert.equal(response.headers()['content-type'], 'text/html; charset=utf-8');
    await page.waitForLoadState('networkidle', { timeout: 10_000 });

    const text = await page.locator('body').innerText();
    const expected = [
      ['the shortlist title', process.env.CDMX_REPORT_EXPECT_TITLE],
      ['the programme', process.env.CDMX_REPORT_EXPECT_PROGRAMME],
      ['a ranked CDMO', process.env.CDMX_REPORT_EXPECT_RANKED],
      ['an excluded CDMO', process.env.CDMX_REPORT_EXPECT_EXCLUDED],
      ['the methodology', 'Methodology'],
      ['the requirement set', 'Requirement set'],
    ];
    for (const [what, needle] of expected) {
      if (needle) {
        assert.ok(text.includes(needle), `${what} (${JSON.stringify(needle)}) is not on the page`);
      }
    }
    const title = await page.title();
    assert.ok(title.includes(process.env.CDMX_REPORT_EXPECT_TITLE || ''), `page title ${JSON.stringify(title)}`);
    const bars = await page.locator('svg rect').count();
    assert.ok(bars > 0, 'no SVG bars drawn');

    await page.screenshot({ path: path.join(OUT, 'report.png'), fullPage: true });
    await page.pdf({ path: path.join(OUT, 'report-printed.pdf'), format: 'A4', printBackground: true });

    const elsewhere = requests.filter((r) => r.url !== URL_);
    assert.deepEqual(elsewhere, [], 'the page loaded something other than itself');
    const errors = consoleLines.filter((line) => line.startsWith('[error]') || line.startsWith('[pageerror]'));
    assert.deepEqual(errors, [], 'the page logged errors');
    log(`${requests.length} request(s), all to the report itself; ${bars} SVG bars; text checked`);
  } finally {
    writeLogs();
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }
}

const watchdog = setTimeout(() => {
  console.error(`report-html: FAILED: timed out after ${TIMEOUT_SECONDS}s`);
  writeLogs();
  process.exit(1);
}, TIMEOUT_SECONDS * 1000);

main().then(
  () => {
    clearTimeout(watchdog);
    log(`passed (screenshot, printed PDF and logs in ${OUT})`);
  },
  (error) => {
    clearTimeout(watchdog);
    console.error(`report-html: FAILED: ${error.message}`);
    console.error(`logs in ${OUT}`);
    process.exitCode = 1;
  },
);
