import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_PASSWORD, SECRET_KEY } from '../support/adminHarness';
import { ANNA, DCI_SECRET, LARS, meeting, startDciSetup, type DciSetup } from '../support/dci';
import { waitFor } from '../support/waitFor';
import { describeInBrowser, launchChromium, pageOverflow, SCREENSHOTS } from '../support/browser';

// The admin pages' DCI side in a real browser, at a desktop width and a phone's (390 px): the connection page's DCI
// section, the overview's DCI panel and a delivery enriched from DCI's REST API. Screenshots go to
// test-output/screenshots for a person to look at; nothing may overflow sideways on the phone.

const WIDTHS = [1280, 390] as const;

jest.setTimeout(90_000);

describeInBrowser("the admin pages' DCI side in a real browser", () => {
  let browser: Browser;
  let page: Page;
  let setup: DciSetup;
  let deliveryId: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // Both modes, a token without the recordings scope: the warning and the missing recording link show.
    setup = await startDciSetup({
      env: {
        ADMIN_PASSWORD,
        SECRET_KEY,
        DCI_WEBHOOK_SECRETS: DCI_SECRET,
        DCI_POLL_INTERVAL_S: '5',
        RECEIVER_PUBLIC_URL: 'https://companion.example.com',
      },
      token: { scopes: ['conversations'] },
      webhook: true,
    });
    const id = meeting(setup.dci, [
      { name: ANNA.name, email: ANNA.email, role: 'customer' },
      { name: LARS.name, email: LARS.email, role: 'customer' },
    ]);
    setup.dci.completeConversation(id, { summary: 'Acme wants a quote for 40 seats.' });
    deliveryId = (await setup.delivered(id)).id;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${setup.receiver.url}/admin/sign-in`);
    await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await setup?.close();
  });

  /** Screenshots the page at each width and checks that nothing is wider than the phone's screen. */
  async function shootAtWidths(name: string) {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(SCREENSHOTS, `dci-${name}-${width}.png`), fullPage: true });
      const overflow = await pageOverflow(page);
      expect({ width, ...overflow }).toEqual({ width, page: 0, wide: [] });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  it('the connection page shows the DCI section: mode, webhook URL, locked fields and the Test connection steps', async () => {
    await page.goto(`${setup.receiver.url}/admin/connection`);
    await page.getByRole('button', { name: 'Test DCI connection' }).click();
    await page.getByText('Warning', { exact: true }).waitFor();
    await page.getByText('https://companion.example.com/api/v1/dci/webhook').waitFor();
    await expect(page.getByLabel('DCI API token').isDisabled()).resolves.toBe(true);
    await shootAtWidths('connection');
  });

  it('the overview shows the DCI panel with the last poll and the backfill form', async () => {
    await waitFor(
      async () => (await setup.receiver.store.readJobState('dci-poll'))?.state !== undefined,
      20_000,
      'the first poll',
    );
    await page.goto(`${setup.receiver.url}/admin`);
    await page.getByText('Held by this replica: it polls.').waitFor();
    await page.getByRole('button', { name: 'Start backfill' }).click();
    await page.getByText('Backfill started').waitFor();
    // The backfill runs in the background: the page shows its result once it has one.
    await waitFor(
      async () => (await setup.receiver.backfill.state())?.finishedAt !== undefined,
      20_000,
      'the backfill to finish',
    );
    await page.goto(`${setup.receiver.url}/admin`);
    await page.locator('#dci').getByText('done').waitFor();
    await shootAtWidths('overview');
  });

  it('a delivery page shows its source and enrichment, and the deliveries list its source', async () => {
    await page.goto(`${setup.receiver.url}/admin/deliveries/${encodeURIComponent(deliveryId)}`);
    await page.getByText('participant phones', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('heading', { name: 'The note that would be written' }).waitFor();
    await shootAtWidths('delivery');
    await page.goto(`${setup.receiver.url}/admin/deliveries`);
    await shootAtWidths('deliveries');
  });
});
