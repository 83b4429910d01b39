// Screenshots the browser tests keep: every page under test-artifacts/ (gitignored),
// and docs/dashboard.md's dashboard.png, rewritten only when the page's code changed —
// the sources under src/dashboard/, whose digest is docs/dashboard.fingerprint — so a
// test run does not touch a committed file because the figures or the timings moved.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { ROOT } from "../../devkit/wrangler-dev";

export const ARTIFACTS = join(ROOT, "test-artifacts");
const README_SHOT = join(ROOT, "docs", "dashboard.png");
const FINGERPRINT = join(ROOT, "docs", "dashboard.fingerprint");
const PAGE_SOURCES = join(ROOT, "src", "dashboard");

export async function keepScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The digest of the page's sources: every file under src/dashboard/, by name and content. */
export function pageFingerprint(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(PAGE_SOURCES).sort()) hash.update(`${file}\0`).update(readFileSync(join(PAGE_SOURCES, file))).update("\0");
  return hash.digest("hex");
}

/** Refreshes docs/dashboard.png from `page` when the page's sources changed; says whether it did. */
export async function refreshReadmeScreenshot(page: Page): Promise<boolean> {
  const fingerprint = pageFingerprint();
  const known = existsSync(FINGERPRINT) ? readFileSync(FINGERPRINT, "utf8").trim() : "";
  if (known === fingerprint && existsSync(README_SHOT)) return false;
  mkdirSync(join(ROOT, "docs"), { recursive: true });
  await page.screenshot({ path: README_SHOT, fullPage: true });
  writeFileSync(FINGERPRINT, `${fingerprint}\n`);
  return true;
}
