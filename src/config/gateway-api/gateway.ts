// A Gateway API Gateway (gateway.networking.k8s.io, apis/v1/gateway_types.go), as
// far as it matters at the edge: the worker is the only gateway, so what a Gateway
// contributes is its listeners' hostnames (and names and ports, which parentRefs
// select by), and which routes they let attach.
import type { Field, KeyRules } from "../field";
import type { Resource } from "../documents";
import { objectMeta, type ObjectMeta } from "./metadata";
import { covers } from "../host-pattern";

/**
 * What a route attaches through, as the edge tells requests apart: a Gateway's
 * listener, a Service (Istio's mesh routes), or the worker itself (a route without
 * parentRefs). Compared by `id`.
 */
export interface ListenerRef {
  /** `Gateway ns/gw, listener http`, `Service ns/name`, `the worker` */
  id: string;
  /** the hostname pattern it accepts; `*` = every host */
  hostname: string;
  /** the port it listens on; absent = every port (a Service, the worker) */
  port?: number;
  /** where it is written, for errors about it */
  field?: Field;
}

export interface ListenerSpec {
  ref: ListenerRef;
  name: string;
  /** absent = every hostname */
  hostname?: string;
  port?: number;
  protocol: string;
  /** allowedRoutes.namespaces.from */
  from: "Same" | "All" | "Selector";
  /** allowedRoutes.namespaces.selector, for from: Selector: whether a namespace's labels are selected */
  selector?: (labels: Record<string, string>) => boolean;
  /** false when allowedRoutes.kinds leaves HTTPRoute out */
  httpRoutes: boolean;
  field: Field;
}

export interface GatewaySpec extends ObjectMeta {
  listeners: ListenerSpec[];
  field: Field;
}

const CLOUDFLARE_EDGE = "the worker is reached through Cloudflare's addresses and certificates";

export const GATEWAY_API_GATEWAY: KeyRules = {
  api: "a Gateway API",
  known: ["gatewayClassName", "listeners"],
  ignored: {
    addresses: CLOUDFLARE_EDGE,
    infrastructure: CLOUDFLARE_EDGE,
    defaultScope: "the worker is the one gateway: an HTTPRoute without parentRefs attaches to it already",
  },
  refused: {
    backendTLS: "origin TLS is negotiated and verified by Cloudflare",
    // GatewaySpec.tls (apis/v1/gateway_types.go GatewayTLSConfig): frontend client-certificate
    // validation restricts who may connect, so ignoring it would widen access.
    tls: "frontend client-certificate validation happens where TLS ends, in Cloudflare, not in the worker, and a backend client certificate is a Secret the worker cannot present",
  },
  fixes: {
    tls: "require client certificates at Cloudflare (mTLS: SSL/TLS → Client Certificates, and a WAF rule on cf.tls_client_auth.cert_verified), then remove spec.tls; a backend client certificate needs a Worker mtls_certificates binding, which edge-mirror does not use yet",
  },
  notYet: { allowedListeners: "ListenerSets are planned" },
};

export const GATEWAY_API_LISTENER: KeyRules = { known: ["name", "hostname", "port", "protocol", "allowedRoutes", "tls"] };

/**
 * Istio's option on a Terminate listener that asks for client certificates
 * (istio.io secure-ingress task, "Configure a mutual TLS ingress gateway"; read by
 * Istio's Gateway API conversion, pilot/pkg/config/kube/gateway).
 */
export const ISTIO_TLS_TERMINATE_MODE = "gateway.istio.io/tls-terminate-mode";
const CLIENT_CERT_FIX =
  "require client certificates for the zone first (Cloudflare mTLS: SSL/TLS → Client Certificates, with a WAF rule on cf.tls_client_auth.cert_verified), then remove it";

export const ALLOWED_ROUTES: KeyRules = { known: ["namespaces", "kinds"] };
export const ROUTE_NAMESPACES: KeyRules = { known: ["from", "selector"] };
/** metav1.LabelSelector */
export const LABEL_SELECTOR: KeyRules = { known: ["matchLabels", "matchExpressions"] };
export const LABEL_SELECTOR_REQUIREMENT: KeyRules = { known: ["key", "operator", "values"] };
const OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];
export const ROUTE_GROUP_KIND: KeyRules = { known: ["group", "kind"] };

/** Listener protocols HTTPRoutes attach to. */
export const HTTP_PROTOCOLS = ["HTTP", "HTTPS"];

export function readGateway(doc: Resource): GatewaySpec | undefined {
  const spec = doc.spec;
  if (!spec.checkMap(GATEWAY_API_GATEWAY)) return undefined;
  const listenersField = spec.get("listeners");
  listenersField.require("add listeners: [{name: http, port: 80, protocol: HTTP}]");
  const names = new Set<string>();
  const meta = objectMeta(doc);
  const listeners = listenersField.items().flatMap((l) => {
    const listener = readListener(l, meta.id);
    if (!listener) return [];
    if (names.has(listener.name)) l.get("name").error(`listener "${listener.name}" is defined twice`, "give each listener a unique name");
    names.add(listener.name);
    return [listener];
  });
  warnHttpsOnly(listeners);
  return { ...meta, listeners, field: spec };
}

/**
 * As for Istio's Gateway (istio/gateway.ts): a hostname only HTTPS listeners take has
 * no plain-HTTP listener in the cluster, but the worker answers whatever scheme
 * Cloudflare passes it (istio.io secure-ingress task, Gateway API tab).
 */
