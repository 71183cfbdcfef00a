import { createHmac } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { signIn } from './helpers';

/** RFC 4648 base32, as Accord shows the key (spaces allowed). */
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text.replace(/\s/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** What an authenticator app shows (RFC 6238, SHA-1, 30 s, 6 digits), `steps` from now. */
function totp(secret: string, steps = 0): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + steps));
  const hash = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = hash[19] & 0x0f;
  const binary = hash.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

async function passwordStep(page: Page, email: string, password: string) {
  await page.goto('/settings/security');
  await expect(page).toHaveURL(/\/sign-in\?/);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/sign-in\/code/), page.getByRole('button', { name: 'Sign in' }).click()]);
}

test.describe('second factor @nojs', () => {
  test('a user sets up an authenticator app, then signs in with a code or a recovery code', async ({ page, browser }, testInfo) => {
    const email = `totp.${testInfo.project.name}@example.com`;
    const password = 'a passphrase for the second factor test';

    // An administrator adds the user.
    const adminContext = await browser.newContext();
    const admin = await adminContext.newPage();
    await signIn(admin, undefined, '/settings');
    const form = admin.getByRole('form', { name: 'Add a user' });
    await form.getByLabel('Your name').fill('Tobias Totp');
    await form.getByLabel('E-mail address').fill(email);
    await form.getByLabel('First password').fill(password);
    await form.getByRole('button', { name: 'Add the user' }).click();
    await expect(admin.getByRole('cell', { name: email })).toBeVisible();
    await adminContext.close();

    await signIn(page, { email, password }, '/settings/security');
    await expect(page.getByText('The second factor is off')).toBeVisible();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await expect(page.getByRole('img', { name: 'QR code to scan with your authenticator app' })).toBeVisible();
    const secret = (await page.locator('#totp-secret').textContent()) ?? '';
    expect(secret.replace(/\s/g, '')).toMatch(/^[A-Z2-7]{32}$/);
    const codes = await page.locator('.recovery-codes code').allTextContents();
    expect(codes).toHaveLength(10);

    await page.getByLabel('Code shown by the app').fill('000000');
    await page.getByRole('button', { name: 'Turn the second factor on' }).click();
    await expect(page.locator('#code-error')).toHaveText(/does not match/);
    await page.getByLabel('Code shown by the app').fill(totp(secret));
    await page.getByRole('button', { name: 'Turn the second factor on' }).click();
    await expect(page.getByText(/The second factor is on/)).toBeVisible();
    await expect(page.getByText('10 recovery codes left.')).toBeVisible();

    // Signing in again asks for the code after the password. (The next
    // step's code: the current one was spent on the set-up.)
    await page.getByRole('button', { name: 'Sign out' }).click();
    await passwordStep(page, email, password);
    await page.getByLabel('Code', { exact: true }).fill('123456');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert')).toHaveText(/wrong or was already used/);
    await page.getByLabel('Code', { exact: true }).fill(totp(secret, 1));
    await Promise.all([page.waitForURL(/\/settings\/security$/), page.getByRole('button', { name: 'Continue' }).click()]);
    await expect(page.getByText(/The second factor is on/)).toBeVisible();

    // A recovery code works once.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await passwordStep(page, email, password);
    await page.getByLabel('Code', { exact: true }).fill(codes[0]);
    await Promise.all([page.waitForURL(/\/settings\/security$/), page.getByRole('button', { name: 'Continue' }).click()]);
    await expect(page.getByText('9 recovery codes left.')).toBeVisible();
  });
});
