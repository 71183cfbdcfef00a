import { expect, test } from '@playwright/test';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { addDeal, card, column, hydrated, signIn } from './helpers';

// Two `accord` instances on one PostgreSQL database, the scale-out set-up:
// a change made through instance A must reach a dashboard served by
// instance B (LISTEN/NOTIFY between them). The test command runs the
// browser tests inside scripts/with-postgres.sh, which gives the scratch
// server's URL; this file starts its own two instances on it.
const pgUrl = process.env.TEST_POSTGRES_URL;
const root = path.resolve(__dirname, '../..');
const bin = process.env.E2E_ACCORD_BIN ?? path.join(root, 'target/release/accord');
const MANAGER = { email: 'cluster-manager@example.com', password: 'a long manager passphrase for tests' };
const REP = { email: 'cluster-rep@example.com', password: 'a long rep passphrase for tests' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function env(port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: pgUrl,
    ACCORD_LISTEN: `127.0.0.1:${port}`,
    ACCORD_SITE_ROOT: path.join(root, 'target/site'),
    ACCORD_LOG: 'warn',
    ACCORD_SIGN_IN_MAX_FAILURES_PER_CLIENT: '1000',
  };
}

function accordCommand(port: number, args: string[], input?: string) {
  const run = spawnSync(bin, args, { env: env(port), input, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`accord ${args.join(' ')} failed: ${run.stderr}`);
}

async function healthy(port: number) {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`accord on port ${port} did not start`);
}

test.describe('two instances on one PostgreSQL', () => {
  // The test command always provides the server (and requires it, so that
  // this test cannot silently not run); a developer running
  // `npx playwright test` without it is told how to.
  test.skip(!pgUrl && !process.env.E2E_REQUIRE_POSTGRES, 'needs TEST_POSTGRES_URL: run under scripts/with-postgres.sh');

  const instances: ChildProcess[] = [];
  let a = 0;
  let b = 0;

  test.beforeAll(async () => {
    if (!pgUrl) throw new Error('TEST_POSTGRES_URL is not set: run under scripts/with-postgres.sh');
    a = await freePort();
    b = await freePort();
    accordCommand(a, ['user', 'create', '--email', MANAGER.email, '--role', 'manager', '--name', 'Mona Manager'], `${MANAGER.password}\n`);
    accordCommand(a, ['user', 'create', '--email', REP.email, '--role', 'sales', '--name', 'Ravi Rep'], `${REP.password}\n`);
    // The manager sees the deals of their team's reps.
    accordCommand(a, ['team', 'create', '--name', 'East']);
    accordCommand(a, ['team', 'add', '--team', 'East', '--email', MANAGER.email]);
    accordCommand(a, ['team', 'add', '--team', 'East', '--email', REP.email]);
    for (const port of [a, b]) {
      const child = spawn(bin, [], { env: env(port), stdio: ['ignore', 'ignore', 'inherit'] });
      instances.push(child);
    }
    await Promise.all([healthy(a), healthy(b)]);
  });

  test.afterAll(async () => {
    for (const child of instances) child.kill('SIGTERM');
  });

  test('a move made through A reaches the dashboard served by B within a second', async ({ browser }) => {
    // Separate browser contexts: cookies do not tell ports apart.
    const dash = await (await browser.newContext({ baseURL: `http://127.0.0.1:${b}` })).newPage();
    const board = await (await browser.newContext({ baseURL: `http://127.0.0.1:${a}` })).newPage();

    await signIn(board, REP, '/pipeline');
    await hydrated(board);
    await addDeal(board, 'Across instances', '40 000');
    await hydrated(board);

    await signIn(dash, MANAGER, '/dashboard');
    await hydrated(dash);
    await expect(dash.locator('.live-status')).toHaveAttribute('data-status', 'live');
    const open = dash.locator('[data-kpi="open"] .kpi-value');
    const weighted = dash.locator('[data-kpi="weighted"] .kpi-value');
    await expect(open).toContainText(/40\D?000/);
    const before = await weighted.textContent();

    let loads = 0;
    dash.on('framenavigated', (f) => {
      if (f === dash.mainFrame()) loads += 1;
    });

    // The move, with the keyboard, on instance A's board.
    await card(board, 'Across instances').focus();
    await board.keyboard.press('Space');
    await board.keyboard.press('ArrowRight');
    const moved = board.waitForResponse((r) => r.url().includes('/api/pipeline/move') && r.ok());
    await board.keyboard.press('Enter');
    await moved;
    const started = Date.now();
    await expect(column(board, 'First contact').locator('.deal-card', { hasText: 'Across instances' })).toBeVisible();

    // On B, without a reload: the weighted forecast follows (the stage's
    // probability changed) within a second of A's answer.
    await expect(weighted).not.toHaveText(before ?? '', { timeout: 1_000 });
    const took = Date.now() - started;
    expect(took).toBeLessThan(1_000);
    expect(loads).toBe(0);
    test.info().annotations.push({ type: 'A to B', description: `${took} ms` });
  });
});
