// One measured run of one system in one scenario: a warm-up, then wrk while the
// system's CPU and RSS, the origins' CPU and every core's busy time are read from
// /proc, then what reached v1 and v2. A run that processes the bench did not start
// disturbed (a shared machine) is repeated, within BENCH_RETRIES.
import { setTimeout as sleep } from "node:timers/promises";
import { busyPercent, childPids, cpuSeconds, cpuTimes, statusKiB } from "../shared/procfs";
import { CONFIG, type Scenario, type ScenarioKey, type SystemName } from "./config";
import { alive, tail, type Proc } from "./processes";
import type { NginxOrigin } from "./systems";
import { fmt, fmtMs } from "./format";
import { runWrk, wrkScript, type WrkResult } from "./wrk";

export interface System {
  name: SystemName;
  port: number;
  proc: Proc;
}

export interface Origins {
  v1: NginxOrigin;
  v2: NginxOrigin;
}

export interface Run extends WrkResult {
  system: SystemName;
  scenario: ScenarioKey;
  round: number;
  attempt: number;
  /** requests a second offered, for a paced scenario (else as many as were answered) */
  offeredRate?: number;
  v1Requests: number;
  v2Requests: number;
  mirroredPercent: number;
  sutCpuPercent: number;
  sutCpuUsPerRequest: number | null;
  cpu0BusyPercent: number | null;
  /** CPU 0 time used by processes the bench did not start (other users of a shared machine) */
  cpu0OtherPercent: number | null;
  cpu1BusyPercent: number | null;
  /** CPU 1 time used by processes other than wrk and the origins */
  cpu1OtherPercent: number | null;
  loadCpuPercent: number;
  /** a CPU-bound system shared CPU 0, or the load generator shared CPU 1, with outsiders */
  noisy: boolean;
  rssBaseMiB: number;
  rssPeakMiB: number;
  hwmMiB: number;
}

let retriesLeft = CONFIG.retries;

/** The pids whose CPU and memory are the system's: workerd itself, or nginx's workers. */
function sutPids(proc: Proc): number[] {
  const pid = proc.child.pid!;
  return proc.kind === "nginx" ? childPids(pid) : [pid];
}

const rssKiB = (pids: number[], field: "VmRSS" | "VmHWM") => statusKiB(pids, field) ?? 0;

/** One measured run; repeated (at most twice, BENCH_RETRIES in all) when outsiders took a core from it. */
export async function measure(system: System, scenario: Scenario & { key: ScenarioKey; rate?: number }, origins: Origins, round: number): Promise<Run> {
  let run = await measureOnce(system, scenario, origins, round, 1);
  for (let attempt = 2; run.noisy && attempt <= 3 && retriesLeft > 0; attempt++) {
    retriesLeft--;
    console.error(`    (other processes took CPU from that run: measuring it again; ${retriesLeft} repeats left)`);
    run = await measureOnce(system, scenario, origins, round, attempt);
  }
  return run;
}

