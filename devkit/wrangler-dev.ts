// `wrangler dev` as a child process on 127.0.0.1, for the end-to-end test and the
// demo: started in its own process group (wrangler and the workerd it starts stop
// together), its output kept line by line without colours, so callers can wait
// for "Ready on" and read the worker's JSON log lines.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { canConnect, stopProcessGroup } from "./loopback";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

export interface WranglerDevOptions {
  port: number;
  /** the routes file wrangler's [build] compiles ($EDGE_MIRROR_ROUTES) */
  routes: string;
  /** where wrangler keeps its local state; its default (.wrangler/state) when absent */
  persistTo?: string;
  /** called with each output line (stdout and stderr), colours removed */
  onLine?: (line: string) => void;
  /** keep only this many of the last lines (a long-running demo); all by default */
  keepLines?: number;
  /** variables and secrets for the worker (`--var NAME:value`), e.g. EDGE_MIRROR_ADMIN_TOKEN */
  vars?: Record<string, string>;
  /** the project directory wrangler dev runs in (its wrangler.toml, src/, generated/); this repository by default */
  cwd?: string;
}

export interface WranglerDev {
  child: ChildProcess;
  port: number;
  /** the lines printed so far (see keepLines), colours removed */
  lines: string[];
  exited: boolean;
  exitCode: number | null;
  /** stops wrangler dev and its workerd (the whole process group) */
  stop(): Promise<void>;
}

/** A worker log line: `{"event":"request", ...}` (docs/operations.md "Logs"), or "compare" / "switch". */
export type WorkerEvent = { event: string } & Record<string, unknown>;

export function startWranglerDev({ port, routes, persistTo, onLine, keepLines = Infinity, vars = {}, cwd = ROOT }: WranglerDevOptions): WranglerDev {
  const args = [WRANGLER, "dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false"];
  if (persistTo) args.push("--persist-to", persistTo);
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", EDGE_MIRROR_ROUTES: routes, NO_COLOR: "1", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: Ctrl-C reaches only the caller, which stops wrangler and its workerd together.
    detached: true,
  });
  const dev: WranglerDev = {
    child,
    port,
    lines: [],
    exited: false,
    exitCode: null,
    stop: () => stopProcessGroup(child.pid),
  };
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (raw) => {
      // eslint-disable-next-line no-control-regex
      const line = raw.replace(/\x1b\[[0-9;]*m/g, "");
      dev.lines.push(line);
      if (dev.lines.length > keepLines) dev.lines.shift();
      onLine?.(line);
    });
  }
  child.on("exit", (code, signal) => {
    dev.exited = true;
    dev.exitCode = code ?? (signal ? 128 : null);
  });
  return dev;
}

/** Waits for "Ready on" and then for the socket to accept connections (it is printed when bound). */
export async function waitReady(dev: WranglerDev, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!dev.lines.some((l) => l.includes("Ready on"))) {
    if (dev.exited) throw new Error(`wrangler dev exited early with code ${dev.exitCode}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for wrangler dev to print "Ready on" (port ${dev.port})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const connectDeadline = Date.now() + 10_000;
  while (!(await canConnect(dev.port))) {
    if (Date.now() > connectDeadline) throw new Error(`nothing accepts connections on 127.0.0.1:${dev.port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The worker's log event in one output line, if it is one. */
export function workerEvent(line: string): WorkerEvent | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed && typeof parsed === "object" && typeof (parsed as { event?: unknown }).event === "string") return parsed as WorkerEvent;
  } catch {}
  return undefined;
}

/** Every worker log event this wrangler dev printed so far. */
export function workerEvents(dev: WranglerDev): WorkerEvent[] {
  return dev.lines.map(workerEvent).filter((e): e is WorkerEvent => e !== undefined);
}

/** A shadow's outcome as a request line carries it, with that line's requestId. */
export type ShadowEvent = { requestId: unknown } & Record<string, unknown>;

/** Every shadow outcome on the request lines so far (a mirrored request's line is written once its shadows settle). */
export function shadowEvents(events: WorkerEvent[]): ShadowEvent[] {
  return events.flatMap((e) => (e.event === "request" && Array.isArray(e.shadows) ? (e.shadows as Record<string, unknown>[]).map((s) => ({ ...s, requestId: e.requestId })) : []));
}
