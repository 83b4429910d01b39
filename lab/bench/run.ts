// npm run bench — edge-mirror against the floor and nginx's mirror module, on
// loopback, in one run, side by side (issue 5). Not part of `npm test`.
//
// Systems under test (each gets CPU 0 to itself when the machine has 2+ cores):
//   project  the worker as users deploy it (`wrangler deploy --dry-run` bundle,
//            lab/bench/routes.template.yaml: 100 % mirrored to v2) on `workerd serve`
//   floor    lab/bench/floor-worker.js — forward to v1, bodiless copy to v2 in
//            waitUntil, its answer read to the end — on the same workerd: the
//            limit of this runtime
//   floor-cancel  the same, the shadow's answer dropped with body.cancel()
//            (GET, fast v2 only: shows what a closed connection per shadow costs)
//   floor-headers  lab/bench/floor-headers-worker.js — the floor plus the header work
//            Istio's semantics require (X-Forwarded-*, x-request-id, hop-by-hop
//            removal, a -shadow copy of the headers, a shadow deadline), nothing
//            else (GET, fast v2 only: splits the project's cost into job and project)
//   nginx    Debian's nginx, `mirror` directive, in front of the same origins
// Origins (CPU 1, with wrk): nginx `return 200` for v1 and v2; for the slow
// shadow, v2 is reloaded to answer after 200 ms (echo module's echo_sleep).
//
// Writes lab/bench/RESULTS.md (linked from docs/performance.md) and lab/bench/results.json.
// Knobs: config.ts.
import { compatibilityDate } from "../../devkit/compatibility-date";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../../devkit/loopback";
import { ROOT } from "../shared/root";
import { workerdInfo } from "../shared/workerd";
import { CONFIG, HOST_HEADER, ONLY_IN, SCENARIOS, type ScenarioKey, type SystemName } from "./config";
import { ensureTools, machine } from "./machine";
import { measure, summarise, type Origins, type Run, type System } from "./measure";
import { cleanupSync, stopAll, work } from "./processes";
import { goals, markdown, notes, type Summaries } from "./report";
import { buildProject, floorWorker, nginxOrigin, startNginxMirror, startSystemWorkerd, waitUntilServing } from "./systems";
import { wrkCommandLine } from "./wrk";
import { budgetGoals, budgetSection, runBudgetScenarios, type BudgetResults } from "./budgets";
import { captureGoals, captureMarkdown, runCaptureAB } from "./capture";
import type { AbResult } from "./ab-runner";

process.on("exit", () => {
  if (!work.exiting) cleanupSync();
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    console.error(`\nbench: ${signal}: stopping everything it started`);
    process.exit(130);
  });
}

/** The reference workers: name, module, extra bindings. */
const REFERENCE_WORKERS: [SystemName, string, Record<string, string>][] = [
  ["floor", floorWorker("floor-worker.js"), { DISCARD: "read" }],
  ["floor-cancel", floorWorker("floor-worker.js"), { DISCARD: "cancel" }],
  ["floor-headers", floorWorker("floor-headers-worker.js"), {}],
];

