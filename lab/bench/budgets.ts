// The isolate budgets' bench rows (issue 17 item 1), part of `npm run bench` and
// runnable alone: `npm run bench:budgets` (or BENCH_SCENARIOS=noisy-neighbour,memory-burst).
//   noisy-neighbour  a steady client on a plain mirrored route (wrk at a fixed rate),
//                    measured alone and while a second client requests a compared route
//                    whose v1 and v2 answers are 1 MiB of JSON with 100,000 keys that
//                    differ in every value, in alternating rounds.
//   memory-burst     64 concurrent 8 MiB POSTs on a mirrored and compared route with
//                    MIRROR_MEMORY_BUDGET_MIB=32: every client must get v1's exact
//                    answer, the skips are counted (the route's report), and workerd's
//                    RSS may grow by at most the budget plus a stated margin.
// The project is built like `npm run bundle` from lab/bench/budgets-routes.template.yaml
// and served by its own `workerd serve` on CPU 0; the nginx origins and the load share CPU 1.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../../devkit/loopback";
import { buildDeployBundle } from "../shared/bundle";
import { bundleAt } from "../shared/bundle-at";
import { statusKiB } from "../shared/procfs";
import { peakBetween, startRssSampler } from "../shared/rss-sampler";
import { renderTemplate } from "../shared/template";
import { workerdInfo } from "../shared/workerd";
import { BENCH_DIR, CONFIG, LOAD_CPU } from "./config";
import { fmt, fmtMs } from "./format";
import { ensureTools } from "./machine";
import { cleanupSync, start, stopAll, tail, work, type Proc } from "./processes";
import type { GoalRow } from "./report";
import { startSystemWorkerd, waitUntilServing } from "./systems";
import { runWrk, type WrkResult } from "./wrk";

export type BudgetScenario = "noisy-neighbour" | "memory-burst";
export const BUDGET_SCENARIOS: BudgetScenario[] = ["noisy-neighbour", "memory-burst"];

const env = process.env;
const num = (name: string, fallback: number): number => (env[name] ? Number(env[name]) : fallback);
/** The knobs: BENCH_BUDGET_ROUNDS (alone/disturbed pairs, 3), BENCH_STEADY_RATE (the steady client's req/s, 500), BENCH_HEAVY_RATE (the heavy client's req/s, 5). */
export const BUDGET_CONFIG = {
  rounds: num("BENCH_BUDGET_ROUNDS", 3),
  steadyRate: num("BENCH_STEADY_RATE", 500),
  steadyConnections: 16,
  heavyRate: num("BENCH_HEAVY_RATE", 5),
  budgetMiB: 32,
  uploads: 64,
  uploadBytes: 8 * 1024 * 1024,
  /**
   * RSS growth allowed over the budget: the runtime's own buffers for 64 uploads in
   * flight (each streams to v1 through workerd's pipes), the tee's backlog of the
   * copies being read (at most their size again while v1 reads slower than the worker),
   * and V8's heap growth before a collection. Stated before measuring; see the docs.
   */
  marginMiB: 48,
};

const TOKEN = "bench-budgets-admin-token-0123456789";
const KEYS = 100_000;

/** One JSON object of 100,000 keys, just under 1 MiB (the compare cap); `salt` changes every value. */
export function keyedJson(salt: number): string {
  const parts: string[] = [];
  for (let i = 0; i < KEYS; i++) parts.push(`"${i.toString(36)}":${(i * 7 + salt) % 10}`);
  const json = `{${parts.join(",")}}`;
  if (json.length > 1024 * 1024) throw new Error(`the keyed answer is ${json.length} bytes, over the 1 MiB compare cap`);
  return json;
}

