// The bench's report (lab/bench/RESULTS.md, linked from docs/performance.md): the ratios the
// goals are about, per round as well as medians, then the tables and the method.
import { BUNDLE_LIMIT_BYTES, DASHBOARD_BYTES } from "../shared/bundle-check";
import { CONFIG, SCENARIOS, SUT_CPU, SYSTEM_LABELS, type ScenarioKey, type SystemName } from "./config";
import { fmt, fmtMs, fmtRps } from "./format";
import type { MachineInfo } from "./machine";
import type { Run, Summary } from "./measure";
import type { ProjectBundle } from "./systems";
import { wrkCommandLine } from "./wrk";

export type Summaries = Partial<Record<ScenarioKey, Partial<Record<SystemName, Summary>>>>;

export interface GoalRow {
  name: string;
  value: number | string | null;
  goal: string;
  status: string;
  shown: string;
  /** the ratio in each round, when there were several */
  note: string;
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a && b ? a / b : null;
}

type Point = [ScenarioKey, SystemName];
type RatioField = "rps" | "p50" | "p99" | "sutCpuUsPerRequest";

/** The ratio a/b for each round where both were measured (the runs of a round are minutes apart at most). */
function perRound(runs: Run[], a: Point, b: Point, field: RatioField): number[] {
  const out: number[] = [];
  for (let round = 1; round <= CONFIG.rounds; round++) {
    const x = runs.find((r) => r.scenario === a[0] && r.system === a[1] && r.round === round)?.[field];
    const y = runs.find((r) => r.scenario === b[0] && r.system === b[1] && r.round === round)?.[field];
    if (x && y) out.push(x / y);
  }
  return out;
}

export function goals(summary: Summaries, bundle: ProjectBundle, runs: Run[]): GoalRow[] {
  const s = (scenario: ScenarioKey, system: SystemName) => summary[scenario]?.[system];
  const out: GoalRow[] = [];
  const rounds = (a: Point, b: Point, field: RatioField) => {
    const xs = perRound(runs, a, b, field);
    return xs.length > 1 ? xs.map((x) => x.toFixed(2)).join(", ") : "";
  };
  const add = <T extends number | string>(name: string, value: T | null, goal: string, test: (v: T) => boolean, digits = 2, note = "") =>
    out.push({
      name,
      value,
      goal,
      status: value === null ? "not measured" : goal ? (test(value) ? "met" : "**missed**") : "",
      shown: typeof value === "number" ? value.toFixed(digits) : value === null ? "–" : String(value),
      note,
    });
  const any = () => true;
  const pf = s("get-fast", "project");
  const ff = s("get-fast", "floor");
  const nf = s("get-fast", "nginx");
  const ps = s("get-slow", "project");
  const fs = s("get-slow", "floor");
  const ns = s("get-slow", "nginx");
  const cf = s("get-fast", "floor-cancel");
  const hf = s("get-fast", "floor-headers");
  const pp = (sys: SystemName): Point => ["get-fast", sys];
  // Issue 17 item 5 (a lean hot path): throughput at least 0.85 × the floor's, CPU per mirrored request at most 1.2 ×.
  add("project / floor throughput (GET, fast v2)", ratio(pf?.rps, ff?.rps), "≥ 0.85", (v) => v >= 0.85, 2, rounds(pp("project"), pp("floor"), "rps"));
  add("project / floor p99 (GET, fast v2)", ratio(pf?.p99, ff?.p99), "≤ 1.20", (v) => v <= 1.2, 2, rounds(pp("project"), pp("floor"), "p99"));
  add("project throughput, slow v2 / fast v2", ratio(ps?.rps, pf?.rps), "≥ 0.95", (v) => v >= 0.95, 2, rounds(["get-slow", "project"], pp("project"), "rps"));
  add("floor throughput, slow v2 / fast v2", ratio(fs?.rps, ff?.rps), "", any, 2, rounds(["get-slow", "floor"], pp("floor"), "rps"));
  add("nginx mirror throughput, slow v2 / fast v2", ratio(ns?.rps, nf?.rps), "", any, 3, rounds(["get-slow", "nginx"], pp("nginx"), "rps"));
  add("project / nginx mirror throughput (GET, fast v2)", ratio(pf?.rps, nf?.rps), "", any, 2, rounds(pp("project"), pp("nginx"), "rps"));
  add(
    "project / floor CPU per request (GET, fast v2)",
    ratio(pf?.sutCpuUsPerRequest, ff?.sutCpuUsPerRequest),
    "≤ 1.20",
    (v) => v <= 1.2,
    2,
    rounds(pp("project"), pp("floor"), "sutCpuUsPerRequest"),
  );
  if (hf) {
    add("floor + Istio's header work / floor throughput (GET, fast v2)", ratio(hf.rps, ff?.rps), "", any, 2, rounds(pp("floor-headers"), pp("floor"), "rps"));
    add("project / (floor + Istio's header work) throughput (GET, fast v2)", ratio(pf?.rps, hf.rps), "", any, 2, rounds(pp("project"), pp("floor-headers"), "rps"));
  }
  if (cf) add("floor with cancel() / floor throughput (GET, fast v2)", ratio(cf.rps, ff?.rps), "", any, 2, rounds(pp("floor-cancel"), pp("floor"), "rps"));
  // Issue 11: comparing answers, against the same route mirrored without comparison (the project both times).
  const jm = s("json-1k", "project");
  const jc = s("json-1k-compared", "project");
  const jp = (key: ScenarioKey): Point => [key, "project"];
  // Issue 17 item 5: comparing stays at least 0.75 × mirroring alone.
  add("compared / mirrored throughput (1 KiB JSON)", ratio(jc?.rps, jm?.rps), "≥ 0.75", (v) => v >= 0.75, 2, rounds(jp("json-1k-compared"), jp("json-1k"), "rps"));
  add("compared / mirrored p50 (1 KiB JSON)", ratio(jc?.p50, jm?.p50), "≤ 1.10", (v) => v <= 1.1, 2, rounds(jp("json-1k-compared"), jp("json-1k"), "p50"));
  // The same pair at one fixed offered rate, far below either's capacity: what a client waits for comparing itself.
  const pm = s("json-1k-paced", "project");
  const pc = s("json-1k-compared-paced", "project");
  if (pm && pc) {
    add(`compared / mirrored p50 at ${fmt(pm.offeredRate, 0)} req/s offered (1 KiB JSON)`, ratio(pc.p50, pm.p50), "≤ 1.10", (v) => v <= 1.1, 2, rounds(jp("json-1k-compared-paced"), jp("json-1k-paced"), "p50"));
  }
  const bm = s("json-256k", "project");
  const bc = s("json-256k-compared", "project");
  add("workerd peak RSS, 64 × 250 KiB answers compared (MiB)", bc?.rssPeakMiB ?? null, "reported", any, 0, bm ? `mirrored only: ${fmt(bm.rssPeakMiB, 0)} MiB; idle ${fmt(bc?.rssBaseMiB, 0)} MiB` : "");
  // The budget: the proxy's 26 KiB plus the dashboard's 15 (scripts/check-bundle.ts checks the proxy alone too).
  const limitKiB = (BUNDLE_LIMIT_BYTES + DASHBOARD_BYTES) / 1024;
  add("bundle with the dashboard, gzipped (KiB)", bundle.gzipBytes / 1024, `≤ ${limitKiB}`, (v) => v <= limitKiB, 1);
  const yaml = [...bundle.yamlMarkers, ...bundle.yamlSources];
  add("YAML parser in the bundle", yaml.length ? `yes (${yaml.join(", ")})` : "no", "no", (v) => v === "no");
  return out;
}

