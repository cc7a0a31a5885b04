import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (no browser downloads work here). */
export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/**
 * The portal's browser tests run, or fail saying why: a missing browser is a broken test machine,
 * not a reason to report the portal as tested (.ci/run installs Debian's chromium when it is missing).
 */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`The portal's browser tests need Chromium at ${CHROMIUM}, which is missing: install it with \`apt-get install -y chromium\` (.ci/run does this when it is missing).`);
}

/** Browser windows for the portal tests: each a separate Chromium with a fresh profile (the article's "separate browser"). */
export class BrowserWindows {
  private readonly contexts: BrowserContext[] = [];
  private readonly profiles: string[] = [];

  async open(): Promise<Page> {
    requireChromium();
    const profile = mkdtempSync(path.join(os.tmpdir(), 'pim-portal-chromium-'));
    this.profiles.push(profile);
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1360, height: 860 },
      reducedMotion: 'reduce',
    });
    this.contexts.push(ctx);
    ctx.setDefaultTimeout(15_000);
    return ctx.pages()[0] ?? ctx.newPage();
  }

  async close(): Promise<void> {
    for (const c of this.contexts) await c.close();
    for (const p of this.profiles) rmSync(p, { recursive: true, force: true });
  }
}

/** After a failed step: what each window showed (a screenshot in the temp dir and its text), for the failure report. */
export async function reportWindows(pages: Record<string, Page | undefined>, prefix: string): Promise<void> {
  for (const [name, page] of Object.entries(pages)) {
    const file = path.join(os.tmpdir(), `${prefix}-${name}.png`);
    await page?.screenshot({ path: file }).catch(() => undefined);
    const body = await page?.locator('body').innerText().catch(() => '');
    console.error(`--- ${name} window at ${page?.url()} (screenshot ${file}):\n${body?.slice(0, 3000)}`);
  }
}

export const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name, exact: true }).click();
export const heading = (page: Page, name: string) => page.getByRole('heading', { name, exact: true }).waitFor();
export async function text(l: Locator): Promise<string> {
  await l.first().waitFor();
  return (await l.first().innerText()).replace(/\s+/g, ' ');
}
/** The confirmation banner of the last action, once it says `what` (an earlier banner may still be on screen). */
export const flash = (page: Page, what: string) => text(page.locator('#flash', { hasText: what }));
