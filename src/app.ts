// The worker as a Hono app, built from a compiled RouteTable so tests can run it on
// tables of their own. Every request goes through the pipeline (src/proxy/pipeline.ts).
import { Hono } from "hono/tiny";
import type { RouteTable } from "./routing/table";
import type { Random } from "./routing/sample";
import type { KillSwitchEnv } from "./routing/kill-switch";
import { handleRequest } from "./proxy/pipeline";
import { shortAnswer } from "./proxy/forward";
import { jsonLogger, type Logger } from "./observe/log";

export interface AppOptions {
  /** [0, 1) source for weights, origins, faults and mirror sampling (Math.random by default) */
  random?: Random;
  logger?: Logger;
}

export function createApp(table: RouteTable, { random = Math.random, logger = jsonLogger }: AppOptions = {}) {
  const app = new Hono<{ Bindings: KillSwitchEnv }>();
  app.all("*", function mirror(c) {
    return handleRequest(c.req.raw, {
      table,
      random,
      log: logger,
      env: c.env,
      waitUntil: (promise) => c.executionCtx.waitUntil(promise),
    });
  });
  app.onError(function internalError(err) {
    logger({ event: "request", requestId: "", method: "", host: "", path: "", status: 500, durationMs: 0, error: `internal: ${err.message}`, mirrors: 0 });
    return shortAnswer(500, "internal error");
  });
  return app;
}
