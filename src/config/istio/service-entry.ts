// The ServiceEntry fields edge-mirror accepts (istio/api networking/v1
// service_entry.proto): where each service's origins live, with their ports,
// protocols and labels. Every other field is refused with a reason: never silently ignored.
import type { Field, KeyRules } from "../field";
import { readLabels } from "../labels";
import { NOT_YET } from "../reasons";
import { DEFAULT_NAMESPACE, fullName, readExportTo } from "./namespaces";

export interface PortSpec {
  number: number;
  name: string;
  /** Istio's protocol, upper-cased; from the port name's prefix (`http-web`) when absent */
  protocol: string;
  /** how a Worker reaches it; absent for a protocol it cannot proxy (TCP, gRPC, …), which only an unused port may have */
  scheme?: "http" | "https";
  /** where the endpoints listen (Istio targetPort); absent = number */
  targetPort?: number;
  field: Field;
}

export interface EndpointSpec {
  address: string;
  ports: Record<string, number>;
  labels: Record<string, string>;
  field: Field;
}

export interface ServiceEntrySpec {
  name: string;
  /**
   * metadata.namespace. Absent: the ServiceEntry lands wherever it is applied, so its
   * short hosts serve a destination of any namespace that no namespaced one serves.
   */
  namespace?: string;
  /**
   * `host` as written; `fullHost` the service it registers. A short host stands for the
   * Kubernetes Service of that name in the ServiceEntry's namespace (Istio itself keeps
   * ServiceEntry hosts as written: see docs/istio-support.md).
   */
  hosts: { host: string; fullHost: string; field: Field }[];
  /** spec.exportTo; undefined = every namespace */
  exportTo?: string[];
  ports: PortSpec[];
  endpoints: EndpointSpec[];
  resolution?: string;
  field: Field;
}

export const SERVICE_ENTRY: KeyRules = {
  known: ["hosts", "ports", "endpoints", "resolution", "location", "exportTo"],
  refused: {
    addresses: "virtual IPs route TCP inside a mesh; the worker selects services by host name",
    workloadSelector: "selects mesh workloads; the edge has none",
    subjectAltNames: "Workers verify origin certificates against public CAs; mesh identities do not apply",
  },
  fixes: {
    workloadSelector: "list the workloads' addresses under endpoints instead (removing only workloadSelector leaves the ServiceEntry without its origins)",
    subjectAltNames: "remove it, knowing the origin's certificate is then checked by Cloudflare against public CAs and the host name, not against these names",
  },
};

/** ServiceEntry.ports[], Istio's ServicePort. */
export const SERVICE_PORT: KeyRules = { known: ["number", "name", "protocol", "targetPort"] };

/** ServiceEntry.endpoints[], Istio's WorkloadEntry. */
export const WORKLOAD_ENTRY: KeyRules = {
  known: ["address", "ports", "labels"],
  notYet: { weight: NOT_YET, locality: NOT_YET },
  fixes: { weight: "remove it, knowing the endpoints then share requests equally (or use separate subsets and route weights)" },
  refused: {
    network: "mesh networks do not exist at the edge",
    serviceAccount: "mesh identities (mTLS) do not apply to origins reached by a Worker",
  },
};

const RESOLUTIONS = ["DNS", "DNS_ROUND_ROBIN", "STATIC", "NONE"];
const LOCATIONS = ["MESH_EXTERNAL", "MESH_INTERNAL"];
const PROTOCOL_SCHEME: Record<string, "http" | "https"> = { HTTP: "http", HTTP2: "http", HTTPS: "https", TLS: "https" };
/** Istio's other protocols (pkg/config/protocol): a port may declare them as long as no HTTP route uses it. */
const OTHER_PROTOCOLS = ["GRPC", "GRPC-WEB", "TCP", "UDP", "MONGO", "REDIS", "MYSQL", "HTTP_PROXY"];

/** Why a Worker cannot send an HTTP route's requests to a port of this protocol. */
export function notHttpReason(protocol: string): string {
  if (protocol === "GRPC" || protocol === "GRPC-WEB") return `protocol ${protocol} needs gRPC upstream (HTTP/2 with trailers), which a Worker's fetch() cannot send`;
  return `protocol ${protocol} is not HTTP, and a Worker proxies HTTP requests only`;
}

