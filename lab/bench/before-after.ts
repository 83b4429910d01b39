// npm run bench:before-after -- [git-ref [after-ref]] — did a change make proxied traffic slower?
// The worker at <git-ref> (default aef3337, the last commit before the decision step
// src/routing/plan.ts, the comparison hooks, the pause switch and the admin path) and
// the worker in the working tree, in the same run, interleaved round by round on
// `workerd serve` (lab/bench/ab-runner.ts), on the same routes (GET 100 % mirrored):
//   now     src/index.ts of the working tree, COMPARE_STORE and MIRROR_SWITCH bound
//           (Durable Objects on disk), as wrangler.toml deploys it today
//   before  <git-ref> checked out in a temporary git worktree, its routes compiled by
//           its own compiler (the table format changed since), its src/index.ts
//           bundled (lab/shared/bundle-at.ts); it binds nothing, as deployed then
// Both bundled by the same esbuild settings and both minified (today's wrangler.toml
// minifies; the old one did not, but a minifier difference is not what this asks).
// Writes lab/bench/BEFORE-AFTER.md (BEFORE-AFTER-PACED.md with BENCH_RATE). Knobs as
// ab-runner: BENCH_ROUNDS, BENCH_DURATION, BENCH_CONNECTIONS, BENCH_RATE.
import { writeFileSync } from "node:fs";
import { compileOrThrow } from "../../src/config/compile";
import { bundleWorker } from "../shared/bundle";
import { bundleAt, runInRepo } from "../shared/bundle-at";
import { abMarkdown, runAB } from "./ab-runner";

// At a fixed offered rate (BENCH_RATE) the report goes beside the full-load one.
const OUT = new URL(process.env.BENCH_RATE ? "./BEFORE-AFTER-PACED.md" : "./BEFORE-AFTER.md", import.meta.url);
const DEFAULT_REF = "aef3337";

/** The commit a ref names, short; throws when it names none. */
function shortCommit(ref: string): string {
  return runInRepo("git", ["rev-parse", "--short", "--verify", `${ref}^{commit}`]);
}

async function main(): Promise<void> {
  const ref = process.argv[2] ?? DEFAULT_REF;
  // A second ref bisects between two commits: it stands in for the working tree.
  const afterRef = process.argv[3];
  const commit = shortCommit(ref);
  const head = runInRepo("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = runInRepo("git", ["status", "--porcelain", "--", "src"]) !== "";
  const result = await runAB({
    name: "before-after",
    async builds(routesYaml) {
      const table = compileOrThrow(routesYaml, "before-after.yaml");
      return [
        afterRef
          ? {
              name: "now",
              label: `after (${afterRef} = ${shortCommit(afterRef)}; no bindings)`,
              module: await bundleAt(afterRef, routesYaml, { minify: true }),
              durableObjects: [],
            }
          : {
              name: "now",
              label: `now (working tree at ${head}${dirty ? " with uncommitted src/ changes" : ""}; COMPARE_STORE, MIRROR_SWITCH bound)`,
              module: await bundleWorker(table, { minify: true }),
              durableObjects: [["COMPARE_STORE", "CompareStore"], ["MIRROR_SWITCH", "MirrorSwitch"]],
            },
        { name: "before", label: `before (${ref === commit ? commit : `${ref} = ${commit}`}; no bindings)`, module: await bundleAt(ref, routesYaml, { minify: true }), durableObjects: [] },
      ];
    },
  });
  const md = abMarkdown(result, {
    title: "Before and after: proxied traffic through the worker then and now (npm run bench:before-after)",
    ratioLabel: "now / before",
    allPerRound: true,
    notes: [
      `Routes: host \`bench\`, GET to v1, mirrored 100 % to v2 (loopback origins answering 3 bytes), each build's table compiled by its own compiler. Both bundles esbuild, minified, same settings (lab/shared/bundle.ts). Every request was mirrored in both builds in every round (checked from v2's request count).`,
    ],
  });
  writeFileSync(OUT, md);
  process.stdout.write(md);
}

main().catch((e: unknown) => {
  console.error(`bench:before-after: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
});
