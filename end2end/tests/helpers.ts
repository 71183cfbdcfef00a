import { expect, type Page } from '@playwright/test';

/** Waits until the WASM bundle has hydrated the page (JavaScript runs). */
export async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** Opens `path` and, where JavaScript runs, waits for hydration. */
export async function open(page: Page, path: string, javaScript: boolean) {
  await page.goto(path);
  if (javaScript) await hydrated(page);
}

/** Sets the organisation name through the no-JavaScript form post. */
export async function renameWithoutJs(page: Page, name: string) {
  await page.getByLabel('Organisation name').fill(name);
  await Promise.all([page.waitForURL(/\?/), page.getByRole('button', { name: 'Save' }).click()]);
}
