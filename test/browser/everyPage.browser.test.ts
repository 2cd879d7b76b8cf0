import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningReceiver } from '../../src/receiver/startReceiver';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { signDci } from '../../src/receiver/ingest/signWebhook';
import {
  ADMIN_PASSWORD,
  ADMIN_WEBHOOK_SECRET,
  SECRET_KEY,
  signInAdmin,
  startAdminReceiver,
  startSuperOfficeAdminReceiver,
  untilDeliveryStatus,
} from '../support/adminHarness';
import { DCI_SECRET, DCI_TOKEN, startDciSetup, type DciSetup } from '../support/dci';
import { closeAll, TEST_API_KEY } from '../support/lime';
import { buildParticipant, buildPayload } from '../support/payloads';
import { describeInBrowser, launchChromium, SCREENSHOTS } from '../support/browser';
import { waitFor } from '../support/waitFor';

// Every admin page, with data on it (a delivered meeting, a dead one, one whose participant matched no one), at a
// desktop width and a phone's (390 px): nothing wider than the screen, no serious or critical axe-core violation, the
// page's place marked in the nav, and a screenshot of each for a person to look at. Then the forms: what was typed
// stays after a validation error, the error sits at its field, and Disconnect asks first — in a real browser, without
// any script (the pages send `script-src 'none'`).

const WIDTHS = [1280, 390] as const;
/** axe-core's bundle, injected into each page; the pages' CSP forbids scripts, so only the axe context bypasses it. */
const AXE = require.resolve('axe-core/axe.min.js');

jest.setTimeout(180_000);

interface AdminPage {
  name: string;
  /** The nav link that must be marked current ('none' for pages outside the nav). */
  nav: 'Overview' | 'Connections' | 'Deliveries' | 'Dead letters' | 'none';
  /** Opens the page in a signed-in browser page (a GET, or a button that posts). */
  open(page: Page): Promise<void>;
  /** Opens it signed out (the sign-in page). */
  signedOut?: true;
  /** On the receiver with DCI's REST API connected (the connection page's DCI section, the overview's DCI panel). */
  dci?: true;
}