async function measureOnce(system: System, scenario: Scenario & { key: ScenarioKey; rate?: number }, origins: Origins, round: number, attempt: number): Promise<Run> {
  const { port, proc } = system;
  const script = scenario.body ? wrkScript(scenario.body) : undefined;
  if (CONFIG.warmup > 0) await runWrk(port, CONFIG.warmup, script, undefined, scenario);
  await settle(scenario);
  if (!alive(proc)) throw new Error(`${system.name} died during the warm-up:\n${tail(proc.errPath)}`);

  const pids = sutPids(proc);
  const originPids = [...sutPids(origins.v1.proc), ...sutPids(origins.v2.proc)];
  const before = { v1: await origins.v1.requests(), v2: await origins.v2.requests() };
  const cpuBefore = cpuSeconds(pids);
  const originCpuBefore = cpuSeconds(originPids);
  const coresBefore = cpuTimes();
  const rssBaseKiB = rssKiB(pids, "VmRSS");
  let rssPeakKiB = rssBaseKiB;
  let wrkPid = 0;
  let wrkCpu = 0;
  const sampler = setInterval(() => {
    rssPeakKiB = Math.max(rssPeakKiB, rssKiB(pids, "VmRSS"));
    if (wrkPid) wrkCpu = Math.max(wrkCpu, cpuSeconds([wrkPid]));
  }, 50);
  const t0 = performance.now();
  let result: WrkResult;
  try {
    result = await runWrk(port, CONFIG.duration, script, (pid) => (wrkPid = pid), scenario);
  } finally {
    clearInterval(sampler);
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pids) - cpuBefore;
  const originCpu = cpuSeconds(originPids) - originCpuBefore;
  const coresAfter = cpuTimes();
  rssPeakKiB = Math.max(rssPeakKiB, rssKiB(pids, "VmRSS"));
  const cpu0 = busyPercent(coresBefore, coresAfter, "0");
  const cpu1 = busyPercent(coresBefore, coresAfter, "1");
  const sutPercent = (100 * cpu) / wall;
  const loadPercent = (100 * (originCpu + wrkCpu)) / wall;
  const cpu0Other = CONFIG.pin && cpu0 !== null ? Math.max(0, cpu0 - sutPercent) : null;
  // wrk's own time is sampled every 50 ms until it exits: a slight undercount, so this slightly overcounts.
  const cpu1Other = CONFIG.pin && cpu1 !== null ? Math.max(0, cpu1 - loadPercent) : null;
  await settle(scenario);
  // stub_status counts the request that reads it: take that one off.
  const after = { v1: (await origins.v1.requests()) - 1, v2: (await origins.v2.requests()) - 1 };
  if (!alive(proc)) throw new Error(`${system.name} died during the run:\n${tail(proc.errPath)}`);
  const v1 = after.v1 - before.v1;
  const v2 = after.v2 - before.v2;
  const run: Run = {
    system: system.name,
    scenario: scenario.key,
    round,
    attempt,
    ...(scenario.rate !== undefined ? { offeredRate: scenario.rate } : {}),
    ...result,
    v1Requests: v1,
    v2Requests: v2,
    mirroredPercent: v1 > 0 ? (100 * v2) / v1 : 0,
    sutCpuPercent: sutPercent,
    sutCpuUsPerRequest: result.requests ? (cpu * 1e6) / result.requests : null,
    cpu0BusyPercent: cpu0,
    cpu0OtherPercent: cpu0Other,
    cpu1BusyPercent: cpu1,
    cpu1OtherPercent: cpu1Other,
    loadCpuPercent: loadPercent,
    noisy: (cpu0Other !== null && cpu0Other > 15 && sutPercent > 30) || (cpu1Other !== null && cpu1Other > 30 && loadPercent > 10),
    rssBaseMiB: rssBaseKiB / 1024,
    rssPeakMiB: rssPeakKiB / 1024,
    hwmMiB: rssKiB(pids, "VmHWM") / 1024,
  };
  console.error(
    `  ${system.name.padEnd(8)} ${scenario.key.padEnd(9)} r${round}  ${fmt(run.rps, 0).padStart(7)} req/s  ` +
      `p50 ${fmtMs(run.p50)}  p99 ${fmtMs(run.p99)}  cpu ${fmt(run.sutCpuPercent, 0)}% ` +
      `(${fmt(run.sutCpuUsPerRequest, 0)} µs/req; others: cpu0 ${fmt(run.cpu0OtherPercent, 0)}% cpu1 ${fmt(run.cpu1OtherPercent, 0)}%)  mirrored ${fmt(run.mirroredPercent, 1)}%  ` +
      `rss ${fmt(run.rssPeakMiB, 0)} MiB${run.non2xx || run.socketErrors ? `  ERRORS non2xx=${run.non2xx} ${run.socketErrorDetail}` : ""}`,
  );
  return run;
}

/** After a run: let in-flight shadows land before counting or starting the next. */
function settle(scenario: Scenario): Promise<void> {
  return sleep(scenario.v2 === "slow" ? CONFIG.slowMs + 800 : 500);
}

export interface Summary {
  runs: number;
  /** a paced scenario's offered rate (each run's follows the throughput measured before it) */
  offeredRate: number | null;
  rps: number | null;
  rpsMin: number;
  rpsMax: number;
  p50: number | null;
  p99: number | null;
  mirroredPercent: number | null;
  sutCpuPercent: number | null;
  sutCpuUsPerRequest: number | null;
  cpu1BusyPercent: number | null;
  cpu0OtherPercent: number | null;
  cpu1OtherPercent: number | null;
  noisyRuns: number;
  rssPeakMiB: number;
  rssBaseMiB: number;
  errors: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Medians over the runs of one system in one scenario. */
export function summarise(runs: Run[]): Summary {
  const pick = (k: keyof Run) => {
    const xs = runs.map((r) => r[k]).filter((x): x is number => typeof x === "number");
    return xs.length ? median(xs) : null;
  };
  return {
    runs: runs.length,
    offeredRate: pick("offeredRate"),
    rps: pick("rps"),
    rpsMin: Math.min(...runs.map((r) => r.rps)),
    rpsMax: Math.max(...runs.map((r) => r.rps)),
    p50: pick("p50"),
    p99: pick("p99"),
    mirroredPercent: pick("mirroredPercent"),
    sutCpuPercent: pick("sutCpuPercent"),
    sutCpuUsPerRequest: pick("sutCpuUsPerRequest"),
    cpu1BusyPercent: pick("cpu1BusyPercent"),
    cpu0OtherPercent: pick("cpu0OtherPercent"),
    cpu1OtherPercent: pick("cpu1OtherPercent"),
    noisyRuns: runs.filter((r) => r.noisy).length,
    rssPeakMiB: Math.max(...runs.map((r) => r.rssPeakMiB)),
    rssBaseMiB: Math.min(...runs.map((r) => r.rssBaseMiB)),
    errors: runs.reduce((n, r) => n + r.non2xx + r.socketErrors, 0),
  };
}
