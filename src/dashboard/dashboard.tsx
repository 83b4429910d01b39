// Requests under /__edge-mirror/ that the dashboard answers: the pages, sign-in and
// sign-out, and the pause switch (GET and POST /__edge-mirror/api/mirroring as JSON,
// POST /__edge-mirror/mirroring from the pages' forms). Anything else under the
// prefix is left to the caller (undefined). Without EDGE_MIRROR_ADMIN_TOKEN every
// path answers 404, as if the prefix did not exist.
import type { Child } from "hono/jsx";
import type { RouteTable } from "../routing/table";
import { mirrorCap } from "../routing/kill-switch";
import { SWITCH_OBJECT, type MirrorSwitch } from "../switch/mirror-switch";
import { parseSwitchChange, type SwitchChangeRequest, type SwitchState } from "../switch/switch-state";
import { adminTokens, findToken, type AdminToken } from "./admin-tokens";
import { ADMIN_PREFIX, clearedSessionCookie, readSessionCookie, sameOrigin, sessionCookie, sessionToken, sessionValue } from "./session";
import { dashboardView, type Report } from "./view-model";
import { LoginPage } from "./login-page";
import { RoutesPage } from "./routes-page";
import { RoutePage } from "./route-page";

/** What the dashboard reads from the worker's environment. */
export interface DashboardEnv {
  EDGE_MIRROR_ADMIN_TOKEN?: string;
  MIRROR_PERCENT_CAP?: string;
  MIRROR_SWITCH?: DurableObjectNamespace<MirrorSwitch>;
}

export interface DashboardDeps {
  table: RouteTable;
  /** the comparison report (issue 11); none = no route is compared */
  report?: (env: DashboardEnv) => Promise<Report>;
  now?: () => number;
  /** told of every change this isolate makes, so it applies here at once (SwitchCache.prime) */
  onSwitchChange?: (state: SwitchState) => void;
}

interface Caller {
  token: AdminToken;
  /** a cookie is sent by the browser on its own, so those requests need the CSRF check */
  via: "bearer" | "cookie";
}

const NO_REPORT = async (): Promise<Report> => ({ generatedAt: new Date().toISOString(), routes: [] });

export async function dashboard(request: Request, env: DashboardEnv, deps: DashboardDeps): Promise<Response | undefined> {
  const tokens = adminTokens(env.EDGE_MIRROR_ADMIN_TOKEN);
  if (tokens.length === 0) return text(404, "not found");
  const now = (deps.now ?? Date.now)();
  const url = new URL(request.url);
  const path = url.pathname.slice(ADMIN_PREFIX.length);
  const method = request.method;
  if (path === "login" && method === "POST") return login(request, tokens, now);

  const caller = await identify(request, tokens, now);
  const page = method === "GET" && (path === "" || path === "route");
  if (!caller) {
    if (page) return html(401, (nonce) => <LoginPage nonce={nonce} next={url.pathname + url.search} />);
    if (path === "mirroring" || path === "logout") return html(401, (nonce) => <LoginPage nonce={nonce} />);
    if (path === "api/mirroring") return unauthorized();
    return undefined;
  }
  if (caller.via === "cookie" && method !== "GET" && method !== "HEAD" && !sameOrigin(request)) {
    return text(403, "cross-origin form posts are refused");
  }

  if (page) {
    const view = dashboardView(deps.table, await (deps.report ?? NO_REPORT)(env), await readSwitch(env), mirrorCap(env.MIRROR_PERCENT_CAP), caller.token.name, now);
    if (path === "") return html(200, (nonce) => <RoutesPage view={view} nonce={nonce} />);
    const route = url.searchParams.get("name") ?? "";
    if (!view.rows.some((r) => r.route === route)) return text(404, `no mirrored route named ${JSON.stringify(route)}`);
    return html(200, (nonce) => <RoutePage view={view} route={route} nonce={nonce} />);
  }
  if (path === "logout" && method === "POST") return redirect(ADMIN_PREFIX, clearedSessionCookie);
  if (path === "mirroring" && method === "POST") return changeFromForm(request, env, deps, caller);
  if (path === "api/mirroring") {
    if (method === "GET") return json(200, await readSwitch(env));
    if (method === "POST") return changeFromJson(request, env, deps, caller);
    return text(405, "GET or POST");
  }
  return undefined;
}

