import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import { ADMIN_PASSWORD, ADMIN_WEBHOOK_SECRET, startAdminReceiver } from '../support/adminHarness';
import { closeAll, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import { describeInBrowser, launchChromium, pageOverflow, SCREENSHOTS } from '../support/browser';
import { waitFor } from '../support/waitFor';

// The overview during a Lime outage, in a real browser at a desktop width and a phone's (390 px): "Lime unavailable
// since …, next probe …" and the Alerts card (alerting not configured, the alerts raised listed). Screenshots go to
// test-output/screenshots; nothing may overflow sideways on the phone.

const WIDTHS = [1280, 390] as const;

jest.setTimeout(90_000);

describeInBrowser('the overview during a Lime outage, in a real browser', () => {
  let browser: Browser;
  let page: Page;
  let env: Awaited<ReturnType<typeof startAdminReceiver>>;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    env = await startAdminReceiver({ ALERT_AFTER_MINUTES: '0' });
    await env.receiver.settings.save({ url: env.lime.baseUrl, apiKey: TEST_API_KEY });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    await closeAll();
  });

  async function shootAtWidths(name: string) {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(SCREENSHOTS, `outage-${name}-${width}.png`), fullPage: true });
      const overflow = await pageOverflow(page);
      expect({ width, ...overflow }).toEqual({ width, page: 0, wide: [] });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  it('shows "Lime unavailable since …, next probe …" and the outage alert', async () => {
    env.lime.failWhen(() => true, { kind: 'status', status: 503, retryAfterSec: 600 }, 1_000_000);
    const body = JSON.stringify(
      buildPayload({
        id: 'conv-outage',
        participants: [buildParticipant({ name: 'Anna Andersson', email: 'anna.andersson@acme.se' })],
      }),
    );
    const response = await fetch(`${env.receiver.url}/api/v1/dci/webhook`, {
      method: 'POST',
      headers: signDci(body, ADMIN_WEBHOOK_SECRET),
      body,
    });
    expect(response.status).toBe(202);
    await waitFor(
      async () => {
        const ready = (await (await fetch(`${env.receiver.url}/readyz`)).json()) as {
          crmAvailability?: { state: string };
        };
        return ready.crmAvailability?.state === 'unavailable';
      },
      10_000,
      '/readyz to say Lime is unavailable',
    );

    await page.goto(`${env.receiver.url}/admin/sign-in`);
    await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('Lime unavailable since').waitFor();
    await page.getByText(/next probe at/u).waitFor();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    await page.getByText('not sent (alerting off)').first().waitFor();
    await shootAtWidths('overview');
  });
});
