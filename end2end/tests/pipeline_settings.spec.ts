import { expect, test } from '@playwright/test';
import { READONLY } from './accounts';
import { signIn } from './helpers';

test.describe('pipelines and stages @nojs', () => {
  test('an administrator creates a pipeline, then renames, reorders and archives its stages', async ({ page }, testInfo) => {
    const name = `Renewals ${testInfo.project.name}`;
    await signIn(page, undefined, '/settings');
    await page.getByRole('link', { name: 'Pipelines and stages' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pipelines and stages');
    const create = page.getByRole('region', { name: 'New pipeline' });
    await create.getByLabel('Name').fill(name);
    await Promise.all([
      page.waitForURL(/saved=new_pipeline/),
      create.getByRole('button', { name: 'Create the pipeline' }).click(),
    ]);
    const pipeline = page.getByRole('region', { name, exact: true });
    const stages = pipeline.getByRole('listitem');
    await expect(stages).toHaveCount(10);

    // Rename the second stage and give it a probability.
    const second = stages.nth(1);
    await second.getByLabel('Stage name').fill('Discovery call');
    await second.getByLabel('Default win probability (%)').fill('25');
    await Promise.all([page.waitForURL(/saved=stage_/), second.getByRole('button', { name: 'Save' }).click()]);
    await expect(stages.nth(1)).toContainText('Discovery call');
    await expect(stages.nth(1).getByLabel('Default win probability (%)')).toHaveValue('25');

    // An empty name is refused next to that stage, with nothing changed.
    await stages.nth(1).getByLabel('Stage name').fill(' ');
    await stages.nth(1).getByRole('button', { name: 'Save' }).click();
    await expect(stages.nth(1).getByText('This field is required.')).toBeVisible();
    await expect(stages.nth(1).locator('strong')).toHaveText('Discovery call');

    // One place earlier: it leads the board.
    await Promise.all([
      page.waitForURL(/saved=stage_/),
      pipeline.getByRole('button', { name: 'Move Discovery call one place earlier' }).click(),
    ]);
    await expect(stages.first()).toContainText('Discovery call');

    // A stage added, then archived (it holds no deal: nothing is asked).
    await pipeline.getByLabel('Stage name').last().fill('Demo booked');
    await pipeline.getByRole('button', { name: 'Add the stage' }).click();
    await expect(stages).toHaveCount(11);
    await expect(stages.nth(8)).toContainText('Demo booked');
    await Promise.all([
      page.waitForURL(/saved=stage_/),
      pipeline.getByRole('button', { name: 'Archive Demo booked' }).click(),
    ]);
    await expect(stages).toHaveCount(10);
    await expect(pipeline).toContainText('Archived stages: Demo booked.');

    // The board of that pipeline shows the stages in their new order.
    await page.goto('/pipeline');
    const filters = page.getByRole('search', { name: 'Filter the board' });
    await filters.getByLabel('Pipeline').selectOption({ label: name });
    await filters.getByRole('button', { name: 'Apply' }).click();
    await expect(page.locator('.board-column h2').first()).toHaveText('Discovery call');
    await expect(page.locator('.board-column h2', { hasText: 'Demo booked' })).toHaveCount(0);
  });

  test('a read-only user may not manage pipelines', async ({ page }) => {
    await signIn(page, READONLY, '/settings/pipelines');
    await expect(page.getByRole('alert')).toContainText('Your role does not allow this.');
    await expect(page.getByRole('region', { name: 'New pipeline' })).toHaveCount(0);
  });
});