async function identify(request: Request, tokens: readonly AdminToken[], now: number): Promise<Caller | undefined> {
  const authorization = request.headers.get("authorization");
  if (authorization !== null) {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    const token = match ? await findToken(tokens, match[1]!) : undefined;
    return token && { token, via: "bearer" };
  }
  const cookie = readSessionCookie(request.headers.get("cookie"));
  const token = cookie === undefined ? undefined : await sessionToken(tokens, cookie, Math.floor(now / 1000));
  return token && { token, via: "cookie" };
}

async function login(request: Request, tokens: readonly AdminToken[], now: number): Promise<Response> {
  if (!sameOrigin(request)) return text(403, "cross-origin sign-in is refused");
  const form = await request.formData().catch(() => undefined);
  const presented = form?.get("token");
  const next = localPath(form?.get("next"));
  const token = typeof presented === "string" ? await findToken(tokens, presented.trim()) : undefined;
  if (!token) return html(401, (nonce) => <LoginPage nonce={nonce} failed next={next} />);
  return redirect(next, sessionCookie(await sessionValue(token, Math.floor(now / 1000))));
}

function switchStub(env: DashboardEnv) {
  const ns = env.MIRROR_SWITCH;
  return ns?.get(ns.idFromName(SWITCH_OBJECT));
}

async function readSwitch(env: DashboardEnv): Promise<SwitchState> {
  const stub = switchStub(env);
  return stub ? ((await stub.read()) as SwitchState) : { routes: {}, changes: [] };
}

/** Validates a change against the table (a cap may be removed from a route that no longer exists) and applies it. */
async function applyChange(env: DashboardEnv, deps: DashboardDeps, change: SwitchChangeRequest, caller: Caller): Promise<SwitchState | string> {
  const stub = switchStub(env);
  if (!stub) return "the pause switch has no Durable Object binding (MIRROR_SWITCH in wrangler.toml)";
  if (change.route !== undefined && change.percentCap !== null && !deps.table.virtualHosts.some((v) => v.routes.some((r) => r.name === change.route))) {
    return `no route named ${JSON.stringify(change.route)} in routes.yaml`;
  }
  const state = (await stub.apply(change, caller.token.name)) as SwitchState;
  deps.onSwitchChange?.(state);
  return state;
}

async function changeFromJson(request: Request, env: DashboardEnv, deps: DashboardDeps, caller: Caller): Promise<Response> {
  const body: unknown = await request.json().catch(() => undefined);
  const change = parseSwitchChange(body);
  if ("error" in change) return json(400, { error: change.error });
  const state = await applyChange(env, deps, change, caller);
  return typeof state === "string" ? json(400, { error: state }) : json(200, state);
}

async function changeFromForm(request: Request, env: DashboardEnv, deps: DashboardDeps, caller: Caller): Promise<Response> {
  const form = await request.formData().catch(() => undefined);
  const cap = form?.get("percentCap");
  const route = form?.get("route");
  const change = parseSwitchChange({
    percentCap: cap === "" || cap === null || cap === undefined ? null : Number(cap),
    ...(typeof route === "string" && route !== "" ? { route } : {}),
  });
  if ("error" in change) return text(400, change.error);
  const state = await applyChange(env, deps, change, caller);
  if (typeof state === "string") return text(400, state);
  return redirect(localPath(form?.get("back")), undefined);
}

/** A redirect target must stay on the dashboard. */
function localPath(value: unknown): string {
  return typeof value === "string" && value.startsWith(ADMIN_PREFIX) && !value.includes("//") && !value.includes("\\") ? value : ADMIN_PREFIX;
}

const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

function html(status: number, page: (nonce: string) => Child): Response {
  const nonce = crypto.randomUUID().replace(/-/g, "");
  return new Response(`<!doctype html>${String(page(nonce))}`, {
    status,
    headers: {
      ...SECURITY_HEADERS,
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    },
  });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...SECURITY_HEADERS, "content-type": "application/json" } });
}

function text(status: number, body: string): Response {
  return new Response(`${body}\n`, { status, headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8" } });
}

function unauthorized(): Response {
  return new Response("unauthorized\n", { status: 401, headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="edge-mirror"' } });
}

function redirect(location: string, cookie: string | undefined): Response {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, location };
  if (cookie) headers["set-cookie"] = cookie;
  return new Response(null, { status: 303, headers });
}
