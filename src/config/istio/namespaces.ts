// Namespaces as Istio applies them to host names and to the choice of a
// DestinationRule: short names resolve in the resource's own namespace
// (pilot/pkg/model/config.go ResolveShortnameToFQDN), `exportTo` decides which
// namespaces see a resource (pkg/config/visibility), and a destination takes the
// DestinationRule that pilot/pkg/model/push_context.go destinationRule() picks:
// the caller's namespace first, then the service's, then the root namespace.
// At the edge the caller is the proxy applying the VirtualService: the worker
// stands in for a proxy in the VirtualService's own namespace.
import type { Field } from "../field";
import type { VirtualServiceSpec } from "./virtual-service";
import { isDnsLabel, isIpAddress } from "./host-name";

/** Where a resource without metadata.namespace lands (kubectl's default). */
export const DEFAULT_NAMESPACE = "default";
/** Istio's default root namespace (meshConfig.rootNamespace). */
export const ROOT_NAMESPACE = "istio-system";
/** The cluster domain short names are completed with (Istio's default). */
const DOMAIN = "cluster.local";

/**
 * ResolveShortnameToFQDN: a name without a dot becomes `<name>.<namespace>.svc.cluster.local`;
 * `*`, IP addresses and names with a dot (even `reviews.bookinfo`) are kept as written.
 */
export function fullName(host: string, namespace: string): string {
  if (host === "*" || host.includes(".") || isIpAddress(host)) return host;
  return `${host}.${namespace}.svc.${DOMAIN}`;
}

/** How a resource's full name reads in messages: `reviews` alone when nothing was added. */
export function describeHost(host: string, namespace: string): string {
  const full = fullName(host, namespace);
  return full === host ? `"${host}"` : `"${host}" (${full} in namespace ${namespace})`;
}

/**
 * spec.exportTo as Istio validates it (pkg/config/validation validateExportTo): `.`, `*`, `~`
 * or namespace names; `*` and `~` alone. Undefined when absent (Istio's default: every namespace).
 */
export function readExportTo(f: Field): string[] | undefined {
  if (!f.present) return undefined;
  const values = f.strings();
  const bad = values.find((v) => v !== "." && v !== "*" && v !== "~" && !isDnsLabel(v));
  if (bad !== undefined) f.error(`"${bad}" is not ".", "*", "~" or a namespace name (Istio)`, 'list namespaces, "." for its own or "*" for all');
  else if (values.length > 1 && (values.includes("*") || values.includes("~")))
    f.error('"*" and "~" must be the only entry (Istio: "cannot have both public (*) and non-public exportTo values")', 'keep "*" (every namespace) or "~" (none) alone');
  else if (new Set(values).size < values.length) f.error("lists a namespace twice (Istio)", "list each once");
  return values;
}

/** Whether a resource of `owner` namespace with this exportTo is visible to `client` (Istio's service and rule visibility). */
export function visibleTo(exportTo: string[] | undefined, owner: string, client: string): boolean {
  if (exportTo === undefined || exportTo.length === 0 || exportTo.includes("*")) return true;
  return exportTo.includes(client) || (exportTo.includes(".") && owner === client);
}

export interface RuleCandidate {
  /** spec.host as written */
  host: string;
  /** the full host name the rule is for */
  fullHost: string;
  namespace: string;
  exportTo?: string[];
}

/** Why a candidate rule was passed over: for error messages. */
export interface PassedOver<R> {
  rule: R;
  why: string;
}

/**
 * The DestinationRule Istio applies to `host` (a service of `serviceNamespace`) for a
 * proxy in `client`: push_context.go destinationRule() over setDestinationRules'
 * indexes, with MostSpecificHostMatch (exact host, else the longest matching wildcard).
 */
