// The worker's own paths, under /__edge-mirror/ on every host it serves: the
// dashboard's pages and sign-in, the pause switch, and the comparison report. They
// are answered here and never forwarded or mirrored. One rule for all of them:
//   1. the secret EDGE_MIRROR_ADMIN_TOKEN decides whether they exist: unset, 404 (a
//      worker nobody configured shows nothing); holding any entry that is not a
//      usable token (tokens.ts), 503 naming it, on every path;
//   2. one way to identify a caller (caller.ts): a bearer token, else the sign-in
//      cookie; every presented token passes the per-client guessing limit (guard.ts);
//   3. one way to answer (http.ts), with one set of security headers.
// GET /__edge-mirror/metrics is the report in Prometheus' text format (metrics.ts).
import type { RouteTable } from "../routing/table";
import type { CompareRecorder } from "../observe/compare-recorder";
import { mirrorCap } from "../routing/kill-switch";
import type { SwitchCache } from "../switch/switch-cache";
import { overallVerdict } from "../compare/report";
import { comparedRoutes, compareReport, resetRoutes, type Report } from "./compare-report";
import { adminConfig, MIN_TOKEN_LENGTH } from "./tokens";
import { identify, tooMany, type AdminEnv, type Caller } from "./caller";
import { sameOrigin } from "./session";
import { ADMIN_PREFIX, bearerChallenge, json, text } from "./http";
import { METRICS_CONTENT_TYPE, metricsText } from "./metrics";
import { changeFromJson, readSwitch, type SwitchDeps } from "./mirroring";
import type { CaptureBatcher } from "../capture/batcher";
import { captureReport, handleCaptures } from "./captures-api";
// The browser's half (pages, sign-in and out, the forms): left out of the lab's "proxy alone" build.
import { changeFromForm, dashboardPage, loginPage, resetFromForm, signIn, signOut } from "../dashboard/dashboard";

export type { AdminEnv } from "./caller";

export interface AdminContext {
  table: RouteTable;
  recorder: CompareRecorder;
  /** the pause switch's per-isolate cache: a change made here applies here at once */
  switches?: SwitchCache;
  now?: () => number;
  /** captured routes' batches in this isolate: written before the captures API reads */
  capture?: CaptureBatcher;
}

export async function handleAdmin(request: Request, env: AdminEnv, admin: AdminContext): Promise<Response> {
  const config = adminConfig(env.EDGE_MIRROR_ADMIN_TOKEN);
  if (config.kind === "off") return text(404, "not found");
  if (config.kind === "refused") {
    return text(
      503,
      `/__edge-mirror/ is off: the secret EDGE_MIRROR_ADMIN_TOKEN is refused because ${config.problems.join("; ")}. ` +
        `Each token must be at least ${MIN_TOKEN_LENGTH} of A-Z a-z 0-9 - . _ ~ + / (RFC 6750), optionally named (alice:<token>); ` +
        "set it again with `npx wrangler secret put EDGE_MIRROR_ADMIN_TOKEN`. Proxied traffic is not affected.",
    );
  }
  if (!env.ADMIN_GUARD) return text(503, "/__edge-mirror/ is off: it needs the ADMIN_GUARD Durable Object binding (wrangler.toml), which limits token guesses");
  const tokens = config.tokens;
  const now = (admin.now ?? Date.now)();
  const url = new URL(request.url);
  const path = url.pathname.slice(ADMIN_PREFIX.length);
  const method = request.method;
  if (path === "login" && method === "POST") return signIn(request, env, tokens, now);

  const caller = await identify(request, env, tokens, now);
  const page = method === "GET" && (path === "" || path === "route" || path === "example" || path === "reset");
  if ("refused" in caller) {
    if (caller.refused === "limited") return tooMany(caller.retryAfter);
    if (caller.refused === "malformed") return text(400, "the Authorization header is not a bearer token (RFC 6750: Bearer <token>)", { "www-authenticate": bearerChallenge("invalid_request") });
    // A browser gets the sign-in form; anything else a bearer challenge.
    if (page) return loginPage({ next: url.pathname + url.search });
    if (path === "mirroring" || path === "logout" || path === "reset") return loginPage();
    return text(401, "unauthorized", { "www-authenticate": bearerChallenge(caller.refused === "wrong" ? "invalid_token" : undefined) });
  }
  // A cookie is sent by the browser on its own: a state change riding on it must come from this origin.
  if (caller.via === "cookie" && method !== "GET" && method !== "HEAD" && !sameOrigin(request)) return text(403, "cross-origin form posts are refused");

  const switchDeps: SwitchDeps = { table: admin.table, onSwitchChange: (state) => admin.switches?.prime(state) };
  if (page) return (await pageFor(url, env, admin, caller, now)) ?? text(404, `no mirrored route (or example) named ${JSON.stringify(url.searchParams.get("name") ?? "")}`);
  if (path === "logout" && method === "POST") return signOut(env, caller);
  if (path === "mirroring" && method === "POST") return changeFromForm(request, env, switchDeps, caller);
  if (path === "reset" && method === "POST") {
    return resetFromForm(request, async (route) => {
      const routes = comparedRoutes(admin.table, route);
      if (routes.length === 0 || !env.COMPARE_STORE) return false;
      await resetRoutes(routes, env.COMPARE_STORE, admin.recorder);
      return true;
    });
  }
  if (path === "api/mirroring") {
    if (method === "GET") return json(200, await readSwitch(env));
    if (method === "POST") return changeFromJson(request, env, switchDeps, caller);
    return text(405, "GET or POST", { allow: "GET, POST" });
  }
  if (path === "api/report") return reportApi(request, url, env, admin);
  if (path === "metrics") return metricsApi(request, env, admin);
  if (path === "api/captures") return handleCaptures(request, url, env, admin.table, admin.capture);
  return text(404, "not found");
}

