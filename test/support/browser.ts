import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

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
