// npm run soak — load with integrity (issue 4): drives the worker, served by
// `workerd serve` as deployed, with thousands of requests at high concurrency, 100 %
// mirrored, mixed methods and body sizes below and above the shadow body cap, some
// with Content-Length and some chunked; then checks against the two recording
// origins and the worker's own log lines that every client got v1's exact answer,
// every eligible shadow reached v2 exactly once and intact, no shadow is missing
// without a logged reason, nothing unhandled happened, and workerd's memory does not
// grow round over round under concurrent uploads at the cap.
//
// run (run.ts) → evaluate (evaluate.ts, verify.ts) → report (report.ts): prints the
// report and writes it to lab/soak/RESULTS.md (SOAK_OUT); the last line is
// `N passed, M failed`; exit 1 on any violation. Knobs: config.ts. Traffic goes to
// 127.0.0.1 only.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { soakConfig } from "./config";
import { evaluate } from "./evaluate";
import { report } from "./report";
import { cleanupSync, runSoak } from "./run";

process.on("exit", cleanupSync);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    console.error(`\nsoak: ${signal}: stopping workerd and the origins`);
    process.exit(130);
  });
}

async function main(): Promise<number> {
  const config = soakConfig();
  const run = await runSoak(config);
  const evaluation = evaluate(run);
  const md = report(run, evaluation);
  mkdirSync(config.out, { recursive: true });
  const file = path.join(config.out, "RESULTS.md");
  writeFileSync(file, md);
  process.stdout.write(`\n${md}\n`);
  console.error(`soak: wrote ${path.relative(process.cwd(), file)}`);
  console.log(`${evaluation.passed} passed, ${evaluation.failed} failed`);
  return evaluation.failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`soak: ${e instanceof Error ? e.stack : e}`);
    console.log("0 passed, 1 failed");
    process.exitCode = 1;
  },
);
