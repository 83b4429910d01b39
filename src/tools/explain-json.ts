// `npm run explain -- --json`: the worker's plan for one request as one JSON
// object, for scripts and CI (e.g. "does this request still reach v1, and is it
// mirrored to v2?"). The fields are a stable contract; docs/reference.md
// ("Checking and explaining a routes file") lists them.
import type { Plan } from "../routing/plan";
import { percentOf } from "../routing/per-million";
import type { HeaderOps, RetryPolicy } from "../routing/table";
import { describeKey, parseRequest, planFor, type ExplainOptions } from "./explain";
import type { RouteTable } from "../routing/table";

export interface ExplainedPlan {
  method: string;
  url: string;
  /** refuse: 404 without contacting anything; answer: answered at the edge; forward: sent to an origin */
  action: Plan["action"];
  /** the status the worker itself answers with (refuse and answer only) */
  status?: number;
  /** why it refused or answered itself: no_virtual_service, no_route, preflight, fault_abort, redirect, direct_response, no_destination */
  reason?: string;
  virtualService: string | null;
  route: string | null;
  /** index of the match block that matched; null for a route without conditions */
  match: number | null;
  faultDelayMs?: number;
  location?: string;
  corsOrigin?: string;
  destination?: string;
  origin?: string;
  /** path and query sent upstream, after any rewrite */
  target?: string;
  forwardedHost?: { primary: string; shadow: string | null };
  /** the route's retry policy (its own, or Istio's default); `retried`: whether this request would be retried at all, else `off` says why */
  retries?: { attempts: number; retryOn: string[]; perTryTimeoutMs: number | null; source: RetryPolicy["source"]; retried: boolean; off: string | null };
  timeoutMs?: number | null;
  shadowTimeoutMs?: number;
  body?: string;
  sampling?: { draw: number; sampleKey: string | null; keyValue: string | null } | null;
  mirrors?: { destination: string; percent: number; mirrored: boolean; reason: string; origin: string | null; skipped: string | null }[];
  headers?: { primary: HeaderOps[]; shadow: HeaderOps[] };
  /** null when the route does not compare; else whether this request is compared, and gets a second v1 call (noise) */
  compare?: { compared: boolean; noise: boolean; percent: number; noisePercent: number } | null;
}

export function explainJson(table: RouteTable, method: string, url: string, headers: [string, string][], options: ExplainOptions = {}): ExplainedPlan {
  const request = parseRequest(method, url, headers);
  const plan = planFor(table, request, options);
  const out: ExplainedPlan = { method: request.method, url: request.url, action: plan.action, virtualService: plan.virtualService ?? null, route: null, match: null };
  if (plan.action === "refuse") return { ...out, status: plan.status, reason: plan.error };
  out.route = plan.route.name;
  out.match = plan.matchIndex ?? null;
  if (plan.faultDelayMs !== undefined) out.faultDelayMs = plan.faultDelayMs;
  if (plan.corsOrigin !== undefined) out.corsOrigin = plan.corsOrigin;
  if (plan.action === "answer") {
    const answered: ExplainedPlan = { ...out, status: plan.answer.status, reason: plan.answer.kind };
    if (plan.answer.kind === "redirect") answered.location = plan.answer.location;
    return answered;
  }
  const { shadow, draw } = plan;
  const route = plan.route;
  const retries = route.retries;
  return {
    ...out,
    destination: plan.destination.cluster.name,
    origin: plan.origin,
    target: plan.target,
    forwardedHost: { primary: plan.forwardedHost, shadow: plan.mirrored > 0 ? shadow.forwardedHost : null },
    retries: {
      attempts: retries.attempts,
      retryOn: [...retries.on.filter((c) => c !== "retriable-status-codes" || retries.statusCodes.length === 0), ...retries.statusCodes.map(String)],
      perTryTimeoutMs: retries.perTryTimeoutMs ?? null,
      source: retries.source,
      retried: plan.retries.attempts > 0,
      off: plan.retriesOff ?? null,
    },
    timeoutMs: plan.timeoutMs ?? null,
    shadowTimeoutMs: shadow.settings.timeoutMs,
    body: plan.body,
    sampling: draw ? { draw: draw.draw, sampleKey: shadow.settings.sampleKey ? describeKey(shadow.settings.sampleKey) : null, keyValue: draw.keyValue ?? null } : null,
    mirrors: plan.mirrors.map((m) => ({
      destination: m.target.cluster.name,
      percent: percentOf(m.target.perMillion),
      mirrored: m.mirrored,
      reason: m.reason,
      origin: m.origin ?? null,
      skipped: m.mirrored && plan.body === "too_large" ? "body_too_large" : null,
    })),
    headers: {
      primary: [route.headers?.request, plan.destination.headers?.request].filter(isOps),
      shadow: [route.headers?.request, { remove: shadow.settings.removeHeaders, set: shadow.settings.setHeaders }].filter(isOps),
    },
    compare:
      plan.compare && shadow.settings.compare
        ? { ...plan.compare, percent: percentOf(shadow.settings.compare.perMillion), noisePercent: percentOf(shadow.settings.compare.noisePerMillion) }
        : null,
  };
}

/** Header operations that do something (remove, set or add at least one header). */
function isOps(ops: HeaderOps | undefined): ops is HeaderOps {
  return ops !== undefined && (Boolean(ops.remove?.length) || Object.keys(ops.set ?? {}).length > 0 || Object.keys(ops.add ?? {}).length > 0);
}
