// The pause switch over HTTP: GET and POST /__edge-mirror/api/mirroring (JSON); the
// pages' form (POST /__edge-mirror/mirroring, src/dashboard/dashboard.tsx) applies
// its changes through applyChange too. The caller is identified and, for a cookie,
// checked for CSRF by admin.ts before these run.
import type { RouteTable } from "../routing/table";
import { parseSwitchChange, type SwitchChangeRequest, type SwitchState } from "../switch/switch-state";
import { switchStub, type AdminEnv, type Caller } from "./caller";
import { json } from "./http";

export interface SwitchDeps {
  table: RouteTable;
  /** told of every change this isolate makes, so it applies here at once (SwitchCache.prime) */
  onSwitchChange?: (state: SwitchState) => void;
}

export async function readSwitch(env: AdminEnv): Promise<SwitchState> {
  const stub = switchStub(env);
  return stub ? await stub.read() : { routes: {}, changes: [] };
}

/** Validates a change against the table (a cap may be removed from a route that no longer exists) and applies it. */
export async function applyChange(env: AdminEnv, deps: SwitchDeps, change: SwitchChangeRequest, caller: Caller): Promise<SwitchState | string> {
  const stub = switchStub(env);
  if (!stub) return "the pause switch has no Durable Object binding (MIRROR_SWITCH in wrangler.toml)";
  if (change.route !== undefined && change.percentCap !== null && !deps.table.virtualHosts.some((v) => v.routes.some((r) => r.name === change.route))) {
    return `no route named ${JSON.stringify(change.route)} in routes.yaml`;
  }
  const state = await stub.apply(change, caller.token.name);
  deps.onSwitchChange?.(state);
  return state;
}

export async function changeFromJson(request: Request, env: AdminEnv, deps: SwitchDeps, caller: Caller): Promise<Response> {
  const body: unknown = await request.json().catch(() => undefined);
  const change = parseSwitchChange(body);
  if ("error" in change) return json(400, { error: change.error });
  const state = await applyChange(env, deps, change, caller);
  return typeof state === "string" ? json(400, { error: state }) : json(200, state);
}