function nginxConf(dir: string, name: string, port: number, statusPort: number): string {
  return [
    "user root;",
    "worker_processes 1;",
    "daemon off;",
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    "events { worker_connections 16384; }",
    "http {",
    "  access_log off;",
    "  keepalive_requests 1000000;",
    "  client_max_body_size 16m;",
    `  client_body_temp_path ${dir}/body;`,
    `  proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
    "  default_type text/plain;",
    "  server {",
    `    listen 127.0.0.1:${port} backlog=4096;`,
    `    location / { return 200 "${name}\\n"; }`,
    `    location /big.json { root ${dir}/static; default_type application/json; }`,
    `    location /upload { return 200 "${name} upload answer\\n"; }`,
    "  }",
    `  server { listen 127.0.0.1:${statusPort}; location / { stub_status; } }`,
    "}",
    "",
  ].join("\n");
}

interface Origin {
  proc: Proc;
  port: number;
  requests(): Promise<number>;
}

function startOrigin(name: string, port: number, statusPort: number, bigJson: string): Origin {
  const dir = path.join(work.tmp, name);
  mkdirSync(path.join(dir, "static"), { recursive: true });
  writeFileSync(path.join(dir, "static", "big.json"), bigJson);
  const conf = path.join(dir, "nginx.conf");
  writeFileSync(conf, nginxConf(dir, name, port, statusPort));
  const proc = start(name, "nginx", ["nginx", "-p", dir, "-c", conf, "-e", path.join(dir, "error.log")], LOAD_CPU);
  return {
    proc,
    port,
    async requests() {
      const res = await httpRequest(statusPort, { path: "/" });
      const m = /\n\s*(\d+)\s+(\d+)\s+(\d+)/.exec(res.body.toString());
      return m ? Number(m[3]) - 1 : 0;
    },
  };
}

interface HttpAnswer {
  status: number;
  body: Buffer;
}

function httpRequest(port: number, { method = "GET", path: p = "/", headers = {}, body }: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer }): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path: p, headers, agent: false, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

interface Ctx {
  name: string;
  port: number;
  proc: Proc;
  v1: Origin;
  v2: Origin;
}

async function report(port: number, route: string): Promise<Record<string, unknown> | undefined> {
  const res = await httpRequest(port, { path: `/__edge-mirror/api/report?route=${encodeURIComponent(route)}`, headers: { host: "upload", authorization: `Bearer ${TOKEN}` } });
  if (res.status !== 200) return undefined;
  return (JSON.parse(res.body.toString()) as { routes: Record<string, unknown>[] }).routes[0];
}

export interface NoisyResult {
  alone: WrkResult[];
  disturbed: WrkResult[];
  heavy: WrkResult[];
  /** the control: beside the same 1 MiB traffic on a mirrored route that is not compared */
  uncompared: WrkResult[];
  report?: Record<string, unknown>;
}

async function noisyNeighbour(ctx: Ctx, withControl = true): Promise<NoisyResult> {
  const { steadyRate, steadyConnections, heavyRate, rounds } = BUDGET_CONFIG;
  const steady = { host: "plain", path: "/get", rate: steadyRate, connections: steadyConnections };
  const heavy = { host: "compared", path: "/big.json", rate: heavyRate, connections: 1 };
  const traffic = { ...heavy, host: "plain" };
  console.error(`bench: noisy neighbour: ${steadyRate} req/s on a plain mirrored route, alone and beside ${heavyRate} req/s of 1 MiB / 100,000-key compared answers; ${rounds} rounds`);
  await runWrk(ctx.port, CONFIG.warmup, undefined, undefined, steady);
  await runWrk(ctx.port, CONFIG.warmup, undefined, undefined, heavy);
  const out: NoisyResult = { alone: [], disturbed: [], heavy: [], uncompared: [] };
  const beside = async (other: typeof heavy) => {
    await sleep(500);
    return Promise.all([runWrk(ctx.port, CONFIG.duration, undefined, undefined, steady), runWrk(ctx.port, CONFIG.duration + 1, undefined, undefined, other)]);
  };
  const alone = async () => {
    await sleep(500);
    return runWrk(ctx.port, CONFIG.duration, undefined, undefined, steady);
  };
  for (let round = 1; round <= rounds; round++) {
    // The order turns each round, so drift on a shared machine hits every phase alike.
    const phases = [
      async () => out.alone.push(await alone()),
      async () => {
        const [d, h] = await beside(heavy);
        out.disturbed.push(d);
        out.heavy.push(h);
      },
      async () => {
        if (withControl) out.uncompared.push((await beside(traffic))[0]);
      },
    ];
    for (let i = 0; i < phases.length; i++) await phases[(i + round - 1) % phases.length]!();
    const [a, d, u, h] = [out.alone.at(-1)!, out.disturbed.at(-1)!, out.uncompared.at(-1), out.heavy.at(-1)!];
    console.error(
      `  ${ctx.name} round ${round}: alone p50 ${fmtMs(a.p50)} p99 ${fmtMs(a.p99)}; beside the compared route p50 ${fmtMs(d.p50)} p99 ${fmtMs(d.p99)} ` +
        `(${h.requests} heavy requests, ${h.non2xx + h.socketErrors} errors)${u ? `; beside the same traffic uncompared p50 ${fmtMs(u.p50)} p99 ${fmtMs(u.p99)}` : ""}`,
    );
  }
  await sleep(1500);
  out.report = await report(ctx.port, "compared/all");
  return out;
}

export interface BurstResult {
  clients: number;
  exact: number;
  failed: number;
  rssBaseMiB: number;
  rssPeakMiB: number;
  v2Requests: number;
  seconds: number;
  report?: Record<string, unknown>;
}

async function memoryBurst(ctx: Ctx): Promise<BurstResult> {
  const { uploads, uploadBytes } = BUDGET_CONFIG;
  console.error(`bench: memory burst: ${uploads} concurrent POSTs of ${uploadBytes / 2 ** 20} MiB, MIRROR_MEMORY_BUDGET_MIB=${BUDGET_CONFIG.budgetMiB}`);
  const body = Buffer.alloc(uploadBytes);
  for (let i = 0; i < body.length; i += 4) body.writeUInt32LE(i, i);
  const headers = { host: "upload", "content-type": "application/octet-stream", "content-length": String(body.length) };
  const expected = sha((await httpRequest(ctx.v1.port, { method: "POST", path: "/upload", headers, body })).body);
  const pid = ctx.proc.child.pid!;
  await sleep(1000);
  const rssBase = statusKiB([pid], "VmRSS") ?? 0;
  const v2Before = await ctx.v2.requests();
  const sampler = startRssSampler(pid, 20);
  const t0 = Date.now();
  const answers = await Promise.all(Array.from({ length: uploads }, () => httpRequest(ctx.port, { method: "POST", path: "/upload", headers, body }).catch(() => undefined)));
  const seconds = (Date.now() - t0) / 1000;
  // The shadows and comparisons run on after the answers: wait until v2 stops receiving.
  let v2 = await ctx.v2.requests();
  for (let i = 0; i < 20; i++) {
    await sleep(500);
    const now = await ctx.v2.requests();
    if (now === v2 && i >= 3) break;
    v2 = now;
  }
  await sleep(1000);
  await sampler.stop();
  const peak = peakBetween(sampler.samples, t0, Date.now()) ?? rssBase;
  const exact = answers.filter((a) => a && a.status === 200 && sha(a.body) === expected).length;
  const result: BurstResult = {
    clients: uploads,
    exact,
    failed: answers.filter((a) => !a).length,
    rssBaseMiB: rssBase / 1024,
    rssPeakMiB: peak / 1024,
    v2Requests: v2 - v2Before,
    seconds,
    report: await report(ctx.port, "upload/all"),
  };
  console.error(
    `  ${exact}/${uploads} clients got v1's exact answer in ${seconds.toFixed(1)} s; v2 received ${result.v2Requests}; ` +
      `RSS ${fmt(result.rssBaseMiB, 0)} → ${fmt(result.rssPeakMiB, 0)} MiB; report skipped ${JSON.stringify(result.report?.skipped ?? "?")}`,
  );
  return result;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? null : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export interface BudgetResults {
  noisy?: NoisyResult;
  /** the same scenario on the worker as it was before the budgets (BENCH_BUDGETS_BEFORE, a git ref) */
  noisyBefore?: NoisyResult & { ref: string };
  burst?: BurstResult;
}

/** Starts the origins and the worker, runs the selected scenarios, stops what it started. */
export async function runBudgetScenarios(selected: BudgetScenario[]): Promise<BudgetResults> {
  const ports = { v1: await freePort(), v1Status: await freePort(), v2: await freePort(), v2Status: await freePort(), worker: await freePort() };
  const dir = path.join(work.tmp, "budgets");
  mkdirSync(dir, { recursive: true });
  const routesFile = path.join(dir, "routes.budgets.yaml");
  writeFileSync(routesFile, renderTemplate(path.join(BENCH_DIR, "budgets-routes.template.yaml"), { V1_PORT: ports.v1, V2_PORT: ports.v2 }));
  console.error("bench: building the worker for the budget scenarios (wrangler deploy --dry-run)");
  const bundle = buildDeployBundle({ tmp: dir, routesFile });
  const v1 = startOrigin("budgets-v1", ports.v1, ports.v1Status, keyedJson(0));
  const v2 = startOrigin("budgets-v2", ports.v2, ports.v2Status, keyedJson(1));
  await waitUntilServing(ports.v1, v1.proc, "origin v1");
  await waitUntilServing(ports.v2, v2.proc, "origin v2");
  const proc = startSystemWorkerd(
    "budgets-project",
    workerdInfo(),
    bundle.path,
    ports.worker,
    { MIRROR_MEMORY_BUDGET_MIB: String(BUDGET_CONFIG.budgetMiB), EDGE_MIRROR_ADMIN_TOKEN: TOKEN },
    [
      { binding: "COMPARE_STORE", className: "CompareStore" },
      { binding: "MIRROR_SWITCH", className: "MirrorSwitch" },
      // The admin surface answers 503 without its guard (src/admin/guard.ts): the report is read through it.
      { binding: "ADMIN_GUARD", className: "AdminGuard" },
    ],
  );
  await waitUntilServing(ports.worker, proc, "the project (budgets)", { host: "plain" });
  const ctx: Ctx = { name: "project", port: ports.worker, proc, v1, v2 };
  const out: BudgetResults = {};
  const before = env.BENCH_BUDGETS_BEFORE;
  let beforeCtx: Ctx | undefined;
  if (before && selected.includes("noisy-neighbour")) {
    console.error(`bench: building the worker at ${before} (before the budgets), for the same scenario`);
    const yaml = renderTemplate(path.join(BENCH_DIR, "budgets-routes.template.yaml"), { V1_PORT: ports.v1, V2_PORT: ports.v2 });
    const file = path.join(dir, "before.js");
    writeFileSync(file, await bundleAt(before, yaml, { minify: true }));
    const port = await freePort();
    const p = startSystemWorkerd("budgets-before", workerdInfo(), file, port, { EDGE_MIRROR_ADMIN_TOKEN: TOKEN }, [
      { binding: "COMPARE_STORE", className: "CompareStore" },
      { binding: "MIRROR_SWITCH", className: "MirrorSwitch" },
    ]);
    await waitUntilServing(port, p, "the worker before the budgets", { host: "plain" });
    beforeCtx = { name: `before (${before})`, port, proc: p, v1, v2 };
  }
  try {
    if (selected.includes("noisy-neighbour")) out.noisy = await noisyNeighbour(ctx);
    if (beforeCtx && before) out.noisyBefore = { ...(await noisyNeighbour(beforeCtx, false)), ref: before };
    if (selected.includes("memory-burst")) out.burst = await memoryBurst(ctx);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${tail(proc.errPath)}`);
  }
  return out;
}

/** The goal rows (same run): the steady client's p50 and p99, disturbed over alone; the burst's answers and RSS. */
export function budgetGoals({ noisy, noisyBefore, burst }: BudgetResults): GoalRow[] {
  const rows: GoalRow[] = [];
  const row = (name: string, value: number | null, goal: string, met: (v: number) => boolean, digits: number, note = "") =>
    rows.push({ name, value, goal, status: value === null ? "not measured" : !goal ? "" : met(value) ? "met" : "**missed**", shown: value === null ? "–" : value.toFixed(digits), note });
  if (noisy) {
    const ratios = (field: "p50" | "p99") => noisy.alone.map((a, i) => (a[field] && noisy.disturbed[i]![field] ? noisy.disturbed[i]![field]! / a[field]! : null)).filter((x): x is number => x !== null);
    const p50 = ratios("p50");
    const p99 = ratios("p99");
    const label = `${BUDGET_CONFIG.steadyRate} req/s plain, beside ${BUDGET_CONFIG.heavyRate} req/s of 1 MiB / 100,000-key compared answers`;
    row(`noisy neighbour: steady client's p50, disturbed / alone (${label})`, median(p50), "≤ 1.20", (v) => v <= 1.2, 2, p50.map((x) => x.toFixed(2)).join(", "));
    row(`noisy neighbour: steady client's p99, disturbed / alone`, median(p99), "≤ 1.50", (v) => v <= 1.5, 2, p99.map((x) => x.toFixed(2)).join(", "));
    if (noisyBefore) {
      const before = (field: "p50" | "p99") =>
        noisyBefore.alone.map((a, i) => (a[field] && noisyBefore.disturbed[i]![field] ? noisyBefore.disturbed[i]![field]! / a[field]! : null)).filter((x): x is number => x !== null);
      const b50 = before("p50");
      const b99 = before("p99");
      row(`noisy neighbour, before the budgets (${noisyBefore.ref}): p50, disturbed / alone`, median(b50), "", () => true, 2, b50.map((x) => x.toFixed(2)).join(", "));
      row(`noisy neighbour, before the budgets (${noisyBefore.ref}): p99, disturbed / alone`, median(b99), "", () => true, 2, b99.map((x) => x.toFixed(2)).join(", "));
    }
    const control = noisy.alone.map((a, i) => (a.p50 && noisy.uncompared[i]?.p50 ? noisy.uncompared[i]!.p50! / a.p50 : null)).filter((x): x is number => x !== null);
    row("noisy neighbour (control): p50 beside the same 1 MiB traffic, not compared / alone", median(control), "", () => true, 2, control.map((x) => x.toFixed(2)).join(", "));
  }
  if (burst) {
    row(`memory burst: clients given v1's exact answer (of ${burst.clients} × ${BUDGET_CONFIG.uploadBytes / 2 ** 20} MiB POSTs)`, burst.exact, `= ${burst.clients}`, (v) => v === burst.clients, 0);
    const growth = burst.rssPeakMiB - burst.rssBaseMiB;
    row(
      `memory burst: workerd RSS growth (MiB), MIRROR_MEMORY_BUDGET_MIB=${BUDGET_CONFIG.budgetMiB}`,
      growth,
      `≤ ${BUDGET_CONFIG.budgetMiB} + ${BUDGET_CONFIG.marginMiB}`,
      (v) => v <= BUDGET_CONFIG.budgetMiB + BUDGET_CONFIG.marginMiB,
      0,
      `${fmt(burst.rssBaseMiB, 0)} → ${fmt(burst.rssPeakMiB, 0)} MiB; skipped ${JSON.stringify(burst.report?.skipped ?? {})}, mirrored ${String(burst.report?.mirrored ?? "?")}, v2 received ${burst.v2Requests}`,
    );
  }
  return rows;
}

/** The section of RESULTS.md with each round's figures. */
export function budgetSection({ noisy, noisyBefore, burst }: BudgetResults): string[] {
  const L: string[] = [];
  if (noisy) {
    L.push("## Isolate budgets: a noisy neighbour");
    L.push("");
    L.push(
      `A steady client (wrk, ${BUDGET_CONFIG.steadyRate} req/s offered over ${BUDGET_CONFIG.steadyConnections} connections, Poisson arrivals) on a plain mirrored route, alone, then beside a second client ` +
        `requesting a compared route (${BUDGET_CONFIG.heavyRate} req/s, one connection) whose v1 and v2 answers are 1 MiB JSON objects of 100,000 keys differing in every value (\`maxBodyBytes: 1048576\`).`,
    );
    L.push("");
    L.push("| round | alone p50 | alone p99 | beside compared p50 | beside compared p99 | heavy requests | beside uncompared p50 | beside uncompared p99 |");
    L.push("|---:|---:|---:|---:|---:|---:|---:|---:|");
    noisy.alone.forEach((a, i) => {
      const d = noisy.disturbed[i]!;
      const u = noisy.uncompared[i]!;
      L.push(`| ${i + 1} | ${fmtMs(a.p50)} | ${fmtMs(a.p99)} | ${fmtMs(d.p50)} | ${fmtMs(d.p99)} | ${noisy.heavy[i]!.requests} | ${fmtMs(u.p50)} | ${fmtMs(u.p99)} |`);
    });
    if (noisyBefore) {
      L.push("", `The same scenario on the worker before the budgets (\`${noisyBefore.ref}\`, same origins, its own workerd), in the same run:`, "");
      L.push("| round | alone p50 | alone p99 | beside compared p50 | beside compared p99 | heavy requests |");
      L.push("|---:|---:|---:|---:|---:|---:|");
      noisyBefore.alone.forEach((a, i) => {
        const d = noisyBefore.disturbed[i]!;
        L.push(`| ${i + 1} | ${fmtMs(a.p50)} | ${fmtMs(a.p99)} | ${fmtMs(d.p50)} | ${fmtMs(d.p99)} | ${noisyBefore.heavy[i]!.requests} |`);
      });
    }
    const r = noisy.report;
    if (r) L.push("", `The compared route's report: compared ${String(r.compared)}, skipped ${JSON.stringify(r.skipped)}, fields ${JSON.stringify((r.fields as { path: string; kind: string }[] | undefined)?.map((f) => `${f.path} ${f.kind}`))}.`);
    L.push("");
  }
  if (burst) {
    L.push("## Isolate budgets: a burst of large uploads");
    L.push("");
    L.push(
      `${burst.clients} concurrent POSTs of ${BUDGET_CONFIG.uploadBytes / 2 ** 20} MiB (Content-Length set) on a route mirrored and compared (\`bodyCapBytes: 16777216\`), MIRROR_MEMORY_BUDGET_MIB=${BUDGET_CONFIG.budgetMiB}; ` +
        `workerd's RSS sampled every 20 ms. ${burst.exact} of ${burst.clients} clients got v1's exact answer (SHA-256), ${burst.failed} failed, in ${burst.seconds.toFixed(1)} s; ` +
        `v2 received ${burst.v2Requests} shadows; the route's report: mirrored ${String(burst.report?.mirrored)}, compared ${String(burst.report?.compared)}, skipped ${JSON.stringify(burst.report?.skipped)}; ` +
        `RSS ${fmt(burst.rssBaseMiB, 0)} → ${fmt(burst.rssPeakMiB, 0)} MiB.`,
    );
    L.push("");
  }
  return L;
}

/** `npm run bench:budgets`: the two scenarios alone, printed (nothing written). */
async function main(): Promise<void> {
  ensureTools();
  work.tmp = mkdtempSync(path.join(os.tmpdir(), "edge-mirror-bench-budgets-"));
  const selected = (env.BENCH_SCENARIOS?.split(",").map((s) => s.trim()).filter((s): s is BudgetScenario => BUDGET_SCENARIOS.includes(s as BudgetScenario)) ?? []) as BudgetScenario[];
  const results = await runBudgetScenarios(selected.length ? selected : BUDGET_SCENARIOS);
  const rows = budgetGoals(results);
  const lines = ["| ratio | value | goal | | per round / detail |", "|---|---:|---|---|---|", ...rows.map((g) => `| ${g.name} | ${g.shown} | ${g.goal} | ${g.status} | ${g.note} |`), "", ...budgetSection(results)];
  process.stdout.write(`${lines.join("\n")}\n`);
  if (env.BENCH_BUDGETS_JSON) writeFileSync(env.BENCH_BUDGETS_JSON, JSON.stringify({ results, rows }, null, 2));
  work.exiting = true;
  await stopAll();
  if (!CONFIG.keep) rmSync(work.tmp, { recursive: true, force: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(BENCH_DIR, "budgets.ts")) {
  process.on("exit", () => {
    if (!work.exiting) cleanupSync();
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => process.exit(130));
  main().catch((e: unknown) => {
    console.error(`bench: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
  });
}