async function main(): Promise<void> {
  const started = Date.now();
  ensureTools();
  const workerd = workerdInfo();
  const info = machine(workerd);
  work.tmp = mkdtempSync(path.join(os.tmpdir(), "edge-mirror-bench-"));
  console.error(`bench: ${info.nproc} CPUs (${info.cpu}); temp dir ${work.tmp}`);
  if (!CONFIG.pin) console.error("bench: not pinning (fewer than 2 CPUs or BENCH_PIN=0)");

  const ports: Record<string, number> = {};
  for (const k of ["v1", "v1Status", "v2", "v2Status", "project", "floor", "floor-headers", "floor-cancel", "nginx"]) ports[k] = await freePort();
  const port = (k: string) => ports[k]!;

  console.error("bench: building the worker (wrangler deploy --dry-run) from a copy of the project");
  const bundle = buildProject(port("v1"), port("v2"));
  console.error(
    `bench: bundle ${bundle.file}: ${(bundle.rawBytes / 1024).toFixed(1)} KiB, ${(bundle.gzipBytes / 1024).toFixed(1)} KiB gzipped; ` +
      `YAML parser ${bundle.yamlMarkers.length || bundle.yamlSources.length ? "PRESENT" : "absent"}`,
  );

  const origins: Origins = {
    v1: nginxOrigin("origin-v1", port("v1"), port("v1Status"), "fast"),
    v2: nginxOrigin("origin-v2", port("v2"), port("v2Status"), "fast"),
  };
  await waitUntilServing(port("v1"), origins.v1.proc, "origin v1");
  await waitUntilServing(port("v2"), origins.v2.proc, "origin v2");

  const systems: Partial<Record<SystemName, System>> = {};
  const origin = (p: number) => `http://127.0.0.1:${p}`;
  if (CONFIG.systems.includes("project")) {
    // The compared routes' counts go to their Durable Object (MirrorPolicy compare), in memory here.
    const durableObjects = [{ binding: "COMPARE_STORE", className: "CompareStore" }];
    systems.project = { name: "project", port: port("project"), proc: startSystemWorkerd("project", workerd, bundle.path, port("project"), {}, durableObjects) };
  }
  for (const [name, module, extra] of REFERENCE_WORKERS) {
    if (!CONFIG.systems.includes(name)) continue;
    const bindings = { V1: origin(port("v1")), V2: origin(port("v2")), ...extra };
    systems[name] = { name, port: port(name), proc: startSystemWorkerd(name, workerd, module, port(name), bindings) };
  }
  if (CONFIG.systems.includes("nginx")) {
    systems.nginx = { name: "nginx", port: port("nginx"), proc: startNginxMirror(port("nginx"), port("v1"), port("v2")) };
  }
  // Each system must answer from v1 and send its copy to v2 before it is measured.
  for (const sys of Object.values(systems)) {
    const v2Before = await origins.v2.requests();
    const res = await waitUntilServing(sys.port, sys.proc, sys.name, { host: HOST_HEADER });
    if (!res.body.includes("origin-v1")) throw new Error(`${sys.name} answered without v1: ${res.body.slice(0, 200)}`);
    await sleep(300);
    const v2After = await origins.v2.requests();
    if (v2After - v2Before < 2) throw new Error(`${sys.name}: no mirrored request reached v2`);
  }

  const allRuns: Run[] = [];
  const keys = (Object.keys(SCENARIOS) as ScenarioKey[]).filter((k) => CONFIG.scenarios.includes(k));
  const names = Object.keys(systems) as SystemName[];
  const runScenario = async (key: ScenarioKey, round: number) => {
    const scenario: (typeof SCENARIOS)[ScenarioKey] & { key: ScenarioKey; rate?: number } = { key, ...SCENARIOS[key] };
    if (scenario.paced) scenario.rate = pacedRate(allRuns, scenario.paced.of);
    if (origins.v2.mode !== scenario.v2) {
      console.error(`bench: reloading v2 to answer ${scenario.v2 === "slow" ? `after ${CONFIG.slowMs} ms` : "at once"}`);
      await origins.v2.switchTo(scenario.v2);
    }
    console.error(`bench: ${scenario.label}${scenario.rounds > 1 ? `, round ${round}/${scenario.rounds}` : ""}`);
    const here = names.filter((n) => (!ONLY_IN[n] || ONLY_IN[n].includes(key)) && (!scenario.systems || scenario.systems.includes(n)));
    // Rotate the order each round, so drift on a shared machine hits every system alike.
    const rotated = here.map((_, i) => here[(i + round - 1) % here.length]!);
    for (const name of rotated) allRuns.push(await measure(systems[name]!, scenario, origins, round));
  };
  const getKeys = keys.filter((k) => SCENARIOS[k].rounds > 1);
  for (let round = 1; round <= CONFIG.rounds; round++) {
    // Alternate fast/slow so v2 is reloaded once per round and never back and forth in vain.
    const ordered = round % 2 ? getKeys : [...getKeys].reverse();
    for (const key of ordered) await runScenario(key, round);
  }
  for (const key of keys.filter((k) => SCENARIOS[k].rounds <= 1)) await runScenario(key, 1);
  const summary: Summaries = {};
  for (const key of keys) {
    const byName: Partial<Record<SystemName, ReturnType<typeof summarise>>> = {};
    for (const name of names) {
      const runs = allRuns.filter((r) => r.scenario === key && r.system === name);
      if (runs.length) byName[name] = summarise(runs);
    }
    summary[key] = byName;
  }

  // The isolate budgets (issue 17): their own origins and worker; the others' are stopped first, so they share no CPU.
  let budgets: BudgetResults = {};
  if (CONFIG.budgetScenarios.length) {
    await stopAll();
    budgets = await runBudgetScenarios(CONFIG.budgetScenarios);
  }
  // What capture costs (issue 20): its own two builds and origins (lab/bench/ab-runner.ts), everything else stopped.
  let capture: AbResult | undefined;
  if (CONFIG.captureScenario) {
    await stopAll();
    console.error("bench: capture, captured at 1 % / not captured (lab/bench/capture.ts)");
    capture = await runCaptureAB();
  }
  const goalRows = [...goals(summary, bundle, allRuns), ...budgetGoals(budgets), ...captureGoals(capture)];
  const md = markdown({
    info,
    bundle,
    summary,
    goalRows,
    notes: notes({ compatibilityDate: compatibilityDate(), totalSeconds: (Date.now() - started) / 1000 }),
  });
  mkdirSync(CONFIG.out, { recursive: true });
  const section = [...budgetSection(budgets), ...(capture ? ["", captureMarkdown(capture).replace(/^# /, "## ")] : [])];
  const written = section.length ? `${md}\n${section.join("\n")}` : md;
  writeFileSync(path.join(CONFIG.out, "RESULTS.md"), written);
  writeFileSync(
    path.join(CONFIG.out, "results.json"),
    JSON.stringify({ info, config: { ...CONFIG, wrk: wrkCommandLine(false) }, bundle: { ...bundle, path: undefined }, goals: goalRows, summary, runs: allRuns, budgets, capture: capture && { ...capture, builds: capture.builds.map(({ module: _, ...b }) => b) } }, null, 2) + "\n",
  );
  process.stdout.write(`\n${written}\n`);
  console.error(`bench: wrote ${path.relative(ROOT, path.join(CONFIG.out, "RESULTS.md"))} and results.json`);

  work.exiting = true;
  await stopAll();
  if (!CONFIG.keep) rmSync(work.tmp, { recursive: true, force: true });
  else console.error(`bench: kept ${work.tmp}`);
}

/** A paced scenario's offered rate: CONFIG.pacedFraction of the median throughput of `of` so far in this run. */
function pacedRate(runs: Run[], of: ScenarioKey): number {
  const reached = runs.filter((r) => r.scenario === of && r.system === "project").map((r) => r.rps);
  if (reached.length === 0) throw new Error(`a paced scenario needs ${of} measured first (BENCH_SCENARIOS)`);
  const sorted = [...reached].sort((a, b) => a - b);
  return Math.round(CONFIG.pacedFraction * sorted[Math.floor(sorted.length / 2)]!);
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
  work.exiting = false;
  cleanupSync();
  work.exiting = true;
});
