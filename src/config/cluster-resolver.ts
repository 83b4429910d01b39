// Destination (host, subset, port) → Cluster: the origins a route's requests go
// to, through DestinationRule subsets and ServiceEntry endpoints, with the
// DestinationRule's settings for that subset and port (load balancer, TLS).
// Every reference must resolve at build time; what does not is an error with the fix.
import type { DestinationSpec } from "./destination";
import { settingsFor, type DestinationRuleSpec } from "./destination-rule";
import { notHttpReason, type PortSpec, type ServiceEntrySpec } from "./service-entry";
import type { Cluster } from "../routing/table";

export class ClusterResolver {
  private readonly cache = new Map<string, Cluster>();
  /** ports some destination resolved to: the others of a protocol a Worker cannot proxy are skipped with a warning */
  private readonly used = new Set<PortSpec>();
  constructor(
    private readonly rules: Map<string, DestinationRuleSpec>,
    private readonly entries: Map<string, ServiceEntrySpec>,
  ) {}

  resolve(d: DestinationSpec): Cluster | undefined {
    const key = `${d.host}|${d.subset ?? ""}|${d.port ?? ""}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const se = this.entry(d);
    const labels = se && this.subsetLabels(d);
    const port = se && labels && this.port(d, se);
    if (!se || !labels || !port) return undefined;
    // Istio: the subset's trafficPolicy overrides the rule's, port-level settings their policy's.
    const settings = settingsFor(this.rules.get(d.host), d.subset, port.number);
    const scheme = settings.tls === "SIMPLE" ? "https" : port.scheme!;
    const origins = this.endpoints(d, se, labels)?.map((e) => originUrl(scheme, e.address, e.ports[port.name] ?? port.targetPort ?? port.number));
    if (!origins) return undefined;
    const cluster: Cluster = { name: d.subset ? `${d.host}/${d.subset}` : d.host, origins };
    if (settings.lb) cluster.lb = settings.lb;
    this.cache.set(key, cluster);
    return cluster;
  }

  /** Warns about each port of a protocol a Worker cannot proxy that no destination uses: it is skipped. */
  warnUnusedPorts(): void {
    for (const se of new Set(this.entries.values())) {
      for (const port of se.ports) {
        if (!port.scheme && !this.used.has(port))
          port.field.warn(`skipped: ${notHttpReason(port.protocol)}; no HTTP route uses port ${port.number}, so the worker ignores it`);
      }
    }
  }

  private entry(d: DestinationSpec): ServiceEntrySpec | undefined {
    const se = this.entries.get(d.host);
    const known = [...this.entries.keys()];
    if (!se)
      d.field.get("host").error(
        `no ServiceEntry registers host "${d.host}"${known.length ? ` (registered: ${known.join(", ")})` : ""}`,
        `add a ServiceEntry with hosts: [${d.host}] and endpoints pointing at the origin`,
      );
    return se;
  }

  private subsetLabels(d: DestinationSpec): Record<string, string> | undefined {
    if (d.subset === undefined) return {};
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
    const where = d.subset !== undefined ? `subset "${d.subset}" (labels ${JSON.stringify(labels)})` : `host "${d.host}"`;
    d.field.error(
      `${where} has no endpoint in ServiceEntry ${se.name}`,
      "add an endpoint whose labels contain the subset's labels, e.g. endpoints: [{address: v2.example.com, labels: {version: v2}}]",
    );
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
