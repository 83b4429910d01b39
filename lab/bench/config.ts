// The bench's knobs (environment), scenarios and systems:
//   BENCH_DURATION (s per run, 5), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (32),
//   BENCH_ROUNDS (GET runs per system, 5), BENCH_SYSTEMS (comma list, default all),
//   BENCH_SCENARIOS (comma list of get-fast,get-slow,post-1k,post-512k,json-1k,json-1k-compared,
//   json-1k-paced,json-1k-compared-paced,json-256k,json-256k-compared, and the isolate budgets'
//   noisy-neighbour,memory-burst: lab/bench/budgets.ts, which has knobs of its own, and
//   capture: lab/bench/capture.ts, captured at 1 % / not captured, BENCH_CAPTURE_PERCENT),
//   BENCH_PACED_FRACTION (the paced scenarios' offered rate, as a fraction of the mirrored 1 KiB route's throughput, 0.25),
//   BENCH_PIN=0 (no taskset), BENCH_KEEP=1 (keep the temp dir), BENCH_OUT
//   (directory for the reports, default lab/bench), BENCH_RETRIES (how many runs
//   disturbed by other processes may be repeated, 8).
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));
export const HOST_HEADER = "httpbin:8000";
export const PATH = "/get";
export const ECHO_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so";
/** The system under test runs on CPU 0; wrk and the origins share CPU 1. */
export const SUT_CPU = "0";
export const LOAD_CPU = "1";

export type SystemName = "project" | "floor" | "floor-headers" | "floor-cancel" | "nginx";
export type ScenarioKey =
  | "get-fast"
  | "get-slow"
  | "post-1k"
  | "post-512k"
  | "json-1k"
  | "json-1k-compared"
  | "json-1k-paced"
  | "json-1k-compared-paced"
  | "json-256k"
  | "json-256k-compared";
export type V2Mode = "fast" | "slow";

const env = process.env;
const num = (name: string, fallback: number): number => (env[name] ? Number(env[name]) : fallback);
const list = <T extends string>(name: string, fallback: T[]): T[] => (env[name] ? (env[name].split(",").map((s) => s.trim()) as T[]) : fallback);
const CPUS = os.availableParallelism();

export const CONFIG = {
  duration: num("BENCH_DURATION", 5),
  warmup: num("BENCH_WARMUP", 2),
  connections: num("BENCH_CONNECTIONS", 32),
  threads: 1,
  rounds: num("BENCH_ROUNDS", 5),
  slowMs: 200,
  pin: env.BENCH_PIN !== "0" && CPUS >= 2,
  keep: env.BENCH_KEEP === "1",
  systems: list<SystemName>("BENCH_SYSTEMS", ["project", "floor", "floor-headers", "floor-cancel", "nginx"]),
  scenarios: list<ScenarioKey>("BENCH_SCENARIOS", [
    "get-fast",
    "get-slow",
    "post-1k",
    "post-512k",
    "json-1k",
    "json-1k-compared",
    "json-1k-paced",
    "json-1k-compared-paced",
    "json-256k",
    "json-256k-compared",
  ]),
  /** the isolate budgets' scenarios (lab/bench/budgets.ts), run after the others */
  budgetScenarios: list<"noisy-neighbour" | "memory-burst">("BENCH_SCENARIOS", ["noisy-neighbour", "memory-burst"]).filter((k) => k === "noisy-neighbour" || k === "memory-burst"),
  /** the capture A/B (lab/bench/capture.ts), run last, alone */
  captureScenario: list<string>("BENCH_SCENARIOS", ["capture"]).includes("capture"),
  pacedFraction: num("BENCH_PACED_FRACTION", 0.25),
  out: env.BENCH_OUT ? path.resolve(env.BENCH_OUT) : BENCH_DIR,
  /** how many runs disturbed by other processes may be repeated, in all */
  retries: num("BENCH_RETRIES", 8),
};

