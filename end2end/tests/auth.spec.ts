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

test('a read-only user sees the organisation but no control to rename it', async ({ page }) => {
  await signIn(page, READONLY);
  await hydrated(page);
  await expect(page.getByLabel('Organisation name')).toHaveAttribute('readonly', '');
  await expect(page.getByRole('button', { name: 'Save' })).toHaveCount(0);
  // And the server refuses it anyway.
  const response = await page.request.post('/api/organisation/rename', { form: { name: 'Renamed by a reader' } });
  expect(response.status()).toBe(403);
  expect(await response.json()).toEqual({ kind: 'forbidden' });
});

test('an ended session sends back to sign-in, then to the page that was asked for', async ({ page, browser }) => {
  await signIn(page, READONLY, '/companies');
  // The same person ends this session from another browser (Settings).
  const other = await browser.newContext();
  const elsewhere = await other.newPage();
  await signIn(elsewhere, READONLY, '/settings');
  // End every session but this one (earlier tests left some too).
  const endButtons = elsewhere.getByRole('button', { name: 'End' });
  for (let left = await endButtons.count(); left > 0; left--) {
    await endButtons.first().click();
    await expect(endButtons).toHaveCount(left - 1);
  }
  await other.close();

  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fdashboard$/);
  await page.getByLabel('E-mail address').fill(READONLY.email);
  await page.getByLabel('Password').fill(READONLY.password);
  await Promise.all([page.waitForURL(/\/dashboard$/), page.getByRole('button', { name: 'Sign in' }).click()]);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dashboard');
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
