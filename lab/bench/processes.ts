// The processes the bench starts (nginx, workerd, wrk): started pinned to a CPU when
// the machine has two, stderr kept in a file for the error report, and all stopped
// when the bench ends, fails or is interrupted (nginx by TERM, its fast shutdown:
// KILL would orphan its workers).
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { childPids } from "../shared/procfs";
import { CONFIG } from "./config";

export type ProcKind = "nginx" | "workerd" | "wrk";

export interface Proc {
  name: string;
  kind: ProcKind;
  child: ChildProcess;
  /** its stderr; "" when not kept */
  errPath: string;
  stopping: boolean;
}

const running = new Set<Proc>();
/** The bench's temp dir; removed on cleanup unless BENCH_KEEP=1. */
export const work = { tmp: "", exiting: false };

export function pinned(cpu: string, argv: string[]): string[] {
  return CONFIG.pin ? ["taskset", "-c", cpu, ...argv] : argv;
}

/** Registers a started process, so cleanup stops it (until it exits). */
export function track(proc: Proc): Proc {
  running.add(proc);
  proc.child.once("exit", (code, signal) => {
    running.delete(proc);
    if (!proc.stopping && !work.exiting) console.error(`bench: ${proc.name} exited unexpectedly (${signal ?? code})\n${tail(proc.errPath)}`);
  });
  return proc;
}

/** Opens `<tmp>/<name>.stderr` for a process's stderr; the caller closes the fd after spawning. */
export function stderrFile(name: string): { errPath: string; fd: number } {
  const errPath = path.join(work.tmp, `${name}.stderr`);
  return { errPath, fd: openSync(errPath, "w") };
}

/** Starts a long-running process; stdout goes to /dev/null, stderr to a file. */
export function start(name: string, kind: ProcKind, argv: string[], cpu: string): Proc {
  const { errPath, fd } = stderrFile(name);
  const cmd = pinned(cpu, argv);
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ["ignore", "ignore", fd] });
  closeSync(fd);
  return track({ name, kind, child, errPath, stopping: false });
}

export async function stop(proc: Proc): Promise<void> {
  if (!alive(proc)) return;
  proc.stopping = true;
  const exited = new Promise((resolve) => proc.child.once("exit", resolve));
  proc.child.kill("SIGTERM");
  const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
  if (!done) {
    for (const w of childPids(proc.child.pid!)) {
      try {
        process.kill(w, "SIGKILL");
      } catch {}
    }
    proc.child.kill("SIGKILL");
    await exited;
  }
}

export async function stopAll(): Promise<void> {
  for (const p of [...running]) await stop(p);
}

export function alive(proc: Proc): boolean {
  return proc.child.exitCode === null && proc.child.signalCode === null;
}

export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** Synchronous: for exit handlers and failures. Stops everything and removes the temp dir. */
export function cleanupSync(): void {
  for (const p of running) {
    if (!alive(p) || !p.child.pid) continue;
    const workers = p.kind === "nginx" ? childPids(p.child.pid) : [];
    try {
      process.kill(p.child.pid, "SIGTERM");
    } catch {}
    if (p.kind !== "nginx") continue;
    sleepSync(200);
    for (const w of workers) {
      try {
        process.kill(w, "SIGKILL");
      } catch {}
    }
  }
  running.clear();
  if (work.tmp && !CONFIG.keep) rmSync(work.tmp, { recursive: true, force: true });
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs a command to completion; its stdout and stderr together. */
export function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): { ok: boolean; out: string; status: number | null } {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...options });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`, status: r.status };
}

export function has(cmd: string): boolean {
  return run("sh", ["-c", `command -v ${cmd}`]).ok;
}
