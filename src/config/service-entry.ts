// The ServiceEntry fields edge-mirror accepts (istio/api networking/v1
// service_entry.proto): where each service's origins live, with their ports,
// protocols and labels. Every other field is refused with a reason: never silently ignored.
import type { Field, KeyRules } from "./field";
import { readLabels } from "./labels";
import { EXPORT_TO, NOT_YET } from "./reasons";

export interface PortSpec {
  number: number;
  name: string;
  scheme: "http" | "https";
}

export interface EndpointSpec {
  address: string;
  ports: Record<string, number>;
  labels: Record<string, string>;
  field: Field;
}

export interface ServiceEntrySpec {
  name: string;
  hosts: { host: string; field: Field }[];
  ports: PortSpec[];
  endpoints: EndpointSpec[];
  resolution?: string;
  field: Field;
}

export const SERVICE_ENTRY: KeyRules = {
  known: ["hosts", "ports", "endpoints", "resolution", "location"],
  refused: {
    addresses: "virtual IPs route TCP inside a mesh; the worker selects services by host name",
    workloadSelector: "selects mesh workloads; the edge has none",
    subjectAltNames: "Workers verify origin certificates against public CAs; mesh identities do not apply",
  },
  ignored: EXPORT_TO,
};

/** ServiceEntry.ports[], Istio's ServicePort. */
export const SERVICE_PORT: KeyRules = { known: ["number", "name", "protocol"], notYet: { targetPort: NOT_YET } };

/** ServiceEntry.endpoints[], Istio's WorkloadEntry. */
export const WORKLOAD_ENTRY: KeyRules = {
  known: ["address", "ports", "labels"],
  notYet: { weight: NOT_YET, locality: NOT_YET },
  refused: {
    network: "mesh networks do not exist at the edge",
    serviceAccount: "mesh identities (mTLS) do not apply to origins reached by a Worker",
  },
};

const RESOLUTIONS = ["DNS", "DNS_ROUND_ROBIN", "STATIC", "NONE"];
const LOCATIONS = ["MESH_EXTERNAL", "MESH_INTERNAL"];
const PROTOCOL_SCHEME: Record<string, "http" | "https"> = { HTTP: "http", HTTP2: "http", HTTPS: "https", TLS: "https" };

export function readServiceEntry(name: string, spec: Field): ServiceEntrySpec | undefined {
  if (!spec.checkMap(SERVICE_ENTRY)) return undefined;
  const hostsField = spec.get("hosts");
  hostsField.require("list the service names destinations use, e.g. hosts: [httpbin]");
  const hosts = hostsField.items().flatMap((f) => {
    const host = f.string();
    return host === undefined ? [] : [{ host, field: f }];
  });
  const resolutionField = spec.get("resolution");
  const resolution = resolutionField.string();
  if (resolution !== undefined && !RESOLUTIONS.includes(resolution)) {
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
  return { name, hosts, ports, endpoints, resolution, field: spec };
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
  if (!scheme) {
    (protocolField.present ? protocolField : p).error(
      protocolField.present ? `protocol ${protocol} cannot be proxied by a Worker` : "has no protocol and its name does not start with http or https",
      `use protocol: ${Object.keys(PROTOCOL_SCHEME).join(", ")}`,
    );
    return undefined;
  }
  return number === undefined || name === undefined ? undefined : { number, name, scheme };
}

function readEndpoint(e: Field, resolution: string | undefined): EndpointSpec | undefined {
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
