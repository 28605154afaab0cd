// Shared by the browser checks (.ci/swagger-ui.d/try-it-out.js,
// .ci/report-html.d/check-report.js): which Chromium to drive and how, and reading the
// environment they are configured by.
'use strict';

// Without the networking flags Chromium keeps calling home (updates, sync, field trials),
// which on a closed network only floods the log and slows start-up.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// The value of an environment variable, or exit 2 naming it (`check` prefixes the
// message).
function mustEnv(check, name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${check}: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

module.exports = {
  CHROMIUM: process.env.CDMX_UI_CHROMIUM || '/usr/bin/chromium',
  CHROMIUM_ARGS,
  mustEnv,
};
