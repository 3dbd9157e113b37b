// Headless Chromium for browser tests: Debian's chromium package (installed when missing, as the
// database servers are), driven by playwright-core. Never a browser download.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { ensureDebianPackages } from "./system.js";

export const CHROMIUM = "/usr/bin/chromium";

/** Flags that keep Chromium off the network it cannot reach here, and out of a sandbox it cannot have as root. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) await ensureDebianPackages("Chromium (the status page's browser test)", ["chromium"]);
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}
