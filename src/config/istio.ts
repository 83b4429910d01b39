// The Istio fields edge-mirror accepts, per kind (istio/api networking/v1
// virtual_service.proto, destination_rule.proto, service_entry.proto), read into
// plain specs. Every other field is refused with a reason: never silently ignored.
import type { Field, KeyRules } from "./field";
import { readMatchBlock } from "./match-spec";
import { readCors, readDirectResponse, readDurationMs, readFault, readHeadersPolicy, readRedirect, readRetries, readRewrite } from "./route-policies";
import type { HeadersPolicy, LoadBalancer, MatchBlock, Route } from "../routing/table";

const NOT_YET = "planned; see the README's routes.yaml reference";
const EXPORT_TO = { exportTo: "namespaces do not exist at the edge; every resource in routes.yaml is visible" };

export interface DestinationSpec {
  host: string;
  subset?: string;
  port?: number;
  field: Field;
}

export interface MirrorSpec {
  destination: DestinationSpec;
  /** 0..100 */
  percent: number;
  field: Field;
}

/** The route policies that need no cross-reference pass straight into the table. */
export const ROUTE_POLICIES = ["headers", "rewrite", "retries", "fault", "redirect", "directResponse", "cors"] as const;

export interface HttpRouteSpec extends Partial<Pick<Route, (typeof ROUTE_POLICIES)[number] | "timeoutMs">> {
  name?: string;
  match: MatchBlock[];
  route: { destination: DestinationSpec; weight?: number; headers?: HeadersPolicy; field: Field }[];
  mirrors: MirrorSpec[];
  field: Field;
}

export interface VirtualServiceSpec {
  name: string;
  hosts: { host: string; field: Field }[];
  http: HttpRouteSpec[];
  field: Field;
}

export interface DestinationRuleSpec {
  name: string;
  host: string;
  lb?: LoadBalancer;
  subsets: Map<string, { labels: Record<string, string>; lb?: LoadBalancer; field: Field }>;
  field: Field;
}

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

const VIRTUAL_SERVICE: KeyRules = {
  known: ["hosts", "http"],
  refused: {
    gateways: "there are no mesh gateways at the edge: the worker itself is the gateway for its routes",
    tcp: "a Worker proxies HTTP requests only",
    tls: "TLS is terminated by Cloudflare; SNI passthrough routing does not exist for a Worker",
  },
  ignored: EXPORT_TO,
};

const DELEGATE = "delegate VirtualServices are stitched together by istiod across namespaces; write the routes in this VirtualService";

const HTTP_ROUTE: KeyRules = {
  known: [
    "name", "match", "route", "mirror", "mirrorPercentage", "mirrorPercent", "mirrors", "timeout",
    "headers", "rewrite", "retries", "fault", "redirect", "directResponse", "corsPolicy",
  ],
  refused: { delegate: DELEGATE },
};

export function readVirtualService(name: string, spec: Field): VirtualServiceSpec | undefined {
  if (!spec.checkMap(VIRTUAL_SERVICE)) return undefined;
  const hostsField = spec.get("hosts");
  const hosts = hostsField.items().flatMap((f) => {
    const host = f.string();
    return host === undefined ? [] : [{ host, field: f }];
  });
  if (hostsField.present && hosts.length === 0) hostsField.error("must list at least one host", "add the hostname clients use, e.g. - api.example.com");
  else hostsField.require("add the hostnames clients use, e.g. hosts: [api.example.com]");
  const httpField = spec.get("http");
  if (!httpField.require("add an http: list with at least one route")) return undefined;
  const http = httpField.items().flatMap((f) => {
    const route = readHttpRoute(f);
    return route ? [route] : [];
  });
  return { name, hosts, http, field: spec };
}

