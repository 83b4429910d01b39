// CPU and memory readings of processes on Linux, from /proc: what the bench and the
// soak report about workerd (and nginx). A process that is gone reads as nothing,
// not as an error: readings race process exits.
import { readFileSync } from "node:fs";

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds used so far by these processes together. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // The command name (field 2) may contain spaces: count fields after its ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / TICKS_PER_SECOND;
}

/**
 * A /proc/<pid>/status memory field (VmRSS, VmHWM, …) in KiB, summed over the
 * processes; null when none of them could be read.
 */
export function statusKiB(pids: number[], field: "VmRSS" | "VmHWM"): number | null {
  let kib: number | null = null;
  for (const pid of pids) {
    try {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) kib = (kib ?? 0) + Number(m[1]);
    } catch {}
  }
  return kib;
}

/** The children of a process (nginx's master → its workers). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export type CpuTimes = Record<string, { busy: number; total: number }>;

/** Busy and total jiffies per CPU, from /proc/stat. */
export function cpuTimes(): CpuTimes {
  const out: CpuTimes = {};
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const v = m[2]!.trim().split(/\s+/).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    out[m[1]!] = { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total };
  }
  return out;
}

/** How busy one CPU was between two cpuTimes() readings, in %; null when unknown. */
export function busyPercent(before: CpuTimes, after: CpuTimes, cpu: string): number | null {
  const b = before[cpu];
  const a = after[cpu];
  if (!a || !b || a.total === b.total) return null;
  return (100 * (a.busy - b.busy)) / (a.total - b.total);
}
