import { expect, test } from '@playwright/test';
import { hydrated, signIn } from './helpers';

test.describe('app shell @responsive', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page);
  });

  test('landmarks, navigation and skip link are there for keyboard and screen reader', async ({ page }) => {
    await page.goto('/');
    await hydrated(page);
    await expect(page.getByRole('banner')).toBeVisible();
    await expect(page.getByRole('main')).toBeVisible();
    await expect(page.getByRole('contentinfo')).toBeVisible();
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const area of ['Home', 'Contacts', 'Leads', 'Companies', 'Pipeline', 'Dashboard', 'Campaigns', 'Privacy', 'Settings']) {
      await expect(nav.getByRole('link', { name: area, exact: true })).toBeVisible();
    }
    await expect(nav.getByRole('link', { name: 'Home' })).toHaveAttribute('aria-current', 'page');

    // The first Tab lands on the skip link, which moves focus to the content.
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await expect(skip).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.locator('main')).toBeFocused();
  });

  test('navigation between areas marks the current page', async ({ page }) => {
    await page.goto('/');
    await hydrated(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Pipeline' }).click();
    await expect(page).toHaveURL(/\/pipeline$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pipeline');
    await expect(nav.getByRole('link', { name: 'Pipeline' })).toHaveAttribute('aria-current', 'page');
    await expect(page).toHaveTitle('Pipeline · Accord');
  });

  test('islands hydrate from the page: no data is fetched again, one WASM module, one live stream', async ({ page }) => {
    const api: string[] = [];
    const wasm: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/')) api.push(r.url());
      if (r.url().endsWith('.wasm')) wasm.push(r.url());
    });
    await page.goto('/pipeline');
    await hydrated(page);
    // The board is the page's one island; the filters around it are plain HTML.
    await expect(page.locator('leptos-island[data-component^="Board_"] .board')).toBeVisible();
    await expect(page.locator('leptos-island')).toHaveCount(1);
    // Only the page's one live stream: the board's data came with the page.
    expect(api.map((u) => new URL(u).pathname)).toEqual(['/api/events']);
    expect(wasm.map((u) => new URL(u).pathname)).toEqual(['/pkg/accord.wasm']);
  });

  test('no request leaves this server', async ({ page, baseURL }) => {
    const ours = new URL(baseURL!).host;
    const foreign: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.protocol !== 'data:' && url.host !== ours) foreign.push(r.url());
    });
    await page.goto('/');
    await hydrated(page);
    await page.goto('/settings');
    await hydrated(page);
    expect(foreign).toEqual([]);
  });
});

test('an unknown address answers 404 with a way back', async ({ page }) => {
  await signIn(page);
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  await expect(page.getByRole('link', { name: 'Back to the home page' })).toBeVisible();
});

test.describe('language @nojs', () => {
  test('follows Accept-Language on the first visit', async ({ browser }) => {
    const context = await browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Connexion');
    await expect(page.getByLabel('Mot de passe')).toBeVisible();
    await context.close();
  });

  test('can be switched, and the choice is remembered', async ({ page }) => {
    await signIn(page);
    await page.goto('/contacts');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await page.getByLabel('Language').selectOption('fr');
    await Promise.all([page.waitForURL(/\/contacts$/), page.getByRole('button', { name: 'Apply' }).click()]);
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Contacts');
    await expect(page.getByRole('link', { name: 'Ajouter une personne' })).toBeVisible();

    await page.goto('/');
    await expect(page.getByLabel('Nom de l’organisation')).toBeVisible();

    await page.getByLabel('Langue').selectOption('en');
    await Promise.all([page.waitForURL(/\/$/), page.getByRole('button', { name: 'Appliquer' }).click()]);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  });
});
