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
import { waitFor } from '../support/waitFor';

jest.setTimeout(90_000);

// Issue 19 item 3: on a delivery's page an admin says who a participant left without a person is; the note is
// written on that person once and the page says an admin chose, who and when. Screenshots in
// test-output/screenshots/ (delivery-assign-<state>-<width>.png).
describeInBrowser("an admin's resolution on the delivery page, in a real browser", () => {
  let browser: Browser;
  let page: Page;
  let env: Awaited<ReturnType<typeof startAdminReceiver>>;
  let deliveryId = '';

  const url = (path: string) => `${env.receiver.url}${path}`;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // The contact index on: the page's search for a person reads it.
    env = await startAdminReceiver({ CONTACT_INDEX_SYNC_HOURS: '24' });
    env.lime.setApiKey(TEST_API_KEY, 'all');
    const { agent, csrf } = await signInAdmin(env.receiver.url);
    await agent
      .post('/admin/connection')
      .type('form')
      .send({ _csrf: csrf, url: env.lime.baseUrl, apiKey: TEST_API_KEY, historyType: 'comment' });
    const persons = env.lime.all('person').length;
    await waitFor(
      async () => (await env.receiver.store.contactIndexState('lime')).size === persons,
      20_000,
      'the contact index to hold every Lime person',
    );
    const body = JSON.stringify(
      buildPayload({
        id: 'conv-page-assign',
        title: 'Offer review by phone',
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
    deliveryId = (await untilDeliveryStatus(env.receiver, 'conv-page-assign', 'delivered')).id;

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
      await page.screenshot({ path: join(SCREENSHOTS, `delivery-assign-${name}-${width}.png`), fullPage: true });
      const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
      expect(scrollWidth).toBeLessThanOrEqual(width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  it('the switchboard caller: a wrong person id is refused clearly, then the chosen person gets the note once', async () => {
    const person = env.lime
      .all('person')
      .find((each) => each['email'] !== 'anna.andersson@acme.se' && typeof each['_id'] === 'number');
    const personId = Number(person?.['_id']);
    const notesOf = () => env.lime.all('history').filter((note) => note['person'] === personId);
    const notesBefore = notesOf().length;
    await page.goto(url(`/admin/deliveries/${deliveryId}`));
    await shootBothWidths('waiting');

    await page.getByLabel('Lime person id').fill('999999');
    await page.getByRole('button', { name: 'Assign and write the note' }).click();
    await page
      .getByText('Nothing was written: Lime has no person 999999 (a wrong id, or deleted): nothing was written.')
      .waitFor();
    expect(notesOf()).toHaveLength(notesBefore);

    await page.getByLabel('Lime person id').fill(String(personId));
    await page.getByRole('button', { name: 'Assign and write the note' }).click();
    await page.getByText(`Participant 2 is now person ${personId}: the note was written.`).waitFor();
    await page
      .locator('p.resolved-later', { hasText: /assigned by an admin .*, by admin \(session signed in /u })
      .waitFor();
    await page
      .locator('code', { hasText: /^assigned by admin \(session signed in \S+\) at \S+ → person \d+/u })
      .waitFor();
    expect(await page.getByText('assigned by an admin').count()).toBeGreaterThan(0);
    // Resolved: no assignment form any more, and exactly one more note on that person.
    expect(await page.getByRole('button', { name: 'Assign and write the note' }).count()).toBe(0);
    expect(notesOf()).toHaveLength(notesBefore + 1);
    await shootBothWidths('assigned');
  });

  it('a participant from a private address: the admin searches by name, chooses, and the note is written once', async () => {
    const body = JSON.stringify(
      buildPayload({
        id: 'conv-page-search',
        title: 'Call from a private address',
        participants: [buildParticipant({ name: 'Lasse', email: 'lasse.private@example.org' })],
      }),
    );
    const response = await fetch(url('/api/v1/dci/webhook'), {
      method: 'POST',
      headers: signDci(body, ADMIN_WEBHOOK_SECRET),
      body,
    });
    expect(response.status).toBe(202);
    const searchId = (await untilDeliveryStatus(env.receiver, 'conv-page-search', 'delivered')).id;
    const lars = env.lime.all('person').find((person) => person['lastname'] === 'Öberg');
    const larsId = Number(lars?.['_id']);
    const notesOf = () => env.lime.all('history').filter((note) => note['person'] === larsId);
    const notesBefore = notesOf().length;
    await page.goto(url(`/admin/deliveries/${searchId}`));

    await page.getByLabel('Search Lime persons').fill('oberg');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const found = page.locator('.person-results li', { hasText: 'Lars Öberg' });
    await found.waitFor();
    await found.getByText(`Lime person ${larsId} at Acme AB · lars.oberg@acme.se`).waitFor();
    expect(await page.locator('.person-results li').count()).toBe(1);
    await shootBothWidths('search-results');

    await found.getByRole('button', { name: 'This is the person' }).click();
    await page.getByText(`Participant 1 is now person ${larsId}: the note was written.`).waitFor();
    await page.locator('p.resolved-later', { hasText: /assigned by an admin/u }).waitFor();
    expect(await page.getByLabel('Search Lime persons').count()).toBe(0);
    expect(notesOf()).toHaveLength(notesBefore + 1);
    // Back on the search results page (loaded again): resolved, it offers no person to choose any more.
    await page.goBack();
    await page.goBack();
    await page.reload();
    expect(await page.getByRole('button', { name: 'This is the person' }).count()).toBe(0);
    expect(notesOf()).toHaveLength(notesBefore + 1);
  });
});
