import { expect, type Page } from '@playwright/test';
import { ADMIN } from './accounts';

/** Waits until the WASM bundle has hydrated the page (JavaScript runs). */
export async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** Signs in through the sign-in form (works with and without JavaScript). */
export async function signIn(page: Page, account = ADMIN, path = '/') {
  await page.goto(path);
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel('E-mail address').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith('/sign-in')),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}
