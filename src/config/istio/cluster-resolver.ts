// Destination (host, subset, port) → Cluster: the origins a route's requests go
// to, through DestinationRule subsets and ServiceEntry endpoints, with the
// DestinationRule's settings for that subset and port (load balancer, TLS).
// Host names and rules are chosen per namespace as Istio chooses them
// (istio-namespaces.ts). Every reference must resolve at build time; what does
// not is an error with the fix.
import type { DestinationSpec } from "../destination";
import { mergeRules, settingsFor, type DestinationRuleSpec } from "./destination-rule";
import { DEFAULT_NAMESPACE, fullName, passedOver, ROOT_NAMESPACE, selectRule, visibleTo } from "./namespaces";

/** Stands for a namespace no resource names (never a valid namespace name). */
const ANOTHER_NAMESPACE = "(another namespace)";
import { notHttpReason, type PortSpec, type ServiceEntrySpec } from "./service-entry";
import type { Cluster } from "../../routing/table";

export class ClusterResolver {
  private readonly cache = new Map<string, Cluster>();
  /** ports some destination resolved to: the others of a protocol a Worker cannot proxy are skipped with a warning */
  private readonly used = new Set<PortSpec>();
  /** Merged rules by the names they merge, so one merge is one object (sameForAnyGateway compares them). */
  private readonly merges = new Map<string, DestinationRuleSpec>();
  private readonly merged = (same: DestinationRuleSpec[]): DestinationRuleSpec => {
    const key = same.map((r) => `${r.namespace}/${r.name}`).join("\n");
    let rule = this.merges.get(key);
    if (!rule) this.merges.set(key, (rule = mergeRules(same)));
    return rule;
  };
  constructor(
    private readonly rules: readonly DestinationRuleSpec[],
    private readonly entries: readonly ServiceEntrySpec[],
    /** full host names of the Kubernetes Services (kind: Service, v1) in the file */
    private readonly kubernetesServices: ReadonlySet<string> = new Set(),
  ) {}

  /**
   * A destination of a resource in `namespace` (a VirtualService's): its short host resolves
   * there, and Istio's rule for that namespace applies. `viaGateway`: the VirtualService is
   * bound to a Gateway, whose proxy may run in any namespace: the service and rule must then
   * be the same whichever namespace that is.
   */
  resolve(d: DestinationSpec, namespace = DEFAULT_NAMESPACE, viaGateway = false): Cluster | undefined {
    return this.resolveFull(d, fullName(d.host, namespace), namespace, viaGateway);
  }

  /** A ServiceEntry host as written (Gateway API's `kind: Hostname` backendRef): the ServiceEntry's own namespace is the caller's. */
  resolveHostname(d: DestinationSpec): Cluster | undefined {
    const se = this.entries.find((e) => e.hosts.some((h) => h.host === d.host));
    const entry = se?.hosts.find((h) => h.host === d.host);
    return se && entry ? this.resolveFull(d, entry.fullHost, se.namespace ?? DEFAULT_NAMESPACE) : this.resolve(d);
  }

