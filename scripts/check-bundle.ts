// Checks the bundle `wrangler deploy --dry-run --outdir dist` produced: the YAML
// parser must not be in it (routes.yaml is compiled at build time); the whole must
// stay within 41 KiB gzipped, and the worker without its admin surface (the proxy alone,
// built here the same way: minified, generated/routes.json inlined) within 26 KiB
// (lab/shared/bundle-check.ts, the check the bench reports too). Run by `npm run
// bundle` and by .ci/run after the dry run.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { checkBundle, BUNDLE_LIMIT_BYTES, DASHBOARD_BYTES } from "../lab/shared/bundle-check";
import { bundleWorker, WITHOUT_DASHBOARD } from "../lab/shared/bundle";
import type { RouteTable } from "../src/routing/table";

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const file = process.argv[2] ?? "dist/index.js";
const result = checkBundle(file);
console.log(`bundle ${file}: ${kib(result.rawBytes)}, ${kib(result.gzipBytes)} gzipped (limit ${kib(BUNDLE_LIMIT_BYTES + DASHBOARD_BYTES)}: the proxy's ${kib(BUNDLE_LIMIT_BYTES)} and the admin surface's ${kib(DASHBOARD_BYTES)})`);
const problems = [...result.problems];

const table = JSON.parse(readFileSync("generated/routes.json", "utf8")) as RouteTable;
const proxy = gzipSync(await bundleWorker(table, { minify: true, replace: [WITHOUT_DASHBOARD] }), { level: 9 }).length;
console.log(`  of which the proxy alone (src/admin/admin.ts, the admin surface, left out): ${kib(proxy)} gzipped (limit ${kib(BUNDLE_LIMIT_BYTES)}); the admin surface: ${kib(result.gzipBytes - proxy)}`);
if (proxy > BUNDLE_LIMIT_BYTES) problems.push(`the worker without its admin surface is over ${kib(BUNDLE_LIMIT_BYTES)} gzipped`);

for (const problem of problems) console.error(problem);
process.exitCode = problems.length > 0 ? 1 : 0;