export function selectRule<R extends RuleCandidate>(rules: readonly R[], host: string, client: string, serviceNamespace: string | undefined, merge: (same: R[]) => R = (same) => same[0]!): R | undefined {
  // The rules of one namespace for one host merge into one (mergeDestinationRule), within each index.
  const mostSpecific = (found: R[]) => { const same = mostSpecificRules(found, host); return same.length ? merge(same) : undefined; };
  const exportSet = (r: R) => r.exportTo ?? [];
  // namespaceLocal: exported with ".", "*", nothing, or naming its own namespace.
  const local = (r: R) => { const e = exportSet(r); return e.length === 0 || e.includes("*") || e.includes(".") || e.includes(r.namespace); };
  // Not private-only: exported to other namespaces too.
  const privateOnly = (r: R) => { const e = exportSet(r); return e.length === 1 && (e[0] === "." || e[0] === r.namespace); };
  const inNamespace = (ns: string, keep: (r: R) => boolean) => rules.filter((r) => r.namespace === ns && keep(r));

  if (client !== ROOT_NAMESPACE) {
    const found = mostSpecific(inNamespace(client, local));
    if (found) return found;
  } else {
    const found = mostSpecific(inNamespace(ROOT_NAMESPACE, privateOnly));
    if (found) return found;
  }
  const exported = (ns: string) => {
    const found = mostSpecific(inNamespace(ns, (r) => !privateOnly(r)));
    // getExportedDestinationRuleFromNamespace: the most specific rule, if it is exported to the client; no fallback to a less specific one.
    const e = found ? exportSet(found) : [];
    return found && (e.length === 0 || e.includes("*") || e.includes(client)) ? found : undefined;
  };
  return (serviceNamespace !== undefined ? exported(serviceNamespace) : undefined) ?? exported(ROOT_NAMESPACE);
}

/**
 * MostSpecificHostMatch: the rules for exactly `host`, else those for the wildcard with the
 * longest suffix it matches; several when one namespace has several for that host.
 */
function mostSpecificRules<R extends RuleCandidate>(rules: R[], host: string): R[] {
  const exact = rules.filter((r) => r.fullHost === host);
  if (exact.length) return exact;
  let best: R | undefined;
  for (const r of rules) {
    if (r.fullHost.startsWith("*") && host.endsWith(r.fullHost.slice(1)) && (!best || r.fullHost.length > best.fullHost.length)) best = r;
  }
  return best ? rules.filter((r) => r.fullHost === best.fullHost) : [];
}

/** Why each rule for this service (or for a service of the same short name) does not apply to a proxy in `client`. */
export function passedOver<R extends RuleCandidate>(rules: readonly R[], literal: string, host: string, client: string): PassedOver<R>[] {
  return rules.flatMap((rule) => {
    if (rule.fullHost === host) {
      const e = rule.exportTo;
      return [{ rule, why: `its exportTo is ${e && e.length ? `[${e.join(", ")}]` : "every namespace"}, and Istio takes rules from namespace ${client} (the VirtualService's), then the service's namespace, then ${ROOT_NAMESPACE}, each only if exported to ${client}` }];
    }
    if (rule.host === literal) return [{ rule, why: `its host "${literal}" means ${rule.fullHost} in its namespace ${rule.namespace}: another service` }];
    return [];
  });
}

/**
 * A VirtualService's exportTo where it changes what is served (push_context.go
 * VirtualServicesForGateway, sidecar scopes): the worker stands in for a proxy in the
 * VirtualService's namespace, so one not exported there is not applied by Istio's
 * proxies there; and a gateway proxy applies it only when exported to the proxy's
 * namespace, which the edge cannot see (a Gateway's selector may pick pods of any
 * namespace), so anything narrower than "*" on a gateway-bound one is refused.
 */
export function checkVirtualServiceExport(vs: VirtualServiceSpec): void {
  const field = vs.field.get("exportTo");
  const exportTo = readExportTo(field);
  if (exportTo === undefined || exportTo.length === 0 || exportTo.includes("*")) return;
  const namespace = vs.namespace ?? DEFAULT_NAMESPACE;
  const list = `[${exportTo.join(", ")}]`;
  const meshBound = vs.gateways.length === 0 || vs.gateways.some((g) => g.mesh);
  if (meshBound && !visibleTo(exportTo, namespace, namespace))
    field.error(
      `${list} leaves out the VirtualService's own namespace ${namespace}: Istio's proxies there do not apply it, and the worker stands in for one of them`,
      `add "." to exportTo (or use "*"), or leave this VirtualService out of routes.yaml`,
    );
  else if (meshBound)
    field.warn(`${list}: applied as Istio's proxies in namespace ${namespace} apply it; the worker applies it to every request for its hosts, which reach the edge from no namespace`);
  const gateways = vs.gateways.filter((g) => !g.mesh).map((g) => (g.mesh ? "mesh" : g.namespace === undefined ? g.name : `${g.namespace}/${g.name}`));
  if (gateways.length > 0)
    field.error(
      `${list} decides whether the proxy of Gateway ${gateways.join(", ")} applies this VirtualService: Istio serves it there only when exportTo includes the namespace that proxy runs in, and the edge cannot see which namespace that is (a Gateway's selector may pick pods of any namespace, often istio-system)`,
      'use exportTo: ["*"] (or remove exportTo) if the gateway serves this VirtualService; otherwise leave it out of routes.yaml',
    );
}
