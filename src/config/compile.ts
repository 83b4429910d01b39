// routes.yaml text → RouteTable. Every validation that needs more than one field
// lives here: subsets must exist, every destination must resolve to origins
// through a ServiceEntry (cluster-resolver.ts), hosts must be unique and gateway
// bindings resolve (gateway-binding.ts). Output is deterministic.
import { ConfigError, Problems, type ConfigProblem } from "./errors";
import { readDocuments, type Resource } from "./documents";
import { isGatewayApiKind } from "./gateway-api/kinds";
import { addHttpRouteHosts, compileHttpRoutes, hasHttpRoutes } from "./gateway-api/compile-http-routes";
import { readMirrorPolicy, type MirrorPolicySpec } from "./mirror-policy";
import { ClusterResolver } from "./istio/cluster-resolver";
import { checkVirtualServiceExport, DEFAULT_NAMESPACE, fullName } from "./istio/namespaces";
import { conflictingRule, readDestinationRule, type DestinationRuleSpec } from "./istio/destination-rule";
import { readGateway, type GatewaySpec } from "./istio/gateway";
import { applyMatchGateways, bindGateways } from "./istio/gateway-binding";
import { readServiceEntry, type ServiceEntrySpec } from "./istio/service-entry";
import { readVirtualService, ROUTE_POLICIES, type VirtualServiceSpec } from "./istio/virtual-service";
import { checkVirtualService } from "./istio/virtual-service-checks";
import { checkDestinationRule } from "./istio/destination-rule-checks";
import { checkServiceEntry } from "./istio/service-entry-checks";
import { perMillion } from "../routing/per-million";
import type { Route, RouteTable, ShadowSettings, WeightedDestination } from "../routing/table";
import { DEFAULT_SHADOW_TIMEOUT_MS, defaultShadowSettings, istioDefaultRetries } from "./defaults";

export interface CompileResult {
  table?: RouteTable;
  problems: ConfigProblem[];
}