function readHttpRoute(f: Field): HttpRouteSpec | undefined {
  if (!f.checkMap(HTTP_ROUTE)) return undefined;
  const match = f.get("match").items().flatMap((m) => {
    const block = readMatchBlock(m);
    return block ? [block] : [];
  });
  const routeField = f.get("route");
  const redirectField = f.get("redirect");
  const directField = f.get("directResponse");
  // Istio: exactly one of route, redirect, directResponse (and delegate).
  const actions = [routeField, redirectField, directField].filter((a) => a.present);
  if (actions.length === 0) routeField.require("add route: with at least one destination, e.g. - destination: {host: httpbin, subset: v1}");
  if (actions.length > 1)
    f.error(`has ${actions.map((a) => a.path.split(".").pop()).join(" and ")}; an HTTP route takes exactly one of route, redirect, directResponse (Istio)`, "split them into separate http[] entries");
  const route = routeField.items().flatMap((r) => {
    if (!r.checkMap({ known: ["destination", "weight", "headers"] })) return [];
    const destination = readDestination(r.get("destination"));
    const weightField = r.get("weight");
    const weight = weightField.number();
    if (weight !== undefined && (!Number.isInteger(weight) || weight < 0))
      weightField.error(`must be a whole number ≥ 0, found ${weight}`, "Istio weights are int32 and relative: each destination gets weight / sum");
    const headers = r.get("headers").present ? readHeadersPolicy(r.get("headers")) : undefined;
    return destination ? [{ destination, weight, headers, field: r }] : [];
  });
  if (routeField.present && routeField.items().length === 0) routeField.error("must list at least one destination");
  const spec: HttpRouteSpec = { name: f.get("name").string(), match, route, mirrors: readMirrors(f), timeoutMs: f.get("timeout").present ? readDurationMs(f.get("timeout")) : undefined, field: f };
  const optional = <T>(key: string, read: (field: Field) => T | undefined): T | undefined => (f.get(key).present ? read(f.get(key)) : undefined);
  spec.headers = optional("headers", readHeadersPolicy);
  spec.rewrite = optional("rewrite", readRewrite);
  spec.retries = optional("retries", readRetries);
  spec.fault = optional("fault", readFault);
  spec.redirect = optional("redirect", readRedirect);
  spec.directResponse = optional("directResponse", readDirectResponse);
  spec.cors = optional("corsPolicy", readCors);
  if ((spec.redirect || spec.directResponse) && (f.get("mirror").present || f.get("mirrors").present))
    (f.get("mirror").present ? f.get("mirror") : f.get("mirrors")).error(
      "has nothing to mirror: a redirect or directResponse route never reaches an upstream",
      "move the mirror to a route with destinations",
    );
  return spec;
}

/** `mirror` + `mirrorPercentage` / `mirrorPercent`, then `mirrors[]` (Istio's emission order). */
function readMirrors(f: Field): MirrorSpec[] {
  const mirrors: MirrorSpec[] = [];
  const mirror = f.get("mirror");
  const list = f.get("mirrors");
  const percentage = f.get("mirrorPercentage");
  const legacy = f.get("mirrorPercent");
  if (mirror.present && list.present) {
    list.error(
      "cannot be used together with mirror (Istio: \"HTTP route cannot contain both mirror and mirrors\")",
      "move the mirror destination into mirrors: as one more entry",
      list.keyAt,
    );
  }
  if (!mirror.present && (percentage.present || legacy.present)) {
    (percentage.present ? percentage : legacy).error("has no effect without mirror", "add mirror: {host, subset}, or remove it");
  }
  if (mirror.present) {
    const destination = readDestination(mirror);
    let percent = 100; // Istio: absent mirrorPercentage = 100 %
    if (legacy.present) {
      legacy.warn("mirrorPercent is deprecated in Istio", "use mirrorPercentage: {value: N}", legacy.keyAt);
      const value = legacy.number();
      if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 100))
        legacy.error(`must be a whole number from 0 to 100, found ${value}`);
      else if (value !== undefined) percent = value;
    }
    if (percentage.present) {
      const value = readPercent(percentage);
      if (value !== undefined) percent = value; // mirrorPercentage wins over mirrorPercent
    }
    if (destination) mirrors.push({ destination, percent, field: mirror });
  }
  for (const item of list.items()) {
    if (!item.checkMap({ known: ["destination", "percentage"] })) continue;
    const destination = readDestination(item.get("destination"));
    const percentage = item.get("percentage");
    const percent = percentage.present ? readPercent(percentage) : 100;
    if (destination && percent !== undefined) mirrors.push({ destination, percent, field: item });
  }
  return mirrors;
}

