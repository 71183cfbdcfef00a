import { expect, test } from '@playwright/test';
import { ADMIN, SALES } from './accounts';
import { hydrated, signIn } from './helpers';

test.describe('companies and timelines @nojs', () => {
  test('a person entered with a company is linked to it, and a duplicate is offered instead', async ({ page }, testInfo) => {
    const company = `Brasserie Müller ${testInfo.project.name}`;
    const email = `anais.roux.${testInfo.project.name}@brasserie-muller.fr`;
    await signIn(page, SALES, '/contacts/new');
    await page.getByLabel('First name').fill('Anaïs');
    await page.getByLabel('Last name').fill('Roux');
    await page.getByLabel('Company').fill(company);
    await page.getByLabel('E-mail (optional)').fill(email);
    await page.getByLabel('Team').selectOption({ label: 'North' });
    await Promise.all([page.waitForURL(/\/contacts\/\d+$/), page.getByRole('button', { name: 'Save the person' }).click()]);
    const personUrl = page.url();
    await Promise.all([page.waitForURL(/\/companies\/\d+$/), page.getByRole('link', { name: company }).click()]);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(company);
    await expect(page.getByRole('link', { name: 'Anaïs Roux' })).toBeVisible();

    // The same e-mail again: the form says who exists, keeps what was
    // typed, and creates nothing.
    await page.goto('/contacts/new');
    await page.getByLabel('Last name').fill('Roux-Again');
    await page.getByLabel('E-mail (optional)').fill(email.toUpperCase());
    await page.getByLabel('Job title (optional)').fill('Brewer');
    await page.getByRole('button', { name: 'Save the person' }).click();
    await expect(page.locator('#duplicate')).toContainText('seems to be in Accord already');
    await expect(page.getByLabel('Job title (optional)')).toHaveValue('Brewer');
    await expect(page.getByRole('link', { name: 'Open the existing record' })).toHaveAttribute(
      'href',
      new URL(personUrl).pathname,
    );
    // It is them: what was typed goes to the existing record, which
    // keeps its name.
    await Promise.all([
      page.waitForURL(personUrl),
      page.getByRole('button', { name: 'It is them: add what I typed to the existing record' }).click(),
    ]);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Anaïs Roux');
    await expect(page.locator('.lede')).toContainText('Brewer');
  });

  test('a company is edited from its page, and its people are found by its new name', async ({ page }, testInfo) => {
    const project = testInfo.project.name;
    await signIn(page, SALES, '/companies/new');
    await page.getByLabel('Company name').fill(`Forge ${project}`);
    await page.getByLabel('Team').selectOption({ label: 'North' });
    await Promise.all([page.waitForURL(/\/companies\/\d+$/), page.getByRole('button', { name: 'Save the company' }).click()]);
    const companyUrl = page.url();
    await page.goto('/contacts/new');
    await page.getByLabel('Last name').fill(`Smith-${project}`);
    await page.getByLabel('Company').fill(`Forge ${project}`);
    await page.getByLabel('Team').selectOption({ label: 'North' });
    await Promise.all([page.waitForURL(/\/contacts\/\d+$/), page.getByRole('button', { name: 'Save the person' }).click()]);

    await page.goto(companyUrl);
    await Promise.all([page.waitForURL(/\/edit$/), page.getByRole('link', { name: 'Edit', exact: true }).click()]);
    await expect(page.getByLabel('Company name')).toHaveValue(`Forge ${project}`);
    await page.getByLabel('Company name').fill(`Fonderie ${project}`);
    await page.getByLabel('Sector').fill('Métallurgie');
    await page.getByLabel('Web domain').fill('not a domain');
    // A bad field: said next to it, everything typed kept, nothing saved.
    await page.getByRole('button', { name: 'Save the changes' }).click();
    await expect(page.getByLabel('Web domain')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('Sector')).toHaveValue('Métallurgie');
    await expect(page.getByLabel('Company name')).toHaveValue(`Fonderie ${project}`);
    await page.getByLabel('Web domain').fill('fonderie.fr');
    await Promise.all([page.waitForURL(companyUrl), page.getByRole('button', { name: 'Save the changes' }).click()]);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Fonderie ${project}`);
    await expect(page.locator('dd').filter({ hasText: 'fonderie.fr' })).toBeVisible();
    await expect(page.locator('dd').filter({ hasText: 'Métallurgie' })).toBeVisible();

    // The person is found by the company's new name, no longer the old.
    await page.goto(`/contacts?q=${encodeURIComponent(`fonderie ${project}`)}`);
    await expect(page.getByRole('link', { name: new RegExp(`Smith-${project}`) })).toBeVisible();
    await page.goto(`/contacts?q=${encodeURIComponent(`forge ${project}`)}`);
    await expect(page.getByRole('link', { name: new RegExp(`Smith-${project}`) })).toHaveCount(0);
  });

  test('a note is stored and shown literally, and the timeline keeps it', async ({ page }, testInfo) => {
    await signIn(page, SALES, '/contacts/new');
    await page.getByLabel('Last name').fill(`Literal-${testInfo.project.name}`);
    await page.getByLabel('Team').selectOption({ label: 'North' });
    await Promise.all([page.waitForURL(/\/contacts\/\d+$/), page.getByRole('button', { name: 'Save the person' }).click()]);
    await page.getByText('Log a call (shortcut: C)').click();
    await page.getByLabel('Kind').selectOption('note');
    const note = '<img src=x onerror=alert(1)> « été » 🎉 שלום';
    await page.getByLabel('Notes').fill(note);
    await Promise.all([page.waitForURL(/#timeline$/), page.getByRole('button', { name: 'Save to the timeline' }).click()]);
    const timeline = page.locator('#timeline');
    await expect(timeline.locator('.entry-body').first()).toHaveText(note);
    await expect(timeline.locator('img')).toHaveCount(0);
  });
});

test.describe('logging a call', () => {
  test('C opens the call form from anywhere on the page; an inbound call moves the last contact', async ({ page }, testInfo) => {
    await signIn(page, SALES, '/contacts/new');
    await page.getByLabel('Last name').fill(`Caller-${testInfo.project.name}`);
    await page.getByLabel('Team').selectOption({ label: 'North' });
    await Promise.all([page.waitForURL(/\/contacts\/\d+$/), page.getByRole('button', { name: 'Save the person' }).click()]);
    await hydrated(page);
    await expect(page.locator('dd').filter({ hasText: 'Never' })).toBeVisible();

    await page.keyboard.press('c');
    const kind = page.getByLabel('Kind');
    await expect(kind).toBeFocused();
    await expect(kind).toHaveValue('call');
    // Only the keyboard from here: Tab through the short form.
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('Direction')).toBeFocused();
    await page.getByLabel('Direction').selectOption('inbound');
    await page.keyboard.press('Tab');
    await page.getByLabel('Outcome').selectOption('reached');
    await page.keyboard.press('Tab');
    await page.keyboard.type('7');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Asked for a quote for 12 seats.');
    // Ctrl+Enter in the notes saves.
    await Promise.all([page.waitForURL(/#timeline$/), page.keyboard.press('Control+Enter')]);

    const entry = page.locator('#timeline .entry').first();
    await expect(entry).toContainText('Call');
    await expect(entry).toContainText('From them (inbound)');
    await expect(entry).toContainText('7 min');
    await expect(entry).toContainText('Asked for a quote for 12 seats.');
    await expect(page.locator('dd').filter({ hasText: 'Never' })).toHaveCount(0);
  });
});

test.describe('a live timeline', () => {
  test('an entry logged by someone else appears on an open person page, without a reload', async ({ browser }, testInfo) => {
    const writer = await (await browser.newContext()).newPage();
    await signIn(writer, SALES, '/contacts/new');
    await writer.getByLabel('Last name').fill(`Followed-${testInfo.project.name}`);
    await writer.getByLabel('Team').selectOption({ label: 'North' });
    await Promise.all([writer.waitForURL(/\/contacts\/\d+$/), writer.getByRole('button', { name: 'Save the person' }).click()]);
    const personUrl = writer.url();

    const watcher = await (await browser.newContext()).newPage();
    await signIn(watcher, ADMIN, new URL(personUrl).pathname);
    await hydrated(watcher);
    const timeline = watcher.locator('#timeline');
    await expect(timeline.locator('.live-status')).toHaveAttribute('data-status', 'live');
    await expect(timeline.locator('.entry')).toHaveCount(0);
    let loads = 0;
    watcher.on('framenavigated', (f) => {
      if (f === watcher.mainFrame()) loads += 1;
    });

    await writer.getByText('Log a call (shortcut: C)').click();
    await writer.getByLabel('Notes').fill('Called about the renewal.');
    await Promise.all([writer.waitForURL(/#timeline$/), writer.getByRole('button', { name: 'Save to the timeline' }).click()]);

    await expect(timeline.locator('.entry').first()).toContainText('Called about the renewal.', { timeout: 2_000 });
    await expect(timeline.locator('[aria-live="polite"]')).toHaveText('The timeline has new activity.');
    expect(loads).toBe(0);
  });
});
