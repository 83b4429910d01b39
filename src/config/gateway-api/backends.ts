// backendRefs → the table's Clusters. A core Service resolves through the
// WorkloadEntries its selector matches (in its namespace, as Kubernetes selects
// pods): each one's address, on the port the WorkloadEntry gives the Service port's
// name, else the Service port's targetPort, else the port itself. type ExternalName
// goes to `externalName` on the backendRef's port. Istio's Hostname kind is a
// ServiceEntry host, resolved like a VirtualService destination. A Service a
// BackendTLSPolicy targets is reached over https:// (backend-tls-policy.ts). What
// cannot be resolved is a build error at the backendRef, never a silently dropped backend.
import type { DestinationSpec } from "../destination";
import type { Field } from "../field";
import { isIpAddress } from "../istio/service-entry";
import type { Cluster } from "../../routing/table";
import type { BackendRefSpec } from "./backend-ref";
import type { BackendTlsPolicySpec } from "./backend-tls-policy";
import { portScheme, type ServicePortSpec, type ServiceSpec } from "./service";
import type { WorkloadEntrySpec } from "./workload-entry";

export interface BackendSources {
  service(namespace: string, name: string): ServiceSpec | undefined;
  exists(namespace: string, name: string): boolean;
  /** the Services of a namespace, for "did you mean" lists */
  serviceNames(namespace: string): string[];
  workloadEntries: readonly WorkloadEntrySpec[];
  serviceEntryHosts: ReadonlySet<string>;
  resolveHostname(destination: DestinationSpec): Cluster | undefined;
  /** the BackendTLSPolicy for a Service's port (by the port's name), if any */
  tlsPolicy(namespace: string, service: string, portName: string | undefined): BackendTlsPolicySpec | undefined;
}

export class BackendResolver {
  private readonly cache = new Map<string, Cluster>();
  /** WorkloadEntries some Service selected (the others get a warning) */
  readonly usedEntries = new Set<WorkloadEntrySpec>();

  constructor(private readonly sources: BackendSources) {}

  resolve(ref: BackendRefSpec, routeNamespace: string): Cluster | undefined {
    if (ref.kind === "Hostname") return this.hostname(ref);
    const namespace = ref.namespace ?? routeNamespace;
    if (namespace !== routeNamespace) {
      ref.field.get("namespace").error(
        `refers to namespace ${namespace}, which needs a ReferenceGrant there; edge-mirror does not read ReferenceGrants yet`,
        "put the Service in the route's namespace",
      );
      return undefined;
    }
    const key = `${namespace}/${ref.name}:${ref.port}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const service = this.sources.service(namespace, ref.name);
    if (!service) {
      if (!this.sources.exists(namespace, ref.name)) {
        const known = this.sources.serviceNames(namespace);
        ref.field.get("name").error(
          `no Service "${ref.name}" in namespace ${namespace}${known.length ? ` (Services: ${known.join(", ")})` : ""}`,
          `add a Service named ${ref.name} with this port and a selector, and WorkloadEntries that say where its workloads run`,
        );
      }
      return undefined;
    }
    const cluster = this.serviceCluster(service, ref);
    if (cluster) this.cache.set(key, cluster);
    return cluster;
  }

  private serviceCluster(service: ServiceSpec, ref: BackendRefSpec): Cluster | undefined {
    const number = ref.port!;
    const port = service.ports.find((p) => p.port === number);
    if (!port && service.type !== "ExternalName") {
      ref.field.get("port").error(`Service ${service.id} has no port ${number} (ports: ${service.ports.map((p) => p.port).join(", ") || "none"})`, "use the Service's port (not its targetPort)");
      return undefined;
    }
    if (port && port.protocol !== "TCP") {
      ref.field.get("port").error(`port ${number} of Service ${service.id} is ${port.protocol}; a Worker sends HTTP over TCP`, "use a TCP port");
      return undefined;
    }
    const policy = this.sources.tlsPolicy(service.namespace, service.name, port?.name);
    if (port && !policy) checkAppProtocol(port);
    const scheme = policy ? "https" : portScheme(port, number);
    const name = service.ports.length > 1 ? `${service.id}:${number}` : service.id;
    // A fetch sends the URL's host as SNI and checks the certificate for it: the origin's host must be the policy's hostname.
    const sni = (address: string, field: Field, what: string): boolean => {
      if (!policy || address.toLowerCase() === policy.hostname) return true;
      field.error(
        `BackendTLSPolicy ${policy.id} says Service ${service.id}'s backends speak TLS for "${policy.hostname}", but ${what} is "${address}": a Worker's fetch sends the URL's host as SNI and verifies the certificate for it, so the two cannot differ`,
        `use ${policy.hostname} as the address (the worker connects to what it resolves to), or change the policy's hostname`,
      );
      return false;
    };
    if (service.type === "ExternalName") {
      const address = service.externalName;
      if (address === undefined) return undefined;
      if (!sni(address, service.field.get("externalName"), "its externalName")) return undefined;
      if (isIpAddress(address))
        service.field.get("externalName").warn(`"${address}" is an IP address: fine locally, but Cloudflare's fetch() refuses IP-literal URLs in production`, "use a DNS name for production");
      return { name, origins: [originUrl(scheme, address, number)] };
    }
    const selector = service.selector ?? {};
    if (Object.keys(selector).length === 0) {
      ref.field.get("name").error(
        `Service ${service.id} has no selector, so nothing says where its workloads run`,
        "give the Service a selector and add WorkloadEntries with those labels, or make it type: ExternalName",
      );
      return undefined;
    }
    const entries = this.sources.workloadEntries.filter((e) => e.namespace === service.namespace && Object.entries(selector).every(([k, v]) => e.labels[k] === v));
    if (entries.length === 0) {
      ref.field.get("name").error(
        `Service ${service.id} selects no WorkloadEntry (selector ${JSON.stringify(selector)}, namespace ${service.namespace})`,
        `add a WorkloadEntry (networking.istio.io/v1) in namespace ${service.namespace} with labels ${JSON.stringify(selector)} and the origin's address`,
      );
      return undefined;
    }
    const origins: string[] = [];
    for (const entry of entries) {
      this.usedEntries.add(entry);
      if (!sni(entry.address, entry.field.get("address"), `WorkloadEntry ${entry.id}'s address`)) continue;
      const target = entryPort(entry, port!);
      if (target === undefined) {
        entry.field.get("ports").error(
          `Service ${service.id}'s port ${number} targets the named port "${port!.targetPort}", which this WorkloadEntry does not list`,
          `add ports: {${port!.name ?? port!.targetPort}: <port>}`,
        );
        continue;
      }
      origins.push(originUrl(scheme, entry.address, target));
    }
    return origins.length === entries.length ? { name, origins: [...new Set(origins)] } : undefined;
  }

  private hostname(ref: BackendRefSpec): Cluster | undefined {
    if (!this.sources.serviceEntryHosts.has(ref.name)) {
      const known = [...this.sources.serviceEntryHosts];
      ref.field.get("name").error(
        `no ServiceEntry registers host "${ref.name}"${known.length ? ` (registered: ${known.join(", ")})` : ""}`,
        `add a ServiceEntry with hosts: [${ref.name}] and endpoints pointing at the origin`,
      );
      return undefined;
    }
    const destination: DestinationSpec = { host: ref.name, field: ref.field };
    if (ref.port !== undefined) destination.port = ref.port;
    return this.sources.resolveHostname(destination);
  }
}