  private resolveFull(d: DestinationSpec, host: string, namespace: string, viaGateway = false): Cluster | undefined {
    const key = `${host}|${namespace}|${d.subset ?? ""}|${d.port ?? ""}|${viaGateway}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const se = this.entry(d, host, namespace);
    // A ServiceEntry without a namespace stands for the service in the namespace that names it.
    const rule = se && selectRule(this.rules, host, namespace, se.namespace ?? namespace, this.merged);
    if (se && viaGateway && !this.sameForAnyGateway(d, host, namespace, se, rule)) return undefined;
    const labels = se && this.subsetLabels(d, host, namespace, rule);
    const port = se && labels && this.port(d, se);
    if (!se || !labels || !port) return undefined;
    // Istio: the subset's trafficPolicy overrides the rule's, port-level settings their policy's.
    const settings = settingsFor(rule, d.subset, port.number);
    const scheme = settings.tls === "SIMPLE" ? "https" : port.scheme!;
    const origins = this.endpoints(d, se, labels)?.map((e) => originUrl(scheme, e.address, e.ports[port.name] ?? port.targetPort ?? port.number));
    if (!origins) return undefined;
    const cluster: Cluster = { name: d.subset ? `${d.host}/${d.subset}` : d.host, origins };
    if (settings.lb) cluster.lb = settings.lb;
    this.cache.set(key, cluster);
    return cluster;
  }

  /**
   * A gateway's proxy applies rules as a proxy of the namespace it runs in (push_context.go
   * destinationRule(proxyNamespace, …)), which the edge cannot see: the Gateway's selector may
   * pick pods of any namespace, often istio-system. The service and the rule chosen for the
   * VirtualService's namespace must be the ones chosen from istio-system and from any other.
   */
  private sameForAnyGateway(d: DestinationSpec, host: string, namespace: string, se: ServiceEntrySpec, rule: DestinationRuleSpec | undefined): boolean {
    const serviceNamespace = se.namespace ?? namespace;
    const name = (r: DestinationRuleSpec | undefined) => (r ? `DestinationRule ${r.namespace}/${r.name}` : "no DestinationRule");
    for (const proxy of [ROOT_NAMESPACE, ANOTHER_NAMESPACE]) {
      if (proxy === namespace) continue;
      const from = proxy === ROOT_NAMESPACE ? `from ${ROOT_NAMESPACE}` : "from another namespace";
      if (!visibleTo(se.exportTo, serviceNamespace, proxy)) {
        d.field.get("host").error(
          `the VirtualService is bound to a Gateway, whose proxy may run in any namespace; ServiceEntry ${serviceNamespace}/${se.name} (exportTo: [${(se.exportTo ?? []).join(", ")}]) is not visible ${from}, so whether Istio serves this route depends on where that proxy runs, which the edge cannot see`,
          'export the ServiceEntry to every namespace (exportTo: ["*"], or no exportTo)',
        );
        return false;
      }
      const other = selectRule(this.rules, host, proxy, serviceNamespace, this.merged);
      if (other !== rule && (d.subset !== undefined || rule?.policy !== undefined || other?.policy !== undefined)) {
        d.field.error(
          `the VirtualService is bound to a Gateway, whose proxy may run in any namespace, and the DestinationRule Istio applies depends on it: ${name(rule)} for a proxy in ${namespace}, ${name(other)} ${from}; the edge cannot see where that proxy runs`,
          `export the rule for ${host} to every namespace (exportTo: ["*"], or no exportTo) and keep one rule for it that every proxy finds`,
        );
        return false;
      }
    }
    return true;
  }

  /** Warns about each port of a protocol a Worker cannot proxy that no destination uses: it is skipped. */
  warnUnusedPorts(): void {
    for (const se of this.entries) {
      for (const port of se.ports) {
        if (!port.scheme && !this.used.has(port))
          port.field.warn(`skipped: ${notHttpReason(port.protocol)}; no HTTP route uses port ${port.number}, so the worker ignores it`);
      }
    }
  }

  /**
   * The ServiceEntry registering `host` that a proxy in `namespace` sees (its exportTo);
   * of several, the one in that namespace, as Istio's sidecar scope prefers.
   */
  private entry(d: DestinationSpec, host: string, namespace: string): ServiceEntrySpec | undefined {
    const registering = this.entries.filter((e) => e.hosts.some((h) => h.fullHost === host || (e.namespace === undefined && fullName(h.host, namespace) === host)));
    const visible = registering.filter((e) => visibleTo(e.exportTo, e.namespace ?? namespace, namespace));
    const se = visible.find((e) => e.namespace === namespace) ?? visible.find((e) => e.namespace === undefined) ?? (visible.length === 1 ? visible[0] : undefined);
    if (se) return se;
    const field = d.field.get("host");
    const named = host === d.host || namespace === DEFAULT_NAMESPACE ? `"${d.host}"` : `"${d.host}" (${host}: Istio completes a short name in the VirtualService's namespace, ${namespace})`;
    if (visible.length > 1) {
      field.error(`${named} is registered by ServiceEntries in several other namespaces (${visible.map((e) => `${e.namespace ?? DEFAULT_NAMESPACE}/${e.name}`).join(", ")})`, "narrow their exportTo so one is visible here, or move one into this namespace");
      return undefined;
    }
    if (registering.length > 0) {
      const hidden = registering.map((e) => `${e.namespace ?? DEFAULT_NAMESPACE}/${e.name} (exportTo: [${(e.exportTo ?? []).join(", ")}])`).join(", ");
      field.error(`${named} is registered by ServiceEntry ${hidden}, which is not exported to namespace ${namespace}; Istio gives this route no such service (503)`, `add ${namespace} to the ServiceEntry's exportTo, or "*"`);
      return undefined;
    }
    if (this.kubernetesServices.has(host)) {
      field.error(
        `${named} is a Kubernetes Service in this file, but the edge cannot reach a cluster's pods: a VirtualService's destination takes its origins from a ServiceEntry (a Service is read only for an HTTPRoute, through WorkloadEntries)`,
        `add a ServiceEntry with hosts: [${d.host}] and endpoints at the address the edge reaches this version on (docs/reference.md, ServiceEntry)`,
      );
      return undefined;
    }
    const sameName = this.entries.filter((e) => e.hosts.some((h) => h.host === d.host));
    const known = this.entries.flatMap((e) => e.hosts.map((h) => (h.host === h.fullHost || e.namespace === undefined ? h.host : `${h.host} (namespace ${e.namespace})`)));
    field.error(
      `no ServiceEntry registers host ${named}${sameName.length ? `; ServiceEntry ${sameName.map((e) => `${e.name} registers it in namespace ${e.namespace ?? DEFAULT_NAMESPACE}`).join(", ")}, another service` : known.length ? ` (registered: ${known.join(", ")})` : ""}`,
      sameName.length
        ? `put the ServiceEntry in namespace ${namespace} (metadata.namespace), or name the service in full: ${sameName.map((e) => fullName(d.host, e.namespace ?? DEFAULT_NAMESPACE)).join(" or ")}`
        : `add a ServiceEntry with hosts: [${d.host}] and endpoints pointing at the origin`,
    );
    return undefined;
  }

  private subsetLabels(d: DestinationSpec, host: string, namespace: string, dr: DestinationRuleSpec | undefined): Record<string, string> | undefined {
    if (d.subset === undefined) return {};
    const subset = dr?.subsets.get(d.subset);
    if (!dr) {
      const others = passedOver(this.rules, d.host, host, namespace);
      const why = others.map((o) => `DestinationRule ${o.rule.namespace}/${o.rule.name} does not apply: ${o.why}`).join("; ");
      d.field.get("subset").error(
        others.length
          ? `no DestinationRule that Istio applies here defines subsets for host "${d.host}" (${host}): ${why}. Istio would route to a subset that does not exist (503); the edge refuses instead`
          : `no DestinationRule defines subsets for host "${d.host}"`,
        others.length
          ? `add a DestinationRule for ${host} in namespace ${namespace}, or export one to it (exportTo: [${namespace}] or "*")`
          : `add a DestinationRule with host: ${d.host} and subset ${d.subset}`,
      );
      return undefined;
    }
    if (!subset) {
      d.field.get("subset").error(
        `subset "${d.subset}" is not defined in DestinationRule ${dr.name} (defined: ${[...dr.subsets.keys()].join(", ") || "none"})`,
        `add - name: ${d.subset} with its labels to DestinationRule ${dr.name}, or use a defined subset`,
      );
      return undefined;
    }
    return subset.labels;
  }

  private endpoints(d: DestinationSpec, se: ServiceEntrySpec, labels: Record<string, string>) {
    const endpoints =
      se.endpoints.length > 0
        ? se.endpoints
        : // Istio DNS resolution with no endpoints: the ServiceEntry's own hosts are the addresses.
          se.hosts.filter((h) => !h.host.includes("*")).map((h) => ({ address: h.host, ports: {} as Record<string, number>, labels: {} as Record<string, string> }));
    const matching = endpoints.filter((e) => Object.entries(labels).every(([k, v]) => e.labels[k] === v));
    if (matching.length > 0) return matching;
    // Refused at spec.resolution already (service-entry.ts): no second error for the same cause.
    if (se.resolution === "NONE") return undefined;
    if (d.subset !== undefined) {
      d.field.error(
        `subset "${d.subset}" (labels ${JSON.stringify(labels)}) has no endpoint in ServiceEntry ${se.name}`,
        "add an endpoint whose labels contain the subset's labels, e.g. endpoints: [{address: v2.example.com, labels: {version: v2}}]",
      );
    } else if (se.endpoints.length === 0) {
      // Only wildcard hosts and no endpoints (istio.io's ServiceEntry reference, *.bar.com): no address to send to.
      d.field.error(
        `host "${d.host}" has no endpoint in ServiceEntry ${se.name}: its hosts (${se.hosts.map((h) => h.host).join(", ")}) are wildcards, which are not addresses`,
        "add endpoints: [{address: <host name>}] with resolution: DNS, or route to a ServiceEntry for one named host",
      );
    } else d.field.error(`host "${d.host}" has no endpoint in ServiceEntry ${se.name}`, "add an endpoint to the ServiceEntry, e.g. endpoints: [{address: api.example.com}]");
    return undefined;
  }

  /** The destination's port: the one it names, else the ServiceEntry's only HTTP port (Istio's HTTP routes serve HTTP ports). */
  private port(d: DestinationSpec, se: ServiceEntrySpec): PortSpec | undefined {
    let port: PortSpec | undefined;
    if (d.port !== undefined) {
      port = se.ports.find((p) => p.number === d.port);
      if (!port)
        d.field.get("port").error(
          `port ${d.port} is not declared by ServiceEntry ${se.name} (ports: ${se.ports.map((p) => p.number).join(", ")})`,
          "use one of the ServiceEntry's port numbers",
        );
    } else {
      const http = se.ports.filter((p) => p.scheme);
      const candidates = http.length > 0 ? http : se.ports;
      if (candidates.length === 1) port = candidates[0];
      else if (candidates.length > 1)
        d.field.error(`ServiceEntry ${se.name} has ${candidates.length} ${http.length < se.ports.length ? "HTTP " : ""}ports, so the destination must choose one`, "add port: {number: N}");
    }
    if (!port) return undefined;
    this.used.add(port);
    if (port.scheme) return port;
    (d.port !== undefined ? d.field.get("port") : d.field).error(
      `port ${port.number} of ServiceEntry ${se.name} cannot take this HTTP route: ${notHttpReason(port.protocol)}`,
      "route to an HTTP or HTTPS port of the service (add one to the ServiceEntry if it has none)",
    );
    return undefined;
  }
}

/** `scheme://host[:port]`, the port left out when it is the scheme's default; IPv6 addresses bracketed. */
export function originUrl(scheme: "http" | "https", address: string, port: number): string {
  const host = address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
  const defaultPort = scheme === "https" ? 443 : 80;
  return `${scheme}://${host.toLowerCase()}${port === defaultPort ? "" : `:${port}`}`;
}
