import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import {
  ADMIN_PASSWORD,
  ADMIN_WEBHOOK_SECRET,
  signInAdmin,
  startAdminReceiver,
  untilDeliveryStatus,
} from '../support/adminHarness';
import { describeInBrowser, launchChromium, SCREENSHOTS } from '../support/browser';
import { closeAll, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';

jest.setTimeout(90_000);

// The delivery page in its three states a person looks at (delivered, dead, a dry run), at a desktop and a phone
// width, with screenshots in test-output/screenshots/ (delivery-<state>-<width>.png).
describeInBrowser('the delivery page in a real browser', () => {
  let browser: Browser;
  let page: Page;
  let env: Awaited<ReturnType<typeof startAdminReceiver>>;
  const ids: Record<'delivered' | 'dead', string> = { delivered: '', dead: '' };

  const url = (path: string) => `${env.receiver.url}${path}`;

  async function push(conversationId: string) {
    const body = JSON.stringify(
      buildPayload({
        id: conversationId,
        title: `Offer review ${conversationId}`,
        participants: [
          buildParticipant({ name: 'Anna Andersson', email: 'anna.andersson@acme.se' }),
          { name: 'Caller via reception', phone: '08-555 000 00', company: 'Acme AB', role: 'customer' },
        ],
      }),
    );
    const response = await fetch(url('/api/v1/dci/webhook'), {
      method: 'POST',
      headers: signDci(body, ADMIN_WEBHOOK_SECRET),
      body,
    });
    expect(response.status).toBe(202);
  }

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    env = await startAdminReceiver();
    env.lime.setApiKey(TEST_API_KEY, 'all');
    const { agent, csrf } = await signInAdmin(env.receiver.url);
    await agent
      .post('/admin/connection')
      .type('form')
      .send({ _csrf: csrf, url: env.lime.baseUrl, apiKey: TEST_API_KEY, historyType: 'comment' });
    for (let i = 0; i < 200 && env.receiver.settings.lastCheck() === undefined; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await push('conv-page-delivered');
    ids.delivered = (await untilDeliveryStatus(env.receiver, 'conv-page-delivered', 'delivered')).id;
    // Delivered once, then Lime refuses the notes when it is matched again: dead, with an earlier delivery's match.
    await push('conv-page-dead');
    ids.dead = (await untilDeliveryStatus(env.receiver, 'conv-page-dead', 'delivered')).id;
    env.lime.failWhen(
      (request) => request.method !== 'GET' && request.path.includes('/limeobject/history'),
      { kind: 'status', status: 400, body: { error: 'Bad Request', message: 'Invalid value.' } },
      1000,
    );
    await agent.post(`/admin/deliveries/${ids.dead}/rerun`).type('form').send({ _csrf: csrf });
    await untilDeliveryStatus(env.receiver, 'conv-page-dead', 'dead');

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url('/admin'));
    await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(url('/admin'));
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    await closeAll();
  });

  /** Screenshots at 1280 and 390 px; at 390 the page must not scroll sideways. */
  async function shootBothWidths(name: string) {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(SCREENSHOTS, `delivery-${name}-${width}.png`), fullPage: true });
      const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
      expect(scrollWidth).toBeLessThanOrEqual(width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  it('a delivered meeting: Lime ids in words, switchboard advice, Match again with its hint', async () => {
    await page.goto(url(`/admin/deliveries/${ids.delivered}`));
    await page.getByText(/Lime: company \d+ only, no person/u).waitFor();
    await page.getByText(/switchboard \(main number\)/u).waitFor();
    await page.getByRole('button', { name: 'Match again and update the notes' }).waitFor();
    expect(await page.getByRole('button', { name: 'Retry now' }).count()).toBe(0);
    await shootBothWidths('delivered');
  });

  it('a dead meeting: failed, the earlier match shown as earlier, Retry now with its hint', async () => {
    await page.goto(url(`/admin/deliveries/${ids.dead}`));
    await page
      .getByText(/Earlier delivery \(/u)
      .first()
      .waitFor();
    await page.getByRole('button', { name: 'Retry now' }).waitFor();
    await page.locator('code', { hasText: 'dci-companion requeue' }).first().waitFor();
    await shootBothWidths('dead');
  });

  it("the deliveries page finds a meeting by a participant's e-mail or number, however it is written", async () => {
    await page.goto(url('/admin/deliveries'));
    const search = page.getByLabel('Meeting, conversation id, participant e-mail or phone');
    await page.getByText("Search by a participant's e-mail or phone number").waitFor();
    const meetings = page.getByRole('link', { name: /^Offer review conv-page-/u });

    // The reception's number, as DCI sent it 08-555 000 00, typed in its international form.
    await search.fill('+46 8 555 000 00');
    await search.press('Enter');
    await page.getByText("Searched meeting titles, conversation ids and participants' phone numbers.").waitFor();
    expect((await meetings.allTextContents()).sort()).toEqual([
      'Offer review conv-page-dead',
      'Offer review conv-page-delivered',
    ]);

    await page.getByLabel('Meeting, conversation id, participant e-mail or phone').fill('Anna.Andersson@ACME.se');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText("participants' e-mail addresses").waitFor();
    expect(await meetings.count()).toBe(2);
    await shootBothWidths('search-by-participant');

    await page.getByLabel('Meeting, conversation id, participant e-mail or phone').fill('someone.else@acme.se');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No deliveries match.').waitFor();
  });

  it('a dry run: what would happen, in words', async () => {
    await page.goto(url(`/admin/deliveries/${ids.delivered}`));
    await page.getByRole('button', { name: 'Dry run (writes nothing)' }).click();
    await page.getByRole('heading', { name: 'Dry run (nothing was written)' }).waitFor();
    await page.getByText('would get the note (matched by email)').waitFor();
    expect(await page.getByText('would_write').count()).toBe(0);
    await shootBothWidths('dry-run');
  });
});
