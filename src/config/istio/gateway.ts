// The Istio Gateway kind (istio/api networking/v1 gateway.proto), read for what it
// means at the edge: which hosts each Gateway exposes. The worker is the gateway
// workload of every Gateway in routes.yaml (whatever their selector says) and
// Cloudflare is its listener, so server ports are not matched and TLS is terminated
// with the zone's certificate. A server the worker cannot serve (TCP, TLS
// passthrough, gRPC) is skipped with a warning; one that asks for client
// certificates is refused, because serving it would let in clients Istio turns away.
import type { Field, KeyRules } from "../field";
import { covers, normalizeHost } from "../host-pattern";
import { readLabels } from "../labels";

/** One `servers[].hosts` entry: `namespace` undefined selects VirtualServices of any namespace. */
export interface GatewayHost {
  namespace?: string;
  host: string;
  field: Field;
}

export interface GatewaySpec {
  name: string;
  namespace?: string;
  /** the hosts of the servers the worker serves */
  hosts: GatewayHost[];
  /** the hosts of servers it does not serve: refused (an error says why) or skipped (a warning says why) */
  unserved: (GatewayHost & { refused: boolean; server: Field })[];
  field: Field;
}

/** A VirtualService's `gateways` entry: the reserved `mesh`, or a Gateway by namespace and name. */
export type GatewayRef = { mesh: true; field: Field } | { mesh?: false; namespace?: string; name: string; field: Field };

export const GATEWAY: KeyRules = { known: ["servers", "selector"] };

export const SERVER: KeyRules = {
  known: ["port", "hosts", "tls", "name"],
  ignored: { defaultEndpoint: "Istio does not implement it either" },
  refused: { bind: "binds the server to an address inside the gateway pod, out of the internet's reach; the worker has only its public listener" },
  fixes: { bind: "remove this server: bound to an internal address, it is not reachable from outside in Istio either (removing only bind would expose it)" },
};

export const GATEWAY_PORT: KeyRules = { known: ["number", "protocol", "name"], ignored: { targetPort: "deprecated in Istio; it applies to ServiceEntry ports only" } };

/** Certificate and protocol settings: Cloudflare's edge certificate and the zone's TLS settings apply instead. */
const EDGE_TLS_FIELDS = [
  "serverCertificate", "privateKey", "caCertificates", "caCrl", "credentialName", "credentialNames", "caCertCredentialName",
  "tlsCertificates", "subjectAltNames", "verifyCertificateSpki", "verifyCertificateHash", "minProtocolVersion",
  "maxProtocolVersion", "cipherSuites", "insecureSkipVerify",
];

export const SERVER_TLS: KeyRules = { known: ["httpsRedirect", "mode", ...EDGE_TLS_FIELDS] };

const TLS_MODES = ["PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL"];
/** Istio's protocol names (pkg/config/protocol), upper-cased. */
const PROTOCOLS = ["HTTP", "HTTP2", "HTTPS", "GRPC", "GRPC-WEB", "TCP", "TLS", "UDP", "MONGO", "REDIS", "MYSQL", "HTTP_PROXY"];

export function readGateway(name: string, namespace: string | undefined, spec: Field): GatewaySpec | undefined {
  if (!spec.checkMap(GATEWAY)) return undefined;
  readLabels(spec.get("selector"));
  const servers = spec.get("servers");
  servers.require('add servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["api.example.com"]}]');
  const unserved: GatewaySpec["unserved"] = [];
  const read = servers.items().map((s) => ({ s, hosts: readServer(s, namespace, unserved), protocol: s.get("port").get("protocol").string()?.toUpperCase() }));
  warnHttpsOnly(read);
  return { name, namespace, hosts: read.flatMap((r) => r.hosts), unserved, field: spec };
}

/**
 * Istio's gateway has no listener for plain HTTP to a host only HTTPS servers expose
 * (istio.io secure-ingress task: port 443 only); the worker is reached on whatever
 * ports Cloudflare serves the zone on, so it would answer plain HTTP too. Said, with
 * the zone setting that keeps such requests from reaching it.
 */