async function reportOf(env: AdminEnv, admin: AdminContext): Promise<Report> {
  const store = env.COMPARE_STORE;
  if (!store) return { generatedAt: new Date().toISOString(), verdict: overallVerdict([]), routes: [] };
  const report = await compareReport(comparedRoutes(admin.table), store, admin.recorder);
  const captures = await captureReport(admin.table, store, admin.capture);
  return captures.length > 0 ? { ...report, captures } : report;
}

/** GET /__edge-mirror/metrics: every compared route's report as Prometheus text (format 0.0.4). */
async function metricsApi(request: Request, env: AdminEnv, admin: AdminContext): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") return text(405, "GET", { allow: "GET, HEAD" });
  const store = env.COMPARE_STORE;
  if (!store) return text(503, "no COMPARE_STORE Durable Object binding: see wrangler.toml");
  const report = await compareReport(comparedRoutes(admin.table), store, admin.recorder);
  return text(200, metricsText(report.routes).trimEnd(), { "content-type": METRICS_CONTENT_TYPE });
}

async function pageFor(url: URL, env: AdminEnv, admin: AdminContext, caller: Caller, now: number): Promise<Response | undefined> {
  const [report, state] = await Promise.all([reportOf(env, admin), readSwitch(env)]);
  return dashboardPage(url, admin.table, report, state, mirrorCap(env.MIRROR_PERCENT_CAP), caller.token.name, now);
}

/** GET /__edge-mirror/api/report[?route=<vs>/<route>]: the comparison report; DELETE forgets the counts (a new v2). */
async function reportApi(request: Request, url: URL, env: AdminEnv, admin: AdminContext): Promise<Response> {
  const store = env.COMPARE_STORE;
  if (!store) return json(503, { error: "no COMPARE_STORE Durable Object binding: see wrangler.toml" });
  const only = url.searchParams.get("route") ?? undefined;
  const routes = comparedRoutes(admin.table, only);
  if (only !== undefined && routes.length === 0) return json(404, { error: `no compared route named ${JSON.stringify(only)}` });
  const method = request.method;
  if (method === "GET") {
    const report = await compareReport(routes, store, admin.recorder);
    // Captured routes' counts (MirrorPolicy capture), beside the compared ones.
    const captures = only === undefined ? await captureReport(admin.table, store, admin.capture) : [];
    return json(200, captures.length > 0 ? { ...report, captures } : report);
  }
  if (method === "DELETE") {
    await resetRoutes(routes, store, admin.recorder);
    return json(200, { reset: routes.map((r) => `${r.virtualService}/${r.route}`) });
  }
  return text(405, "method not allowed", { allow: "GET, DELETE" });
}
