import { chromium } from 'playwright-core';
const base = 'http://127.0.0.1:3555';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await ctx.newPage();
await page.goto(base + '/sign-in');
await page.getByLabel('E-mail address').fill('admin@example.fr');
await page.getByLabel('Password').fill('pass-long-enough-1');
await Promise.all([page.waitForURL(u => !u.pathname.startsWith('/sign-in')), page.getByRole('button', { name: 'Sign in' }).click()]);
await page.request.post(base + '/lang', { form: { lang: 'fr' } });
const pages = process.argv.slice(2);
for (const p of pages) {
  const r = await page.goto(base + p);
  await page.waitForTimeout(400);
  const text = await page.locator('body').innerText();
  const name = p.replace(/[^a-z0-9]+/gi, '_');
  await page.screenshot({ path: `/tmp/walk/${name}.png`, fullPage: false });
  console.log(`===== ${p} (${r.status()})\n${text}`);
}
await browser.close();
