// Checks the bundle `wrangler deploy --dry-run --outdir dist` produced: the YAML
// parser must not be in it (routes.yaml is compiled at build time) and it must
// stay within 25 KiB gzipped (lab/shared/bundle-check.ts, the check the bench
// reports too). Run by `npm run bundle` and by .ci/run after the dry run.
import { checkBundle, BUNDLE_LIMIT_BYTES } from "../lab/shared/bundle-check";

const file = process.argv[2] ?? "dist/index.js";
const result = checkBundle(file);
console.log(
  `bundle ${file}: ${(result.rawBytes / 1024).toFixed(1)} KiB, ${(result.gzipBytes / 1024).toFixed(1)} KiB gzipped ` +
    `(limit ${BUNDLE_LIMIT_BYTES / 1024} KiB)`,
);
for (const problem of result.problems) console.error(problem);
process.exitCode = result.problems.length > 0 ? 1 : 0;