function warnHttpsOnly(listeners: ListenerSpec[]): void {
  const plain = listeners.filter((l) => l.protocol === "HTTP").map((l) => l.hostname ?? "*");
  for (const l of listeners) {
    const host = l.hostname ?? "*";
    if (l.protocol !== "HTTPS" || plain.some((p) => covers(p, host))) continue;
    l.field.warn(
      `${host === "*" ? "every host" : host}: the Gateway takes ${host === "*" ? "them" : "it"} over HTTPS only (no HTTP listener), but the worker answers whatever scheme Cloudflare receives, plain HTTP included`,
      "turn on Always Use HTTPS for the zone: Cloudflare then redirects plain-HTTP requests before the worker runs",
    );
  }
}

function readListener(l: Field, gateway: string): ListenerSpec | undefined {
  if (!l.checkMap(GATEWAY_API_LISTENER)) return undefined;
  l.get("name").require("name the listener, e.g. name: http");
  l.get("protocol").require("add protocol: HTTP");
  const name = l.get("name").string();
  const protocol = l.get("protocol").string();
  if (name === undefined || protocol === undefined) return undefined;
  const ref: ListenerRef = { id: `Gateway ${gateway}, listener ${name}`, hostname: "*", field: l };
  const listener: ListenerSpec = { ref, name, protocol, from: "Same", httpRoutes: HTTP_PROTOCOLS.includes(protocol), field: l };
  readListenerTls(l.get("tls"));
  const hostname = l.get("hostname").string();
  if (hostname !== undefined) listener.hostname = ref.hostname = hostname.toLowerCase();
  const port = l.get("port").port();
  if (port !== undefined) listener.port = ref.port = port;
  const allowed = l.get("allowedRoutes");
  if (allowed.checkMap(ALLOWED_ROUTES)) {
    const namespaces = allowed.get("namespaces");
    if (namespaces.checkMap(ROUTE_NAMESPACES)) {
      const from = namespaces.get("from").string();
      if (from === "All" || from === "Same") listener.from = from;
      else if (from === "Selector") {
        listener.from = from;
        const selector = readSelector(namespaces.get("selector"));
        if (selector) listener.selector = selector;
      } else if (from !== undefined) namespaces.get("from").error(`unknown value "${from}"`, "use Same, All or Selector");
      if (from !== "Selector" && namespaces.get("selector").present) namespaces.get("selector").warn("is used only with from: Selector", "remove it, or set from: Selector");
    }
    const kinds = allowed.get("kinds");
    if (kinds.present) {
      listener.httpRoutes &&= kinds.items().some((k) => {
        if (!k.checkMap(ROUTE_GROUP_KIND)) return false;
        const group = k.get("group").string() ?? "gateway.networking.k8s.io";
        return group === "gateway.networking.k8s.io" && k.get("kind").string() === "HTTPRoute";
      });
    }
  }
  return listener;
}

/**
 * Certificates are Cloudflare's (a warning), but what restricts who may connect is
 * refused: ignoring it would serve clients Istio turns away.
 */
function readListenerTls(tls: Field): void {
  if (!tls.present) return;
  const mode = tls.get("options").get(ISTIO_TLS_TERMINATE_MODE);
  const clientCerts = mode.string();
  if (clientCerts === "MUTUAL" || clientCerts === "ISTIO_MUTUAL") {
    mode.error(
      clientCerts === "MUTUAL"
        ? "MUTUAL makes Istio's gateway require client certificates, which the worker cannot ask for: serving this listener would let in clients Istio turns away"
        : "ISTIO_MUTUAL admits only mesh workloads holding istiod's certificates, and the worker serves the internet",
      CLIENT_CERT_FIX,
    );
    return;
  }
  if (tls.get("frontendValidation").present) {
    tls.get("frontendValidation").error("asks for client certificates, which the worker cannot ask for: serving this listener would let in clients the Gateway turns away", CLIENT_CERT_FIX);
    return;
  }
  tls.warn("is ignored: TLS is terminated by Cloudflare with the zone's certificates", undefined, tls.keyAt);
}

/** A metav1.LabelSelector as a predicate: every matchLabels entry and every expression must hold. */
function readSelector(f: Field): ((labels: Record<string, string>) => boolean) | undefined {
  if (!f.present) {
    f.error("is required with from: Selector", "add selector: {matchLabels: {<label>: <value>}}");
    return undefined;
  }
  if (!f.checkMap(LABEL_SELECTOR)) return undefined;
  const tests: ((labels: Record<string, string>) => boolean)[] = [];
  for (const [key, value] of f.get("matchLabels").entries()) {
    const v = value.string();
    if (v !== undefined) tests.push((labels) => labels[key] === v);
  }
  for (const e of f.get("matchExpressions").items()) {
    if (!e.checkMap(LABEL_SELECTOR_REQUIREMENT)) continue;
    const key = e.get("key").string();
    const operator = e.get("operator").string();
    const values = e.get("values").items().flatMap((v) => v.string() ?? []);
    if (key === undefined || operator === undefined) {
      e.error("needs key and operator");
      continue;
    }
    if (!OPERATORS.includes(operator)) e.get("operator").error(`unknown operator "${operator}"`, `use ${OPERATORS.join(", ")}`);
    else if (operator === "In") tests.push((labels) => labels[key] !== undefined && values.includes(labels[key]!));
    else if (operator === "NotIn") tests.push((labels) => labels[key] === undefined || !values.includes(labels[key]!));
    else if (operator === "Exists") tests.push((labels) => labels[key] !== undefined);
    else tests.push((labels) => labels[key] === undefined);
  }
  return (labels) => tests.every((t) => t(labels));
}
