import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { ADMIN } from './accounts';
import { addDeal, hydrated, signIn } from './helpers';

test.describe('dashboard', () => {
  test('the figures follow a deal added on the board, without a reload', async ({ browser }, testInfo) => {
    const dash = await (await browser.newContext()).newPage();
    await signIn(dash, ADMIN, '/dashboard');
    await hydrated(dash);
    await expect(dash.getByRole('heading', { level: 1 })).toHaveText('Dashboard');
    await expect(dash.locator('.live-status')).toHaveAttribute('data-status', 'live');
    const open = dash.locator('[data-kpi="open"] .kpi-value');
    const before = await open.textContent();
    // Marks the elements, to see that they are updated in place (so bars
    // can grow) rather than replaced.
    await dash.evaluate(() => {
      (document.querySelector('[data-kpi="open"]') as unknown as { kept: boolean }).kept = true;
      (document.querySelector('[data-chart="funnel"] rect.bar') as unknown as { kept: boolean }).kept = true;
    });
    let loads = 0;
    dash.on('framenavigated', (f) => { if (f === dash.mainFrame()) loads += 1; });

    const board = await (await browser.newContext()).newPage();
    await signIn(board, ADMIN, '/pipeline');
    await addDeal(board, `Dashboard ${testInfo.project.name}`, '12 345');

    await expect(open).not.toHaveText(before ?? '', { timeout: 3_000 });
    // The changed figure lights up; the unchanged ones do not.
    await expect(open).toHaveClass(/changed/);
    await expect(dash.locator('[data-kpi="cycle"] .kpi-value')).not.toHaveClass(/changed/);
    expect(loads).toBe(0);
    expect(
      await dash.evaluate(() => [
        (document.querySelector('[data-kpi="open"]') as unknown as { kept?: boolean }).kept,
        (document.querySelector('[data-chart="funnel"] rect.bar') as unknown as { kept?: boolean }).kept,
      ]),
    ).toEqual([true, true]);
    // Each chart has its figures as a table for screen readers.
    const funnel = dash.getByRole('figure', { name: /Conversion funnel/ });
    await expect(funnel.getByRole('table')).toBeAttached();
    await expect(funnel.getByRole('rowheader', { name: 'New' })).toBeAttached();
    await expect(dash.locator('svg.chart-drawing').first()).toHaveAttribute('aria-hidden', 'true');
  });

  test('the filters work without JavaScript @nojs', async ({ page }) => {
    await signIn(page, ADMIN, '/dashboard');
    await page.getByLabel('Period', { exact: true }).selectOption({ label: 'This year' });
    await Promise.all([page.waitForURL(/period=year/), page.getByRole('button', { name: 'Show' }).click()]);
    const year = new Date().getUTCFullYear();
    await expect(page.getByText(`From ${year}-01-01 to ${year}-12-31`)).toBeVisible();
    await expect(page.getByLabel('Period', { exact: true })).toHaveValue('year');
    await expect(page.getByRole('term').filter({ hasText: 'Win rate' })).toBeVisible();
  });

  test('TV mode shows the figures alone and moves to the next pipeline @nojs', async ({ page }, testInfo) => {
    await signIn(page, ADMIN, '/dashboard');
    const created = await page.request.post('/api/pipelines/create', {
      form: { name: `Shown on TV ${testInfo.project.name}` },
      headers: { Accept: 'application/json' },
    });
    expect(created.ok()).toBe(true);
    await page.goto('/dashboard');
    await Promise.all([page.waitForURL(/tv=1/), page.getByRole('link', { name: /TV mode/ }).click()]);
    await expect(page.getByRole('banner')).toBeHidden();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
    await expect(page.getByRole('term').filter({ hasText: 'Open pipeline' })).toBeVisible();
    const refresh = page.locator('meta[http-equiv="refresh"]');
    await expect(refresh).toHaveAttribute('content', /^30;url=\/dashboard\?tv=1&pipeline=\d+/);
    const current = new URL(page.url()).searchParams.get('pipeline');
    const next = /pipeline=(\d+)/.exec((await refresh.getAttribute('content'))!)![1];
    expect(next).not.toBe(current);
    await page.getByRole('link', { name: 'Leave TV mode' }).click();
    await expect(page.getByRole('banner')).toBeVisible();
  });

  test('a monthly target is set without JavaScript and the won is measured against it @nojs', async ({ page }, testInfo) => {
    await signIn(page, ADMIN, '/dashboard');
    const form = page.getByRole('form', { name: 'Monthly target' });
    await expect(page.locator('.target-form').getByText(/for the whole organisation/)).toBeVisible();
    await expect(form.getByLabel('Month')).toHaveValue(/^\d{4}-\d{2}$/);
    // A wrong amount is explained next to the field, and nothing is saved.
    await form.getByLabel('Amount (empty removes the target)').fill('lots');
    await Promise.all([page.waitForURL(/form_error/), form.getByRole('button', { name: 'Save the target' }).click()]);
    const again = page.getByRole('form', { name: 'Monthly target' });
    await expect(again.getByLabel('Amount (empty removes the target)')).toHaveAttribute('aria-invalid', 'true');
    await expect(again.getByLabel('Amount (empty removes the target)')).toHaveValue('lots');
    await again.getByLabel('Amount (empty removes the target)').fill(testInfo.project.name === 'no-js' ? '2 000 000' : '1 000 000');
    await Promise.all([page.waitForURL(/saved=target/), again.getByRole('button', { name: 'Save the target' }).click()]);
    await expect(page.getByRole('status').filter({ hasText: 'Target saved.' })).toBeVisible();
    // The same view as before (pipeline and period kept), the target shown.
    expect(new URL(page.url()).searchParams.get('period')).toBe('month');
    const target = page.locator('[data-kpi="target"]');
    await expect(target.locator('.kpi-value')).toHaveText(/^\d+ %$/);
    await expect(target.locator('.kpi-detail')).toContainText(/of .*000/);
  });

  test('the figures per rep and per source download as CSV', async ({ page }) => {
    await signIn(page, ADMIN, '/dashboard');
    for (const [name, column] of [['Figures per rep (CSV)', 'Rep'], ['Figures per source (CSV)', 'Source']]) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
      expect(download.suggestedFilename()).toMatch(/^accord-(rep|source)-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
      const text = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
      expect(text.split('\n')[0]).toBe(
        `Period start,Period end,Pipeline,${column},Currency,Open deals,Open pipeline,Weighted forecast,Deals won,Won this period,Deals lost,Win rate (%),Average deal won,Average cycle (days),` +
          (column === 'Rep' ? 'Calls,Meetings' : 'New leads'),
      );
    }
  });

  test('any period, and each rep\'s calls and meetings with their table @nojs', async ({ page }) => {
    await signIn(page, ADMIN, '/dashboard');
    await page.getByLabel('Period', { exact: true }).selectOption({ label: 'Dates of my choice' });
    await page.getByLabel('From', { exact: true }).fill('2026-01-15');
    await page.getByLabel('To (included)').fill('2026-03-10');
    await Promise.all([page.waitForURL(/period=custom/), page.getByRole('button', { name: 'Show' }).click()]);
    await expect(page.getByText('From 2026-01-15 to 2026-03-10')).toBeVisible();
    // The dates the other way round are refused with a message.
    await page.getByLabel('From', { exact: true }).fill('2026-03-10');
    await page.getByLabel('To (included)').fill('2026-01-15');
    await Promise.all([page.waitForURL(/from=2026-03-10/), page.getByRole('button', { name: 'Show' }).click()]);
    await expect(page.getByRole('alert')).toHaveText('The end date is before the start date.');
    await page.goto('/dashboard');
    const activity = page.getByRole('figure', { name: /Calls and meetings per rep/ });
    await expect(activity.getByRole('columnheader', { name: 'Calls' })).toBeAttached();
    await expect(activity.getByRole('columnheader', { name: 'Meetings' })).toBeAttached();
  });
});
