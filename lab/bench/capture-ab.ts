// npm run bench:capture — what MirrorPolicy capture (issue 20) costs proxied traffic:
// the same GET route (100 % mirrored, as every A/B run here), captured at 1 % in one
// build and not captured in the other, in the same run, interleaved round by round on
// `workerd serve` (lab/bench/ab-runner.ts). `workerd serve` has no local R2, so both
// builds bind CAPTURES to the same in-memory stand-in (PUT keeps only each object's
// size): the capture path runs whole — draw, tee/clone, record, redaction, gzip of each
// batch — but the PUT itself (one per batch, at most one per 10 s per isolate) costs
// nothing here. Goal (issue 20): captured ≥ 0.95 × uncaptured requests a second.
// Writes lab/bench/CAPTURE.md. Knobs as ab-runner: BENCH_ROUNDS, BENCH_DURATION, BENCH_CONNECTIONS.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileOrThrow } from "../../src/config/compile";
import type { RouteTable } from "../../src/routing/table";
import { bundleWorker } from "../shared/bundle";
import { ROOT } from "../shared/root";
import { abMarkdown, runAB } from "./ab-runner";

const OUT = new URL("./CAPTURE.md", import.meta.url);
/** The captured build's percentage (1 by default, as the issue asks). */
const PERCENT = Number(process.env.BENCH_CAPTURE_PERCENT ?? 1);

/** src/index.ts's createApp, wrapped so env.CAPTURES is an in-memory bucket. */
const WITH_MEMORY_BUCKET = {
  filter: /^\.\/app$/,
  contents: `
import { createApp as real } from ${JSON.stringify(join(ROOT, "src", "app.ts"))};
const sizes = new Map<string, number>();
const bucket = {
  async put(key: string, value: Uint8Array) {
    sizes.set(key, value.byteLength);
    if (sizes.size > 1000) sizes.delete(sizes.keys().next().value!);
    return {};
  },
};
export function createApp(table: any, options?: any) {
  const app = real(table, options);
  return { fetch: (request: Request, env: any, ctx: any) => app.fetch(request, { ...env, CAPTURES: bucket }, ctx) };
}
`,
};

function withCapture(table: RouteTable, percent: number): RouteTable {
  const copy = structuredClone(table);
  for (const v of copy.virtualHosts) for (const r of v.routes) r.shadow.capture = { perMillion: Math.round(percent * 10_000), maxBodyBytes: 65_536, redact: [], ttlDays: 7 };
  return copy;
}

async function main(): Promise<void> {
  const result = await runAB({
    name: "capture-ab",
    async builds(routesYaml) {
      const table = compileOrThrow(routesYaml, "capture-ab.yaml");
      return [
        { name: "captured", label: `captured at ${PERCENT} %`, module: await bundleWorker(withCapture(table, PERCENT), { minify: true, replace: [WITH_MEMORY_BUCKET] }), durableObjects: [["COMPARE_STORE", "CompareStore"]] },
        { name: "uncaptured", label: "not captured", module: await bundleWorker(table, { minify: true, replace: [WITH_MEMORY_BUCKET] }), durableObjects: [["COMPARE_STORE", "CompareStore"]] },
      ];
    },
  });
  const md = abMarkdown(result, {
    title: "What capture costs proxied traffic (npm run bench:capture)",
    ratioLabel: "captured / uncaptured",
    allPerRound: true,
    notes: ["Both builds bind CAPTURES to an in-memory stand-in (workerd serve has no local R2): the PUT per batch is not measured.", "Goal (issue 20): captured at 1 % ≥ 0.95 × uncaptured requests a second."],
  });
  writeFileSync(OUT, md);
  process.stdout.write(md);
}

main().catch((e: unknown) => {
  console.error(`bench:capture: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
});