export interface Scenario {
  label: string;
  method: "GET" | "POST";
  /** request body bytes (0: none) */
  body: number;
  v2: V2Mode;
  rounds: number;
  /** the Host wrk sends and the path it asks for (default HOST_HEADER and PATH) */
  host?: string;
  path?: string;
  /** wrk's connections (default CONFIG.connections) */
  connections?: number;
  /** the systems measured (default: every one ONLY_IN allows) */
  systems?: SystemName[];
  /**
   * Offered at a fixed rate instead of as fast as the system answers: CONFIG.pacedFraction
   * of the median throughput `of` reached so far in this run (wrk's connections each wait a
   * random, exponentially distributed time before each request: Poisson arrivals).
   */
  paced?: { of: ScenarioKey };
}

/** The bench routes' compared VirtualService (routes.template.yaml): MirrorPolicy compare with its defaults. */
export const COMPARE_HOST = "compare:8000";
/** The JSON answers both origins serve (identical: a healthy v2), sizes in bytes. */
export const JSON_ANSWERS = { "/json-1k": 1024, "/json-256k": 250 * 1024 } as const;

// GET scenarios run in rounds (fast then slow, v2 reloaded in between, every system
// in each), so drift on a shared machine hits both sides of every ratio alike.
export const SCENARIOS: Record<ScenarioKey, Scenario> = {
  "get-fast": { label: "GET, fast v2", method: "GET", body: 0, v2: "fast", rounds: CONFIG.rounds },
  "get-slow": { label: `GET, v2 answers after ${CONFIG.slowMs} ms`, method: "GET", body: 0, v2: "slow", rounds: CONFIG.rounds },
  "post-1k": { label: "POST 1 KiB, fast v2", method: "POST", body: 1024, v2: "fast", rounds: 1 },
  "post-512k": { label: "POST 512 KiB, fast v2", method: "POST", body: 512 * 1024, v2: "fast", rounds: 1 },
  // Issue 11: the same 1 KiB JSON route mirrored, then also compared (every request, Diffy's 10 % noise calls),
  // in rounds so drift hits both alike; then 64 connections at once on 250 KiB answers, for memory.
  "json-1k": { label: "GET 1 KiB JSON, mirrored", method: "GET", body: 0, v2: "fast", rounds: CONFIG.rounds, path: "/json-1k", systems: ["project"] },
  "json-1k-compared": { label: "GET 1 KiB JSON, mirrored and compared", method: "GET", body: 0, v2: "fast", rounds: CONFIG.rounds, host: COMPARE_HOST, path: "/json-1k", systems: ["project"] },
  // The same pair offered the same fixed rate, well below what either can take: the latency a
  // client sees from comparing itself (the runtime's tee of v1's body), not from queueing behind it.
  "json-1k-paced": { label: "GET 1 KiB JSON, mirrored, fixed rate", method: "GET", body: 0, v2: "fast", rounds: CONFIG.rounds, path: "/json-1k", systems: ["project"], paced: { of: "json-1k" } },
  "json-1k-compared-paced": {
    label: "GET 1 KiB JSON, mirrored and compared, fixed rate",
    method: "GET",
    body: 0,
    v2: "fast",
    rounds: CONFIG.rounds,
    host: COMPARE_HOST,
    path: "/json-1k",
    systems: ["project"],
    paced: { of: "json-1k" },
  },
  "json-256k": { label: "GET 250 KiB JSON, mirrored, 64 connections", method: "GET", body: 0, v2: "fast", rounds: 1, path: "/json-256k", connections: 64, systems: ["project"] },
  "json-256k-compared": {
    label: "GET 250 KiB JSON, mirrored and compared, 64 connections",
    method: "GET",
    body: 0,
    v2: "fast",
    rounds: 1,
    host: COMPARE_HOST,
    path: "/json-256k",
    connections: 64,
    systems: ["project"],
  },
};

export const SYSTEM_LABELS: Record<SystemName, string> = {
  project: "edge-mirror (project)",
  floor: "floor worker",
  "floor-cancel": "floor, shadow answer cancel()ed",
  "floor-headers": "floor + Istio's header work",
  nginx: "nginx mirror",
};

/** Systems measured only in some scenarios. */
export const ONLY_IN: Partial<Record<SystemName, ScenarioKey[]>> = { "floor-cancel": ["get-fast"], "floor-headers": ["get-fast"] };
