import { expect, test } from '@playwright/test';
import { hydrated, signIn } from './helpers';

// The vertical slice: the organisation name, read and written through a
// server function and the storage trait, shown on every page.

test.describe('organisation name, hydrated', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page);
  });

  test('edit, save without a page load, reload and see it', async ({ page }) => {
    await page.goto('/');
    await hydrated(page);
    const name = `Hydrated Ltd ${Date.now()}`;
    const input = page.getByLabel('Organisation name');
    await input.fill(name);

    // Saving must not navigate: count document loads.
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations += 1; });
    await page.getByRole('button', { name: 'Save' }).click();

    await expect(page.getByRole('status')).toHaveText('Saved.');
    await expect(page.getByTestId('header-org-name')).toHaveText(name);
    expect(navigations).toBe(0);

    await page.reload();
    await hydrated(page);
    await expect(page.getByLabel('Organisation name')).toHaveValue(name);
    await expect(page.getByTestId('header-org-name')).toHaveText(name);
  });

  test('an empty name is refused in the browser with a message, nothing is sent', async ({ page }) => {
    await page.goto('/');
    await hydrated(page);
    const before = await page.getByLabel('Organisation name').inputValue();

    const calls: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/api/')) calls.push(r.url()); });
    const input = page.getByLabel('Organisation name');
    await input.fill('   ');
    await page.getByRole('button', { name: 'Save' }).click();

    await expect(page.locator('#org-name-error')).toHaveText('This field is required.');
    await expect(input).toHaveAttribute('aria-invalid', 'true');
    await expect(input).toBeFocused();
    expect(calls).toEqual([]);

    await page.reload();
    await expect(page.getByLabel('Organisation name')).toHaveValue(before);
  });

  test('a name over 100 characters is refused by the server too', async ({ page }) => {
    // The browser would catch this; the server must not rely on it.
    const response = await page.request.post('/api/organisation/rename', {
      form: { name: 'x'.repeat(101) },
    });
    expect(response.status()).toBe(422);
    const body = await response.json();
    expect(body).toMatchObject({ kind: 'validation', field: 'name', problem: 'too_long/100' });
  });
});

test.describe('organisation name, without JavaScript @nojs-only', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page);
  });

  test('the page is complete and the form posts without WASM', async ({ page }) => {
    await page.goto('/');
    // Server-rendered with its data: no loading placeholder.
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Home');
    const input = page.getByLabel('Organisation name');
    await expect(input).not.toHaveValue('');

    const name = `Plain Form SARL ${Date.now()}`;
    await input.fill(name);
    await Promise.all([page.waitForURL(/saved=organisation/), page.getByRole('button', { name: 'Save' }).click()]);
    await expect(page.getByRole('status')).toHaveText('Saved.');
    await expect(page.getByLabel('Organisation name')).toHaveValue(name);

    await page.goto('/');
    await expect(page.getByLabel('Organisation name')).toHaveValue(name);
    await expect(page.getByTestId('header-org-name')).toHaveText(name);
  });

  test('an invalid name comes back with the message and the text kept', async ({ page }) => {
    await page.goto('/');
    const before = await page.getByLabel('Organisation name').inputValue();
    const tooLong = 'é'.repeat(101);
    await page.getByLabel('Organisation name').fill(tooLong);
    await Promise.all([page.waitForURL(/form_error=/), page.getByRole('button', { name: 'Save' }).click()]);

    await expect(page.locator('#org-name-error')).toHaveText('At most 100 characters.');
    await expect(page.getByLabel('Organisation name')).toHaveValue(tooLong);
    await expect(page.getByLabel('Organisation name')).toHaveAttribute('aria-invalid', 'true');
    // Nothing was saved.
    await page.goto('/');
    await expect(page.getByLabel('Organisation name')).toHaveValue(before);
  });
});
