import { expect, test } from '@playwright/test';
import { READONLY } from './accounts';
import { signIn } from './helpers';

test.describe('settings @nojs', () => {
  test('an administrator adds a user, who can then sign in', async ({ page, browser }, testInfo) => {
    await signIn(page, undefined, '/settings');
    await expect(page.getByRole('heading', { name: 'Your sessions' })).toBeVisible();
    await expect(page.getByRole('cell', { name: 'This browser' })).toBeVisible();

    const email = `new.${testInfo.project.name}@example.com`;
    const form = page.getByRole('form', { name: 'Add a user' });
    await form.getByLabel('Your name').fill('Nadia Nouvelle');
    await form.getByLabel('E-mail address').fill(email);
    await form.getByLabel('Role').selectOption('marketing');
    await form.getByLabel('First password').fill('short');
    await Promise.all([page.waitForURL(/form_error=/), form.getByRole('button', { name: 'Add the user' }).click()]);
    await expect(page.locator('#new-password-error')).toHaveText(/at least 12 characters/i);

    await form.getByLabel('Your name').fill('Nadia Nouvelle');
    await form.getByLabel('First password').fill('a welcome passphrase for nadia');
    await Promise.all([page.waitForURL(/saved=create_user/), form.getByRole('button', { name: 'Add the user' }).click()]);
    await expect(page.getByRole('cell', { name: email })).toBeVisible();

    const other = await browser.newContext();
    const newcomer = await other.newPage();
    await signIn(newcomer, { email, password: 'a welcome passphrase for nadia' });
    await expect(newcomer.getByText('Signed in as Nadia Nouvelle')).toBeVisible();
    await other.close();
  });

  test('a user without the admin role sees their sessions but not the users', async ({ page }) => {
    await signIn(page, READONLY, '/settings');
    await expect(page.getByRole('heading', { name: 'Your sessions' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Users' })).toHaveCount(0);
  });
});
