import { expect, test } from '@playwright/test';
import { ADMIN, READONLY } from './accounts';
import { signIn } from './helpers';

test.describe('access log @nojs', () => {
  test('an administrator sees who looked at personal data, and can filter', async ({ page }) => {
    await signIn(page, ADMIN, '/settings');
    await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();

    await page.goto('/privacy-office');
    const log = page.getByRole('region', { name: 'Access log' });
    await expect(log).toBeVisible();
    const row = log.getByRole('row').filter({ hasText: 'user' }).filter({ hasText: ADMIN.email }).first();
    await expect(row).toContainText('list');
    await expect(row).toContainText('Allowed');

    await log.getByLabel('User (e-mail)').fill(READONLY.email);
    await Promise.all([page.waitForURL(/user=/), log.getByRole('button', { name: 'Filter' }).click()]);
    await expect(page.getByRole('region', { name: 'Access log' }).getByRole('cell', { name: ADMIN.email })).toHaveCount(0);
  });

  test('a read-only user does not see the access log', async ({ page }) => {
    await signIn(page, READONLY, '/privacy-office');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Privacy');
    await expect(page.getByRole('region', { name: 'Access log' })).toHaveCount(0);
  });
});
