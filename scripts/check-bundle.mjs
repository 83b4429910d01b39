// Checks the bundle `wrangler deploy --dry-run --outdir dist` produced: the YAML
// parser must not be in it (routes.yaml is compiled at build time) and it must
// stay within 25 KiB gzipped. Run by .ci/run after the dry run.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const LIMIT = 25 * 1024;
const file = process.argv[2] ?? "dist/index.js";
const code = readFileSync(file);
const gzipped = gzipSync(code, { level: 9 }).length;
const yamlMarkers = ["parseAllDocuments", "YAMLMap", "LineCounter"].filter((m) => code.includes(m));
console.log(`bundle ${file}: ${(code.length / 1024).toFixed(1)} KiB, ${(gzipped / 1024).toFixed(1)} KiB gzipped (limit ${LIMIT / 1024} KiB)`);
let failed = false;
if (yamlMarkers.length > 0) {
  console.error(`the YAML parser is in the bundle (found ${yamlMarkers.join(", ")}): src/index.ts must import only generated/routes.json`);
  failed = true;
}
if (gzipped > LIMIT) {
  console.error(`the bundle is over ${LIMIT / 1024} KiB gzipped`);
  failed = true;
}
process.exitCode = failed ? 1 : 0;
