// Run first by `npm test`: what the tests need from this machine besides Node, said
// in one line each and before anything else runs, rather than as a failing test
// among hundreds.
// - Chromium for the dashboard's browser tests: from npm ci (@sparticuz/chromium)
//   unless CHROMIUM_PATH or /usr/bin/chromium says otherwise.
// - `unshare` and `ip` for the DNS-failure test (test/edge/dns.test.ts), which runs in
//   a private network namespace; Debian's base image has both (util-linux, iproute2).
import { spawnSync } from "node:child_process";
import { chromiumLaunch } from "../devkit/chromium";

const missing: string[] = [];
try {
  await chromiumLaunch();
} catch (e) {
  missing.push((e as Error).message);
}
for (const [tool, pkg] of [["unshare", "util-linux"], ["ip", "iproute2"]] as const) {
  if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) missing.push(`edge-mirror: the DNS-failure test needs \`${tool}\` (Debian: apt-get install ${pkg})`);
}
for (const line of missing) console.error(line);
if (missing.length > 0) process.exitCode = 1;
