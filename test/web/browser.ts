// Debian's Chromium driven by playwright-core, with a fresh profile directory each time.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPresent(): boolean {
  return existsSync(CHROMIUM);
}

export interface BrowserHandle {
  context: BrowserContext;
  downloads: string;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<BrowserHandle> {
  const profile = await mkdtemp(join(tmpdir(), 'ledger-chromium-'));
  const downloads = await mkdtemp(join(tmpdir(), 'ledger-downloads-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
    downloadsPath: downloads,
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  context.setDefaultTimeout(60_000);
  return {
    context,
    downloads,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
      await rm(downloads, { recursive: true, force: true });
    },
  };
}
