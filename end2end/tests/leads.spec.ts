import { expect, test } from '@playwright/test';
import { SALES } from './accounts';
import { signIn } from './helpers';

test.describe('leads @nojs', () => {
  test('a lead is qualified, then converted into a person, a company and a deal in one step', async ({ page }, testInfo) => {
    const company = `Transports Björnsson ${testInfo.project.name}`;
    await signIn(page, SALES, '/leads/new');
    await page.getByLabel('First name').fill('Siobhán');
    await page.getByLabel('Last name').fill('Björnsson');
    await page.getByLabel('Company').fill(company);
    await page.getByLabel('E-mail (optional)').fill(`siobhan.${testInfo.project.name}@bjornsson.se`);
    await page.getByLabel('Team').selectOption({ label: 'North' });
    await Promise.all([page.waitForURL(/\/leads\/\d+$/), page.getByRole('button', { name: 'Save the lead' }).click()]);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Siobhán Björnsson');

    // Qualify.
    await page.getByLabel('Status').selectOption('qualified');
    await page.getByLabel('Score (0–100)').fill('80');
    await Promise.all([page.waitForURL(/\/leads\/\d+$/), page.getByRole('button', { name: 'Update the lead' }).click()]);
    await expect(page.locator('.lede')).toContainText('Qualified');
    await expect(page.locator('.lede')).toContainText('80');

    // A wrong amount is explained, nothing converted.
    await page.getByLabel('Deal title').fill('Fleet tracking');
    await page.getByLabel('Amount').fill('a lot');
    await page.getByRole('button', { name: 'Convert into person, company and deal' }).click();
    await expect(page.locator('#deal-amount-error')).toContainText('Not an amount');
    await expect(page.getByLabel('Deal title')).toHaveValue('Fleet tracking');

    await page.getByLabel('Amount').fill('12 500,50');
    await Promise.all([
      page.waitForURL(/\/contacts\/\d+$/),
      page.getByRole('button', { name: 'Convert into person, company and deal' }).click(),
    ]);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Siobhán Björnsson');
    await expect(page.getByRole('link', { name: company })).toBeVisible();
    // The lead's provenance came along.
    await expect(page.getByText('Entered by hand')).toBeVisible();

    // The lead now says where it went.
    await page.goto('/leads?status=qualified');
    await expect(page.getByRole('row').filter({ hasText: company })).toContainText('Converted');
  });
});
