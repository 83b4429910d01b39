// The Gateway API step of the compiler: HTTPRoutes, with the Gateways, Services and
// WorkloadEntries they refer to, → VirtualHosts of the same route table the
// VirtualServices compile to, so the worker never needs to know which dialect a
// route came from. A hostname may be routed by one dialect only. Services and
// Gateways no HTTPRoute refers to are skipped with a warning, as other kinds are.
import type { Resource } from "../documents";
import type { DestinationSpec } from "../destination";
import type { MirrorPolicySpec } from "../mirror-policy";
import type { Cluster, RouteTable, VirtualHost } from "../../routing/table";
import { refuseAccessPolicies } from "./access-control";
import { readBackendTlsPolicy, type BackendTlsPolicySpec } from "./backend-tls-policy";
import { BackendResolver } from "./backends";
import { HTTP_PROTOCOLS, readGateway } from "./gateway";
import { ANY_HOST, routeHosts, type Parents, type RouteHost } from "./hostnames";
import { readHttpRoute, type HttpRouteSpec } from "./http-route";
import { readLabels } from "../labels";
import { objectMeta } from "./metadata";
import { httpRoutePolicies } from "./policies";
import { ruleTemplate } from "./rule-route";
import { readService } from "./service";
import { buildVirtualHosts, type AttachedRoute, type HostedVirtualHost } from "./virtual-hosts";
import { readWorkloadEntry } from "./workload-entry";

export interface GatewayApiInputs {
  /** the HTTPRoute, Gateway, Service and WorkloadEntry documents */
  documents: Resource[];
  /** MirrorPolicies; those targeting HTTPRoutes apply here */
  policies: MirrorPolicySpec[];
  /** hosts ServiceEntries register, for Istio's Hostname backendRefs */
  serviceEntryHosts: ReadonlySet<string>;
  /** the ServiceEntries by namespace (absent: applied anywhere) and name, for Istio's ServiceEntry parentRefs */
  serviceEntries: readonly { name: string; namespace?: string; hosts: string[]; ports: number[] }[];
  /** a ServiceEntry host as a VirtualService destination resolves */
  resolveHostname(destination: DestinationSpec): Cluster | undefined;
}

export function hasHttpRoutes(documents: Resource[]): boolean {
  return documents.some((d) => d.kind === "HTTPRoute");
}

/**
 * The HTTPRoutes' virtual hosts, every backend resolved (so before compile.ts warns
 * about unused ServiceEntry ports); addHttpRouteHosts puts them in the table.
 * Problems go to the documents' own Fields.
 */
export function compileHttpRoutes(inputs: GatewayApiInputs): HostedVirtualHost[] {
  const services = new Lazy(inputs.documents, "Service", "Service", readService);
  const gateways = new Lazy(inputs.documents, "GatewayApiGateway", "Gateway", readGateway);
  const workloadEntries = inputs.documents.flatMap((d) => {
    const entry = d.kind === "WorkloadEntry" ? readWorkloadEntry(d) : undefined;
    return entry ? [entry] : [];
  });
  const routes = unique(
    inputs.documents.flatMap((d) => {
      const route = d.kind === "HTTPRoute" ? readHttpRoute(d) : undefined;
      return route ? [route] : [];
    }),
  );
  const tlsPolicies = readTlsPolicies(inputs.documents);
  const namespaces = new Map(inputs.documents.flatMap((d) => (d.kind === "Namespace" ? [[d.name, readLabels(d.root.get("metadata").get("labels"))] as const] : [])));
  const resolver = new BackendResolver({
    service: (ns, name) => services.get(ns, name),
    exists: (ns, name) => services.exists(ns, name),
    serviceNames: (ns) => services.names(ns),
    workloadEntries,
    serviceEntryHosts: inputs.serviceEntryHosts,
    resolveHostname: inputs.resolveHostname,
    tlsPolicy: (ns, name, portName) => tlsPolicies.find(ns, name, portName),
  });
  refuseAccessPolicies(inputs.documents, routes);
  const parents: Parents = {
    gateway: (ns, name) => gateways.get(ns, name),
    service: (ns, name) => services.get(ns, name),
    serviceEntry: (ns, name) => {
      const entry = inputs.serviceEntries.find((e) => e.name === name && e.namespace === ns) ?? inputs.serviceEntries.find((e) => e.name === name && e.namespace === undefined);
      return entry && { id: entry.namespace === undefined ? entry.name : `${entry.namespace}/${entry.name}`, hosts: entry.hosts, ports: entry.ports };
    },
    exists: (kind, ns, name) => (kind === "Gateway" ? gateways : services).exists(ns, name),
    namespaceLabels: (ns) => namespaces.get(ns),
  };
  const settings = httpRoutePolicies(inputs.policies, routes);
  const attached: AttachedRoute[] = routes.map((route) => ({
    route,
    hosts: routeHosts(route, parents),
    templates: new Map(route.rules.map((rule) => [rule, ruleTemplate(route, rule, resolver, settings.get(rule))])),
  }));
  // Every HTTP listener of the Gateways routes attach to takes its requests, routes or not.
  const listeners = gateways.values().flatMap((g) => g.listeners.filter((l) => HTTP_PROTOCOLS.includes(l.protocol)).map((l) => l.ref));
  const hosted = buildVirtualHosts(attached, listeners);
  services.warnUnused("no HTTPRoute backendRef or parentRef names it (a VirtualService reaches origins through ServiceEntries, not Services)");
  gateways.warnUnused("no HTTPRoute attaches to it");
  tlsPolicies.warnUnused();
  for (const entry of workloadEntries) {
    if (!resolver.usedEntries.has(entry)) entry.field.warn(`no Service an HTTPRoute uses selects WorkloadEntry ${entry.id}: it is not an origin of anything`);
  }
  return hosted;
}