function warnHttpsOnly(servers: { s: Field; hosts: GatewayHost[]; protocol: string | undefined }[]): void {
  const plain = servers.filter((r) => r.protocol === "HTTP" || r.protocol === "HTTP2").flatMap((r) => r.hosts.map((h) => h.host));
  for (const r of servers) {
    if (r.protocol !== "HTTPS") continue;
    const only = r.hosts.map((h) => h.host).filter((h) => !plain.some((p) => covers(p, h)));
    if (only.length > 0)
      r.s.warn(
        `${only.join(", ")}: Istio serves ${only.length === 1 ? "this host" : "these hosts"} over HTTPS only (no plain-HTTP server exposes ${only.length === 1 ? "it" : "them"}), but the worker answers whatever scheme Cloudflare receives, plain HTTP included`,
        "turn on Always Use HTTPS for the zone: Cloudflare then redirects plain-HTTP requests before the worker runs",
      );
  }
}

function readServer(s: Field, gatewayNamespace: string | undefined, unserved: GatewaySpec["unserved"]): GatewayHost[] {
  if (!s.checkMap(SERVER)) return [];
  const protocol = readPort(s.get("port"));
  const hostsField = s.get("hosts");
  hostsField.require('list the hosts this server exposes, e.g. hosts: ["api.example.com"]');
  if (hostsField.present && hostsField.items().length === 0) hostsField.error("must list at least one host", 'add a host, e.g. - "api.example.com"');
  const hosts = hostsField.items().flatMap((f) => readServerHost(f, gatewayNamespace));
  const mode = s.get("tls").present ? readServerTls(s.get("tls"), protocol) : undefined;
  if (protocol === undefined || mode === null) {
    // Refused with an error already: a VirtualService bound to these hosts is not told again that no server exposes them.
    unserved.push(...hosts.map((h) => ({ ...h, refused: true, server: s })));
    return [];
  }
  const skipped = skipReason(protocol, mode);
  if (skipped) {
    s.warn(`skipped: ${skipped}; its hosts are not served by the worker`);
    unserved.push(...hosts.map((h) => ({ ...h, refused: false, server: s })));
    return [];
  }
  return hosts;
}

/** The server's protocol, upper-cased; number and name are checked as Istio requires them. */
function readPort(port: Field): string | undefined {
  if (!port.require("add port: {number: 80, name: http, protocol: HTTP}") || !port.checkMap(GATEWAY_PORT)) return undefined;
  // The number is not matched: Cloudflare forwards the zone's ports to the worker.
  if (port.get("number").require("add number: 80")) port.get("number").port();
  if (port.get("name").require("name the port, e.g. name: http")) port.get("name").string();
  const field = port.get("protocol");
  if (!field.require("add protocol: HTTP (or HTTPS with tls.mode SIMPLE)")) return undefined;
  const protocol = field.string()?.toUpperCase();
  if (protocol !== undefined && !PROTOCOLS.includes(protocol)) {
    field.error(`unknown protocol "${protocol}"`, `use one of ${PROTOCOLS.join(", ")}`);
    return undefined;
  }
  return protocol;
}

