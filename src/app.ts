// The worker as a Hono app, built from a compiled RouteTable so tests can run it on
// tables of their own. Every request goes through the pipeline (src/proxy/pipeline.ts),
// but those under /__edge-mirror/, the worker's own (src/admin/admin.ts). Hono is
// given one route and a router that returns it without looking (OneRoute), so a
// proxied request costs the framework one Context and one call: a plain fetch handler
// measured no different (docs/performance-hotpath.md).
import { HonoBase } from "hono/hono-base";
import type { Params, Result, Router } from "hono/router";
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

/**
 * The app has one route (every method, every path), so it needs no router: this one
 * hands Hono that route for every request, without a regular expression or arrays
 * built per request, and Hono's single-handler fast path applies.
 */
class OneRoute<T> implements Router<T> {
  readonly name = "OneRoute";
  #result: Result<T> = [[]];
  add(_method: string, _path: string, handler: T): void {
    if (this.#result[0].length > 0) throw new Error("OneRoute: the app registers a single route");
    this.#result = [[[handler, Object.create(null) as Params]]];
  }
  match(_method: string, _path: string): Result<T> {
    return this.#result;
  }
}

const everyPath = () => "*";
const NO_ENV: Partial<Env> = {};

export function createApp(table: RouteTable, { random = Math.random, logger = jsonLogger, budgets = isolateBudgets(), capture: captureOptions }: AppOptions = {}) {
  // The one route matches every path, so Hono need not extract the path from the URL.
  const app = new HonoBase<{ Bindings: Env }>({ router: new OneRoute(), getPath: everyPath });
  // Compared routes' counts, batched in this isolate (one recorder per app: per isolate in production).
  const recorder = new CompareRecorder();
  // The pause switch's caps as this isolate last read them (at most SWITCH_REFRESH_MS old).
  const switches = new SwitchCache();
  // Captured routes' records, batched in this isolate and written to R2 (MirrorPolicy capture).
  const capture = new CaptureBatcher(captureOptions);

  app.all("*", function mirror(c) {
    const request = c.req.raw;
    const env: Partial<Env> = c.env ?? NO_ENV;
    // The worker's own paths come first, and cost proxied traffic one string search.
    const url = request.url;
    if (isAdminPath(url)) return handleAdmin(request, env as Env, { table, recorder, switches, capture });
    const executionCtx = c.executionCtx;
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
    return handleRequest(request, ctx, url);
  });
  // The pipeline logs its own failures with the request's id; this catches anything before it.
  app.onError(function internalError(err, c) {
    const request = c.req.raw;
    logger({
      event: "request",
      requestId: trustedRequestId(request.headers.get("x-request-id")) ?? "",
      status: 500,
      durationMs: 0,
      error: "internal",
      detail: err.message,
    });
    return shortAnswer(500, "internal error");
  });
  return app;
}

/** A fresh isolate's budgets: one app per isolate in production (src/index.ts), so one of each per isolate. */
export function isolateBudgets(): IsolateBudgets {
  return { memory: new MemoryLedger(), cpu: new WorkWindow() };
}
