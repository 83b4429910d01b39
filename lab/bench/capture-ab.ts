// npm run bench:capture — what MirrorPolicy capture (issue 20) costs proxied traffic,
// alone (lab/bench/capture.ts has the A/B; `npm run bench` runs the same as its
// scenario `capture`). Writes lab/bench/CAPTURE.md. Knobs as ab-runner:
// BENCH_ROUNDS, BENCH_DURATION, BENCH_CONNECTIONS; BENCH_CAPTURE_PERCENT (1).
import { writeFileSync } from "node:fs";
import { captureMarkdown, runCaptureAB } from "./capture";

const OUT = new URL("./CAPTURE.md", import.meta.url);

async function main(): Promise<void> {
  const md = captureMarkdown(await runCaptureAB());
  writeFileSync(OUT, md);
  process.stdout.write(md);
}

main().catch((e: unknown) => {
  console.error(`bench:capture: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
});