/** Istio Percent `{value: double}`, 0..100 (istio pkg/config/validation). */
function readPercent(f: Field): number | undefined {
  if (!f.checkMap({ known: ["value"] })) return undefined;
  const value = f.get("value");
  if (!value.present) return 0; // proto3 default of an empty Percent
  const n = value.number();
  if (n === undefined) return undefined;
  if (n < 0 || n > 100) {
    value.error(`must be between 0 and 100, found ${n}`, "a percentage of requests, e.g. value: 10.5");
    return undefined;
  }
  return n;
}

function readDestination(f: Field): DestinationSpec | undefined {
  if (!f.require("add destination: {host: <ServiceEntry host>, subset: <DestinationRule subset>}")) return undefined;
  if (!f.checkMap({ known: ["host", "subset", "port"] })) return undefined;
  const hostField = f.get("host");
  hostField.require("name the service, e.g. host: httpbin");
  const host = hostField.string();
  const subset = f.get("subset").string();
  let port: number | undefined;
  const portField = f.get("port");
  if (portField.checkMap({ known: ["number"] })) {
    port = portField.get("number").number();
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      portField.get("number").error(`must be a port number 1..65535, found ${port}`);
      port = undefined;
    }
  }
  return host === undefined ? undefined : { host, subset, port, field: f };
}

const DESTINATION_RULE: KeyRules = {
  known: ["host", "subsets", "trafficPolicy"],
  refused: { workloadSelector: "selects mesh workloads; the edge has none" },
  ignored: EXPORT_TO,
};

const TRAFFIC_POLICY: KeyRules = {
  known: ["loadBalancer"],
  refused: {
    connectionPool: "Cloudflare manages the worker's connections to origins; there is no pool to size",
    outlierDetection: "a Worker keeps no state across requests to eject unhealthy origins with",
    tls: "origin TLS is negotiated and verified by Cloudflare (the URL scheme comes from the ServiceEntry port)",
    tunnel: "a Worker cannot tunnel through an egress proxy",
    proxyProtocol: "a Worker cannot send PROXY protocol headers",
  },
  notYet: { portLevelSettings: NOT_YET },
};

/** trafficPolicy.loadBalancer: simple ROUND_ROBIN / RANDOM, or consistentHash by header, cookie, query parameter or client IP. */
function readTrafficPolicy(f: Field): LoadBalancer | undefined {
  if (!f.checkMap(TRAFFIC_POLICY)) return undefined;
  const lb = f.get("loadBalancer");
  if (!lb.checkMap({ known: ["simple", "consistentHash"], notYet: { localityLbSetting: NOT_YET, warmupDurationSecs: NOT_YET, warmup: NOT_YET } })) return undefined;
  const simple = lb.get("simple").string();
  const hash = lb.get("consistentHash");
  if (simple !== undefined && hash.present) lb.error("takes simple or consistentHash, not both (Istio)");
  if (simple !== undefined) {
    if (simple === "ROUND_ROBIN" || simple === "RANDOM") return { simple };
    if (simple === "LEAST_REQUEST" || simple === "LEAST_CONN") {
      lb.get("simple").warn(`${simple} needs a view of outstanding requests a Worker does not have; RANDOM is used (Envoy's LEAST_REQUEST picks between two random origins)`);
      return { simple: "RANDOM" };
    }
    lb.get("simple").error(`unsupported simple load balancer "${simple}"`, "use ROUND_ROBIN, RANDOM or LEAST_REQUEST");
    return undefined;
  }
  if (!hash.checkMap({
    known: ["httpHeaderName", "httpCookie", "httpQueryParameterName", "useSourceIp"],
    notYet: { ringHash: NOT_YET, maglev: NOT_YET, minimumRingSize: NOT_YET },
  })) return undefined;
  const keys = ["httpHeaderName", "httpCookie", "httpQueryParameterName", "useSourceIp"].filter((k) => hash.get(k).present);
  if (keys.length !== 1) {
    hash.error("needs exactly one of httpHeaderName, httpCookie, httpQueryParameterName, useSourceIp");
    return undefined;
  }
  const header = hash.get("httpHeaderName").string();
  if (header !== undefined) return { hash: { header: header.toLowerCase() } };
  const query = hash.get("httpQueryParameterName").string();
  if (query !== undefined) return { hash: { query } };
  if (hash.get("useSourceIp").boolean()) return { hash: { header: "cf-connecting-ip" } };
  const cookie = hash.get("httpCookie");
  if (!cookie.checkMap({ known: ["name"], notYet: { ttl: "planned (Envoy would set the cookie)", path: "planned", attributes: "planned" } })) return undefined;
  cookie.get("name").require("name the cookie, e.g. name: session");
  const name = cookie.get("name").string();
  return name === undefined ? undefined : { hash: { cookie: name } };
}