/** Compiles without throwing: `table` is absent when there is any error. */
export function compileRoutes(text: string, file = "routes.yaml"): CompileResult {
  const problems = new Problems(file);
  const services: VirtualServiceSpec[] = [];
  const rules: DestinationRuleSpec[] = [];
  const entries: ServiceEntrySpec[] = [];
  const policies: MirrorPolicySpec[] = [];
  const gateways: GatewaySpec[] = [];
  // HTTPRoutes and what they refer to: compiled by gateway-api/compile-http-routes.ts.
  const gatewayApi: Resource[] = [];

  // Kubernetes keeps one object per kind, namespace and name: a second `kubectl apply`
  // of the name replaces the first. A file holding both (a task's steps pasted one
  // after another) says two things where the cluster keeps one.
  const named = new Set<string>();
  for (const doc of readDocuments(text, problems)) {
    if (isGatewayApiKind(doc.kind)) {
      gatewayApi.push(doc);
      continue;
    }
    const namespace = doc.namespace ?? DEFAULT_NAMESPACE;
    const key = `${doc.kind}/${namespace}/${doc.name}`;
    if (named.has(key)) {
      doc.root.get("metadata").get("name").error(
        `${doc.kind} ${doc.name} is defined twice in namespace ${namespace}: Kubernetes keeps one ${doc.kind} of a name per namespace, and applying the second replaces the first`,
        "keep the version you mean (after a task's later step, only that step's version), or give the other its own name",
      );
      continue;
    }
    named.add(key);
    if (doc.kind === "VirtualService") {
      const vs = readVirtualService(doc.name, doc.spec, doc.namespace);
      if (vs) services.push(vs);
    } else if (doc.kind === "Gateway") {
      const gateway = readGateway(doc.name, doc.namespace, doc.spec);
      if (gateway) gateways.push(gateway);
    } else if (doc.kind === "MirrorPolicy") {
      const policy = readMirrorPolicy(doc.name, doc.spec);
      if (policy) policies.push(policy);
    } else if (doc.kind === "DestinationRule") {
      const dr = readDestinationRule(doc.name, doc.spec, doc.namespace);
      checkDestinationRule(doc.spec);
      if (!dr) continue;
      // Rules of one namespace for one service merge as Istio merges them, where the
      // result does not hang on creation order (destination-rule.ts mergeRules); in two
      // namespaces they are two rules (namespaces.ts selectRule chooses).
      const earlier = rules.filter((r) => r.namespace === dr.namespace && r.fullHost === dr.fullHost);
      if (earlier.filter((other) => conflictingRule(dr, other)).length === 0) rules.push(dr);
    } else {
      const se = readServiceEntry(doc.name, doc.spec, doc.namespace);
      checkServiceEntry(doc.spec);
      if (!se) continue;
      for (const { host, fullHost, field } of se.hosts) {
        const other = entries.find((e) => e.namespace === se.namespace && e.hosts.some((h) => h.fullHost === fullHost));
        if (other) field.error(`host "${host}" is already registered by ServiceEntry ${other.name}${se.namespace === undefined ? "" : ` in namespace ${se.namespace}`}`, "list each host in one ServiceEntry");
      }
      entries.push(se);
      // An endpoint refused with its own error (a unix socket) is not "no endpoints".
      if (se.resolution === "STATIC" && se.endpoints.length === 0 && se.field.get("endpoints").items().length === 0 && !se.field.get("workloadSelector").present)
        se.field.error("resolution STATIC needs endpoints", "add endpoints: [{address: 203.0.113.7}] or use resolution: DNS");
    }
  }

  if (services.length === 0 && !hasHttpRoutes(gatewayApi) && !problems.hasErrors) {
    const kinds = [...new Set(gatewayApi.map((d) => d.root.ctx.resource.split(" ")[0]))];
    // A ServiceEntry alone (istio.io's egress tasks): Istio's sidecars reach a registered
    // host through a default route; the worker serves only the hosts a route names.
    const registered = entries.flatMap((e) => e.hosts.map((h) => h.host));
    const example = registered.find((h) => !h.startsWith("*"));
    problems.add("error", { line: 1, col: 1 }, {
      message: `no VirtualService or HTTPRoute found: nothing to route${kinds.length ? ` (the file has ${kinds.join(", ")}, but no route)` : ""}${registered.length ? `. The ServiceEntries register ${registered.join(", ")}, which Istio's sidecars reach through a default route; the worker serves only the hosts a VirtualService or HTTPRoute names` : ""}`,
      fix: example
        ? `add a VirtualService with hosts: [${example}] and http: [{route: [{destination: {host: ${example}}}]}]`
        : "add a networking.istio.io VirtualService or a gateway.networking.k8s.io HTTPRoute (see docs/reference.md)",
    });
  }

  // Kubernetes Services in the file: a VirtualService destination naming one is told why it needs a ServiceEntry.
  const kubernetesServices = new Set(gatewayApi.filter((d) => d.kind === "Service").map((d) => fullName(d.name, d.namespace ?? DEFAULT_NAMESPACE)));
  const resolver = new ClusterResolver(rules, entries, kubernetesServices);
  const virtualHosts = services.map((vs) => ({ name: vs.name, routes: vs.http.map((r, i) => compileRoute(vs, r, i, resolver)) }));
  const serviceEntryHosts = new Set(entries.flatMap((e) => e.hosts.map((h) => h.host)));
  const serviceEntries = entries.map((e) => ({ name: e.name, ...(e.namespace === undefined ? {} : { namespace: e.namespace }), hosts: e.hosts.map((h) => h.host), ports: e.ports.map((p) => p.number) }));
  const httpRoutes = compileHttpRoutes({ documents: gatewayApi, policies, serviceEntryHosts, serviceEntries, resolveHostname: (d) => resolver.resolveHostname(d) });
  resolver.warnUnusedPorts();
  const binding = bindGateways(services, gateways, services.map(checkVirtualService));
  for (const vs of services) checkVirtualServiceExport(vs);
  const table: RouteTable = { version: 1, source: file, virtualHosts, hosts: binding.hosts };
  applyPolicies(policies.filter((p) => p.virtualService !== undefined), services, table);
  // After the policies, which target routes by their index in the VirtualService.
  applyMatchGateways(services, table.virtualHosts, gateways, binding);
  addHttpRouteHosts(table, httpRoutes);
  if (problems.hasErrors) return { problems: problems.list };
  return { table, problems: problems.list };
}

/** Like compileRoutes, but throws ConfigError listing every error. */
export function compileOrThrow(text: string, file = "routes.yaml"): RouteTable {
  const result = compileRoutes(text, file);
  if (!result.table) throw new ConfigError(result.problems);
  return result.table;
}