/** How it was measured: the report's last section. */
export function notes({ compatibilityDate, totalSeconds }: { compatibilityDate: string; totalSeconds: number }): string[] {
  return [
    CONFIG.pin
      ? `Each system under test runs alone on CPU 0 (\`taskset -c ${SUT_CPU}\`); wrk (${CONFIG.threads} thread) and the two origin nginx processes share CPU 1. ` +
        `“CPU of system” is the system's own user+system time over the run (100 % = one core): near 100 % means the system, not the load generator, was the limit.`
      : "Processes are not pinned (fewer than 2 CPUs or BENCH_PIN=0).",
    "nginx runs with `worker_processes 1` everywhere (mirror and origins), so each system under test has one core, like single-threaded workerd.",
    `The project is built exactly like \`npm run bundle\` (\`wrangler deploy --dry-run\`, its [build] compiles lab/bench/routes.template.yaml: the seed VirtualService, 100 % mirrored to subset v2, ServiceEntry endpoints on the bench origins), from a copy of the project in a temp dir so the shared generated/routes.json is never rewritten; it and the floor (lab/bench/floor-worker.js) are served by \`workerd serve\` (no wrangler dev proxy), one process each, compat date ${compatibilityDate}.`,
    "workerd's stdout goes to /dev/null: the project still builds and writes its two JSON log lines per request (request + shadow), nothing reads them.",
    "The floor reads the shadow's (tiny) answer to the end; `floor, shadow answer cancel()ed` drops it with `body.cancel()` instead, which makes workerd close the pooled connection, so every shadow opens a new one: the floor is the cheaper of the two.",
    "`floor + Istio's header work` (lab/bench/floor-headers-worker.js) is the floor plus only what a mirror with Istio's semantics must do to the headers on every request (hop-by-hop names removed, Host dropped, X-Forwarded-Host/-Proto set, X-Forwarded-For appended, an x-request-id, a second copy of the headers for the shadow with the `-shadow` authority, a shadow deadline): no routing, no Hono, no logs. Its ratio to the floor is the price of the job on this runtime; the project's ratio to it is the price of the project.",
    `“others on CPU 0 / 1”: CPU time used during the run by processes the bench did not start (the machine is shared), in % of that core. A run where outsiders took more than 15 % of CPU 0 from a busy system under test, or more than 30 % of CPU 1 (where the origins answer it), is repeated (at most twice, ${CONFIG.retries} repeats in all); “noisy” counts the runs kept anyway.`,
    `Origins: nginx \`return 200\` for v1 and v2 (own processes, \`access_log off\`). The slow shadow is v2 reloaded to answer after ${CONFIG.slowMs} ms (\`echo_sleep\`, Debian's libnginx-mod-http-echo); v1 stays fast.`,
    "“mirrored to v2” counts what reached v2 (its stub_status) per request v1 saw, after in-flight shadows land: 100 % means every request was mirrored. nginx with the slow v2 shows a little less: when wrk closes its connections at the end, the mirrors of the last request on each (≤ 1 per connection) are dropped.",
    "nginx mirror: upstream keepalive (64) to both origins, request bodies buffered in memory up to 1 MiB; nginx waits for the mirror subrequest before reading the next request on a connection, which is why a slow v2 caps it at about connections ÷ 200 ms.",
    "At a fixed concurrency p50 is about connections ÷ throughput; p99 adds pauses (garbage collection, scheduling on a shared machine) and varies more from run to run than throughput does.",
    "The floor fires a bodiless copy (method and path only), so for POST it does less than a body mirror; the POST rows are for throughput and memory, not a goal.",
    "Comparing answers (issue 11): `GET /json-1k` (1 KiB of JSON, the same on v1 and v2) on the seed's route, mirrored, and on a second host whose MirrorPolicy has `compare: {}` (every mirrored request compared; 10 % of them also sent to v1 a second time for noise, so v2 / v1 requests shows about 91 %), in interleaved rounds; then 64 connections on a 250 KiB JSON answer (under the 256 KiB cap, so both answers are parsed and compared field by field) for workerd's memory. The counts go to the route's Durable Object, kept on disk by this workerd (its in-memory storage has no SQLite).",
    `Fixed rate (the rows so labelled): wrk offers ${CONFIG.pacedFraction * 100} % of the mirrored 1 KiB route's median throughput so far in this run, to both routes alike, each of its ${CONFIG.connections} connections waiting an exponentially distributed time before each request (Poisson arrivals; lab/bench/wrk.ts pacedScript). Far below either route's capacity, so the p50 is what a client waits for the work on its own request, not a queue behind other requests' work; at full load (the rows above) p50 is about connections ÷ throughput and follows the throughput ratio.`,
    `RSS: the system's resident memory sampled every 50 ms during the run (workerd: the process; nginx: its worker), idle value before the run → peak.`,
    `Total bench time ${Math.round(totalSeconds)} s.`,
  ];
}

