// Where the browser tests find Chromium: Debian's package, driven by playwright-core
// (Playwright's own browser download cannot be used here). Missing, the tests stop
// with one line that says what to install — never a silent skip.
import { existsSync } from "node:fs";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const MISSING_CHROMIUM = `edge-mirror: the dashboard's browser tests need Chromium at ${CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH)`;

export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** As Playwright's launch wants it: no sandbox, as root in a container has none. */
export const CHROMIUM_LAUNCH = { executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] };
