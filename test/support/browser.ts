import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (playwright-core drives it; it downloads no browser). */
export const CHROMIUM = '/usr/bin/chromium';
/** Where the browser tests' screenshots go, for a person to look at. */
export const SCREENSHOTS = join(__dirname, '..', '..', 'test-output', 'screenshots');
/** Run as the env skill's node notes say: this machine's network is closed, so nothing may call out. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env['CI']) throw new Error(`${CHROMIUM} is missing: .ci/run must install Debian's chromium`);
  console.warn(`Browser tests skipped: ${CHROMIUM} is not installed (apt-get install -y chromium). CI installs it.`);
}

/** `describe` where chromium is installed; elsewhere skipped, with the reason printed above (never in CI). */
export const describeInBrowser = available ? describe : describe.skip;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/**
 * How far the page scrolls sideways (`page`, 0 when it fits) and the first few elements of <main> that stick out of
 * the viewport, named for a failure message. An element inside a box that scrolls sideways itself (a wide table's
 * own scroll box) does not widen the page, so it is not named. Run in the page as a string: these types have no DOM.
 */
export async function pageOverflow(page: Page): Promise<{ page: number; wide: string[] }> {
  return (await page.evaluate(`(() => {
    const root = document.documentElement;
    return {
      page: root.scrollWidth - root.clientWidth,
      wide: [...document.querySelectorAll('main *')]
        .filter((element) => element.getBoundingClientRect().right > root.clientWidth + 1)
        .filter((element) => {
          for (let box = element.parentElement; box && box.tagName !== 'MAIN'; box = box.parentElement) {
            const scrolls = ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
            if (scrolls && box.getBoundingClientRect().right <= root.clientWidth + 1) return false;
          }
          return true;
        })
        .slice(0, 5)
        .map((element) => element.tagName.toLowerCase() + '.' + element.className),
    };
  })()`)) as { page: number; wide: string[] };
}
