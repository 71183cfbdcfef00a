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

/** A column of the pipeline board, by its stage's name. */
export const column = (page: Page, stage: string) => page.getByRole('region', { name: stage, exact: true });

/** A deal's card on the board, by its title. */
export const card = (page: Page, title: string) => page.locator('.deal-card', { hasText: title });

/** Adds a deal to the board's "New" column with the board's form. */
export async function addDeal(page: Page, title: string, amount: string) {
  await page.getByText('New deal', { exact: true }).click();
  const form = page.getByRole('form', { name: 'New deal' });
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('Amount').fill(amount);
  await form.getByLabel('Stage').selectOption({ label: 'New' });
  await Promise.all([page.waitForURL(/saved=new_deal/), form.getByRole('button', { name: 'Add the deal' }).click()]);
}
