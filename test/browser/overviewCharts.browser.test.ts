import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { storeLocationFrom } from '../../src/receiver/config/loadConfig';
import { openStore } from '../../src/receiver/store/openStore';
import { ADMIN_PASSWORD, startAdminReceiver } from '../support/adminHarness';
import { describeInBrowser, launchChromium, SCREENSHOTS } from '../support/browser';
import { seedDeliveryHistory } from '../support/deliveryHistory';
import { closeAll } from '../support/lime';

jest.setTimeout(120_000);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
}

describeInBrowser('overview pictures in a real browser', () => {
  let browser: Browser;
  let dataDir: string;
  let env: Awaited<ReturnType<typeof startAdminReceiver>>;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'dci-charts-browser-'));
    // 30 days of history in the database before the receiver starts, so its worker never finds any of it due.
    const store = await openStore(storeLocationFrom({ DATA_DIR: dataDir }));
    try {
      await seedDeliveryHistory(store, { now: new Date(), days: 30, perDay: 14 });
    } finally {
      await store.close();
    }
    env = await startAdminReceiver({ DATA_DIR: dataDir, TIME_ZONE: 'Europe/Stockholm' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    await closeAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // One session for every page (sign-ins are rate limited).
  let context: BrowserContext;
  async function signedInPage(width: number): Promise<Page> {
    if (context === undefined) {
      context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${env.receiver.url}/admin/sign-in`);
      await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${env.receiver.url}/admin`);
      await page.close();
    }
    const page = await context.newPage();
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${env.receiver.url}/admin`);
    return page;
  }

  it.each([1280, 390])(
    'at %i px the three pictures are drawn within the page, without horizontal scrolling',
    async (width) => {
      const page = await signedInPage(width);
      try {
        const charts = page.locator('section.charts');
        await charts.getByRole('img', { name: 'Deliveries per day, the last 30 days' }).waitFor();
        await expect(
          charts.getByRole('img', { name: 'Participants by outcome, the last 30 days' }).count(),
        ).resolves.toBe(1);
        await expect(
          charts.getByRole('img', { name: 'Time from summary to note, the last 30 days' }).count(),
        ).resolves.toBe(1);
        // Every day has a column.
        await expect(page.locator('#chart-deliveries g.bar').count()).resolves.toBe(30);

        // Strings: the tests compile without the DOM's types.
        const overflow = (await page.evaluate(`({
          page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          charts: [...document.querySelectorAll('figure.chart')].map(
            (figure) => figure.getBoundingClientRect().right - document.documentElement.clientWidth,
          ),
        })`)) as { page: number; charts: number[] };
        expect(overflow.page).toBeLessThanOrEqual(0);
        for (const right of overflow.charts) expect(right).toBeLessThanOrEqual(0);

        await charts.screenshot({ path: join(SCREENSHOTS, `overview-charts-${width}.png`) });
        await page.screenshot({ path: join(SCREENSHOTS, `overview-with-charts-${width}.png`), fullPage: true });
      } finally {
        await page.close();
      }
    },
  );

  it('axe-core finds no serious or critical violation in the pictures', async () => {
    const page = await signedInPage(1280);
    try {
      // Evaluated through the DevTools protocol, which the page's script-src 'none' does not govern.
      await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
      const violations = (await page.evaluate(`axe.run({ include: [['section.charts']] }).then((result) =>
        result.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.length })))`)) as Array<
        Pick<AxeViolation, 'id' | 'impact' | 'help'>
      >;
      expect(
        violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical'),
      ).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
