// One HTTPRoute rule → everything of a table Route but its name and match blocks,
// which depend on where precedence puts the rule's matches in each hostname's list.
// The rule's filters become route-level policies (so RequestHeaderModifier reaches
// the shadow too, as Istio compiles it), a backendRef's own filters become
// destination-level headers (its backend only). A rule no request can be forwarded
// by — no backendRefs, or every weight 0 — answers 500 (conformance
// httproute-all-backends-weight-zero, httproute-omitted-backendrefs).
import { DEFAULT_SHADOW_TIMEOUT_MS, defaultShadowSettings, istioDefaultRetries } from "../defaults";
import type { HeadersPolicy, MirrorTarget, Route, ShadowSettings, WeightedDestination } from "../../routing/table";
import type { BackendResolver } from "./backends";
import type { FiltersSpec } from "./filters";
import type { HttpRouteSpec, RuleSpec } from "./http-route";

export type RouteTemplate = Omit<Route, "name" | "identity" | "match">;

/** Gateway API's answer when no backend can take the request. */
export const NO_BACKEND_STATUS = 500;

export function ruleTemplate(route: HttpRouteSpec, rule: RuleSpec, resolver: BackendResolver, settings: ShadowSettings | undefined): RouteTemplate {
  const destinations = rule.backendRefs.flatMap((b): WeightedDestination[] => {
    const cluster = resolver.resolve(b.ref, route.namespace);
    if (!cluster) return [];
    const destination: WeightedDestination = { cluster, weight: b.weight };
    const headers = headersOf(b.filters);
    if (headers) destination.headers = headers;
    return [destination];
  });
  const forwarding = destinations.filter((d) => d.weight > 0);
  const mirrors = rule.filters.mirrors.flatMap((m): MirrorTarget[] => {
    const cluster = resolver.resolve(m.backendRef, route.namespace);
    // As Istio does: a 0 % mirror is no mirror at all.
    return cluster && m.perMillion > 0 ? [{ cluster, perMillion: m.perMillion }] : [];
  });
  const retries = rule.retry ? { ...rule.retry } : istioDefaultRetries();
  if (rule.backendTimeoutMs !== undefined) retries.perTryTimeoutMs = rule.backendTimeoutMs;
  const template: RouteTemplate = {
    // Defaults first, as compile.ts does for VirtualService routes.
    retries,
    shadow: { ...(settings ?? defaultShadowSettings()), timeoutMs: rule.requestTimeoutMs ?? DEFAULT_SHADOW_TIMEOUT_MS },
    destinations: forwarding,
    totalWeight: forwarding.reduce((sum, d) => sum + d.weight, 0),
    mirrors,
  };
  if (rule.requestTimeoutMs !== undefined) template.timeoutMs = rule.requestTimeoutMs;
  const headers = headersOf(rule.filters);
  if (headers) template.headers = headers;
  if (rule.filters.rewrite) template.rewrite = rule.filters.rewrite;
  if (rule.filters.cors) template.cors = rule.filters.cors;
  if (rule.filters.redirect) template.redirect = rule.filters.redirect;
  else if (forwarding.length === 0 && destinations.length === rule.backendRefs.length) {
    template.directResponse = { status: NO_BACKEND_STATUS };
    template.mirrors = [];
    if (mirrors.length)
      rule.filters.mirrorField?.warn(`never fires: the rule has no backendRef with weight > 0, so every request is answered ${NO_BACKEND_STATUS} at the edge`, "add a backendRef with a weight");
  }
  return template;
}

function headersOf(filters: FiltersSpec): HeadersPolicy | undefined {
  if (!filters.request && !filters.response) return undefined;
  const headers: HeadersPolicy = {};
  if (filters.request) headers.request = filters.request;
  if (filters.response) headers.response = filters.response;
  return headers;
}
