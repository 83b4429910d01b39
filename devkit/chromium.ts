// Where the browser tests find Chromium, driven by playwright-core (Playwright's own
// browser download cannot be used here). In order: CHROMIUM_PATH when set; Debian's
// /usr/bin/chromium when it exists; otherwise the browser that ships inside the
// @sparticuz/chromium dev dependency, so `npm ci && npm test` needs nothing else on
// a fresh machine. Its version is pinned at 147.0.0, the last whose engines accept
// Node 20 (149+ need Node 22). Its own `chromium.args` (single-process, SwiftShader)
// crash here with SIGTRAP, so the launch flags below are ours. If no browser can be
// found the tests stop with one line that says why — never a silent skip.
import { existsSync } from "node:fs";
import sparticuz from "@sparticuz/chromium";

const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/** Flags that launch every candidate here: no sandbox (root in a container has none). */
const CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--no-zygote"];

export interface ChromiumLaunch {
  executablePath: string;
  args: string[];
}

/** Resolves the browser to launch; rejects with a message that says what to do. */
export async function chromiumLaunch(): Promise<ChromiumLaunch> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`edge-mirror: CHROMIUM_PATH=${configured} does not exist (unset it to use the browser from npm ci)`);
    return { executablePath: configured, args: CHROMIUM_ARGS };
  }
  if (existsSync(DEBIAN_CHROMIUM)) return { executablePath: DEBIAN_CHROMIUM, args: CHROMIUM_ARGS };
  try {
    // Unpacks the browser into the temp directory once (about 2 s), then reuses it.
    return { executablePath: await sparticuz.executablePath(), args: CHROMIUM_ARGS };
  } catch (e) {
    throw new Error(`edge-mirror: the browser from @sparticuz/chromium could not be unpacked (${(e as Error).message}); run npm ci, or set CHROMIUM_PATH`);
  }
}
