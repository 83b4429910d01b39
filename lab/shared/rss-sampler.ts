// Samples one process's resident memory (VmRSS) at a fixed interval from a worker
// thread, so the readings are not delayed when the main thread is busy driving load.
import { Worker } from "node:worker_threads";

export interface RssSample {
  /** Date.now() of the reading */
  t: number;
  kib: number;
}

export interface RssSampler {
  samples: RssSample[];
  stop(): Promise<void>;
}

// Plain JavaScript: the thread is started from source, not from a module tsx would compile.
const SAMPLER = `
  const { parentPort, workerData } = require("node:worker_threads");
  const { readFileSync } = require("node:fs");
  setInterval(() => {
    try {
      const m = /^VmRSS:\\s+(\\d+) kB/m.exec(readFileSync("/proc/" + workerData.pid + "/status", "utf8"));
      if (m) parentPort.postMessage({ t: Date.now(), kib: Number(m[1]) });
    } catch {}
  }, workerData.ms);
`;

export function startRssSampler(pid: number, ms: number): RssSampler {
  const samples: RssSample[] = [];
  const worker = new Worker(SAMPLER, { eval: true, workerData: { pid, ms } });
  worker.on("message", (s: RssSample) => samples.push(s));
  worker.unref();
  return {
    samples,
    async stop() {
      await worker.terminate().catch(() => {});
    },
  };
}

/** The highest reading between two Date.now() values; null when none fell in between. */
export function peakBetween(samples: RssSample[], from: number, to: number): number | null {
  let peak: number | null = null;
  for (const s of samples) if (s.t >= from && s.t <= to && (peak === null || s.kib > peak)) peak = s.kib;
  return peak;
}
