// npm run bench:hotpath -- [git-ref] — where the mirrored request's CPU goes (issue 17 item 5).
// Every build below served by `workerd serve` on CPU 0 at once, measured in turn by wrk
// (CPU 1, with the origins) in interleaved rounds whose order rotates (lab/bench/ab-runner.ts
// runRounds), on the same GET 100 % mirrored to v2:
//   floor              lab/bench/floor-worker.js: fetch v1, mirror to v2, nothing else
//   floor-headers      lab/bench/floor-headers-worker.js: the floor plus Istio's header work
//   floor-headers-log  floor-headers plus one console.log of a ~300-byte JSON line per request
//                      once the shadow settled (what one access-log line costs by itself)
//   <git-ref>          the worker at <git-ref> (default main), bundled as before-after does
//   now                the working tree's worker (src/index.ts, minified)
//   now-log-notable    the same with MIRROR_ACCESS_LOG=notable (no line for a plain success)
// Each build's CPU per request and throughput are reported beside the floor's: the goal
// rows of `npm run bench` (CPU ≤ 1.2 × the floor's, throughput ≥ 0.85 ×). workerd's
// stdout (where console.log goes) is discarded, as in `npm run bench`.
// Writes lab/bench/HOTPATH.md. Knobs as ab-runner: BENCH_ROUNDS (5), BENCH_DURATION (s, 5),
// BENCH_CONNECTIONS (32); BENCH_HOTPATH_BUILDS (comma list of the names above: a subset).
import { readFileSync, writeFileSync } from "node:fs";
import { compileOrThrow } from "../../src/config/compile";
import { bundleWorker } from "../shared/bundle";
import { bundleAt, runInRepo } from "../shared/bundle-at";
import { runRounds, type AbBuild } from "./ab-runner";

const OUT = new URL("./HOTPATH.md", import.meta.url);
const source = (file: string) => readFileSync(new URL(`./${file}`, import.meta.url), "utf8");

/** floor-headers with the one log line a request costs: built when the shadow's answer is read, as the project writes it. */
function floorHeadersLog(): string {
  const text = source("floor-headers-worker.js");
  const from = "ctx.waitUntil(shadow.then((r) => r.arrayBuffer()).catch(() => {}));";
  if (!text.includes(from)) throw new Error("floor-headers-worker.js changed: update lab/bench/hotpath.ts");
  const started = "const started = Date.now();\n    ";
  const logged =
    "ctx.waitUntil(shadow.then((r) => r.arrayBuffer().then(() => console.log(JSON.stringify({ event: \"request\", requestId: headers.get(\"x-request-id\"), virtualService: \"bench\", route: \"bench\", destination: \"outbound|80|v1|origin\", status: 200, durationMs: Date.now() - started, shadows: [{ destination: \"outbound|80|v2|origin\", status: r.status, durationMs: Date.now() - started }] })))).catch(() => {}));";
  return text.replace("const url = request.url;", `${started}const url = request.url;`).replace(from, logged);
}

async function main(): Promise<void> {
  const ref = process.argv[2] ?? "main";
  const only = process.env.BENCH_HOTPATH_BUILDS?.split(",").map((s) => s.trim());
  const head = runInRepo("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = runInRepo("git", ["status", "--porcelain", "--", "src"]) !== "";
  const refCommit = runInRepo("git", ["rev-parse", "--short", "--verify", `${ref}^{commit}`]);
  const projectObjects: [string, string][] = [["COMPARE_STORE", "CompareStore"], ["MIRROR_SWITCH", "MirrorSwitch"]];
  const result = await runRounds({
    name: "hotpath",
    async builds(routesYaml, { v1, v2 }) {
      const origins = { V1: `http://127.0.0.1:${v1}`, V2: `http://127.0.0.1:${v2}` };
      const table = compileOrThrow(routesYaml, "hotpath.yaml");
      const now = await bundleWorker(table, { minify: true });
      const all: (AbBuild & { want: () => boolean })[] = [
        { name: "floor", label: "floor (fetch v1, mirror to v2)", module: source("floor-worker.js"), durableObjects: [], bindings: origins, want: () => true },
        { name: "floor-headers", label: "floor + Istio's header work", module: source("floor-headers-worker.js"), durableObjects: [], bindings: origins, want: () => true },
        { name: "floor-headers-log", label: "floor + header work + one 300-byte JSON log line", module: floorHeadersLog(), durableObjects: [], bindings: origins, want: () => true },
        { name: ref, label: `${ref} (${refCommit})`, module: "", durableObjects: projectObjects, want: () => true },
        { name: "now", label: `now (working tree at ${head}${dirty ? " + uncommitted src/" : ""})`, module: now, durableObjects: projectObjects, want: () => true },
        { name: "now-log-notable", label: "now, MIRROR_ACCESS_LOG=notable", module: now, durableObjects: projectObjects, bindings: { MIRROR_ACCESS_LOG: "notable" }, want: () => true },
      ];
      const chosen = all.filter((b) => (only ? only.includes(b.name) || (b.name === ref && only.includes("ref")) : true));
      for (const b of chosen) if (b.name === ref) b.module = await bundleAt(ref, routesYaml, { minify: true });
      return chosen;
    },
  });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const m = (name: string, key: "rps" | "p50" | "p99" | "cpuUsPerRequest") => median(result.rounds.filter((r) => r.build === name).map((r) => r[key]));
  const floor = result.builds.some((b) => b.name === "floor") ? "floor" : undefined;
  const { rounds, duration, connections } = result.settings;
  const rows = result.builds.map((b, i) => {
    const vs = (key: "rps" | "cpuUsPerRequest") => (floor ? ` (${(m(b.name, key) / m(floor, key)).toFixed(2)} ×)` : "");
    return `| ${b.label} | ${result.gzipKiB[i]!.toFixed(1)} | ${m(b.name, "rps").toFixed(0)}${vs("rps")} | ${m(b.name, "p50").toFixed(2)} ms | ${m(b.name, "p99").toFixed(2)} ms | ${m(b.name, "cpuUsPerRequest").toFixed(0)}${vs("cpuUsPerRequest")} |`;
  });
  const md = [
    "# Hot path: the mirrored request's CPU, piece by piece (npm run bench:hotpath)",
    "",
    `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${rounds} interleaved rounds of ${duration} s (order rotating), wrk -t1 -c${connections}${result.settings.rate ? ` offering ${result.settings.rate} req/s (BENCH_RATE)` : ""}, GET 100 % mirrored, workerd on CPU 0, wrk and origins on CPU 1, a machine shared with other work (CPU per request is the steadier figure). Medians; (×) is the build's figure over the floor's.`,
    "",
    "| build | bundle KiB gzipped | req/s | p50 | p99 | workerd CPU µs / req |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    "Goals (issue 17 item 5): CPU per request ≤ 1.2 × the floor's, throughput ≥ 0.85 ×.",
    "",
  ].join("\n");
  writeFileSync(OUT, md);
  process.stdout.write(md);
}

main().catch((e: unknown) => {
  console.error(`bench:hotpath: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
});
