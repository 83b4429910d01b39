// The worker's own paths, under /__edge-mirror/ on every host it serves. They are
// answered here and never forwarded or mirrored. With the secret
// EDGE_MIRROR_ADMIN_TOKEN set (`wrangler secret put`, `.dev.vars` locally) they need
// `Authorization: Bearer <token>` (Hono's bearer-auth: compared in constant time;
// 401 without it or with another token, 400 for a header that is not a bearer token,
// as RFC 6750 says); without the secret they do not exist (404), so a worker nobody
// configured shows nothing. The secret may hold several tokens, separated by commas,
// each optionally named (`alice:<token>`).
import type { Context } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { HTTPException } from "hono/http-exception";
import type { RouteTable } from "../routing/table";
import type { CompareRecorder, CompareStoreNamespace } from "../observe/compare-recorder";
import { comparedRoutes, compareReport, resetRoutes } from "./compare-report";
import { dashboard, type DashboardEnv } from "../dashboard/dashboard";
import { adminTokens } from "../dashboard/admin-tokens";
import type { SwitchCache } from "../switch/switch-cache";

export const ADMIN_PREFIX = "/__edge-mirror/";

/** Whether a request URL's path starts with the prefix: one search and one comparison, so proxied traffic pays nothing more. */
export function isAdminPath(url: string): boolean {
  return url.startsWith(ADMIN_PREFIX, url.indexOf("/", url.indexOf("//") + 2));
}

export interface AdminEnv {
  EDGE_MIRROR_ADMIN_TOKEN?: string;
  COMPARE_STORE?: CompareStoreNamespace;
}

export interface AdminContext {
  table: RouteTable;
  recorder: CompareRecorder;
  /** the pause switch's per-isolate cache: a change made here applies here at once */
  switches?: SwitchCache;
}

export async function handleAdmin(c: Context, admin: AdminContext): Promise<Response> {
  const env = (c.env ?? {}) as AdminEnv;
  // The dashboard's pages, its browser sign-in and the pause switch (src/dashboard/); undefined: not one of its paths.
  const page = await dashboard(c.req.raw, env as DashboardEnv, {
    table: admin.table,
    onSwitchChange: (state) => admin.switches?.prime(state),
    report: async () => (env.COMPARE_STORE ? compareReport(comparedRoutes(admin.table), env.COMPARE_STORE, admin.recorder) : { generatedAt: new Date().toISOString(), routes: [] }),
  });
  if (page) return page;
  // `name:token` entries are named tokens (src/dashboard/admin-tokens.ts): the bearer is the part after the colon.
  const tokens = adminTokens(env.EDGE_MIRROR_ADMIN_TOKEN).map((t) => t.token);
  if (tokens.length === 0) return text(404, "not found");
  try {
    let allowed = false;
    await bearerAuth({ token: tokens })(c, async () => {
      allowed = true;
    });
    if (!allowed) return text(401, "unauthorized");
  } catch (e) {
    if (e instanceof HTTPException) return e.getResponse();
    throw e;
  }
  const url = new URL(c.req.raw.url);
  if (url.pathname !== `${ADMIN_PREFIX}api/report`) return text(404, "not found");
  const store = env.COMPARE_STORE;
  if (!store) return json(503, { error: "no COMPARE_STORE Durable Object binding: see wrangler.toml" });
  const only = url.searchParams.get("route") ?? undefined;
  const routes = comparedRoutes(admin.table, only);
  if (only !== undefined && routes.length === 0) return json(404, { error: `no compared route named ${JSON.stringify(only)}` });
  const method = c.req.raw.method;
  if (method === "GET") return json(200, await compareReport(routes, store, admin.recorder));
  if (method === "DELETE") {
    await resetRoutes(routes, store, admin.recorder);
    return json(200, { reset: routes.map((r) => `${r.virtualService}/${r.route}`) });
  }
  return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, DELETE" } });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body, null, 2) + "\n", { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
}

function text(status: number, body: string): Response {
  return new Response(body + "\n", { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
