// Fail closed on access control. Envoy Gateway's SecurityPolicy (gateway.envoyproxy.io
// v1alpha1, api/v1alpha1/securitypolicy_types.go) restricts who may reach the routes
// it targets: basic auth, JWT, OIDC, API keys, external authorization, authorization
// rules. The worker enforces none of them, so serving those routes would let every
// client in where upstream refuses. Such a policy is an error naming the routes it
// would have protected and how to protect them at the edge instead, never a skipped
// document with a warning.
import type { Field } from "../field";
import type { Resource } from "../documents";
import type { HttpRouteSpec } from "./http-route";
import { objectMeta } from "./metadata";

/** SecurityPolicy fields that restrict access; their absence at the edge widens it. */
const ACCESS_FIELDS = ["basicAuth", "jwt", "oidc", "apiKeyAuth", "extAuth", "authorization"];

export const PROTECT_AT_THE_EDGE =
  "protect them at the edge first — a Cloudflare Access application for these hostnames and paths, WAF custom rules, or a Worker in front of edge-mirror that checks the credentials — then leave this policy out of the routes file";

interface Target {
  kind: string;
  name: string;
  sectionName?: string;
}

/** Reports every SecurityPolicy: an error for access control (naming the routes it protects), else "not supported yet". */
export function refuseSecurityPolicies(documents: Resource[], routes: HttpRouteSpec[]): void {
  for (const doc of documents) {
    if (doc.kind !== "SecurityPolicy") continue;
    const { namespace, id } = objectMeta(doc);
    const spec = doc.spec;
    const access = ACCESS_FIELDS.filter((k) => spec.get(k).present);
    const protectedRoutes = targets(spec).flatMap((t) => routesOf(t, namespace, routes));
    const selectors = spec.get("targetSelectors").present;
    const names = [...new Set(protectedRoutes.map((r) => `HTTPRoute ${r.id}${r.hostnames.length ? ` (${r.hostnames.map((h) => h.host).join(", ")})` : ""}`))];
    const what = names.length ? names.join(", ") : selectors ? "the routes its targetSelectors select by label" : "the routes it targets";
    const at: Field = access.length ? spec.get(access[0]!) : spec;
    if (access.length) {
      at.error(
        `SecurityPolicy ${id} restricts access (${access.join(", ")}) to ${what}; the worker does not enforce it, so it would serve them to every client`,
        PROTECT_AT_THE_EDGE,
        at.keyAt,
      );
    } else {
      spec.error(
        `SecurityPolicy ${id} is an Envoy Gateway policy edge-mirror does not support yet (${Object.keys(fieldsOf(spec)).join(", ") || "empty"})`,
        spec.get("cors").present ? "use the HTTPRoute's CORS filter instead, and remove the SecurityPolicy" : "remove it",
      );
    }
  }
}

function targets(spec: Field): Target[] {
  const refs = [...spec.get("targetRefs").items(), ...(spec.get("targetRef").present ? [spec.get("targetRef")] : [])];
  return refs.flatMap((f) => {
    const kind = f.get("kind").string();
    const name = f.get("name").string();
    if (kind === undefined || name === undefined) return [];
    const sectionName = f.get("sectionName").string();
    return [{ kind, name, ...(sectionName === undefined ? {} : { sectionName }) }];
  });
}

/** The HTTPRoutes a target covers: the route itself, or every route attached to the Gateway (or its listener). */
function routesOf(target: Target, namespace: string, routes: HttpRouteSpec[]): HttpRouteSpec[] {
  if (target.kind === "HTTPRoute") return routes.filter((r) => r.namespace === namespace && r.name === target.name);
  if (target.kind !== "Gateway") return [];
  return routes.filter((r) =>
    r.parentRefs.some((p) => p.kind === "Gateway" && p.name === target.name && (p.namespace ?? r.namespace) === namespace && (target.sectionName === undefined || p.sectionName === undefined || p.sectionName === target.sectionName)),
  );
}

function fieldsOf(spec: Field): Record<string, true> {
  const node = spec.node as { items?: { key?: { value?: unknown } }[] } | undefined;
  return Object.fromEntries((node?.items ?? []).flatMap((i) => (typeof i.key?.value === "string" && !i.key.value.startsWith("target") ? [[i.key.value, true]] : [])));
}
