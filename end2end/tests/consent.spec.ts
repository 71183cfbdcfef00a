import { type Browser, expect, type Page, test } from '@playwright/test';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

// Consent end to end, as people do it: an administrator defines a purpose
// and builds a form; a visitor fills it in (with JavaScript off, and on);
// the confirmation mail arrives at a real SMTP server on loopback (this
// file's), its link is followed and the button pressed; the consent is
// withdrawn from the link in the same mail; the person's page shows the
// history. The instance here has its own SQLite database and SMTP_URL.
const root = path.resolve(__dirname, '../..');
const bin = process.env.E2E_ACCORD_BIN ?? path.join(root, 'target/release/accord');
const ADMIN = { email: 'consent-admin@example.com', password: 'a long consent admin passphrase' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A minimal SMTP server: the protocol's commands, every message kept. */
class SmtpSink {
  messages: string[] = [];
  private server: Server;
  port = 0;

  constructor() {
    this.server = createServer((socket: Socket) => {
      socket.setEncoding('utf8');
      socket.write('220 localhost test SMTP\r\n');
      let buffer = '';
      let data: string | null = null;
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        for (;;) {
          const end = buffer.indexOf('\r\n');
          if (end < 0) break;
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (data !== null) {
            if (line === '.') {
              this.messages.push(data);
              data = null;
              socket.write('250 OK: queued\r\n');
            } else {
              data += (line.startsWith('..') ? line.slice(1) : line) + '\r\n';
            }
            continue;
          }
          const upper = line.toUpperCase();
          if (upper.startsWith('EHLO') || upper.startsWith('HELO')) socket.write('250-localhost\r\n250 8BITMIME\r\n');
          else if (upper === 'DATA') {
            data = '';
            socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
          } else if (upper === 'QUIT') {
            socket.end('221 Bye\r\n');
          } else socket.write('250 OK\r\n');
        }
      });
    });
  }

  start(): Promise<void> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as { port: number }).port;
        resolve();
      }),
    );
  }

  stop() {
    this.server.close();
  }

  /** The text of message `n` once it arrived, decoded from its transfer encoding. */
  async body(n: number): Promise<string> {
    const until = Date.now() + 15_000;
    while (this.messages.length <= n) {
      if (Date.now() > until) throw new Error(`message ${n} did not arrive`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const raw = this.messages[n];
    const split = raw.indexOf('\r\n\r\n');
    const head = raw.slice(0, split).toLowerCase();
    const body = raw.slice(split + 4);
    if (head.includes('content-transfer-encoding: base64')) return Buffer.from(body.replace(/\s/g, ''), 'base64').toString('utf8');
    if (head.includes('content-transfer-encoding: quoted-printable')) {
      const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => `%${h}`);
      return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
    }
    return body;
  }
}

function link(body: string, prefix: string): string {
  const start = body.indexOf(prefix);
  if (start < 0) throw new Error(`no ${prefix} link in: ${body}`);
  return body.slice(start).split(/\s/)[0];
}

async function noJsPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
  return context.newPage();
}

