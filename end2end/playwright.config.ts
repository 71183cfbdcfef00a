import { defineConfig, devices } from '@playwright/test';
import * as path from 'node:path';
import { ADMIN, READONLY, SALES } from './tests/accounts';

// The test command (scripts/test.sh) sets these; the defaults let a
// developer run `npx playwright test` here after `cargo leptos build --release`.
const port = Number(process.env.E2E_PORT ?? 3917);
const root = path.resolve(__dirname, '..');
const bin = process.env.E2E_ACCORD_BIN ?? path.join(root, 'target/release/accord');
const dataDir = process.env.E2E_DATA ?? path.join(root, 'target/e2e-data');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Chromium must not try to reach any other host: the closed network would
// refuse it, and Accord promises no third-party request anyway.
const launchOptions = {
  executablePath: chromium,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    '--disable-dev-shm-usage',
  ],
};

export default defineConfig({
  testDir: './tests',
  // One server and one database for the run: tests that write run in order.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  reporter: [['list'], ['json', { outputFile: 'test-results/results.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    locale: 'en-GB',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'desktop',
      use: { ...devices['Desktop Chrome'], channel: undefined, launchOptions },
      grepInvert: /@nojs-only/,
    },
    {
      name: 'mobile',
      use: { ...devices['Pixel 7'], channel: undefined, launchOptions },
      grep: /@responsive/,
    },
    {
      name: 'no-js',
      use: { ...devices['Desktop Chrome'], channel: undefined, launchOptions, javaScriptEnabled: false },
      // `@nojs` tests run here too; `@nojs-only` ones run only here.
      grep: /@nojs/,
    },
  ],
  webServer: {
    // A fresh database for every run, with the accounts the tests sign in
    // with, created by the same command an operator would use.
    command: [
      `rm -rf "${dataDir}" && mkdir -p "${dataDir}"`,
      `printf '%s\\n' "${ADMIN.password}" | "${bin}" user create --email ${ADMIN.email} --role admin --name "Ada Admin"`,
      `printf '%s\\n' "${READONLY.password}" | "${bin}" user create --email ${READONLY.email} --role readonly --name "Rémi Reader"`,
      `printf '%s\\n' "${SALES.password}" | "${bin}" user create --email ${SALES.email} --role sales --name "Sam Sales"`,
      `"${bin}" team create --name North`,
      `"${bin}" team create --name South`,
      `"${bin}" team add --team North --email ${SALES.email}`,
      `exec "${bin}"`,
    ].join(' && '),
    cwd: root,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      DATABASE_URL: `sqlite://${dataDir}/accord.db`,
      ACCORD_LISTEN: `127.0.0.1:${port}`,
      ACCORD_SITE_ROOT: path.join(root, 'target/site'),
      ACCORD_LOG: 'warn',
      // Every test signs in from 127.0.0.1: the per-client limit would
      // let the lock-out test lock out the others. The per-account limit,
      // which that test checks, stays at its default.
      ACCORD_SIGN_IN_MAX_FAILURES_PER_CLIENT: '1000',
    },
  },
});
