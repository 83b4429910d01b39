// npm run bench:dashboard — what the dashboard and the pause switch (issue 12) cost
// proxied traffic: the same GET, 100 % mirrored, through two builds of the worker in
// the same run, interleaved round by round on `workerd serve` (lab/bench/ab-runner.ts):
//   with     src/index.ts as deployed (minified like wrangler.toml), MIRROR_SWITCH and
//            COMPARE_STORE bound: every request does the switch's cached lookup
//   without  the same build with src/dashboard/dashboard.tsx replaced by a stub that
//            serves nothing, and no MIRROR_SWITCH binding: the worker before issue 12
// Writes lab/bench/DASHBOARD.md. Knobs: BENCH_ROUNDS (5), BENCH_DURATION (s, 5),
// BENCH_CONNECTIONS (32).
import { writeFileSync } from "node:fs";
import { compileOrThrow } from "../../src/config/compile";
import { bundleWorker, WITHOUT_DASHBOARD } from "../shared/bundle";
import { abMarkdown, runAB } from "./ab-runner";

const OUT = new URL("./DASHBOARD.md", import.meta.url);

async function main(): Promise<void> {
  const result = await runAB({
    name: "dashboard-ab",
    async builds(routesYaml) {
      const table = compileOrThrow(routesYaml, "dashboard-ab.yaml");
      return [
        {
          name: "with",
          label: "with the dashboard and the pause switch (as deployed)",
          module: await bundleWorker(table, { minify: true }),
          durableObjects: [["COMPARE_STORE", "CompareStore"], ["MIRROR_SWITCH", "MirrorSwitch"]],
        },
        {
          name: "without",
          label: "without (dashboard stubbed, no MIRROR_SWITCH binding)",
          module: await bundleWorker(table, { minify: true, replace: [WITHOUT_DASHBOARD] }),
          durableObjects: [["COMPARE_STORE", "CompareStore"]],
        },
      ];
    },
  });
  const md = abMarkdown(result, { title: "The dashboard's cost to proxied traffic (npm run bench:dashboard)", ratioLabel: "with / without", allPerRound: true });
  writeFileSync(OUT, md);
  process.stdout.write(md);
}

main().catch((e: unknown) => {
  console.error(`bench:dashboard: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
});
