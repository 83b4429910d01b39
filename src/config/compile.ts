// routes.yaml text → RouteTable. Every validation that needs more than one field
// lives here: subsets must exist, every destination must resolve to origins
// through a ServiceEntry, hosts must be unique. Output is deterministic.
import { ConfigError, Problems, type ConfigProblem } from "./errors";
import { readDocuments } from "./documents";
import { readMirrorPolicy, type MirrorPolicySpec } from "./mirror-policy";
import type { DestinationSpec } from "./destination";
import { readDestinationRule, type DestinationRuleSpec } from "./destination-rule";
import { readServiceEntry, type ServiceEntrySpec } from "./service-entry";
import { readVirtualService, ROUTE_POLICIES, type VirtualServiceSpec } from "./virtual-service";
import type { Cluster, HostIndex, LoadBalancer, Route, RouteTable, ShadowSettings, WeightedDestination } from "../routing/table";
import { DEFAULT_SHADOW_TIMEOUT_MS, defaultShadowSettings, istioDefaultRetries } from "./defaults";

export interface CompileResult {
  table?: RouteTable;
  problems: ConfigProblem[];
}

/** Compiles without throwing: `table` is absent when there is any error. */
export function compileRoutes(text: string, file = "routes.yaml"): CompileResult {
  const problems = new Problems(file);
  const services: VirtualServiceSpec[] = [];
  const rules = new Map<string, DestinationRuleSpec>();
  const entries = new Map<string, ServiceEntrySpec>();
  const policies: MirrorPolicySpec[] = [];

  for (const doc of readDocuments(text, problems)) {
    if (doc.kind === "VirtualService") {
      const vs = readVirtualService(doc.name, doc.spec);
      if (vs) services.push(vs);
    } else if (doc.kind === "MirrorPolicy") {
      const policy = readMirrorPolicy(doc.name, doc.spec);
      if (policy) policies.push(policy);
    } else if (doc.kind === "DestinationRule") {
      const dr = readDestinationRule(doc.name, doc.spec);
      if (!dr) continue;
      const other = rules.get(dr.host);
      if (other) dr.field.get("host").error(`host "${dr.host}" already has DestinationRule ${other.name}`, "merge the subsets into one DestinationRule");
      else rules.set(dr.host, dr);
    } else {
      const se = readServiceEntry(doc.name, doc.spec);
      if (!se) continue;
      for (const { host, field } of se.hosts) {
        const other = entries.get(host);
        if (other) field.error(`host "${host}" is already registered by ServiceEntry ${other.name}`, "list each host in one ServiceEntry");
        else entries.set(host, se);
      }
      if (se.resolution === "STATIC" && se.endpoints.length === 0)
        se.field.error("resolution STATIC needs endpoints", "add endpoints: [{address: 203.0.113.7}] or use resolution: DNS");
    }
  }

  if (services.length === 0 && !problems.hasErrors) {
    problems.add("error", { line: 1, col: 1 }, {
      message: "no VirtualService found: nothing to route",
      fix: "add a networking.istio.io VirtualService (see the README's routes.yaml reference)",
    });
  }

  const resolver = new ClusterResolver(rules, entries);
  const table: RouteTable = {
    version: 1,
    source: file,
    virtualHosts: services.map((vs) => ({ name: vs.name, routes: vs.http.map((r, i) => compileRoute(vs, r, i, resolver)) })),
    hosts: indexHosts(services),
  };
  applyPolicies(policies, services, table);
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
  const destinations = r.route.flatMap((d) => {
    const cluster = resolver.resolve(d.destination);
    if (!cluster) return [];
    const destination: WeightedDestination = { cluster, weight: r.route.length === 1 ? 1 : (d.weight ?? 0) };
    if (d.headers) destination.headers = d.headers;
    return [destination];
  });
  const totalWeight = destinations.reduce((sum, d) => sum + d.weight, 0);
  if (destinations.length === r.route.length && destinations.length > 1 && totalWeight === 0) {
    r.field.get("route").error("every destination has weight 0, so no request could be routed", "give at least one destination a weight > 0");
  }
  const route: Route = {
    name: `${vs.name}/${r.name ?? `http[${index}]`}`,
    // Defaults first; the route's own fields replace them below.
    retries: istioDefaultRetries(),
    shadow: defaultShadowSettings(),
    match: r.match,
    // Istio: a single destination gets all traffic whatever its weight; weight 0 gets none.
    destinations: destinations.filter((d) => d.weight > 0),
    totalWeight,
    mirrors: r.mirrors.flatMap((m) => {
      const cluster = resolver.resolve(m.destination);
      // Istio converts the percentage to a fraction of a million; 0 means no mirror at all.
      const perMillion = Math.round(m.percent * 10_000);
      return cluster && perMillion > 0 ? [{ cluster, perMillion }] : [];
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
  }
}

/** Destination (host, subset, port) → origins, through DestinationRule subsets and ServiceEntry endpoints. */
class ClusterResolver {
  private readonly cache = new Map<string, Cluster>();
  constructor(
    private readonly rules: Map<string, DestinationRuleSpec>,
    private readonly entries: Map<string, ServiceEntrySpec>,
  ) {}

  resolve(d: DestinationSpec): Cluster | undefined {
    const key = `${d.host}|${d.subset ?? ""}|${d.port ?? ""}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const origins = this.origins(d);
    if (!origins) return undefined;
    const cluster: Cluster = { name: d.subset ? `${d.host}/${d.subset}` : d.host, origins };
    // Istio: a subset's trafficPolicy overrides the DestinationRule's.
    const rule = this.rules.get(d.host);
    const lb: LoadBalancer | undefined = (d.subset !== undefined ? rule?.subsets.get(d.subset)?.lb : undefined) ?? rule?.lb;
    if (lb) cluster.lb = lb;
    this.cache.set(key, cluster);
    return cluster;
  }

  private origins(d: DestinationSpec): string[] | undefined {
    const se = this.entries.get(d.host);
    const known = [...this.entries.keys()];
    if (!se) {
      d.field.get("host").error(
        `no ServiceEntry registers host "${d.host}"${known.length ? ` (registered: ${known.join(", ")})` : ""}`,
        `add a ServiceEntry with hosts: [${d.host}] and endpoints pointing at the origin`,
      );
      return undefined;
    }
    let labels: Record<string, string> = {};
    if (d.subset !== undefined) {
      const dr = this.rules.get(d.host);
      const subset = dr?.subsets.get(d.subset);
      if (!dr) {
        d.field.get("subset").error(`no DestinationRule defines subsets for host "${d.host}"`, `add a DestinationRule with host: ${d.host} and subset ${d.subset}`);
        return undefined;
      }
      if (!subset) {
        d.field.get("subset").error(
          `subset "${d.subset}" is not defined in DestinationRule ${dr.name} (defined: ${[...dr.subsets.keys()].join(", ") || "none"})`,
          `add - name: ${d.subset} with its labels to DestinationRule ${dr.name}, or use a defined subset`,
        );
        return undefined;
      }
      labels = subset.labels;
    }
    const port = this.port(d, se);
    if (!port) return undefined;
    const endpoints =
      se.endpoints.length > 0
        ? se.endpoints
        : // Istio DNS resolution with no endpoints: the ServiceEntry's own hosts are the addresses.
          se.hosts.filter((h) => !h.host.includes("*")).map((h) => ({ address: h.host, ports: {} as Record<string, number>, labels: {} as Record<string, string> }));
    const matching = endpoints.filter((e) => Object.entries(labels).every(([k, v]) => e.labels[k] === v));
    if (matching.length === 0) {
      const where = d.subset !== undefined ? `subset "${d.subset}" (labels ${JSON.stringify(labels)})` : `host "${d.host}"`;
      d.field.error(
        `${where} has no endpoint in ServiceEntry ${se.name}`,
        "add an endpoint whose labels contain the subset's labels, e.g. endpoints: [{address: v2.example.com, labels: {version: v2}}]",
      );
      return undefined;
    }
    return matching.map((e) => originUrl(port.scheme, e.address, e.ports[port.name] ?? port.number));
  }

  private port(d: DestinationSpec, se: ServiceEntrySpec) {
    if (d.port !== undefined) {
      const port = se.ports.find((p) => p.number === d.port);
      if (!port)
        d.field.get("port").error(
          `port ${d.port} is not declared by ServiceEntry ${se.name} (ports: ${se.ports.map((p) => p.number).join(", ")})`,
          "use one of the ServiceEntry's port numbers",
        );
      return port;
    }
    if (se.ports.length === 1) return se.ports[0];
    if (se.ports.length > 1)
      d.field.error(`ServiceEntry ${se.name} has ${se.ports.length} ports, so the destination must choose one`, "add port: {number: N}");
    return undefined;
  }
}

function originUrl(scheme: "http" | "https", address: string, port: number): string {
  const host = address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
  const defaultPort = scheme === "https" ? 443 : 80;
  return `${scheme}://${host.toLowerCase()}${port === defaultPort ? "" : `:${port}`}`;
}

const HOST_PATTERN = /^(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/;

/** VirtualService hosts → exact map, wildcard suffixes (longest first) and `*`. */
function indexHosts(services: VirtualServiceSpec[]): HostIndex {
  const index: HostIndex = { exact: {}, wildcards: [] };
  const owner = new Map<string, string>();
  services.forEach((vs, i) => {
    for (const { host: raw, field } of vs.hosts) {
      const host = raw.toLowerCase().replace(/\.$/, "");
      if (!HOST_PATTERN.test(host)) {
        field.error(`"${raw}" is not a host name`, "write a name like api.example.com, a wildcard like *.example.com, or *; no scheme, port or path");
        continue;
      }
      const taken = owner.get(host);
      if (taken !== undefined) {
        field.error(`host "${host}" is already routed by VirtualService ${taken}`, "list each host in one VirtualService");
        continue;
      }
      owner.set(host, vs.name);
      if (host === "*") index.catchAll = i;
      else if (host.startsWith("*.")) index.wildcards.push({ suffix: host.slice(1), vhost: i });
      else index.exact[host] = i;
    }
  });
  index.wildcards.sort((a, b) => b.suffix.length - a.suffix.length || a.suffix.localeCompare(b.suffix));
  return index;
}
