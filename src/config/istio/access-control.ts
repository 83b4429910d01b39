// Kinds that decide who may reach a service. The worker enforces none of them, so
// skipping one would serve, to anyone, routes its owner had protected: a kind that
// restricts access is an error naming what it guards and how to guard it at the
// edge instead. Kinds (and modes) that restrict nothing are skipped with a warning
// as before. docs/istio-support.md lists which is which, and why.
import { isMap, type Node } from "yaml";
import type { Field } from "../field";

/** metadata.annotations key: the user says how the edge protects what this resource guarded. */
export const PROTECTED_BY = "edge-mirror.dev/protected-by";

const EDGE_FIX =
  "protect the same hosts and paths in front of the worker: a Cloudflare Access application (identity, JWT), WAF custom rules (IP, header, path, method conditions; JWT validation with API Shield), or a Worker in front that checks the credential; then remove this resource from routes.yaml, or keep it and add the annotation " +
  `${PROTECTED_BY}: "<what protects it>" to say the edge does`;

type Plain = Record<string, unknown>;

/** What one access-control kind restricts, or undefined when this resource restricts nothing. */
type Restriction = (spec: Plain, namespace: string | undefined) => string | undefined;

const ISTIO_SECURITY = "security.istio.io";

/** group/kind → what it restricts (istio/api security/v1 *.proto). */
const RESTRICTING: Record<string, Restriction> = {
  // authorization_policy.proto: ALLOW (with no rules: allow nothing), DENY, CUSTOM (ext_authz) refuse requests; AUDIT only logs.
  [`${ISTIO_SECURITY}/AuthorizationPolicy`]: (spec, namespace) => {
    const action = typeof spec.action === "string" ? spec.action : "ALLOW";
    if (action === "AUDIT") return undefined;
    const rules = Array.isArray(spec.rules) ? (spec.rules as Plain[]) : [];
    if (action === "ALLOW" && rules.length > 0 && rules.every(allowsAll)) return undefined;
    const what = action === "ALLOW" && rules.length === 0 ? "denies every request (ALLOW with no rules)" : action === "CUSTOM" ? `sends requests to the external authorizer ${provider(spec)}` : `${action === "DENY" ? "denies" : "allows only"} ${rulesText(rules)}`;
    return `${what}, ${scope(spec, namespace)}`;
  },
  // request_authentication.proto: a request with an invalid JWT is refused (401); the identity also feeds AuthorizationPolicy.
  [`${ISTIO_SECURITY}/RequestAuthentication`]: (spec, namespace) => {
    const issuers = (Array.isArray(spec.jwtRules) ? (spec.jwtRules as Plain[]) : []).map((r) => String(r.issuer ?? "?"));
    return `refuses requests whose JWT does not validate${issuers.length ? ` (issuers ${issuers.join(", ")})` : ""}, ${scope(spec, namespace)}`;
  },
  // peer_authentication.proto: STRICT mTLS accepts only mesh workloads' connections; PERMISSIVE, DISABLE, UNSET accept plain text.
  [`${ISTIO_SECURITY}/PeerAuthentication`]: (spec, namespace) => {
    const mode = (spec.mtls as Plain | undefined)?.mode;
    const ports = Object.entries((spec.portLevelMtls as Record<string, Plain> | undefined) ?? {}).filter(([, m]) => m?.mode === "STRICT").map(([p]) => p);
    if (mode !== "STRICT" && ports.length === 0) return undefined;
    return `accepts only mutual-TLS connections from mesh workloads (identities istiod issued; the worker has none)${mode === "STRICT" ? "" : ` on port${ports.length > 1 ? "s" : ""} ${ports.join(", ")}`}, ${scope(spec, namespace)}`;
  },
  // extensions.istio.io WasmPlugin: phase AUTHN / AUTHZ is a plugin placed to authenticate or authorize.
  "extensions.istio.io/WasmPlugin": (spec, namespace) =>
    spec.phase === "AUTHN" || spec.phase === "AUTHZ" ? `runs the Wasm plugin ${String(spec.url ?? "?")} in the ${String(spec.phase)} phase, ${scope(spec, namespace)}` : undefined,
  // networking.istio.io EnvoyFilter: patches Envoy directly; one that inserts an access-control filter restricts.
  "networking.istio.io/EnvoyFilter": (spec, namespace) => {
    const filters = [...JSON.stringify(spec).matchAll(/envoy\.filters\.http\.(rbac|ext_authz|jwt_authn|basic_auth|oauth2)/g)].map((m) => m[0]);
    return filters.length ? `inserts ${[...new Set(filters)].join(", ")} into Envoy's filter chain, ${scope(spec, namespace)}` : undefined;
  },
};