/** `api.example.com`, `*`, `prod/*.example.com`, `./api.example.com`, `*\/api.example.com`. */
function readServerHost(f: Field, gatewayNamespace: string | undefined): GatewayHost[] {
  const raw = f.string();
  if (raw === undefined) return [];
  const slash = raw.indexOf("/");
  const ns = slash < 0 ? "*" : raw.slice(0, slash);
  const host = normalizeHost(raw.slice(slash + 1));
  // A namespace is a DNS label (Kubernetes), `*` or `.`.
  if (host === undefined || !/^(\*|\.|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.test(ns)) {
    f.error(`"${raw}" is not a gateway host`, "write a host (api.example.com, *.example.com, *), optionally after a namespace: prod/api.example.com");
    return [];
  }
  // `*/` is any namespace; `./` the Gateway's own (any, when the Gateway names none).
  const namespace = ns === "*" ? undefined : ns === "." ? gatewayNamespace : ns;
  return [namespace === undefined ? { host, field: f } : { namespace, host, field: f }];
}

/**
 * Reads the TLS settings and warns about what Cloudflare does instead. Returns the
 * mode (Istio's default is PASSTHROUGH), or null when the server must be refused.
 */
function readServerTls(tls: Field, protocol: string | undefined): string | null | undefined {
  if (!tls.checkMap(SERVER_TLS)) return null;
  if (tls.get("httpsRedirect").boolean())
    tls.get("httpsRedirect").warn("is not done by the worker", "turn on Always Use HTTPS for the zone: Cloudflare then answers plain-HTTP requests with a redirect before the worker runs", tls.get("httpsRedirect").keyAt);
  const modeField = tls.get("mode");
  const mode = modeField.string() ?? (modeField.present ? undefined : "PASSTHROUGH");
  if (mode === undefined) return null;
  if (!TLS_MODES.includes(mode)) {
    modeField.error(`unknown TLS mode "${mode}"`, `use one of ${TLS_MODES.join(", ")}`);
    return null;
  }
  if (mode === "MUTUAL" && protocol === "HTTPS") {
    modeField.error(
      "MUTUAL requires client certificates, which the worker cannot ask for: serving this server would let in clients Istio turns away",
      "require client certificates for the zone first (Cloudflare mTLS: SSL/TLS → Client Certificates, with a WAF rule on cf.tls_client_auth.cert_verified), then write mode: SIMPLE here",
    );
    return null;
  }
  const set = EDGE_TLS_FIELDS.filter((k) => tls.get(k).present);
  const terminates = protocol === "HTTPS" && (mode === "SIMPLE" || mode === "OPTIONAL_MUTUAL");
  if (terminates && set.length > 0)
    tls.warn(`${set.join(", ")}: not used; Cloudflare terminates TLS for the worker with the zone's edge certificate and TLS settings`, "manage them under SSL/TLS → Edge Certificates (certificate, Minimum TLS Version, cipher suites)");
  if (terminates && mode === "OPTIONAL_MUTUAL")
    modeField.warn("client certificates are not requested: every client is served as one without a certificate, which OPTIONAL_MUTUAL also accepts");
  return mode;
}

/** Why the worker cannot serve a server of this protocol and TLS mode, if it cannot. */
function skipReason(protocol: string, mode: string | undefined): string | undefined {
  if (protocol === "HTTP" || protocol === "HTTP2") return undefined;
  if (protocol === "HTTPS") {
    if (mode === "SIMPLE" || mode === "OPTIONAL_MUTUAL") return undefined;
    if (mode === "ISTIO_MUTUAL") return "tls.mode ISTIO_MUTUAL admits only mesh workloads holding istiod's certificates, and the worker serves the internet";
    return `tls.mode ${mode ?? "PASSTHROUGH"} passes TLS through by SNI to tls routes, and Cloudflare terminates TLS before the worker (use mode: SIMPLE)`;
  }
  if (protocol === "GRPC" || protocol === "GRPC-WEB") return `protocol ${protocol} needs gRPC upstream (HTTP/2 with trailers), which a Worker's fetch() cannot send`;
  return `protocol ${protocol} is not HTTP, and a Worker proxies HTTP requests only`;
}

/** `mesh`, `name`, `namespace/name`, `./name` or Istio's legacy `name.namespace.svc.cluster.local`. */
export function readGatewayRefs(f: Field, namespace: string | undefined): GatewayRef[] {
  return f.items().flatMap((item): GatewayRef[] => {
    const raw = item.string();
    if (raw === undefined) return [];
    if (raw === "mesh") return [{ mesh: true, field: item }];
    const parts = raw.includes("/") ? raw.split("/") : raw.includes(".") ? raw.split(".").slice(0, 2).reverse() : [".", raw];
    const [ns, name] = parts;
    if (parts.length !== 2 || !ns || !name) {
      item.error(`"${raw}" is not a gateway name`, "write the Gateway's name, namespace/name, or mesh");
      return [];
    }
    const refNamespace = ns === "." ? namespace : ns;
    return [refNamespace === undefined ? { name, field: item } : { namespace: refNamespace, name, field: item }];
  });
}
