// Fail closed on access control. Envoy Gateway's policies (gateway.envoyproxy.io
// v1alpha1, api/v1alpha1/*_types.go) can restrict who may reach the routes they target:
// SecurityPolicy (basic auth, JWT, OIDC, API keys, external authorization, authorization
// rules), ClientTrafficPolicy's client-certificate validation, BackendTrafficPolicy's
// rate limits, EnvoyExtensionPolicy's external processors, Wasm and Lua, which may reject
// requests. The worker enforces none of them, so serving those routes would let in
// what upstream refuses. Such a policy is an error naming the routes it would have
// protected and how to protect them at the edge instead, never a skipped document with
// a warning. What these kinds do besides is skipped with a warning, as other kinds are.
import type { Field } from "../field";
import type { Resource } from "../documents";
import type { HttpRouteSpec } from "./http-route";
import { objectMeta } from "./metadata";

interface Restriction {
  /** field paths (dot-separated) under spec that restrict access */
  fields: string[];
  /** how to get the same protection at the edge */
  fix: string;
}

const ACCESS_FIX =
  "protect them at the edge first — a Cloudflare Access application for these hostnames and paths, WAF custom rules, or a Worker in front of edge-mirror that checks the credentials — then leave this policy out of the routes file";

const RESTRICTIONS: Record<string, Restriction> = {
  SecurityPolicy: { fields: ["basicAuth", "jwt", "oidc", "apiKeyAuth", "extAuth", "authorization"], fix: ACCESS_FIX },
  ClientTrafficPolicy: {
    fields: ["tls.clientValidation"],
    fix: "require client certificates at Cloudflare first (mTLS: SSL/TLS → Client Certificates, and a WAF rule on cf.tls_client_auth.cert_verified for these hostnames), then leave this policy out of the routes file",
  },
  BackendTrafficPolicy: {
    fields: ["rateLimit"],
    fix: "limit them at the edge first — Cloudflare rate limiting rules for these hostnames and paths, or a Worker in front with the rate-limiting binding — then leave this policy out of the routes file",
  },
  EnvoyExtensionPolicy: { fields: ["extProc", "wasm", "lua"], fix: ACCESS_FIX },
};

interface Target {
  kind: string;
  name: string;
  sectionName?: string;
}

/** Reports every Envoy Gateway policy: an error where it restricts access (naming the routes), else a skipped-document warning. */
export function refuseAccessPolicies(documents: Resource[], routes: HttpRouteSpec[]): void {
  for (const doc of documents) {
    if (doc.kind !== "EnvoyGatewayPolicy") continue;
    const kind = String((doc.root.get("kind").node as { value?: unknown }).value);
    const { namespace, id } = objectMeta(doc);
    const spec = doc.spec;
    const restriction = RESTRICTIONS[kind]!;
    const present = restriction.fields.filter((path) => at(spec, path).present);
    if (present.length) {
      const names = [...new Set(targets(spec).flatMap((t) => routesOf(t, namespace, routes)).map((r) => `HTTPRoute ${r.id}${r.hostnames.length ? ` (${r.hostnames.map((h) => h.host).join(", ")})` : ""}`))];
      const what = names.length ? names.join(", ") : spec.get("targetSelectors").present ? "the routes its targetSelectors select by label" : "the routes it targets";
      const field = at(spec, present[0]!);
      field.error(
        `${kind} ${id} restricts access (${present.join(", ")}) to ${what}; the worker does not enforce it, so it would serve them to every client`,
        restriction.fix,
        field.keyAt,
      );
    } else if (kind === "SecurityPolicy" && spec.get("cors").present) {
      spec.get("cors").error(`SecurityPolicy ${id}: CORS in a SecurityPolicy is not supported yet`, "use the HTTPRoute's CORS filter instead, and remove the SecurityPolicy", spec.get("cors").keyAt);
    } else {
      doc.root.ctx.problems.add("warning", doc.root.at, { message: `skipped ${kind} ${id} (gateway.envoyproxy.io/v1alpha1): it restricts no access, and edge-mirror reads nothing else of it` });
    }
  }
}

function at(spec: Field, path: string): Field {
  return path.split(".").reduce((f, key) => f.get(key), spec);
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