/**
 * For a document of an access-control kind: an error when it restricts access (or a
 * warning when its annotation says the edge protects it instead), a warning when it
 * restricts nothing. Returns false for every other kind.
 */
export function refuseAccessControl(root: Field, group: string | undefined, kind: string | undefined, namespace: string | undefined): boolean {
  const restriction = RESTRICTING[`${group}/${kind}`];
  if (!restriction) return false;
  const spec = plain(root.get("spec").node) ?? {};
  const what = restriction(spec, namespace);
  if (what === undefined) {
    root.warn(`skipped: it restricts no request (${kind} ${unrestrictedWhy(kind)}), so the worker serves what Istio would`);
    return true;
  }
  const protectedBy = plain(root.get("metadata").get("annotations").node)?.[PROTECTED_BY];
  if (typeof protectedBy === "string" && protectedBy.trim() !== "") {
    root.warn(`skipped, though it ${what}: the worker does not enforce it; annotation ${PROTECTED_BY} says "${protectedBy}" does at the edge`);
    return true;
  }
  root.error(`${what}; the worker does not enforce ${kind}, so skipping it would serve those requests to anyone`, EDGE_FIX);
  return true;
}

function unrestrictedWhy(kind: string | undefined): string {
  if (kind === "AuthorizationPolicy") return "action AUDIT only logs; an ALLOW whose every rule is empty allows all";
  if (kind === "PeerAuthentication") return "mTLS mode is not STRICT, so plain-text clients are accepted";
  if (kind === "WasmPlugin") return "its phase is not AUTHN or AUTHZ";
  return "no access-control filter in its patches";
}

/** Whom the policy applies to: its selector, targetRef(s), or the whole namespace / mesh. */
function scope(spec: Plain, namespace: string | undefined): string {
  const labels = (spec.selector as Plain | undefined)?.matchLabels as Record<string, unknown> | undefined;
  if (labels && Object.keys(labels).length > 0) return `for workloads labelled ${Object.entries(labels).map(([k, v]) => `${k}=${String(v)}`).join(", ")}${namespace === undefined ? "" : ` in namespace ${namespace}`}`;
  const refs = [spec.targetRef, ...(Array.isArray(spec.targetRefs) ? spec.targetRefs : [])].filter((r): r is Plain => typeof r === "object" && r !== null);
  if (refs.length > 0) return `for ${refs.map((r) => `${String(r.kind ?? "?")} ${String(r.name ?? "?")}`).join(", ")}`;
  if (namespace === "istio-system") return "for every workload of the mesh (istio-system is Istio's root namespace)";
  return namespace === undefined ? "for every workload of the namespace it is applied in" : `for every workload in namespace ${namespace}`;
}

function rulesText(rules: Plain[]): string {
  const parts = rules.flatMap((rule) =>
    (Array.isArray(rule.to) ? (rule.to as Plain[]) : []).map((to) => {
      const op = (to.operation ?? {}) as Plain;
      const list = (k: string) => (Array.isArray(op[k]) ? (op[k] as unknown[]).map(String) : []);
      const bits = [list("methods").join("|"), list("hosts").join("|"), list("paths").join("|")].filter(Boolean);
      return bits.join(" ");
    }),
  ).filter(Boolean);
  return parts.length > 0 ? `requests matching ${parts.join("; ")}` : "the requests its rules match";
}

function allowsAll(rule: Plain): boolean {
  return typeof rule === "object" && rule !== null && Object.keys(rule).length === 0;
}

function provider(spec: Plain): string {
  return String((spec.provider as Plain | undefined)?.name ?? "(unnamed)");
}

function plain(node: Node | null | undefined): Plain | undefined {
  if (!isMap(node)) return undefined;
  const value = node.toJSON() as unknown;
  return typeof value === "object" && value !== null ? (value as Plain) : undefined;
}
