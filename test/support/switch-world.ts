// One "isolate" of the worker for pause-switch and dashboard tests: an app made once
// (so its switch cache lives across requests, as in production), the real
// MIRROR_SWITCH Durable Object from wrangler.toml under a name of the test's own (so
// no other test's requests see its pauses), and an admin token.
import { createExecutionContext, env as bindings, waitOnExecutionContext } from "cloudflare:test";
import { createApp } from "../../src/app";
import type { RequestLog } from "../../src/observe/log";
import type { MirrorSwitch } from "../../src/switch/mirror-switch";
import type { IsolateBudgets } from "../../src/proxy/budgets";
import { table } from "./harness";

/** alice's token (the secret holds `alice:<it>`) and bob's: RFC 6750 tokens of at least 16 characters */
export const TOKEN = "3f9c0d1e-alice-secret";
export const OTHER_TOKEN = "b0b-secret-7d41c2e9";

/** The switch's namespace with every object name scoped to `scope`. */
export function scopedSwitch(scope: string): DurableObjectNamespace<MirrorSwitch> {
  return scoped(bindings.MIRROR_SWITCH, scope);
}

/** A Durable Object namespace whose object names are all scoped to `scope`, so no other test's requests share its objects. */
export function scoped<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, scope: string): DurableObjectNamespace<T> {
  return new Proxy(ns, {
    get(target, key) {
      if (key === "idFromName") return (name: string) => target.idFromName(`${scope}:${name}`);
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  requestId: string;
}

export interface World {
  env: Record<string, unknown>;
  logs: RequestLog[];
  /** sends a request through this isolate and waits for its waitUntil work (the shadows) */
  fetch(url: string, init?: RequestInit): Promise<Answer>;
  /** another isolate of the same worker: same environment, its own (cold) switch cache */
  another(): World;
}

let counter = 0;

export function world({ random = 0, vars = {}, scope = crypto.randomUUID(), budgets }: { random?: number; vars?: Record<string, string>; scope?: string; budgets?: IsolateBudgets } = {}): World {
  const env: Record<string, unknown> = {
    COMPARE_STORE: bindings.COMPARE_STORE,
    MIRROR_SWITCH: scopedSwitch(scope),
    ADMIN_GUARD: scoped(bindings.ADMIN_GUARD, scope),
    EDGE_MIRROR_ADMIN_TOKEN: `alice:${TOKEN}, bob:${OTHER_TOKEN}`,
    ...vars,
  };
  const logs: RequestLog[] = [];
  const app = createApp(table, { random: () => random, logger: (line) => logs.push(line), budgets });
  return {
    env,
    logs,
    async fetch(url, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has("x-request-id")) headers.set("x-request-id", `sw-${Date.now()}-${++counter}`);
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(url, { ...init, headers, redirect: "manual" }), env, ctx);
      const text = await response.text();
      await waitOnExecutionContext(ctx);
      return { status: response.status, headers: response.headers, text, requestId: headers.get("x-request-id")! };
    },
    another: () => world({ random, vars, scope }),
  };
}

export const bearer = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

export function setCaps(w: World, body: unknown, token = TOKEN): Promise<Answer> {
  return w.fetch("http://mirror.test/__edge-mirror/api/mirroring", { method: "POST", headers: { ...bearer(token), "content-type": "application/json" }, body: JSON.stringify(body) });
}
