// Swagger UI's "Try it out", driven in Debian's Chromium as a user would (issue 9, run by
// .ci/swagger-ui): sign in with Authorize, search CDMOs with min_phase=phase_3 picked from
// the dropdown, then run POST /v1/matches with its example body as given. Every
// expectation is taken from the served document, so the page is checked against the
// contract and not against constants copied here.
//
// Environment: CDMX_UI_BASE (server address), CDMX_UI_TOKEN (a sponsor access token),
// CDMX_UI_OUT (folder for screenshots and the console log), CDMX_UI_TIMEOUT (seconds for
// the whole run, default 90), CDMX_UI_CHROMIUM (default /usr/bin/chromium).
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { CHROMIUM, CHROMIUM_ARGS, mustEnv: mustEnvOf } = require('../lib/chromium.js');

const mustEnv = (name) => mustEnvOf('swagger-ui', name);

const BASE = mustEnv('CDMX_UI_BASE');
const TOKEN = mustEnv('CDMX_UI_TOKEN');
const OUT = mustEnv('CDMX_UI_OUT');
const TIMEOUT_SECONDS = Number(process.env.CDMX_UI_TIMEOUT || 90);
const ACTION_TIMEOUT_MS = 20_000;

const consoleLines = [];
let shots = 0;
let profile; // Chromium's throwaway --user-data-dir
let context;
let timedOut = false;

// What the page logged as errors, uncaught or through console.error.
function errorLines() {
  return consoleLines.filter((line) => line.startsWith('[error]') || line.startsWith('[pageerror]'));
}

function log(message) {
  console.log(`swagger-ui: ${message}`);
}

async function shoot(page, name) {
  shots += 1;
  const file = path.join(OUT, `${String(shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

function resolveRef(document, schema) {
  let current = schema;
  while (current && current.$ref) {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = document.components.schemas[name];
    assert.ok(current, `dangling $ref ${schema.$ref}`);
  }
  return current;
}

function operationBlock(page, document, route, method) {
  const operation = document.paths[route][method];
  // Swagger UI's element id for an operation: operations-<first tag>-<operationId>.
  return page.locator(`#operations-${operation.tags[0]}-${operation.operationId}`);
}

async function expandAndTryOut(block) {
  await block.locator('.opblock-summary-control').click();
  await block.locator('button.try-out__btn').click();
  await block.locator('button.execute').waitFor();
}

// Executes the expanded operation and returns what the page renders: the live response's
// status code and its body, parsed as JSON.
async function executeAndRead(block) {
  await block.locator('button.execute').click();
  const row = block.locator('.live-responses-table .response').first();
  try {
    await row.waitFor();
  } catch (error) {
    // Swagger UI reports a request it could not build on the console only, and keeps
    // spinning; the console says why.
    throw new Error(
      `Execute rendered no response (${error.message.split('\n')[0]}); console errors: ${errorLines().join(' | ') || 'none'}`,
    );
  }
  const status = (await row.locator('.response-col_status').innerText()).trim();
  const body = await row.locator('.response-col_description pre').first().innerText();
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new Error(`the rendered response body is not JSON (${error.message}): ${body.slice(0, 500)}`);
  }
  return { status, body: parsed };
}

async function authorize(page) {
  await page.locator('.auth-wrapper button.authorize').click();
  const modal = page.locator('.modal-ux');
  await modal.waitFor();
  await modal.locator('input[type="text"]').fill(TOKEN);
  await modal.locator('button.modal-btn.authorize').click();
  // Swagger UI swaps Authorize for Logout once it holds a credential.
  await modal.locator('button.modal-btn', { hasText: 'Logout' }).waitFor();
  await shoot(page, 'authorized');
  await modal.locator('button.btn-done').click();
  await modal.waitFor({ state: 'detached' });
  log('authorized with the demo sponsor token');
}