test.describe('consent forms, double opt-in, withdrawal', () => {
  test.describe.configure({ mode: 'serial' });
  const smtp = new SmtpSink();
  let accord: ChildProcess | undefined;
  let base = '';

  test.beforeAll(async () => {
    await smtp.start();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const dir = mkdtempSync(path.join(tmpdir(), 'accord-consent-'));
    const env = {
      ...process.env,
      DATABASE_URL: `sqlite://${path.join(dir, 'accord.db')}`,
      ACCORD_LISTEN: `127.0.0.1:${port}`,
      ACCORD_SITE_ROOT: path.join(root, 'target/site'),
      ACCORD_LOG: 'warn',
      ACCORD_PUBLIC_URL: base,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      ACCORD_MAIL_FROM: 'Accord <privacy@accord.test>',
    };
    const created = spawnSync(bin, ['user', 'create', '--email', ADMIN.email, '--role', 'admin', '--name', 'Ada Admin'], {
      env,
      input: `${ADMIN.password}\n`,
      encoding: 'utf8',
    });
    if (created.status !== 0) throw new Error(created.stderr);
    accord = spawn(bin, [], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const until = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > until) throw new Error('accord did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  test.afterAll(() => {
    accord?.kill('SIGTERM');
    smtp.stop();
  });

  async function signIn(page: Page, next: string) {
    await page.goto(`${base}${next}`);
    await page.getByLabel('E-mail address').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await Promise.all([
      page.waitForURL((url) => !url.pathname.startsWith('/sign-in')),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
  }

  /** Camille's request of `kind` through the portal, in French without
   * JavaScript, confirmed from the mail's link; her page. */
  async function askAsCamille(browser: Browser, kind: string | RegExp, details?: string): Promise<Page> {
    const visitor = await noJsPage(browser);
    await visitor.goto(`${base}/privacy`);
    await visitor.getByLabel(/Adresse e-mail/).fill('camille@example.fr');
    await visitor.getByRole('radio', { name: kind }).check();
    if (details) await visitor.getByLabel(/Précisions/).fill(details);
    const before = smtp.messages.length;
    await visitor.getByRole('button', { name: 'Envoyer la demande' }).click();
    await expect(visitor.getByRole('status')).toContainText('camille@example.fr');
    await visitor.goto(link(await smtp.body(before), `${base}/privacy/verify/`));
    await visitor.getByRole('button', { name: 'Confirmer la demande' }).click();
    await expect(visitor.getByRole('heading', { name: 'Demande confirmée' })).toBeVisible();
    return visitor;
  }

  test('an administrator defines a purpose and builds a form @nojs', async ({ page }) => {
    await signIn(page, '/settings/consent');
    const form = page.getByRole('region', { name: 'New purpose' });
    await form.getByLabel('Key').fill('newsletter');
    await form.getByLabel('Name in English').fill('Monthly newsletter');
    await form.getByLabel('Name in French').fill('Lettre mensuelle');
    await form.getByLabel('Consent text in English').fill('I agree to receive the monthly newsletter by e-mail.');
    await form.getByLabel('Consent text in French').fill('J’accepte de recevoir la lettre mensuelle par e-mail.');
    await form.getByRole('button', { name: 'Save and publish' }).click();
    const card = page.getByRole('region', { name: 'Monthly newsletter' });
    await expect(card).toBeVisible();
    await expect(card.getByText('Published version')).toBeVisible();

    await page.goto(`${base}/settings/forms`);
    const builder = page.getByRole('region', { name: 'New form' });
    await builder.getByLabel('Address of the form').fill('lettre');
    await builder.getByLabel('Language of the form').selectOption('fr');
    await builder.getByLabel('Title', { exact: true }).fill('Notre lettre mensuelle');
    await builder.getByLabel('Introduction').fill('Une lettre par mois, pas plus.');
    await builder.getByLabel('First name').check();
    await builder.getByLabel('Job title').check();
    await builder.getByLabel('Monthly newsletter').check();
    await builder.getByLabel('Thank-you message').fill('Merci de votre intérêt !');
    await builder.getByRole('button', { name: 'Save and publish' }).click();
    // The builder now edits it: its address, the minimisation warning for
    // a field no purpose needs, and the embedding snippet.
    await expect(page.getByRole('note')).toContainText('Job title');
    await expect(page.getByLabel('Embed in your site')).toHaveValue(/<iframe src="http:\/\/127\.0\.0\.1:\d+\/f\/lettre"/);
  });

  test('a visitor signs up without JavaScript and confirms through the mail @nojs', async ({ browser }) => {
    // What the page costs without WASM: its HTML and its stylesheet,
    // uncompressed (compressed, they are smaller still).
    let bytes = 0;
    for (const url of [`${base}/f/lettre`, `${base}/form.css`]) {
      const response = await fetch(url);
      expect(response.ok).toBe(true);
      bytes += (await response.arrayBuffer()).byteLength;
    }
    test.info().annotations.push({ type: 'public form bytes without WASM', description: String(bytes) });
    expect(bytes).toBeLessThan(30 * 1024);

    const page = await noJsPage(browser);
    await page.goto(`${base}/f/lettre`);
    await expect(page.getByRole('heading', { name: 'Notre lettre mensuelle' })).toBeVisible();
    const box = page.getByRole('checkbox', { name: /Lettre mensuelle/ });
    await expect(box).not.toBeChecked();
    // A bad address comes back explained, with what was typed.
    await page.getByLabel(/Adresse e-mail/).fill('camille.example.fr');
    await page.getByLabel(/^Nom/).fill('Durand');
    await box.check();
    await page.getByRole('button', { name: 'Envoyer' }).click();
    await expect(page.getByRole('alert')).toContainText('Adresse e-mail');
    await expect(page.getByLabel(/Adresse e-mail/)).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel(/^Nom/)).toHaveValue('Durand');
    await page.getByLabel(/Adresse e-mail/).fill('camille@example.fr');
    await page.getByRole('button', { name: 'Envoyer' }).click();
    await expect(page.getByRole('heading', { name: 'Consultez votre boîte mail' })).toBeVisible();

    const body = await smtp.body(0);
    expect(body).toContain('Lettre mensuelle');
    const confirm = link(body, `${base}/c/`);
    // Opening the link changes nothing; the button confirms.
    await page.goto(confirm);
    await expect(page.getByRole('heading', { name: 'Confirmez vos choix' })).toBeVisible();
    await page.getByRole('button', { name: 'Confirmer' }).click();
    await expect(page.getByRole('heading', { name: 'Vos choix sont confirmés' })).toBeVisible();
    await page.goto(confirm);
    await expect(page.getByText('déjà été utilisé')).toBeVisible();
  });

  test('with JavaScript the form checks as one types, then the consent is withdrawn from the mail', async ({ browser, page }) => {
    const visitor = await (await browser.newContext({ locale: 'fr-FR' })).newPage();
    // The checks arrive late (held here until the person has typed): what
    // was already filled in and left is checked as soon as they load.
    let release = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    await visitor.route('**/pkg/accord.wasm', async (route) => { await held; await route.continue(); });
    await visitor.goto(`${base}/f/lettre`);
    const email = visitor.getByLabel(/Adresse e-mail/);
    await email.fill('dominique@');
    await email.press('Tab');
    await expect(email).not.toHaveAttribute('aria-invalid', 'true');
    release();
    await expect(visitor.locator('form[data-checks="ready"]')).toBeVisible({ timeout: 15_000 });
    // The same check as the server's, in the browser: no round trip.
    await expect(email).toHaveAttribute('aria-invalid', 'true');
    await expect(visitor.locator('#e-email')).not.toBeEmpty();
    await email.fill('dominique@example.fr');
    await expect(email).not.toHaveAttribute('aria-invalid', 'true');
    await visitor.getByLabel(/^Nom/).fill('Martin');
    // Sending without a choice is stopped in the browser, with the reason.
    await visitor.getByRole('button', { name: 'Envoyer' }).click();
    await expect(visitor.locator('#e-purposes')).toContainText('Cochez au moins une case');
    await visitor.getByRole('checkbox', { name: /Lettre mensuelle/ }).check();
    await visitor.getByRole('button', { name: 'Envoyer' }).click();
    await expect(visitor.getByRole('heading', { name: 'Consultez votre boîte mail' })).toBeVisible();

    const body = await smtp.body(1);
    await visitor.goto(link(body, `${base}/c/`));
    await visitor.getByRole('button', { name: 'Confirmer' }).click();
    await expect(visitor.getByRole('heading', { name: 'Vos choix sont confirmés' })).toBeVisible();
    await visitor.goto(link(body, `${base}/w/`));
    await visitor.getByRole('button', { name: 'Retirer : Lettre mensuelle' }).click();
    await expect(visitor.getByText('Retiré : Lettre mensuelle')).toBeVisible();

    // The person's page: the consent now, and its history from the ledger.
    await signIn(page, '/contacts?q=dominique');
    await page.getByRole('link', { name: /Martin/ }).first().click();
    const consents = page.getByTestId('consents');
    await expect(consents.locator('[data-status="withdrawn"]')).toBeVisible();
    await consents.getByText('History (consent ledger)').click();
    await expect(consents.locator('tbody tr')).toHaveCount(3);
    await expect(consents.locator('tbody tr').first()).toContainText('Withdrawn');
  });
  test('a person asks for a copy of their data, the DPO sends it, and the person downloads it @nojs', async ({ browser, page }) => {
    // Camille (who signed up above) asks, without JavaScript, in French.
    const visitor = await askAsCamille(browser, /Une copie de mes données/);

    // The DPO sends it with one button; the request leaves the queue.
    await signIn(page, '/privacy-office');
    const register = page.getByRole('region', { name: 'Privacy requests' });
    await expect(register.getByRole('row', { name: /A copy of my data/ })).toContainText('camille@example.fr');
    await register.getByText(/Request #\d+/).click();
    const before = smtp.messages.length;
    await register.getByRole('button', { name: 'Send their data' }).click();
    await expect(page.getByRole('region', { name: 'Privacy requests' }).getByText('No request to handle.')).toBeVisible();

    // Camille's mail, in French, leads to her data in two formats.
    const body = await smtp.body(before);
    expect(body).toContain('copie de tout ce que');
    await visitor.goto(link(body, `${base}/privacy/archive/`));
    await expect(visitor.getByRole('heading', { name: 'Vos données' })).toBeVisible();
    const [json] = await Promise.all([
      visitor.waitForEvent('download'),
      visitor.getByRole('link', { name: /Télécharger en JSON/ }).click(),
    ]);
    const archive = JSON.parse(readFileSync((await json.path())!, 'utf8'));
    expect(archive.format).toBe('accord-person-archive/1');
    expect(archive.records.people[0]['person.last_name']).toBe('Durand');
    expect(archive.records.person_emails[0]['person.email']).toBe('camille@example.fr');
    expect(archive.consent_proof.rows.length).toBeGreaterThan(0);
    const [csv] = await Promise.all([
      visitor.waitForEvent('download'),
      visitor.getByRole('link', { name: /Télécharger en CSV/ }).click(),
    ]);
    const lines = readFileSync((await csv.path())!, 'utf8').split('\n');
    expect(lines[0]).toBe('section,row,field,value');
    expect(lines).toContain('person_emails,1,person.email,camille@example.fr');
  });

  test('a person asks to correct their name, and the record is corrected through the usual form @nojs', async ({ browser, page }) => {
    // Camille writes what is wrong, without JavaScript.
    await askAsCamille(browser, 'Corriger mes données', 'Mon nom est Durand-Leroy');

    // From the register to her record, which says what she asked.
    await signIn(page, '/privacy-office');
    const register = page.getByRole('region', { name: 'Privacy requests' });
    await expect(register.getByRole('row', { name: /Correct my data/ })).toContainText('Mon nom est Durand-Leroy');
    await register.getByText(/Request #\d+/).click();
    await register.getByRole('link', { name: 'Correct the record' }).click();
    await expect(page.getByRole('note')).toContainText('Mon nom est Durand-Leroy');
    await page.getByLabel('Last name').fill('Durand-Leroy');
    await page.getByRole('button', { name: 'Save the changes' }).click();
    await expect(page.getByRole('heading', { name: /Durand-Leroy/ })).toBeVisible();

    // The request records the correction; the DPO closes it.
    await page.goto(`${base}/privacy-office`);
    const row = page.getByRole('region', { name: 'Privacy requests' }).getByRole('row', { name: /Correct my data/ });
    await expect(row).toContainText(/Corrected .* by .*: Last name/);
    await page.getByRole('region', { name: 'Privacy requests' }).getByText(/Request #\d+/).click();
    await page.getByLabel('What was done, or why it is refused').fill('Nom corrigé');
    const before = smtp.messages.length;
    await page.getByRole('button', { name: 'Mark as done' }).click();
    await expect(page.getByRole('region', { name: 'Privacy requests' }).getByText('No request to handle.')).toBeVisible();
    // Camille is told, in French, what was done.
    const answer = await smtp.body(before);
    expect(answer).toContain('a été traitée');
    expect(answer).toContain('Nom corrigé');
  });

  test('a person asks through the privacy portal to be erased, and the DPO erases them @nojs', async ({ browser, page }) => {
    // Camille (who signed up above) asks, without JavaScript, in French.
    const visitor = await noJsPage(browser);
    await visitor.goto(`${base}/privacy`);
    await expect(visitor.getByRole('heading', { name: 'Vos données personnelles' })).toBeVisible();
    // The notice comes from the purposes.
    await expect(visitor.getByRole('row', { name: /Lettre mensuelle/ })).toContainText('36 mois');
    // A request without its kind comes back explained.
    await visitor.getByLabel(/Adresse e-mail/).fill('camille@example.fr');
    await visitor.getByRole('button', { name: 'Envoyer la demande' }).click();
    await expect(visitor.getByRole('alert')).toBeVisible();
    await visitor.getByRole('radio', { name: 'Effacer mes données' }).check();
    await expect(visitor.getByLabel(/Adresse e-mail/)).toHaveValue('camille@example.fr');
    const before = smtp.messages.length;
    await visitor.getByRole('button', { name: 'Envoyer la demande' }).click();
    await expect(visitor.getByRole('status')).toContainText('Nous avons envoyé un lien à camille@example.fr');

    // The link in the mail; its page changes nothing until the button.
    const body = await smtp.body(before);
    const verify = link(body, `${base}/privacy/verify/`);
    await visitor.goto(verify);
    await visitor.getByRole('button', { name: 'Confirmer la demande' }).click();
    await expect(visitor.getByRole('heading', { name: 'Demande confirmée' })).toBeVisible();

    // The DPO's register: the request, due in a month, with its person;
    // one button erases them and closes it.
    await signIn(page, '/privacy-office');
    const register = page.getByRole('region', { name: 'Privacy requests' });
    const row = register.getByRole('row', { name: /Erase my data/ });
    await expect(row).toContainText('camille@example.fr');
    await expect(row.getByRole('link', { name: /Durand/ })).toBeVisible();
    await register.getByText(/Request #\d+/).click();
    await register.getByRole('button', { name: 'Erase this person' }).click();
    await expect(page.getByRole('region', { name: 'Privacy requests' }).getByText('No request to handle.')).toBeVisible();
    await page.goto(`${base}/privacy-office?closed=1`);
    const done = page.getByRole('region', { name: 'Privacy requests' }).getByRole('row', { name: /Erase my data/ });
    await expect(done).toContainText('Erased: names, contact details and notes removed');
    await expect(done).toContainText('Erased person');
    // Nobody finds Camille any more.
    await page.goto(`${base}/contacts?q=camille`);
    await expect(page.getByRole('link', { name: /Durand/ })).toHaveCount(0);
  });
});