export function readServiceEntry(name: string, spec: Field, namespace?: string): ServiceEntrySpec | undefined {
  if (!spec.checkMap(SERVICE_ENTRY)) return undefined;
  const hostsField = spec.get("hosts");
  hostsField.require("list the service names destinations use, e.g. hosts: [httpbin]");
  const hosts = hostsField.items().flatMap((f) => {
    const host = f.string();
    return host === undefined ? [] : [{ host, fullHost: fullName(host, namespace ?? DEFAULT_NAMESPACE), field: f }];
  });
  const exportTo = readExportTo(spec.get("exportTo"));
  const resolutionField = spec.get("resolution");
  const resolution = resolutionField.string();
  if (resolution === "DYNAMIC_DNS") {
    resolutionField.error("is an Istio resolution edge-mirror does not support yet (Istio 1.28: the origin is the request's own host, resolved per request)", "use DNS with the host names listed");
  } else if (resolution !== undefined && !RESOLUTIONS.includes(resolution)) {
    resolutionField.error(`unknown resolution "${resolution}"`, `use one of ${RESOLUTIONS.join(", ")}`);
  } else if (resolution === "NONE") {
    resolutionField.error(
      "resolution NONE forwards to the original destination IP, which a Worker does not have",
      "use DNS (endpoints are host names) or STATIC (endpoints are IP addresses)",
    );
  }
  const location = spec.get("location").string();
  if (location !== undefined && !LOCATIONS.includes(location))
    spec.get("location").error(`unknown location "${location}"`, `use ${LOCATIONS.join(" or ")}`);

  const portsField = spec.get("ports");
  portsField.require("add ports: [{number: 443, name: https, protocol: HTTPS}]");
  const ports = portsField.items().flatMap((p) => {
    const port = readPort(p);
    return port ? [port] : [];
  });
  const endpoints = spec.get("endpoints").items().flatMap((e) => {
    const endpoint = readEndpoint(e, resolution);
    return endpoint ? [endpoint] : [];
  });
  return { name, ...(namespace === undefined ? {} : { namespace }), hosts, ...(exportTo === undefined ? {} : { exportTo }), ports, endpoints, resolution, field: spec };
}

function readPort(p: Field): PortSpec | undefined {
  if (!p.checkMap(SERVICE_PORT)) return undefined;
  const numberField = p.get("number");
  numberField.require("add number: 80");
  const number = numberField.port();
  const nameField = p.get("name");
  nameField.require("name the port, e.g. name: http");
  const name = nameField.string();
  const protocolField = p.get("protocol");
  // Istio infers the protocol from the port name's prefix (http-web, https-api) when absent.
  const protocol = (protocolField.string() ?? name?.split("-")[0] ?? "").toUpperCase();
  const scheme = PROTOCOL_SCHEME[protocol];
  if (!scheme && !OTHER_PROTOCOLS.includes(protocol)) {
    (protocolField.present ? protocolField : p).error(
      protocolField.present ? `unknown protocol "${protocol}"` : "has no protocol and its name does not start with http or https",
      `use protocol: ${Object.keys(PROTOCOL_SCHEME).join(", ")} (or ${OTHER_PROTOCOLS.join(", ")} for a port no HTTP route uses)`,
    );
    return undefined;
  }
  const targetPort = p.get("targetPort").present ? p.get("targetPort").port() : undefined;
  if (number === undefined || name === undefined) return undefined;
  const port: PortSpec = { number, name, protocol, field: p };
  if (scheme) port.scheme = scheme;
  if (targetPort !== undefined) port.targetPort = targetPort;
  return port;
}

/**
 * Istio's WorkloadEntry message: a ServiceEntry endpoint, or (resolution undefined)
 * a WorkloadEntry resource of its own (gateway-api/workload-entry.ts).
 */
export function readEndpoint(e: Field, resolution: string | undefined): EndpointSpec | undefined {
  if (!e.checkMap(WORKLOAD_ENTRY)) return undefined;
  const addressField = e.get("address");
  addressField.require("add address: <host name or IP of the origin>");
  const address = addressField.string();
  if (address === undefined) return undefined;
  if (address.startsWith("unix://")) {
    addressField.error("a Worker cannot reach unix domain sockets", "use a host name or IP address");
    return undefined;
  }
  if (resolution === "STATIC" && !isIpAddress(address)) {
    addressField.error(`resolution STATIC needs IP addresses, found "${address}"`, "use resolution: DNS for host names");
    return undefined;
  }
  if (!/^[A-Za-z0-9.\-:[\]]+$/.test(address)) {
    addressField.error(`"${address}" is not a host name or IP address`, "write only the host, without scheme, port or path");
    return undefined;
  }
  const ports: Record<string, number> = {};
  for (const [portName, value] of e.get("ports").entries()) {
    const n = value.port();
    if (n !== undefined) ports[portName] = n;
  }
  return { address, ports, labels: readLabels(e.get("labels")), field: e };
}

export function isIpAddress(address: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(address) || address.includes(":");
}
