import { expect, test } from '@playwright/test';
import { SALES } from './accounts';
import { addDeal, signIn } from './helpers';

test.describe('a deal @nojs', () => {
  test('opened from the board, it shows its history, is edited and moved', async ({ page }, testInfo) => {
    const title = `Page deal ${testInfo.project.name}`;
    await signIn(page, SALES, '/pipeline');
    await addDeal(page, title, '2 500');
    await page.getByRole('link', { name: title, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
    const facts = page.getByRole('region', { name: 'Details' });
    await expect(facts).toContainText('Sam Sales');
    const history = page.getByRole('region', { name: 'History of stages' });
    await expect(history.getByRole('row')).toHaveCount(2);
    await expect(history.getByRole('row').nth(1)).toContainText('(opened)');

    // Its own probability, and a new amount.
    await page.getByRole('link', { name: 'Edit the deal' }).click();
    const form = page.getByRole('form', { name: 'Edit the deal' });
    await expect(form.getByLabel('Amount')).toHaveValue('2500');
    await form.getByLabel('Amount').fill('3 000');
    await form.getByLabel('Win probability in % (optional)').fill('35');
    await Promise.all([
      page.waitForURL(/\/deals\/\d+$/),
      form.getByRole('button', { name: 'Save' }).click(),
    ]);
    await expect(facts).toContainText('35 %');
    await expect(facts).toContainText('stage default: 10 %');

    // Bad input comes back with the message and what was typed.
    await page.getByRole('link', { name: 'Edit the deal' }).click();
    await form.getByLabel('Amount').fill('lots');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect(form.getByText('Not an amount.')).toBeVisible();
    await expect(form.getByLabel('Amount')).toHaveValue('lots');
    await page.getByRole('link', { name: title, exact: true }).click();

    // Moving to a lost stage asks why.
    const move = page.getByRole('region', { name: 'Move to another stage' });
    await move.getByLabel('Stage', { exact: true }).selectOption({ label: 'Lost' });
    await move.getByRole('button', { name: 'Move' }).click();
    await expect(move.getByText('This field is required.')).toBeVisible();
    await move.getByLabel('Stage', { exact: true }).selectOption({ label: 'Lost' });
    await move.getByLabel('Reason (needed for a lost stage)').fill('Budget cut');
    await Promise.all([
      page.waitForURL(/saved=move_deal/),
      move.getByRole('button', { name: 'Move' }).click(),
    ]);
    await expect(page.getByRole('status')).toHaveText('The deal was moved.');
    await expect(history.getByRole('row')).toHaveCount(3);
    await expect(history.getByRole('row').nth(1)).toContainText('New');
    await expect(facts).toContainText('Budget cut');
  });
});
