// Runs the real app inside workerd against the loopback origins: one call sends a
// request through createApp(table) with a fresh ExecutionContext, captures the
// log lines, and lets the test read what each origin recorded.
import { inject } from "vitest";
import { createExecutionContext, env as bindings, waitOnExecutionContext } from "cloudflare:test";
import { createApp } from "../../src/app";
import type { IsolateBudgets } from "../../src/proxy/budgets";
import type { RouteTable } from "../../src/routing/table";
import type { RequestLog, ShadowOutcome } from "../../src/observe/log";
import type { OriginRecord } from "../../devkit/origin";

export const table: RouteTable = JSON.parse(inject("table"));
const controlUrl = inject("controlUrl");

export interface Sent {
  response: Response;
  requestId: string;
  /** the request's one log line, once written (a mirrored request's when its shadows settle) */
  logs: RequestLog[];
  /** resolves when every waitUntil promise (the shadows) has settled */
  settled: () => Promise<void>;
}

export interface SendOptions extends RequestInit {
  /** fixed value returned by the app's random source, in [0, 1) */
  random?: number;
  table?: RouteTable;
  /** the worker's environment (wrangler vars), on top of wrangler.toml's COMPARE_STORE and ADMIN_GUARD bindings */
  env?: Record<string, unknown>;
  /** the isolate's memory ledger and work window (default: fresh ones for this request) */
  budgets?: IsolateBudgets;
}

let counter = 0;

/** Sends a request through the worker; sets a unique x-request-id unless one is given. */
export async function send(url: string, { random = 0, table: t = table, env = {}, budgets, ...init }: SendOptions = {}): Promise<Sent> {
  const headers = new Headers(init.headers);
  if (!headers.has("x-request-id")) headers.set("x-request-id", `t-${Date.now()}-${++counter}`);
  const requestId = headers.get("x-request-id")!;
  const logs: RequestLog[] = [];
  const app = createApp(t, { random: () => random, logger: (line) => logs.push(line), budgets });
  const ctx = createExecutionContext();
  // The comparison's store and the admin paths' guard from wrangler.toml; not the pause
  // switch, whose first read changes the shadows' timing.
  const response = await app.fetch(new Request(url, { ...init, headers }), { COMPARE_STORE: bindings.COMPARE_STORE, ADMIN_GUARD: bindings.ADMIN_GUARD, ...env }, ctx);
  return { response, requestId, logs, settled: () => waitOnExecutionContext(ctx) };
}

export async function records(requestId: string): Promise<{ records: OriginRecord[]; held: number }> {
  const res = await fetch(`${controlUrl}/records?id=${encodeURIComponent(requestId)}`);
  return res.json();
}

/** The records of one origin for a request. */
export async function recordsAt(origin: string, requestId: string): Promise<OriginRecord[]> {
  return (await records(requestId)).records.filter((r) => r.origin === origin);
}

export async function release(): Promise<void> {
  await fetch(`${controlUrl}/release`, { method: "POST" });
}

/** The shadows' outcomes on the request's log line ([] when it has none, or is not written yet). */
export function shadowLogs(sent: Sent): ShadowOutcome[] {
  return sent.logs.flatMap((l) => l.shadows ?? []);
}

export function requestLog(sent: Sent): RequestLog {
  const line = sent.logs.find((l) => l.event === "request");
  if (!line) throw new Error("no request log line");
  return line;
}

/** How many mirrors a request's line says were sampled (one outcome each). */
export function mirrorCount(line: RequestLog): number {
  return line.shadows?.length ?? 0;
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
