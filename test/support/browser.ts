/**
 * Debian's Chromium, headless, driven by playwright-core (installed by `.ci/run`; nothing is
 * downloaded). Screenshots go to `SCREENSHOTS_DIR` when set (the ones in docs/ are made so).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { deferCleanup } from './temp-dir.ts';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchBrowser(t: TestContext): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (as .ci/run does)`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  deferCleanup(t, () => browser.close());
  return browser;
}

export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  const dir = process.env['SCREENSHOTS_DIR'];
  if (dir === undefined || dir === '') return;
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage });
}