export function markdown({ info, bundle, summary, goalRows, notes }: { info: MachineInfo; bundle: ProjectBundle; summary: Summaries; goalRows: GoalRow[]; notes: string[] }): string {
  const L: string[] = [];
  L.push("# edge-mirror benchmark");
  L.push("");
  L.push(`Written by \`npm run bench\` (lab/bench/run.ts) on ${info.date.slice(0, 16).replace("T", " ")} UTC. Do not edit by hand.`);
  L.push("");
  L.push(
    `**Machine:** ${info.nproc} CPUs (${info.cpu}), ${info.memGiB} GiB, Linux ${info.kernel}; Node ${info.node}, ` +
      `workerd ${info.workerd}, wrangler ${info.wrangler}, nginx ${info.nginx} (Debian), wrk ${info.wrk} (Debian).`,
  );
  L.push("");
  L.push(
    `**Load:** \`${wrkCommandLine(false)}\` (POST: \`-s\` a static body script), each run after a ${CONFIG.warmup} s warm-up. ` +
      `GET: ${CONFIG.rounds} rounds, each running every system with the fast v2 and with the slow v2 (order rotated per round); medians shown, ratios also per round. POST: one run per system.`,
  );
  L.push("");
  L.push("## Ratios and goals (same run)");
  L.push("");
  L.push("| ratio | value | goal | | per round |");
  L.push("|---|---:|---|---|---|");
  for (const g of goalRows) L.push(`| ${g.name} | ${g.shown} | ${g.goal} | ${g.status} | ${g.note} |`);
  L.push("");
  L.push("## GET, 100 % mirrored");
  L.push("");
  L.push("| system | shadow (v2) | req/s (min–max) | p50 | p99 | mirrored to v2 | CPU of system | CPU µs / req | others on CPU 0 / 1 | errors |");
  L.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const key of ["get-fast", "get-slow"] as const) {
    for (const sys of CONFIG.systems) {
      const r = summary[key]?.[sys];
      if (!r) continue;
      const spread = r.runs > 1 ? ` (${fmtRps(r.rpsMin)}–${fmtRps(r.rpsMax)})` : "";
      L.push(
        `| ${SYSTEM_LABELS[sys]} | ${SCENARIOS[key].v2 === "slow" ? `${CONFIG.slowMs} ms` : "fast"} | ${fmtRps(r.rps)}${spread} | ` +
          `${fmtMs(r.p50)} | ${fmtMs(r.p99)} | ${fmt(r.mirroredPercent, 1)} % | ${fmt(r.sutCpuPercent, 0)} % | ` +
          `${fmt(r.sutCpuUsPerRequest, 0)} | ${fmt(r.cpu0OtherPercent, 0)} / ${fmt(r.cpu1OtherPercent, 0)} %${r.noisyRuns ? ` (${r.noisyRuns} noisy)` : ""} | ${r.errors} |`,
      );
    }
  }
  L.push("");
  L.push("## POST bodies, mirrored (fast v2)");
  L.push("");
  L.push("| system | body | req/s | p50 | p99 | mirrored to v2 | CPU µs / req | RSS idle → peak | errors |");
  L.push("|---|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const key of ["post-1k", "post-512k"] as const) {
    for (const sys of CONFIG.systems) {
      const r = summary[key]?.[sys];
      if (!r) continue;
      const body = SCENARIOS[key].body;
      L.push(
        `| ${SYSTEM_LABELS[sys]} | ${body >= 1024 * 1024 ? `${body / 2 ** 20} MiB` : `${body / 1024} KiB`}` +
          `${sys === "floor" ? " (copy bodiless)" : ""} | ${fmtRps(r.rps)} | ${fmtMs(r.p50)} | ${fmtMs(r.p99)} | ` +
          `${fmt(r.mirroredPercent, 1)} % | ${fmt(r.sutCpuUsPerRequest, 0)} | ${fmt(r.rssBaseMiB, 0)} → ${fmt(r.rssPeakMiB, 0)} MiB | ${r.errors}${r.noisyRuns ? " (noisy)" : ""} |`,
      );
    }
  }
  L.push("");
  const compareKeys = (["json-1k", "json-1k-compared", "json-1k-paced", "json-1k-compared-paced", "json-256k", "json-256k-compared"] as const).filter((k) => summary[k]?.project);
  if (compareKeys.length) {
    L.push("## Comparing answers (MirrorPolicy compare), the project alone");
    L.push("");
    L.push("| scenario | connections | req/s (min–max) | p50 | p99 | v2 / v1 requests | CPU µs / req | RSS idle → peak | errors |");
    L.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const key of compareKeys) {
      const r = summary[key]!.project!;
      const spread = r.runs > 1 ? ` (${fmtRps(r.rpsMin)}–${fmtRps(r.rpsMax)})` : "";
      L.push(
        `| ${SCENARIOS[key].label}${SCENARIOS[key].paced ? ` (${fmtRps(r.offeredRate)} req/s offered)` : ""} | ${SCENARIOS[key].connections ?? CONFIG.connections} | ${fmtRps(r.rps)}${spread} | ${fmtMs(r.p50)} | ${fmtMs(r.p99)} | ` +
          `${fmt(r.mirroredPercent, 1)} % | ${fmt(r.sutCpuUsPerRequest, 0)} | ${fmt(r.rssBaseMiB, 0)} → ${fmt(r.rssPeakMiB, 0)} MiB | ${r.errors}${r.noisyRuns ? " (noisy)" : ""} |`,
      );
    }
    L.push("");
  }
  L.push("## Bundle");
  L.push("");
  L.push("| bundle | raw | gzipped | YAML parser | compiler (src/config) |");
  L.push("|---|---:|---:|---|---|");
  L.push(
    `| \`wrangler deploy --dry-run\` → ${bundle.file} | ${(bundle.rawBytes / 1024).toFixed(1)} KiB | ` +
      `${(bundle.gzipBytes / 1024).toFixed(1)} KiB | ${bundle.yamlMarkers.length || bundle.yamlSources.length ? "**present**" : "absent"} | ` +
      `${bundle.compilerSources.length ? `**present** (${bundle.compilerSources.length} files)` : "absent"} |`,
  );
  L.push("");
  L.push("## How it was measured");
  L.push("");
  for (const n of notes) L.push(`- ${n}`);
  L.push("");
  return L.join("\n");
}
