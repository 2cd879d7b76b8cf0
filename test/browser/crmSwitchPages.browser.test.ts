import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_PASSWORD, startAdminReceiver } from '../support/adminHarness';
import { describeInBrowser, launchChromium, pageOverflow, SCREENSHOTS } from '../support/browser';
import { closeAll } from '../support/lime';

jest.setTimeout(90_000);

// The pages of a receiver with CRM=lime whose store still holds SuperOffice deliveries (a CRM switch): the line that
// names them, their "waits for SuperOffice" and "for SuperOffice" badges, and the refusal of a requeue, at a desktop
// and a phone width, without the page scrolling sideways.

describeInBrowser('admin pages after a CRM switch, in a real browser', () => {
  let browser: Browser;
  let env: Awaited<ReturnType<typeof startAdminReceiver>>;
  let soDead = '';

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    env = await startAdminReceiver({ CRM: 'lime' });
    const { store } = env.receiver;
    const now = Date.now();
    for (const [index, title] of ['Offer review (SuperOffice)', 'Weekly sync (SuperOffice)'].entries()) {
      await store.acceptSummary({
        deliveryKey: `crm-switch-browser-${index}-${now}`,
        scheme: 'dci',
        receivedAt: new Date(now - (3 - index) * 3600 * 1000),
        rawBody: Buffer.from(JSON.stringify({ event: 'conversation.completed', index })),
        conversationId: `crm-switch-browser-${index}-${now}`,
        title,
        target: 'superoffice',
      });
    }
    const [claimed] = await store.claimDue({
      workerId: 'superoffice-before',
      now: new Date(now),
      limit: 1,
      leaseMs: 60_000,
      target: 'superoffice',
    });
    if (claimed === undefined) throw new Error('nothing of SuperOffice to claim');
    soDead = claimed.deliveryId;
    await store.deadLetterDelivery({
      deliveryId: claimed.deliveryId,
      workerId: 'superoffice-before',
      version: claimed.version,
      attempt: {
        attempt: 1,
        startedAt: new Date(now),
        durationMs: 5,
        outcome: 'dead',
        errorCode: 'wrong_host',
        errorMessage: 'SuperOffice answered 421 Wrong subdomain',
        crmStatus: 421,
      },
      now: new Date(now),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    await closeAll();
  });

  async function signedInPage(width: number): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(`${env.receiver.url}/admin`);
    await page.locator('input[type="password"]').fill(ADMIN_PASSWORD);
    await page.locator('input[type="password"]').press('Enter');
    await page.waitForURL(`${env.receiver.url}/admin`);
    return page;
  }

  it.each([1280, 390])('at %i px: the line, the badges and the refusal, without sideways scrolling', async (width) => {
    const page = await signedInPage(width);
    const shoot = (name: string) =>
      page.screenshot({ path: join(SCREENSHOTS, `crm-switch-${name}-${width}.png`), fullPage: true });
    try {
      await page.getByText('1 delivery waits for SuperOffice (CRM=superoffice)').waitFor();
      expect(await pageOverflow(page)).toEqual({ page: 0, wide: [] });
      await shoot('overview');

      await page.goto(`${env.receiver.url}/admin/deliveries`);
      await page.getByText('1 delivery waits for SuperOffice (CRM=superoffice)').waitFor();
      await page.getByText('waits for SuperOffice', { exact: true }).waitFor();
      expect(await pageOverflow(page)).toEqual({ page: 0, wide: [] });
      await shoot('deliveries');

      await page.goto(`${env.receiver.url}/admin/dead-letters`);
      await page.getByText('for SuperOffice', { exact: true }).waitFor();
      // Only SuperOffice's dead letter: nothing Requeue all would requeue, so no such button.
      expect(await page.getByRole('button', { name: /^Requeue all/u }).count()).toBe(0);
      // No button that could only be refused: the row says when it can be requeued instead.
      expect(await page.getByRole('button', { name: 'Requeue Offer review (SuperOffice)' }).count()).toBe(0);
      await page.getByText('Requeue it when CRM=superoffice is set again: this receiver delivers to Lime.').waitFor();
      expect(await pageOverflow(page)).toEqual({ page: 0, wide: [] });
      await shoot('dead-letters');
      expect((await env.receiver.store.getDelivery(soDead))?.status).toBe('dead');
    } finally {
      await page.close();
    }
  });
});
