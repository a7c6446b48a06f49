import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser); `CHROMIUM_PATH` overrides it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The `skip` option of a browser suite: in CI a missing browser is a failure (.ci/run installs Debian's chromium);
 * on a laptop without it, a skip.
 */
export const skipWithoutChromium: string | false =
  !existsSync(CHROMIUM) && !process.env.CI ? `no browser at ${CHROMIUM}` : false;

/** Headless Chromium with the flags the shared 2-core CI machines need, and any `extraArgs`. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