describeInBrowser('every admin page in a real browser, at 1280 and 390 px', () => {
  let browser: Browser;
  let env: Awaited<ReturnType<typeof startAdminReceiver>>;
  /** The pages as a person sees them, CSP in force. */
  let plain: { context: BrowserContext; page: Page };
  /** The same pages with CSP bypassed, so axe-core's script can run in them. */
  let audited: { context: BrowserContext; page: Page };
  /** A second receiver, with DCI's REST API saved on its connection page, and its two contexts. */
  let dciSetup: DciSetup;
  let dciPlain: { context: BrowserContext; page: Page };
  let dciAudited: { context: BrowserContext; page: Page };
  const ids: Record<'delivered' | 'dead' | 'noMatch', string> = { delivered: '', dead: '', noMatch: '' };

  const url = (path: string) => `${env.receiver.url}${path}`;

  async function push(conversationId: string, title: string, email: string) {
    const body = JSON.stringify(
      buildPayload({
        id: conversationId,
        title,
        participants: [buildParticipant({ name: 'Anna Andersson', email })],
      }),
    );
    const response = await fetch(url('/api/v1/dci/webhook'), {
      method: 'POST',
      headers: signDci(body, ADMIN_WEBHOOK_SECRET),
      body,
    });
    expect(response.status).toBe(202);
  }

  async function signedInContext(bypassCSP: boolean, base = env.receiver.url) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP });
    const page = await context.newPage();
    await page.goto(`${base}/admin/sign-in`);
    await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    return { context, page };
  }

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // The contact index on, so the delivery page's search for a person to assign renders with results.
    env = await startAdminReceiver({ CONTACT_INDEX_SYNC_HOURS: '24' });
    // Connected to Lime, with the three kinds of delivery on the pages.
    const { agent, csrf } = await signInAdmin(env.receiver.url);
    await agent
      .post('/admin/connection')
      .type('form')
      .send({ _csrf: csrf, url: env.lime.baseUrl, apiKey: TEST_API_KEY, historyType: 'comment' })
      .expect(303);
    const persons = env.lime.all('person').length;
    await waitFor(
      async () => (await env.receiver.store.contactIndexState('lime')).size === persons,
      20_000,
      'the contact index to hold every Lime person',
    );
    await push('conv-every-delivered', 'Offer review with Acme', 'anna.andersson@acme.se');
    ids.delivered = (await untilDeliveryStatus(env.receiver, 'conv-every-delivered', 'delivered')).id;
    await push('conv-every-nomatch', 'Intro call with a stranger', 'nobody@unknown-company.example');
    ids.noMatch = (await untilDeliveryStatus(env.receiver, 'conv-every-nomatch', 'delivered')).id;
    env.lime.failWhen((request) => request.method === 'POST' && request.path.includes('/limeobject/history'), {
      kind: 'status',
      status: 400,
      body: { error: 'Bad Request', message: 'Invalid value.' },
    });
    await push('conv-every-dead', 'Quarterly review that Lime refused', 'anna.andersson@acme.se');
    ids.dead = (await untilDeliveryStatus(env.receiver, 'conv-every-dead', 'dead')).id;

    dciSetup = await startDciSetup({
      env: {
        ADMIN_PASSWORD,
        SECRET_KEY,
        DCI_WEBHOOK_SECRETS: DCI_SECRET,
        DCI_API_URL: '',
        DCI_API_TOKEN: '',
        RECEIVER_PUBLIC_URL: 'https://companion.example.com',
      },
    });
    const dciAdmin = await signInAdmin(dciSetup.receiver.url);
    await dciAdmin.agent
      .post('/admin/connection/dci')
      .type('form')
      .send({ _csrf: dciAdmin.csrf, dciUrl: dciSetup.dci.baseUrl, dciToken: DCI_TOKEN })
      .expect(303);

    browser = await launchChromium();
    plain = await signedInContext(false);
    audited = await signedInContext(true);
    dciPlain = await signedInContext(false, dciSetup.receiver.url);
    dciAudited = await signedInContext(true, dciSetup.receiver.url);
  });
  /** A receiver with CRM=superoffice and a saved connection, started on first use; its URL. */
  let superOffice: { receiver: RunningReceiver; dataDir: string } | undefined;
  async function superOfficeReceiver(): Promise<string> {
    if (superOffice === undefined) {
      const dataDir = mkdtempSync(join(tmpdir(), 'dci-so-admin-'));
      const receiver = await startSuperOfficeAdminReceiver(dataDir);
      superOffice = { receiver, dataDir };
      const { agent, csrf } = await signInAdmin(receiver.url);
      await agent
        .post('/admin/connection')
        .type('form')
        .send({
          _csrf: csrf,
          // Nothing listens there: the background connection check fails at once, without reaching the internet.
          url: 'http://127.0.0.1:1/SuperOffice',
          auth: 'ticket',
          ticket: '7T:browser-ticket-0042',
        })
        .expect(303);
    }
    return superOffice.receiver.url;
  }

  afterAll(async () => {
    if (superOffice) {
      await superOffice.receiver.close();
      rmSync(superOffice.dataDir, { recursive: true, force: true });
    }
    await browser?.close();
    await dciSetup?.close();
    await env?.close();
    await closeAll();
  });

  const go = (path: string) => async (page: Page) => {
    await page.goto(url(path));
  };
  const goDci = (path: string) => async (page: Page) => {
    await page.goto(`${dciSetup.receiver.url}${path}`);
  };
  const PAGES: AdminPage[] = [
    { name: 'sign-in', nav: 'none', open: go('/admin/sign-in'), signedOut: true },
    { name: 'overview', nav: 'Overview', open: go('/admin') },
    { name: 'connection', nav: 'Connections', open: go('/admin/connection') },
    { name: 'disconnect-confirm', nav: 'Connections', open: go('/admin/connection/disconnect') },
    { name: 'overview-with-dci', nav: 'Overview', open: goDci('/admin'), dci: true },
    { name: 'connection-with-dci', nav: 'Connections', open: goDci('/admin/connection'), dci: true },
    { name: 'dci-remove-confirm', nav: 'Connections', open: goDci('/admin/connection/dci/remove'), dci: true },
    { name: 'deliveries', nav: 'Deliveries', open: go('/admin/deliveries') },
    { name: 'deliveries-by-participant', nav: 'Deliveries', open: go('/admin/deliveries?q=anna.andersson%40acme.se') },
    { name: 'delivery-delivered', nav: 'Deliveries', open: (page) => go(`/admin/deliveries/${ids.delivered}`)(page) },
    { name: 'delivery-no-match', nav: 'Deliveries', open: (page) => go(`/admin/deliveries/${ids.noMatch}`)(page) },
    {
      name: 'delivery-person-search',
      nav: 'Deliveries',
      open: async (page) => {
        await go(`/admin/deliveries/${ids.noMatch}?searchFor=0&q=andersson#search-0`)(page);
        await page.locator('.person-results li', { hasText: 'Anna Andersson' }).waitFor();
      },
    },
    { name: 'delivery-dead', nav: 'Deliveries', open: (page) => go(`/admin/deliveries/${ids.dead}`)(page) },
    {
      name: 'dry-run',
      nav: 'Deliveries',
      open: async (page) => {
        await page.goto(url(`/admin/deliveries/${ids.noMatch}`));
        await Promise.all([page.waitForURL(/dry-run/u), page.locator('form[action$="/dry-run"] button').click()]);
      },
    },
    { name: 'dead-letters', nav: 'Dead letters', open: go('/admin/dead-letters') },
    { name: 'not-found', nav: 'none', open: go('/admin/no-such-page') },
    {
      // CRM=superoffice: SuperOffice's card on the connection page (a ticket saved: its masked hint shows).
      name: 'superoffice-connection',
      nav: 'Connections',
      signedOut: true,
      open: async (page) => {
        const base = await superOfficeReceiver();
        await page.goto(`${base}/admin/sign-in`);
        await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { name: 'Overview' }).waitFor();
        await page.goto(`${base}/admin/connection`);
        await page.getByRole('heading', { name: 'SuperOffice connection', exact: true }).waitFor();
      },
    },
    {
      name: 'admin-off',
      nav: 'none',
      signedOut: true,
      // A receiver without an admin password: the page that says how to turn the pages on.
      open: async (page) => {
        const off = await startAdminReceiver({ ADMIN_PASSWORD: '' });
        try {
          await page.goto(`${off.receiver.url}/admin`);
          await page.getByRole('heading', { name: 'Admin pages are off' }).waitFor();
        } finally {
          await off.close();
        }
      },
    },
  ];

  /** Run in the page (a string: this project's types have no DOM): how far it sticks out, and what sticks out. */
  const OVERFLOW = `(() => {
    const root = document.documentElement;
    return {
      fits: root.scrollWidth <= window.innerWidth,
      // What sticks out of the screen, except inside a box that scrolls or clips on its own.
      wide: [...document.querySelectorAll('body *')]
        .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
        .filter((element) => {
          for (let box = element.parentElement; box; box = box.parentElement) {
            if (getComputedStyle(box).overflowX !== 'visible') return false;
          }
          return true;
        })
        .slice(0, 5)
        .map((element) => element.tagName.toLowerCase() + (element.className ? '.' + element.className : '')),
    };
  })()`;

  /** Serious and critical axe-core violations, each as `rule: target, target`. */
  const AXE_RUN = `axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => violation.id + ': ' + violation.nodes.slice(0, 3).map((node) => node.target.join(' ')).join(', ')))`;

  /** The nav's links marked current, and whether the mark shows (a different font weight or border than the rest). */
  const NAV_MARK = `(() => [...document.querySelectorAll('nav a[aria-current]')].map((link) => ({
    name: link.textContent.trim(),
    current: link.getAttribute('aria-current'),
    styled: getComputedStyle(link).fontWeight !== getComputedStyle(document.querySelector('nav a:not([aria-current])')).fontWeight
      || getComputedStyle(link).borderBottomStyle !== 'none',
  })))()`;

  async function pageFor(
    adminPage: AdminPage,
    bypassCSP: boolean,
  ): Promise<{ page: Page; close?: () => Promise<void> }> {
    if (adminPage.signedOut) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP });
      return { page: await context.newPage(), close: () => context.close() };
    }
    if (adminPage.dci) return { page: bypassCSP ? dciAudited.page : dciPlain.page };
    return { page: bypassCSP ? audited.page : plain.page };
  }

  describe.each(PAGES.map((adminPage) => [adminPage.name, adminPage] as const))('%s', (_name, adminPage) => {
    it.each(WIDTHS.map((width) => [width]))(
      'at %i px: fits the screen, has no serious axe violation, marks its place in the nav',
      async (width) => {
        const seen = await pageFor(adminPage, false);
        await seen.page.setViewportSize({ width, height: 900 });
        await adminPage.open(seen.page);
        await seen.page.screenshot({ path: join(SCREENSHOTS, `every-${adminPage.name}-${width}.png`), fullPage: true });
        const overflow = await seen.page.evaluate(OVERFLOW);
        const nav = await seen.page.evaluate(NAV_MARK);
        await seen.close?.();

        const audit = await pageFor(adminPage, true);
        await audit.page.setViewportSize({ width, height: 900 });
        await adminPage.open(audit.page);
        await audit.page.addScriptTag({ path: AXE });
        const violations = await audit.page.evaluate(AXE_RUN);
        await audit.close?.();

        // One expectation, so a failure shows everything that is wrong with the page at this width.
        expect({ width, overflow, nav, violations }).toEqual({
          width,
          overflow: { fits: true, wide: [] },
          nav: adminPage.nav === 'none' ? [] : [{ name: adminPage.nav, current: expect.any(String), styled: true }],
          violations: [],
        });
      },
    );
  });

  it('the checks above can fail: a page wider than the screen and an unlabelled field are caught', async () => {
    const { page } = audited;
    await page.setViewportSize({ width: 390, height: 900 });
    await page.setContent('<html><body><main><input><div style="width: 2000px">wide</div></main></body></html>');
    expect(await page.evaluate(OVERFLOW)).toMatchObject({ fits: false });
    await page.addScriptTag({ path: AXE });
    const violations = (await page.evaluate(AXE_RUN)) as string[];
    expect(violations.map((violation) => violation.split(':')[0])).toEqual(
      expect.arrayContaining(['html-has-lang', 'label']),
    );
  });

  describe('the sign-in and DCI forms in a real browser', () => {
    it.each(WIDTHS.map((width) => [width]))(
      'at %i px: a wrong password is shown at the field, the page fits and passes axe',
      async (width) => {
        for (const bypassCSP of [false, true]) {
          const context = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP });
          const page = await context.newPage();
          await page.goto(url('/admin/sign-in'));
          await page.getByLabel('Admin password').fill('not-the-password');
          await page.keyboard.press('Enter');
          await page.getByText('Wrong password: type it again.').waitFor();
          const field = page.getByLabel('Admin password');
          await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
          await expect(field.getAttribute('aria-describedby')).resolves.toBe('password-error');
          await expect(field.inputValue()).resolves.toBe('');
          if (bypassCSP) {
            await page.addScriptTag({ path: AXE });
            expect(await page.evaluate(AXE_RUN)).toEqual([]);
          } else {
            await page.screenshot({ path: join(SCREENSHOTS, `every-sign-in-error-${width}.png`), fullPage: true });
            expect(await page.evaluate(OVERFLOW)).toEqual({ fits: true, wide: [] });
          }
          // The right password afterwards clears this address's failures, so the sign-in limit stays out of the way.
          await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
          await page.keyboard.press('Enter');
          await page.getByRole('heading', { name: 'Overview' }).waitFor();
          await context.close();
        }
      },
    );

    it.each(WIDTHS.map((width) => [width]))(
      'at %i px: a DCI API URL that is not one keeps what was typed (not the token), with the error at the field',
      async (width) => {
        for (const { page } of [dciPlain, dciAudited]) {
          await page.setViewportSize({ width, height: 900 });
          await page.goto(`${dciSetup.receiver.url}/admin/connection`);
          await page.getByLabel('DCI API URL').fill('dci.example.com/api');
          await page.getByLabel('DCI API token').fill('mt_typed_token_never_echoed');
          await page.getByRole('button', { name: 'Save DCI settings' }).click();
          await page.getByText('Not saved: one field needs a change').waitFor();
          const field = page.getByLabel('DCI API URL');
          await expect(field.inputValue()).resolves.toBe('dci.example.com/api');
          await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
          await expect(page.getByLabel('DCI API token').inputValue()).resolves.toBe('');
          await page.getByText('The token you typed was not saved (the URL needs a change): enter it again.').waitFor();
          expect(await page.content()).not.toContain('mt_typed_token_never_echoed');
          if (page === dciAudited.page) {
            await page.addScriptTag({ path: AXE });
            expect(await page.evaluate(AXE_RUN)).toEqual([]);
          } else {
            await page.screenshot({ path: join(SCREENSHOTS, `every-dci-error-${width}.png`), fullPage: true });
            expect(await page.evaluate(OVERFLOW)).toEqual({ fits: true, wide: [] });
          }
        }
        // Nothing was saved: the URL saved before is still the one in effect.
        expect(dciSetup.receiver.dci.view().url).toBe(dciSetup.dci.baseUrl);
      },
    );
  });

  describe('the Lime form in a real browser', () => {
    /** Types into the Lime form with an invalid domain list and saves: the server refuses it (400). */
    async function submitInvalid(page: Page) {
      await page.goto(url('/admin/connection'));
      // INTERNAL_EMAIL_DOMAINS locks the domains here; the URL is the field in error, the box the input to keep.
      await page.getByLabel('Lime CRM API URL').fill('acme.lime-crm.com/acme');
      await page.getByLabel('API key').fill('typed-key-never-echoed');
      await page.getByLabel('Create contacts in CRM').check();
      const [response] = await Promise.all([
        page.waitForResponse((each) => each.request().method() === 'POST'),
        page.getByRole('button', { name: 'Save Lime settings' }).click(),
      ]);
      expect(response.status()).toBe(400);
    }

    it.each(WIDTHS.map((width) => [width]))(
      'at %i px: a validation error keeps what was typed (not the key), shows the error at its field and on top',
      async (width) => {
        const { page } = plain;
        await page.setViewportSize({ width, height: 900 });
        await submitInvalid(page);
        await page.screenshot({ path: join(SCREENSHOTS, `every-connection-error-${width}.png`), fullPage: true });
        const field = page.getByLabel('Lime CRM API URL');
        await expect(field.inputValue()).resolves.toBe('acme.lime-crm.com/acme');
        await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
        await expect(field.getAttribute('aria-describedby')).resolves.toContain('url-error');
        await expect(page.locator('#url-error').textContent()).resolves.toContain(
          'Enter the Lime address as a full URL',
        );
        await expect(page.getByLabel('Create contacts in CRM').isChecked()).resolves.toBe(true);
        await expect(page.getByLabel('API key').inputValue()).resolves.toBe('');
        await page
          .getByText('The key you typed was not saved (another field needs a change): enter it again.')
          .waitFor();
        expect(await page.content()).not.toContain('typed-key-never-echoed');
        // The summary on top links to the field.
        await page
          .getByRole('alert')
          .getByRole('link', { name: /Enter the Lime address as a full URL/u })
          .click();
        await expect(page.evaluate('document.activeElement.id')).resolves.toBe('url');
        expect(await page.evaluate(OVERFLOW)).toEqual({ fits: true, wide: [] });

        await audited.page.setViewportSize({ width, height: 900 });
        await submitInvalid(audited.page);
        await audited.page.addScriptTag({ path: AXE });
        expect(await audited.page.evaluate(AXE_RUN)).toEqual([]);
      },
    );

    it('Disconnect asks first; after it, Test connection says why it is off and a half-done save says what is missing', async () => {
      const { page } = plain;
      await page.setViewportSize({ width: 390, height: 900 });
      await page.goto(url('/admin/connection'));
      await page.getByRole('button', { name: 'Disconnect Lime…' }).click();
      await page.getByRole('heading', { name: 'Disconnect Lime?' }).waitFor();
      await page.getByText('Nothing is deleted').waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, `every-disconnect-asks-390.png`), fullPage: true });
      // "No" changes nothing.
      await page.getByRole('link', { name: 'No, keep the connection' }).click();
      await page.getByRole('heading', { name: 'Connections' }).waitFor();
      expect((await env.receiver.settings.view()).connected).toBe(true);

      await page.getByRole('button', { name: 'Disconnect Lime…' }).click();
      await page.getByRole('button', { name: 'Yes, disconnect Lime' }).click();
      await page.getByText('Lime is disconnected').waitFor();
      expect((await env.receiver.settings.view()).connected).toBe(false);
      await expect(page.getByRole('button', { name: 'Test Lime connection' }).isDisabled()).resolves.toBe(true);
      await page
        .getByText('Test connection is not available yet: it needs the Lime CRM API URL and the API key.')
        .waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, `every-disconnected-390.png`), fullPage: true });

      // A URL without a key: saved, and the page says what is still missing.
      await page.getByLabel('Lime CRM API URL').fill(env.lime.baseUrl);
      await page.getByRole('button', { name: 'Save Lime settings' }).click();
      await page.getByText('Saved. Still missing: the API key — Test connection needs it.').waitFor();
      await page.getByText('Test connection is not available yet: it needs the API key.').waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, `every-saved-missing-key-390.png`), fullPage: true });
    });
  });
});