async function searchByMinPhase(page, document) {
  const operation = document.paths['/v1/cdmos'].get;
  const minPhase = operation.parameters.find((p) => p.name === 'min_phase');
  assert.ok(minPhase, 'GET /v1/cdmos has no min_phase parameter in the served document');
  const phases = resolveRef(document, minPhase.schema).enum;
  assert.ok(Array.isArray(phases) && phases.includes('phase_3'), `min_phase enum: ${JSON.stringify(phases)}`);

  const block = operationBlock(page, document, '/v1/cdmos', 'get');
  await expandAndTryOut(block);
  const control = (name) => block.locator(`tr[data-param-name="${name}"] :is(select, input)`);
  // "--" (empty value) is Swagger UI's "not set" entry for an optional parameter.
  const offered = (await control('min_phase').locator('option').evaluateAll((options) => options.map((o) => o.value)))
    .filter((value) => value !== '');
  assert.deepEqual(offered, phases, 'the min_phase dropdown must offer exactly the wire names of the document');

  // Swagger UI prefills every parameter that has an example; an example beyond min_phase
  // would also be sent, and fail the exact URL check below.
  for (const parameter of operation.parameters.filter((p) => p.example !== undefined)) {
    const shown = await control(parameter.name).evaluate((element) =>
      element.tagName === 'SELECT' ? Array.from(element.selectedOptions, (option) => option.value) : [element.value],
    );
    assert.deepEqual(shown, [parameter.example].flat().map(String), `the ${parameter.name} control must show its example`);
  }
  await control('min_phase').selectOption(phases.find((phase) => phase !== 'phase_3'));
  await control('min_phase').selectOption('phase_3');
  await block.locator('tr[data-param-name="min_phase"]').scrollIntoViewIfNeeded();
  await shoot(page, 'cdmos-min-phase-picked');

  const { status, body } = await executeAndRead(block);
  const requestUrl = (await block.locator('.request-url pre').innerText()).trim();
  await block.locator('.live-responses-table').scrollIntoViewIfNeeded();
  await shoot(page, 'cdmos-response');
  assert.equal(requestUrl, `${BASE}/v1/cdmos?min_phase=phase_3`, 'the request URL Swagger UI sent');
  assert.equal(status, '200', `GET /v1/cdmos?min_phase=phase_3 rendered ${status}: ${JSON.stringify(body)}`);
  assert.ok(Array.isArray(body.items) && body.items.length > 0, 'GET /v1/cdmos?min_phase=phase_3 listed no CDMO');
  const floor = phases.indexOf('phase_3');
  for (const item of body.items) {
    assert.ok(item.name && item.id, `a listed CDMO without id or name: ${JSON.stringify(item)}`);
    assert.ok(
      phases.indexOf(item.max_phase) >= floor,
      `${item.name} has max_phase ${item.max_phase}, below the phase_3 asked for`,
    );
  }
  log(`GET /v1/cdmos?min_phase=phase_3: ${status}, ${body.items.length} CDMOs, all at phase_3 or later`);
}

async function matchWithExample(page, document) {
  const operation = document.paths['/v1/matches'].post;
  const example = operation.requestBody.content['application/json'].example;
  assert.ok(example, 'POST /v1/matches has no request example in the served document');

  const block = operationBlock(page, document, '/v1/matches', 'post');
  await expandAndTryOut(block);
  const textarea = block.locator('textarea.body-param__text');
  const shown = JSON.parse(await textarea.inputValue());
  assert.deepEqual(shown, example, 'Swagger UI must prefill the example body as the document gives it');
  await textarea.scrollIntoViewIfNeeded();
  await shoot(page, 'matches-example-body');

  const { status, body } = await executeAndRead(block);
  await block.locator('.live-responses-table').scrollIntoViewIfNeeded();
  await shoot(page, 'matches-response');
  assert.equal(status, '200', `POST /v1/matches rendered ${status}: ${JSON.stringify(body)}`);
  assert.ok(Array.isArray(body.candidates) && body.candidates.length > 0, 'the match ranked no candidate');
  body.candidates.forEach((candidate, index) => {
    assert.equal(candidate.rank, index + 1, `candidate ${index} has rank ${candidate.rank}`);
    assert.ok(candidate.name, `candidate ${index} has no name`);
  });
  assert.ok(body.candidates.length <= example.limit, `more candidates than the example's limit ${example.limit}`);
  assert.ok(body.feasible_count >= body.candidates.length, `feasible_count ${body.feasible_count}`);
  log(
    `POST /v1/matches (example body): ${status}, ${body.candidates.length} ranked candidates, ` +
      `first ${body.candidates[0].name}`,
  );
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const response = await fetch(`${BASE}/openapi.json`);
  assert.equal(response.status, 200, `GET /openapi.json answered ${response.status}`);
  const document = await response.json();

  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cdmx-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 1000 },
  });
  let page;
  try {
    page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));

    await page.goto(`${BASE}/docs/`);
    await page.locator('.swagger-ui .information-container .title', { hasText: document.info.title }).waitFor();
    await shoot(page, 'loaded');
    log(`Swagger UI loaded "${document.info.title}" from ${BASE}/docs/`);

    await authorize(page);
    await searchByMinPhase(page, document);
    await matchWithExample(page, document);
    // An error Swagger UI only logs (a request it could not build, a failed fetch) is a
    // broken "Try it out" as much as an uncaught one.
    assert.deepEqual(errorLines(), [], 'the page logged errors');
  } catch (error) {
    if (page) {
      await shoot(page, 'failure').catch(() => {});
    }
    throw error;
  } finally {
    fs.writeFileSync(path.join(OUT, 'console.log'), consoleLines.join('\n') + (consoleLines.length ? '\n' : ''));
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }
}

const watchdog = setTimeout(async () => {
  timedOut = true;
  console.error(`swagger-ui: FAILED: timed out after ${TIMEOUT_SECONDS}s (screenshots in ${OUT})`);
  fs.writeFileSync(path.join(OUT, 'console.log'), consoleLines.join('\n') + '\n');
  if (context) {
    await Promise.race([context.close().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 5000))]);
  }
  if (profile) {
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }
  process.exit(1);
}, TIMEOUT_SECONDS * 1000);

main().then(
  () => {
    clearTimeout(watchdog);
    log(`passed (screenshots and console log in ${OUT})`);
  },
  (error) => {
    clearTimeout(watchdog);
    if (timedOut) {
      return; // the watchdog reports and exits; this is only the run it cut short
    }
    console.error(`swagger-ui: FAILED: ${error.message}`);
    console.error(`screenshots and console log in ${OUT}`);
    process.exitCode = 1;
  },
);