function compileRoute(vs: VirtualServiceSpec, r: VirtualServiceSpec["http"][number], index: number, resolver: ClusterResolver): Route {
  // Served by a Gateway's proxy, whose namespace the edge cannot see (cluster-resolver.ts).
  const viaGateway = [vs.gateways, ...r.matchGateways].some((refs) => refs?.some((g) => !g.mesh));
  const destinations = r.route.flatMap((d) => {
    const cluster = resolver.resolve(d.destination, vs.namespace, viaGateway);
    if (!cluster) return [];
    const destination: WeightedDestination = { cluster, weight: r.route.length === 1 ? 1 : (d.weight ?? 0) };
    if (d.headers) destination.headers = d.headers;
    return [destination];
  });
  const totalWeight = destinations.reduce((sum, d) => sum + d.weight, 0);
  if (destinations.length === r.route.length && destinations.length > 1 && totalWeight === 0) {
    r.field.get("route").error("every destination has weight 0, so no request could be routed", "give at least one destination a weight > 0");
  }
  const identity = { virtualService: vs.name, route: r.name ?? `http[${index}]` };
  const route: Route = {
    name: `${identity.virtualService}/${identity.route}`,
    identity,
    // Defaults first; the route's own fields replace them below.
    retries: istioDefaultRetries(),
    shadow: defaultShadowSettings(),
    match: r.match,
    // Istio: a single destination gets all traffic whatever its weight; weight 0 gets none.
    destinations: destinations.filter((d) => d.weight > 0),
    totalWeight,
    mirrors: r.mirrors.flatMap((m) => {
      const cluster = resolver.resolve(m.destination, vs.namespace, viaGateway);
      // Istio converts the percentage to a fraction of a million; 0 means no mirror at all.
      const share = perMillion(m.percent);
      return cluster && share > 0 ? [{ cluster, perMillion: share }] : [];
    }),
  };
  if (r.timeoutMs !== undefined) route.timeoutMs = r.timeoutMs;
  route.shadow = shadowFor(route, route.shadow);
  // Fixed order keeps the compiled JSON deterministic.
  for (const key of ROUTE_POLICIES) {
    if (r[key] !== undefined) (route as unknown as Record<string, unknown>)[key] = r[key];
  }
  return route;
}

/** A route's shadow settings with its shadow timeout: the route timeout, else the Workers-safe default. */
function shadowFor(route: Route, settings: ShadowSettings): ShadowSettings {
  return { ...settings, timeoutMs: route.timeoutMs ?? DEFAULT_SHADOW_TIMEOUT_MS };
}

/**
 * Attaches each MirrorPolicy's settings to the routes it targets: a policy naming a
 * route beats one for the whole VirtualService; two at the same level are an error.
 */
function applyPolicies(policies: MirrorPolicySpec[], services: VirtualServiceSpec[], table: RouteTable): void {
  const claimed = new Map<string, MirrorPolicySpec>();
  const ordered = [...policies].sort((a, b) => Number(a.route !== undefined) - Number(b.route !== undefined));
  for (const policy of ordered) {
    const index = services.findIndex((vs) => vs.name === policy.virtualService);
    const target = policy.field.get("targetRef");
    if (index < 0) {
      target.get("virtualService").error(
        `no VirtualService named "${policy.virtualService}" (defined: ${services.map((v) => v.name).join(", ") || "none"})`,
        "name a VirtualService of this file",
      );
      continue;
    }
    const vs = services[index]!;
    const routes = table.virtualHosts[index]!.routes;
    const targets = policy.route === undefined ? routes.map((_, i) => i) : vs.http.flatMap((r, i) => (r.name === policy.route ? [i] : []));
    if (targets.length === 0) {
      target.get("route").error(
        `VirtualService ${vs.name} has no http route named "${policy.route}" (named: ${vs.http.flatMap((r) => (r.name ? [r.name] : [])).join(", ") || "none"})`,
        "give the route a name: in the VirtualService, or leave route out to cover every route",
      );
      continue;
    }
    for (const i of targets) {
      const key = `${vs.name}/${i}/${policy.route === undefined ? "*" : "route"}`;
      const other = claimed.get(key);
      if (other) {
        policy.field.get("targetRef").error(`targets the same routes as MirrorPolicy ${other.name}`, "merge the two policies");
        break;
      }
      claimed.set(key, policy);
      routes[i]!.shadow = shadowFor(routes[i]!, policy.settings);
    }
    if (policy.settings.compare && targets.every((i) => routes[i]!.mirrors.length === 0)) {
      policy.field.get("compare").warn("has no effect: no targeted route has a mirror, so there is no v2 answer to compare", "add a mirror to the route, or remove compare");
    }
  }
}

