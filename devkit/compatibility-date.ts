// The worker's compatibility date, read from wrangler.toml, its only copy: the test
// runtimes and the lab's workerd run the worker under the date it is deployed with.
import { readFileSync } from "node:fs";

const WRANGLER_TOML = new URL("../wrangler.toml", import.meta.url);

export function compatibilityDate(): string {
  const match = /^compatibility_date\s*=\s*"(\d{4}-\d{2}-\d{2})"/m.exec(readFileSync(WRANGLER_TOML, "utf8"));
  if (!match) throw new Error("wrangler.toml has no compatibility_date = \"YYYY-MM-DD\" line");
  return match[1]!;
}
