// Debian's Chromium through playwright-core, launched the one way the browser tests use it: headless, no sandbox
// (tests run as root in CI), no GPU, no background traffic. CHROMIUM_PATH points it at another build.
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A headless Chromium; `extraArgs` adds command-line switches (e.g. `--host-resolver-rules=…`). Close it in `after`. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
  });
}
