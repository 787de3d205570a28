/**
 * Headless Chromium for page tests: Debian's `chromium` (installed by .ci/run, never downloaded)
 * driven by playwright-core, with the flags this machine's closed network needs.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { cleanup } from "./nats.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

type Hooks = Parameters<typeof cleanup>[0];

/** True when the browser is installed (the page tests say how to install it otherwise). */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchBrowser(t: Hooks): Promise<Browser> {
  // playwright gives the browser a fresh temporary profile of its own.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  cleanup(t, () => browser.close());
  return browser;
}