/** Adds the virtual hosts to the table, after the VirtualServices' (a hostname has one dialect only). */
export function addHttpRouteHosts(table: RouteTable, hosted: HostedVirtualHost[]): void {
  for (const { vhost, host } of hosted) addVirtualHost(table, vhost, host);
}

/** BackendTLSPolicies by the Service (and port name) they target; one per Service port. */
function readTlsPolicies(documents: Resource[]) {
  const policies = documents.flatMap((d) => {
    const policy = d.kind === "BackendTLSPolicy" ? readBackendTlsPolicy(d) : undefined;
    return policy ? [policy] : [];
  });
  const used = new Set<BackendTlsPolicySpec>();
  const claimed = new Map<string, BackendTlsPolicySpec>();
  for (const policy of policies) {
    for (const t of policy.targets) {
      const key = `${policy.namespace}/${t.name}:${t.sectionName ?? "*"}`;
      const other = claimed.get(key);
      if (other && other !== policy) t.field.error(`BackendTLSPolicy ${other.id} targets the same Service${t.sectionName ? " port" : ""} already`, "keep one policy per Service port");
      else claimed.set(key, policy);
    }
  }
  return {
    find(namespace: string, service: string, portName: string | undefined): BackendTlsPolicySpec | undefined {
      // A sectionName (the Service port's name) beats a policy for the whole Service.
      const policy = (portName !== undefined ? claimed.get(`${namespace}/${service}:${portName}`) : undefined) ?? claimed.get(`${namespace}/${service}:*`);
      if (policy) used.add(policy);
      return policy;
    },
    warnUnused(): void {
      for (const p of policies) if (!used.has(p)) p.field.warn(`BackendTLSPolicy ${p.id} applies to no Service an HTTPRoute uses: it has no effect here`);
    },
  };
}

/** One HTTPRoute per namespace and name, as the API server keeps them. */
function unique(routes: HttpRouteSpec[]): HttpRouteSpec[] {
  const byKey = new Map<string, HttpRouteSpec>();
  for (const route of routes) {
    const key = `${route.namespace}/${route.name}`;
    if (byKey.has(key)) route.field.error(`HTTPRoute ${route.id} is defined twice`, "give each HTTPRoute its own name, or merge their rules");
    else byKey.set(key, route);
  }
  return [...byKey.values()];
}

/** Adds one hostname's virtual host, unless a VirtualService (or another dialect's host) has it. */
function addVirtualHost(table: RouteTable, vhost: VirtualHost, host: RouteHost): void {
  const index = table.hosts;
  const owner =
    host.host === ANY_HOST
      ? index.catchAll
      : host.host.startsWith("*.")
        ? index.wildcards.find((w) => w.suffix === host.host.slice(1))?.vhost
        : index.exact[host.host];
  if (owner !== undefined) {
    host.field.error(`host "${host.host}" is already routed by VirtualService ${table.virtualHosts[owner]!.name}`, "route each hostname with one VirtualService or with HTTPRoutes, not both");
    return;
  }
  const at = table.virtualHosts.push(vhost) - 1;
  if (host.host === ANY_HOST) index.catchAll = at;
  else if (host.host.startsWith("*.")) {
    index.wildcards.push({ suffix: host.host.slice(1), vhost: at });
    index.wildcards.sort((a, b) => b.suffix.length - a.suffix.length || a.suffix.localeCompare(b.suffix));
  } else index.exact[host.host] = at;
}

/** Documents of one kind by namespace and name, read the first time an HTTPRoute refers to them. */
class Lazy<T> {
  private readonly docs = new Map<string, Resource>();
  private readonly read = new Map<string, T | undefined>();

  constructor(
    documents: Resource[],
    kind: Resource["kind"],
    label: string,
    private readonly reader: (doc: Resource) => T | undefined,
  ) {
    for (const doc of documents) {
      if (doc.kind !== kind) continue;
      const { namespace, name, id } = objectMeta(doc);
      const key = `${namespace}/${name}`;
      if (this.docs.has(key)) doc.root.get("metadata").get("name").error(`${label} ${id} is defined twice`, "keep one of them");
      else this.docs.set(key, doc);
    }
  }

  get(namespace: string, name: string): T | undefined {
    const key = `${namespace}/${name}`;
    if (!this.read.has(key)) this.read.set(key, this.docs.has(key) ? this.reader(this.docs.get(key)!) : undefined);
    return this.read.get(key);
  }

  /** The documents read so far (and read without errors). */
  values(): T[] {
    return [...this.read.values()].flatMap((v) => (v === undefined ? [] : [v]));
  }

  exists(namespace: string, name: string): boolean {
    return this.docs.has(`${namespace}/${name}`);
  }

  names(namespace: string): string[] {
    return [...this.docs.keys()].filter((k) => k.startsWith(`${namespace}/`)).map((k) => k.slice(namespace.length + 1));
  }

  warnUnused(why: string): void {
    for (const [key, doc] of this.docs) {
      if (this.read.has(key)) continue;
      const apiVersion = (doc.root.get("apiVersion").node as { value?: unknown } | undefined)?.value;
      doc.root.ctx.problems.add("warning", doc.root.at, { message: `skipped ${doc.root.ctx.resource} (${String(apiVersion)}): ${why}` });
    }
  }
}
