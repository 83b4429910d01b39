// What MirrorPolicy capture (issue 20) costs proxied traffic, as an A/B of two builds
// in one run (lab/bench/ab-runner.ts): the same GET route (100 % mirrored, as every
// A/B run here), captured at 1 % in one build and not captured in the other,
// interleaved round by round on `workerd serve`. `workerd serve` has no local R2, so
// both builds bind CAPTURES to the same in-memory stand-in (PUT keeps only each
// object's size): the capture path runs whole — draw, tee/clone, record, redaction,
// gzip of each batch — but the PUT itself (one per batch, at most one per 10 s per
// isolate) costs nothing here. Goal (issue 20): captured ≥ 0.95 × uncaptured requests
// a second. Used by `npm run bench:capture` (capture-ab.ts, writes CAPTURE.md) and by
// `npm run bench` as the scenario `capture` (run.ts: a goal row and a section of
// RESULTS.md). Knobs as ab-runner: BENCH_ROUNDS, BENCH_DURATION, BENCH_CONNECTIONS;
// BENCH_CAPTURE_PERCENT (1) for the captured build.
import { join } from "node:path";
import { compileOrThrow } from "../../src/config/compile";
import type { RouteTable } from "../../src/routing/table";
import { bundleWorker } from "../shared/bundle";
import { ROOT } from "../shared/root";
import { abMarkdown, perRound, ratio, runAB, type AbResult } from "./ab-runner";
import type { GoalRow } from "./report";

/** The captured build's percentage (1 by default, as the issue asks). */
export const CAPTURE_PERCENT = Number(process.env.BENCH_CAPTURE_PERCENT ?? 1);
/** Issue 20: a captured 1 % route at least 0.95 × the same route uncaptured. */
export const CAPTURE_GOAL = 0.95;

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

/** Both builds served and measured in interleaved rounds; ratios are captured / uncaptured. */
export function runCaptureAB(percent = CAPTURE_PERCENT): Promise<AbResult> {
  return runAB({
    name: "capture-ab",
    async builds(routesYaml) {
      const table = compileOrThrow(routesYaml, "capture-ab.yaml");
      return [
        { name: "captured", label: `captured at ${percent} %`, module: await bundleWorker(withCapture(table, percent), { minify: true, replace: [WITH_MEMORY_BUCKET] }), durableObjects: [["COMPARE_STORE", "CompareStore"]] },
        { name: "uncaptured", label: "not captured", module: await bundleWorker(table, { minify: true, replace: [WITH_MEMORY_BUCKET] }), durableObjects: [["COMPARE_STORE", "CompareStore"]] },
      ];
    },
  });
}

/**
 * The goal row of `npm run bench`: captured / uncaptured requests a second, the median of
 * the rounds' ratios (each round measures both builds back to back, so a round's ratio
 * cancels the machine's drift; the budgets' rows are medians of per-round ratios too),
 * each round's ratio and the ratio of the medians beside it.
 */
export function captureGoals(result: AbResult | undefined): GoalRow[] {
  if (!result) return [];
  const rounds = perRound(result, "rps").map(Number);
  const value = [...rounds].sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!;
  const cpu = ratio(result, "cpuUsPerRequest");
  return [
    {
      name: `capture: throughput, captured at ${CAPTURE_PERCENT} % / not captured (same GET route, 100 % mirrored; R2 PUT not measured)`,
      value,
      goal: `≥ ${CAPTURE_GOAL.toFixed(2)}`,
      status: value >= CAPTURE_GOAL ? "met" : "**missed**",
      shown: value.toFixed(2),
      note: `${perRound(result, "rps").join(", ")}; ratio of the medians ${ratio(result, "rps").toFixed(2)}; CPU per request ${cpu.toFixed(2)}×`,
    },
  ];
}

/** The report (CAPTURE.md, and a section of RESULTS.md). */
export function captureMarkdown(result: AbResult): string {
  return abMarkdown(result, {
    title: "What capture costs proxied traffic (npm run bench:capture)",
    ratioLabel: "captured / uncaptured",
    allPerRound: true,
    notes: [
      "Both builds bind CAPTURES to an in-memory stand-in (workerd serve has no local R2): the PUT per batch is not measured.",
      `Goal (issue 20): captured at 1 % ≥ ${CAPTURE_GOAL} × uncaptured requests a second.`,
    ],
  });
}
