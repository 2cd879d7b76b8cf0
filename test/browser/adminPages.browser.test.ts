import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { ADMIN_PASSWORD, ADMIN_WEBHOOK_SECRET, startAdminReceiver, untilDeliveryStatus } from '../support/adminHarness';
import { closeAll, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import { describeInBrowser, launchChromium, SCREENSHOTS } from '../support/browser';

jest.setTimeout(90_000);

describeInBrowser('admin pages in a real browser', () => {
  let browser: Browser;
  let page: Page;
  let env: Awaited<ReturnType<typeof startAdminReceiver>>;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    env = await startAdminReceiver();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    await closeAll();
  });

  const shoot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const url = (path: string) => `${env.receiver.url}${path}`;

  async function push(conversationId: string) {
    const body = JSON.stringify(
      buildPayload({
        id: conversationId,
        title: `Offer review ${conversationId}`,
        participants: [buildParticipant({ name: 'Anna Andersson', email: 'anna.andersson@acme.se' })],
      }),
    );
    const response = await fetch(url('/api/v1/dci/webhook'), {
      method: 'POST',
      headers: signDci(body, ADMIN_WEBHOOK_SECRET),
      body,
    });
    expect(response.status).toBe(202);
  }

  it('signs in with the keyboard only', async () => {
    await page.goto(url('/admin'));
    expect(page.url()).toContain('/admin/sign-in');
    await shoot('01-sign-in');
    // The password field has focus on load and a label; Enter submits. Chromium applies autofocus at its next
    // rendering step, which can come after the load event: wait for the focus, as a person would see the caret.
    await page.waitForFunction('document.activeElement?.id === "password"');
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(url('/admin'));
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await shoot('02-overview-not-connected');
  });

  it('connects to Lime: a wrong key fails Test connection with a clear message, the right key passes', async () => {
    await page.goto(url('/admin/connection'));
    await page.getByLabel('Lime CRM API URL').fill(env.lime.baseUrl);
    await page.getByLabel('API key').fill('not-the-key');
    await page.getByRole('button', { name: 'Save Lime settings' }).click();
    await page.getByRole('button', { name: 'Test Lime connection' }).click();
    await page.getByText('Lime rejected the API key (401)').waitFor();
    await shoot('03-connection-wrong-key');

    await page.getByLabel('API key').fill(TEST_API_KEY);
    await page.getByRole('button', { name: 'Save Lime settings' }).click();
    await page.getByRole('button', { name: 'Test Lime connection' }).click();
    await page.getByText('The API key is accepted.').waitFor();
    await expect(page.getByLabel('History type', { exact: true }).inputValue()).resolves.toBe('comment');
    await shoot('04-connection-ok');
  });

  it('shows a pushed summary with its badges and matching trace', async () => {
    await push('conv-browser-1');
    await untilDeliveryStatus(env.receiver, 'conv-browser-1', 'delivered');
    await page.goto(url('/admin/deliveries'));
    await page.getByText('matched by email').first().waitFor();
    await shoot('05-deliveries');
    await page.getByRole('link', { name: 'Offer review conv-browser-1' }).click();
    await page.getByText('email anna.andersson@acme.se → person').waitFor();
    await shoot('06-delivery-detail');
  });

  it('requeues a dead letter and sees it delivered', async () => {
    await untilDeliveryStatus(env.receiver, 'conv-browser-1', 'delivered');
    // Lime refuses the note itself (a meeting's reads go out together, so a fault on "the next request" could hit
    // any of them).
    env.lime.failWhen((request) => request.method === 'POST' && request.path.includes('/limeobject/history'), {
      kind: 'status',
      status: 400,
      body: { error: 'Bad Request', message: 'Invalid value.' },
    });
    await push('conv-browser-2');
    await untilDeliveryStatus(env.receiver, 'conv-browser-2', 'dead');
    await page.goto(url('/admin/dead-letters'));
    await page.getByText('bad_request').waitFor();
    await shoot('07-dead-letters');
    await page.getByRole('button', { name: 'Requeue Offer review conv-browser-2' }).click();
    await untilDeliveryStatus(env.receiver, 'conv-browser-2', 'delivered');
    await page.goto(url('/admin/deliveries?q=conv-browser-2'));
    await page.getByRole('cell', { name: 'delivered', exact: true }).waitFor();
    await shoot('08-requeued-delivered');
    await page.goto(url('/admin'));
    await shoot('09-overview');
  });

  it('chooses Svenska as the note language by its label; the dry run then shows the note in Swedish', async () => {
    await page.goto(url('/admin/connection'));
    await page
      .getByRole('group', { name: 'Notes' })
      .getByLabel('Note language')
      .selectOption({ label: 'Svenska (Swedish)' });
    await page.getByRole('button', { name: 'Save Lime settings' }).click();
    await page.getByText('Lime settings saved.').waitFor();
    await expect(page.getByLabel('Note language').inputValue()).resolves.toBe('sv');

    await page.goto(url('/admin/deliveries?q=conv-browser-1'));
    await page.getByRole('link', { name: 'Offer review conv-browser-1' }).click();
    await page.getByRole('button', { name: 'Dry run (writes nothing)' }).click();
    await page.getByRole('heading', { name: 'Dry run (nothing was written)' }).waitFor();
    await page.getByText('Sammanfattning:', { exact: false }).first().waitFor();
    await expect(page.getByText('Participants:', { exact: false }).count()).resolves.toBe(0);
    await shoot('10-dry-run-swedish');
  });
});
