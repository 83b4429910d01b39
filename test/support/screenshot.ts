// Screenshots the browser tests keep: every page under test-artifacts/ (gitignored),
// and the README's docs/dashboard.png, rewritten only when the page itself changed —
// its markup and styles with the figures taken out (docs/dashboard.fingerprint) — so a
// test run does not touch a committed file just because the numbers moved.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { ROOT } from "./wrangler-dev";

export const ARTIFACTS = join(ROOT, "test-artifacts");
const README_SHOT = join(ROOT, "docs", "dashboard.png");
const FINGERPRINT = join(ROOT, "docs", "dashboard.fingerprint");

export async function keepScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What the page is, not what it says today: digits, nonces and request ids removed. */
export function pageFingerprint(html: string): string {
  const shape = html
    .replace(/nonce="[^"]*"/g, 'nonce=""')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<id>")
    .replace(/[0-9]+/g, "0");
  return createHash("sha256").update(shape).digest("hex");
}

/** Refreshes docs/dashboard.png from `page` when the page's fingerprint changed; says whether it did. */
export async function refreshReadmeScreenshot(page: Page): Promise<boolean> {
  const fingerprint = pageFingerprint(await page.content());
  const known = existsSync(FINGERPRINT) ? readFileSync(FINGERPRINT, "utf8").trim() : "";
  if (known === fingerprint && existsSync(README_SHOT)) return false;
  mkdirSync(join(ROOT, "docs"), { recursive: true });
  await page.screenshot({ path: README_SHOT, fullPage: true });
  writeFileSync(FINGERPRINT, `${fingerprint}\n`);
  return true;
}
