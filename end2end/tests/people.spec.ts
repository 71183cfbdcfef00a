import { expect, test } from '@playwright/test';
import { SALES } from './accounts';
import { hydrated, signIn } from './helpers';

test.describe('people and teams @nojs', () => {
  test('a sales user cannot open another team’s person, and the attempt is logged', async ({ page, browser }, testInfo) => {
    const lastName = `Southerly-${testInfo.project.name}`;

    // An administrator enters a person for the South team.
    await signIn(page, undefined, '/contacts/new');
    await page.getByLabel('Last name').fill(lastName);
    await page.getByLabel('Kind').selectOption('b2b');
    await page.getByLabel('Team').selectOption({ label: 'South' });
    await page.getByLabel('E-mail (optional)').fill(`${lastName.toLowerCase()}@acme.fr`);
    await Promise.all([page.waitForURL(/\/contacts\/\d+$/), page.getByRole('button', { name: 'Save the person' }).click()]);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(lastName);
    await expect(page.getByText('Legitimate interest')).toBeVisible();
    const url = page.url();
    const id = url.split('/').pop();

    // A sales user of the North team edits the URL to reach it.
    const salesContext = await browser.newContext({ javaScriptEnabled: testInfo.project.name !== 'no-js' });
    const sales = await salesContext.newPage();
    await signIn(sales, SALES, '/contacts');
    await expect(sales.getByRole('heading', { name: 'Contacts' })).toBeVisible();
    await expect(sales.getByText(lastName)).toHaveCount(0);
    const response = await sales.goto(`/contacts/${id}`);
    expect(response?.status()).toBe(403);
    await expect(sales.getByRole('heading', { name: 'Not yours to see' })).toBeVisible();
    await expect(sales.getByRole('alert')).toContainText('belongs to another team');
    await expect(sales.getByText(lastName)).toHaveCount(0);

    // The sales user's own entry is theirs to see.
    const own = `Northerly-${testInfo.project.name}`;
    await sales.goto('/contacts/new');
    await sales.getByLabel('Last name').fill(own);
    await sales.getByLabel('Team').selectOption({ label: 'North' });
    await Promise.all([sales.waitForURL(/\/contacts\/\d+$/), sales.getByRole('button', { name: 'Save the person' }).click()]);
    await expect(sales.getByRole('heading', { level: 1 })).toHaveText(own);
    await sales.goto('/contacts');
    await expect(sales.getByRole('link', { name: own })).toBeVisible();
    await salesContext.close();

    // The administrator finds the refused attempt in the access log.
    await page.goto(`/privacy-office?record=person:${id}`);
    const row = page.getByRole('row').filter({ hasText: SALES.email });
    await expect(row).toContainText('Refused');
  });

  test('a consumer needs a legal basis; the form says so and keeps nothing', async ({ page }) => {
    await signIn(page, SALES, '/contacts/new');
    await page.getByLabel('Last name').fill('Consumer');
    await page.getByLabel('Kind').selectOption('b2c');
    await page.getByRole('button', { name: 'Save the person' }).click();
    await expect(page.locator('#basis-error')).toHaveText(/choose the legal basis/i);
    await expect(page).toHaveURL(/\/contacts\/new/);
  });
});

test.describe('search', () => {
  test('the / key focuses the search box, and accents do not matter', async ({ page }, testInfo) => {
    const lastName = `Lefèvre-${testInfo.project.name}`;
    await signIn(page, undefined, '/contacts/new');
    await page.getByLabel('First name').fill('Hélène');
    await page.getByLabel('Last name').fill(lastName);
    await Promise.all([page.waitForURL(/\/contacts\/\d+$/), page.getByRole('button', { name: 'Save the person' }).click()]);

    await page.goto('/');
    await hydrated(page);
    await page.keyboard.press('/');
    const box = page.getByRole('searchbox', { name: 'Search people' });
    await expect(box).toBeFocused();
    await box.fill(`helene lefevre-${testInfo.project.name}`);
    await Promise.all([page.waitForURL(/\/contacts\?q=/), box.press('Enter')]);
    await expect(page.getByRole('link', { name: `Hélène ${lastName}` })).toBeVisible();

    await box.fill('nobody-by-that-name');
    await Promise.all([page.waitForURL(/q=nobody/), box.press('Enter')]);
    await expect(page.getByText('No one matches.')).toBeVisible();
  });
});

