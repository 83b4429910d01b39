// The dashboard, the admin surface's browser half: its pages, the sign-in form and
// signing out, and the pause switch's form. admin.ts decides who may reach each
// (src/admin/caller.ts: one way to identify a caller) and answers everything else.
import { dashboardView } from "./view-model";
import { ADMIN_PREFIX, html, localPath, redirect, text } from "../admin/http";
import { findToken, type AdminToken } from "../admin/tokens";
import { guarded, switchStub, tooMany, type AdminEnv, type Caller } from "../admin/caller";
import { clearedSessionCookie, sameOrigin, sessionCookie, sessionValue } from "../admin/session";
import { applyChange, type SwitchDeps } from "../admin/mirroring";
import { parsePercent, parseSwitchChange } from "../switch/switch-state";
import { LoginPage } from "./login-page";
import { RoutesPage } from "./routes-page";
import { RoutePage } from "./route-page";
import { ExamplePage } from "./example-page";
import { parseRange } from "./history";
import { ResetPage } from "./reset-page";
import { routeHref } from "./routes-page";

/**
 * GET /__edge-mirror/ (every mirrored route), /__edge-mirror/route?name=<vs>/<route>[&range=hour|day|week],
 * /__edge-mirror/example?name=…&mirror=…&request=…&at=… (one example in full) or
 * /__edge-mirror/reset?name=… (the reset's confirmation), from what dashboardView
 * gathers; undefined for a route or example not shown.
 */
export function dashboardPage(url: URL, ...gathered: Parameters<typeof dashboardView>): Response | undefined {
  const view = dashboardView(...gathered);
  const q = url.searchParams;
  const route = q.get("name") ?? "";
  const rows = view.rows.filter((r) => r.route === route);
  const page = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  if (page === "route") return rows.length === 0 ? undefined : html(200, (nonce) => <RoutePage view={view} route={route} nonce={nonce} range={parseRange(q.get("range"))} />);
  if (page === "reset") return rows.some((r) => r.report) ? html(200, (nonce) => <ResetPage route={route} nonce={nonce} who={view.who} />) : undefined;
  if (page === "example") {
    const row = rows.find((r) => r.mirror === q.get("mirror"));
    const example = row?.report?.examples.find((e) => e.requestId === q.get("request") && String(e.at) === q.get("at"));
    return row && example ? html(200, (nonce) => <ExamplePage row={row} example={example} nonce={nonce} who={view.who} />) : undefined;
  }
  return html(200, (nonce) => <RoutesPage view={view} nonce={nonce} />);
}

/** The sign-in form, 401: for a browser that is not signed in, or after a wrong token (`failed`). */
export function loginPage({ failed = false, next }: { failed?: boolean; next?: string } = {}): Response {
  return html(401, (nonce) => <LoginPage nonce={nonce} failed={failed} next={next} />);
}

/**
 * POST /__edge-mirror/login: a token in, a session cookie out (src/admin/session.ts),
 * made in the name's current session epoch. Every token presented passes the guard.
 */
export async function signIn(request: Request, env: AdminEnv, tokens: readonly AdminToken[], now: number): Promise<Response> {
  if (!sameOrigin(request)) return text(403, "cross-origin sign-in is refused");
  const form = await request.formData().catch(() => undefined);
  const next = localPath(form?.get("next"));
  if (typeof next !== "string") return text(400, next.error);
  const stub = switchStub(env);
  if (!stub) return text(503, "sign-in needs the MIRROR_SWITCH Durable Object binding (wrangler.toml): signing out ends sessions there");
  const presented = form?.get("token");
  const token = typeof presented === "string" ? await findToken(tokens, presented.trim()) : undefined;
  const retryAfter = await guarded(request, env, token === undefined);
  if (retryAfter > 0) return tooMany(retryAfter);
  if (!token) return loginPage({ failed: true, next });
  return redirect(next, sessionCookie(await sessionValue(token, await stub.sessionEpoch(token.name), Math.floor(now / 1000))));
}

/** POST /__edge-mirror/logout: ends every session of the caller's name, on every browser and isolate (the epoch in the switch's object), and clears this cookie. */
export async function signOut(env: AdminEnv, caller: Caller): Promise<Response> {
  await switchStub(env)?.signOut(caller.token.name);
  return redirect(ADMIN_PREFIX, clearedSessionCookie);
}

/** POST /__edge-mirror/mirroring: `percentCap` as typed (empty removes the cap), `route` (absent: every mirror), `back` (where to return). */
export async function changeFromForm(request: Request, env: AdminEnv, deps: SwitchDeps, caller: Caller): Promise<Response> {
  const form = await request.formData().catch(() => undefined);
  const back = localPath(form?.get("back"));
  if (typeof back !== "string") return text(400, back.error);
  const cap = form?.get("percentCap") ?? null;
  const route = form?.get("route");
  if (cap !== null && typeof cap !== "string") return text(400, '"percentCap" must be a form field, not a file');
  const percent = cap === null || cap === "" ? null : parsePercent(cap);
  if (percent !== null && typeof percent !== "number") return text(400, percent.error);
  const change = parseSwitchChange({ percentCap: percent, ...(typeof route === "string" && route !== "" ? { route } : {}) });
  if ("error" in change) return text(400, change.error);
  const state = await applyChange(env, deps, change, caller);
  if (typeof state === "string") return text(400, state);
  return redirect(back);
}

/** POST /__edge-mirror/reset: `route` (one compared route), its counts forgotten by `reset` (the report API's DELETE); back to its page. */
export async function resetFromForm(request: Request, reset: (route: string) => Promise<boolean>): Promise<Response> {
  const form = await request.formData().catch(() => undefined);
  const route = form?.get("route");
  if (typeof route !== "string" || route === "") return text(400, '"route" must name a compared route');
  if (!(await reset(route))) return text(404, `no compared route named ${JSON.stringify(route)}`);
  return redirect(routeHref(route));
}
