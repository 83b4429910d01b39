// The soak's knobs, from the environment:
//   SOAK_REQUESTS (5000)      requests in the mixed load
//   SOAK_CONCURRENCY (64)     requests in flight
//   SOAK_MEM_ROUNDS (6)       rounds of SOAK_CONCURRENCY concurrent uploads at the cap
//   SOAK_SEED (random)        the mix's seed, to replay a run
//   SOAK_MAX_SECONDS (150)    the load phase's time budget
//   SOAK_KEEP=1               keep the temp dir
//   SOAK_OUT (lab/soak)       where RESULTS.md is written
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

export interface SoakConfig {
  requests: number;
  concurrency: number;
  memRounds: number;
  seed: number;
  maxSeconds: number;
  requestTimeoutMs: number;
  /** how long shadows may take to land after the last answer */
  drainMs: number;
  /** workerd's RSS sampling interval */
  sampleMs: number;
  keep: boolean;
  out: string;
}

const SOAK_DIR = fileURLToPath(new URL(".", import.meta.url));

export function soakConfig(env: NodeJS.ProcessEnv = process.env): SoakConfig {
  const int = (name: string, fallback: number): number => {
    const raw = env[name];
    if (!raw) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${raw}: expected a whole number`);
    return n;
  };
  return {
    requests: int("SOAK_REQUESTS", 5000),
    concurrency: Math.max(1, int("SOAK_CONCURRENCY", 64)),
    memRounds: int("SOAK_MEM_ROUNDS", 6),
    seed: int("SOAK_SEED", Math.floor(Math.random() * 2 ** 31)),
    maxSeconds: int("SOAK_MAX_SECONDS", 150),
    requestTimeoutMs: 30_000,
    drainMs: 30_000,
    sampleMs: 100,
    keep: env.SOAK_KEEP === "1",
    out: env.SOAK_OUT ? resolve(env.SOAK_OUT) : SOAK_DIR,
  };
}
