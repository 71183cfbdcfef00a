import { expect, test } from '@playwright/test';
import { ADMIN, READONLY } from './accounts';
import { hydrated, signIn } from './helpers';

test.describe('sign-in @nojs', () => {
  test('a wrong password is refused with a message, the e-mail is kept', async ({ page }) => {
    await page.goto('/sign-in');
    await page.getByLabel('E-mail address').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the right password');
    await Promise.all([page.waitForURL(/form_error=/), page.getByRole('button', { name: 'Sign in' }).click()]);
    await expect(page.getByRole('alert')).toHaveText('Wrong e-mail address or password.');
    await expect(page.getByLabel('E-mail address')).toHaveValue(ADMIN.email);
    await expect(page.getByLabel('Password')).toHaveValue('');
  });

  test('signing in leads to the page first asked for, signing out ends it', async ({ page }) => {
    await signIn(page, ADMIN, '/campaigns');
    await expect(page).toHaveURL(/\/campaigns$/);
    await expect(page.getByText('Signed in as Ada Admin')).toBeVisible();

    await Promise.all([page.waitForURL(/\/sign-in$/), page.getByRole('button', { name: 'Sign out' }).click()]);
    await page.goto('/');
    await expect(page).toHaveURL(/\/sign-in\?next=%2F$/);
  });
});

test('a read-only user sees the organisation but cannot rename it', async ({ page }) => {
  await signIn(page, READONLY);
  await hydrated(page);
  const input = page.getByLabel('Organisation name');
  const before = await input.inputValue();
  await input.fill('Renamed by a reader');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#org-name-error')).toHaveText('Your role does not allow this.');
  await page.reload();
  await expect(page.getByLabel('Organisation name')).toHaveValue(before);
});

test('ten failed sign-ins lock the account with a clear message', async ({ page }) => {
  const account = { email: 'someone.guessing@example.com' };
  for (let i = 0; i < 10; i++) {
    await page.goto('/sign-in');
    await page.getByLabel('E-mail address').fill(account.email);
    await page.getByLabel('Password').fill(`guess number ${i} here`);
    await Promise.all([page.waitForURL(/form_error=/), page.getByRole('button', { name: 'Sign in' }).click()]);
    await expect(page.getByRole('alert')).toHaveText('Wrong e-mail address or password.');
  }
  await page.getByLabel('Password').fill('guess number eleven');
  await Promise.all([page.waitForURL(/form_error=/), page.getByRole('button', { name: 'Sign in' }).click()]);
  await expect(page.getByRole('alert')).toHaveText('Too many failed attempts. Try again in 15 minutes.');
});
