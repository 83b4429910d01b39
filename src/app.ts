// The worker, built from a compiled RouteTable so tests can run it on tables of their
// own. Every request goes through the pipeline (src/proxy/pipeline.ts), but those under
// /__edge-mirror/, the worker's own (src/admin/admin.ts). The entry is a plain fetch
// handler: a proxied request goes straight to the pipeline, with no framework Context
// built for it (Hono's dispatch cost the mirrored request measurable CPU:
// docs/performance-hotpath.md); the dashboard still renders with hono/jsx.
import type { RouteTable } from "./routing/table";
import type { Random } from "./routing/sample";
import { trustedRequestId } from "./routing/request-facts";
import { handleRequest, type PipelineContext } from "./proxy/pipeline";
import { shortAnswer } from "./proxy/forward";
import { jsonLogger, accessLogMode, type Logger } from "./observe/log";
import { CompareRecorder } from "./observe/compare-recorder";
import { isAdminPath } from "./admin/http";
import { handleAdmin } from "./admin/admin";
import { SwitchCache, switchLookup } from "./switch/switch-cache";
import { MemoryLedger } from "./proxy/memory-budget";
import { WorkWindow } from "./compare/work-budget";
import type { IsolateBudgets } from "./proxy/budgets";
import { CaptureBatcher, type BatcherOptions } from "./capture/batcher";

export interface AppOptions {
  /** [0, 1) source for weights, origins, faults, mirror sampling and retry back-off (Math.random by default) */
  random?: Random;
  logger?: Logger;
  /** the isolate's memory ledger and comparison work window (tests pass their own, to read them) */
  budgets?: IsolateBudgets;
  /** capture batching (flush interval, batch size, log): the defaults of src/capture/batcher.ts unless a test sets them */
  capture?: BatcherOptions;
}

/** The worker's fetch handler (what src/index.ts exports). */
export interface App {
  /** `env`: the worker's bindings (tests pass only those they need); `ctx`: the invocation's */
  fetch(request: Request, env: object | undefined, ctx: ExecutionContext): Promise<Response>;
}

const NO_ENV: Partial<Env> = {};

export function createApp(table: RouteTable, { random = Math.random, logger = jsonLogger, budgets = isolateBudgets(), capture: captureOptions }: AppOptions = {}): App {
  // Compared routes' counts, batched in this isolate (one recorder per app: per isolate in production).
  const recorder = new CompareRecorder();
  // The pause switch's caps as this isolate last read them (at most SWITCH_REFRESH_MS old).
  const switches = new SwitchCache();
  // Captured routes' records, batched in this isolate and written to R2 (MirrorPolicy capture).
  const capture = new CaptureBatcher(captureOptions);

  /** Anything the pipeline did not catch itself: a short 500, and a line saying which request. */
  const internalError = (request: Request, err: unknown): Response => {
    logger({
      event: "request",
      requestId: trustedRequestId(request.headers.get("x-request-id")) ?? "",
      status: 500,
      durationMs: 0,
      error: "internal",
      detail: (err as Error)?.message ?? String(err),
    });
    return shortAnswer(500, "internal error");
  };

  return {
    fetch(request, bindings, executionCtx) {
      const env: Partial<Env> = bindings ?? NO_ENV;
      try {
        // The worker's own paths come first, and cost proxied traffic one string search.
        const url = request.url;
        if (isAdminPath(url)) return handleAdmin(request, env as Env, { table, recorder, switches, capture }).catch((e: unknown) => internalError(request, e));
        const waitUntil = (promise: Promise<unknown>) => executionCtx.waitUntil(promise);
        // The variables are read per request (their parsing is cached by their text).
        const ctx: PipelineContext = {
          table,
          random,
          log: logger,
          accessLog: accessLogMode(env.MIRROR_ACCESS_LOG),
          mirrorPercentCap: env.MIRROR_PERCENT_CAP,
          mirrorSwitch: switchLookup(env.MIRROR_SWITCH, switches, waitUntil),
          waitUntil,
          recorder,
          bindings: env as Env,
          budgets,
          memoryBudgetMib: env.MIRROR_MEMORY_BUDGET_MIB,
          capture,
        };
        return handleRequest(request, ctx, url).catch((e: unknown) => internalError(request, e));
      } catch (e) {
        return Promise.resolve(internalError(request, e));
      }
    },
  };
}

/** A fresh isolate's budgets: one app per isolate in production (src/index.ts), so one of each per isolate. */
export function isolateBudgets(): IsolateBudgets {
  return { memory: new MemoryLedger(), cpu: new WorkWindow() };
}