test.describe('lists @nojs', () => {
  test('people are tagged in bulk, found by their tag, and untagged from their page', async ({ page }, testInfo) => {
    const tag = `Salon ${testInfo.project.name}`;
    const names = [`Tagged-A-${testInfo.project.name}`, `Tagged-B-${testInfo.project.name}`];
    await signIn(page, undefined, '/contacts');
    for (const lastName of names) {
      await page.goto('/contacts/new');
      await page.getByLabel('Last name').fill(lastName);
      await page.getByLabel('Kind').selectOption('b2b');
      await Promise.all([page.waitForURL(/\/contacts\/\d+$/), page.getByRole('button', { name: 'Save the person' }).click()]);
    }
    await page.goto('/contacts');
    for (const lastName of names) {
      await page.getByRole('checkbox', { name: `Select ${lastName}` }).check();
    }
    await page.locator('#bulk-tag').fill(tag);
    await Promise.all([page.waitForURL(/saved=tag_people/), page.getByRole('button', { name: 'Add the tag' }).click()]);
    await expect(page.getByRole('status')).toHaveText('Tags updated.');

    // The list filtered by the tag shows exactly those two.
    await page.locator('#filter-tag').selectOption({ label: tag });
    await Promise.all([page.waitForURL(/tag=\d+/), page.getByRole('button', { name: 'Show', exact: true }).click()]);
    const rows = page.locator('table.data tbody tr');
    await expect(rows).toHaveCount(2);
    await expect(rows.filter({ hasText: tag })).toHaveCount(2);

    // On a person's page, the tag comes off with its own button.
    await rows.getByRole('link', { name: names[0] }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(names[0]);
    await Promise.all([
      page.waitForURL(/saved=tag_people/),
      page.getByRole('button', { name: `Remove the tag ${tag}` }).click(),
    ]);
    await expect(page.getByText('No tags')).toBeVisible();
  });

  test('the columns chosen are kept for the user', async ({ page }) => {
    await signIn(page, undefined, '/contacts');
    await expect(page.getByRole('columnheader', { name: 'E-mail address' })).toBeVisible();
    await page.locator('details.column-choice summary').click();
    await page.getByRole('checkbox', { name: 'E-mail address' }).uncheck();
    await page.getByRole('checkbox', { name: 'Last contact from them' }).check();
    await Promise.all([page.waitForURL(/saved=people_columns/), page.getByRole('button', { name: 'Keep these columns' }).click()]);
    await page.goto('/contacts');
    await expect(page.getByRole('columnheader', { name: 'Last contact from them' })).toBeVisible();
    await expect(page.getByRole('columnheader', { name: 'E-mail address' })).toHaveCount(0);

    // Back to what the other tests expect.
    await page.locator('details.column-choice summary').click();
    await page.getByRole('checkbox', { name: 'E-mail address' }).check();
    await page.getByRole('checkbox', { name: 'Last contact from them' }).uncheck();
    await Promise.all([page.waitForURL(/saved=people_columns/), page.getByRole('button', { name: 'Keep these columns' }).click()]);
    await expect(page.getByRole('columnheader', { name: 'E-mail address' })).toBeVisible();
  });

  test('filters and order live in the address and narrow the list', async ({ page }) => {
    await signIn(page, undefined, '/contacts');
    const filters = page.getByRole('search', { name: 'Filter and sort people' });
    await filters.getByLabel('Status').selectOption('prospect');
    await filters.getByLabel('Order').selectOption('name');
    await Promise.all([page.waitForURL(/status=prospect/), page.getByRole('button', { name: 'Show', exact: true }).click()]);
    await expect(page).toHaveURL(/sort=name/);
    await expect(filters.getByLabel('Status')).toHaveValue('prospect');
    const rows = page.locator('table.data tbody tr');
    await expect(rows.first()).toBeVisible();
    const statuses = await rows.locator('td:nth-child(5)').allTextContents();
    expect(statuses.every((s) => s === 'Prospect')).toBe(true);
    const names = await rows.locator('td:nth-child(2)').allTextContents();
    expect(names.length).toBeGreaterThan(0);

    await filters.getByLabel('Status').selectOption('former_customer');
    await Promise.all([page.waitForURL(/status=former_customer/), page.getByRole('button', { name: 'Show', exact: true }).click()]);
    await expect(page.getByText('No one yet.').or(page.locator('table.data'))).toBeVisible();
  });
});