export function readDestinationRule(name: string, spec: Field): DestinationRuleSpec | undefined {
  if (!spec.checkMap(DESTINATION_RULE)) return undefined;
  const hostField = spec.get("host");
  hostField.require("name the service these subsets belong to, e.g. host: httpbin");
  const host = hostField.string();
  const lb = spec.get("trafficPolicy").present ? readTrafficPolicy(spec.get("trafficPolicy")) : undefined;
  const subsets = new Map<string, { labels: Record<string, string>; lb?: LoadBalancer; field: Field }>();
  for (const s of spec.get("subsets").items()) {
    if (!s.checkMap({ known: ["name", "labels", "trafficPolicy"] })) continue;
    const nameField = s.get("name");
    nameField.require("name the subset, e.g. name: v1");
    const subsetName = nameField.string();
    if (subsetName === undefined) continue;
    if (subsets.has(subsetName)) nameField.error(`subset "${subsetName}" is defined twice`, "give each subset a unique name");
    const subsetLb = s.get("trafficPolicy").present ? readTrafficPolicy(s.get("trafficPolicy")) : undefined;
    subsets.set(subsetName, { labels: readLabels(s.get("labels")), lb: subsetLb, field: s });
  }
  return host === undefined ? undefined : { name, host, lb, subsets, field: spec };
}

function readLabels(f: Field): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of f.entries()) {
    const v = value.node && "value" in value.node ? value.node.value : undefined;
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") labels[key] = String(v);
    else value.error("a label value must be a string");
  }
  return labels;
}

const SERVICE_ENTRY: KeyRules = {
  known: ["hosts", "ports", "endpoints", "resolution", "location"],
  refused: {
    addresses: "virtual IPs route TCP inside a mesh; the worker selects services by host name",
    workloadSelector: "selects mesh workloads; the edge has none",
    subjectAltNames: "Workers verify origin certificates against public CAs; mesh identities do not apply",
  },
  ignored: EXPORT_TO,
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
  if (!p.checkMap({ known: ["number", "name", "protocol"], notYet: { targetPort: NOT_YET } })) return undefined;
  const numberField = p.get("number");
  numberField.require("add number: 80");
  const number = numberField.number();
  if (number !== undefined && (!Number.isInteger(number) || number < 1 || number > 65535)) {
    numberField.error(`must be a port number 1..65535, found ${number}`);
    return undefined;
  }
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
  const ok = e.checkMap({
    known: ["address", "ports", "labels"],
    notYet: { weight: NOT_YET, locality: NOT_YET },
    refused: {
      network: "mesh networks do not exist at the edge",
      serviceAccount: "mesh identities (mTLS) do not apply to origins reached by a Worker",
    },
  });
  if (!ok) return undefined;
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
    const n = value.number();
    if (n !== undefined && Number.isInteger(n) && n >= 1 && n <= 65535) ports[portName] = n;
    else if (n !== undefined) value.error(`must be a port number 1..65535, found ${n}`);
  }
  return { address, ports, labels: readLabels(e.get("labels")), field: e };
}

export function isIpAddress(address: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(address) || address.includes(":");
}