/** The port a WorkloadEntry serves a Service port on; undefined for a named targetPort it does not list. */
function entryPort(entry: WorkloadEntrySpec, port: ServicePortSpec): number | undefined {
  if (port.name !== undefined && entry.ports[port.name] !== undefined) return entry.ports[port.name];
  if (typeof port.targetPort === "number") return port.targetPort;
  if (typeof port.targetPort === "string") return entry.ports[port.targetPort];
  return port.port;
}

function originUrl(scheme: "http" | "https", address: string, port: number): string {
  const host = address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
  const defaultPort = scheme === "https" ? 443 : 80;
  return `${scheme}://${host.toLowerCase()}${port === defaultPort ? "" : `:${port}`}`;
}

/** Service appProtocols a Worker speaks to an origin as written: HTTP/1.1, TLS, WebSocket upgrades. */
const HONOURED_APP_PROTOCOLS = ["http", "https", "kubernetes.io/ws", "kubernetes.io/wss", "grpc-web"];

/**
 * An appProtocol the edge cannot honour is said, not silently replaced: a Worker's
 * fetch speaks HTTP/1.1 (HTTP/2 only when TLS negotiates it), never h2c or raw TCP.
 */
function checkAppProtocol(port: ServicePortSpec): void {
  const value = port.appProtocol;
  if (value === undefined || HONOURED_APP_PROTOCOLS.includes(value.toLowerCase())) return;
  const h2 = ["kubernetes.io/h2c", "h2c", "http2", "grpc"].includes(value.toLowerCase());
  port.field.get("appProtocol").warn(
    h2
      ? `${value}: a Worker's fetch cannot speak HTTP/2 over cleartext to an origin, so the worker sends HTTP/1.1 to this port`
      : `${value}: the worker sends HTTP/1.1 to this port, which a ${value} backend may not understand`,
    h2 ? "make sure the backend accepts HTTP/1.1 on this port too (an HTTP/2-only or gRPC backend will fail), or use a port that does" : "point the backendRef at a port that serves HTTP",
  );
}
