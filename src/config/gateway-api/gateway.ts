// A Gateway API Gateway (gateway.networking.k8s.io, apis/v1/gateway_types.go), as
// far as it matters at the edge: the worker is the only gateway, so what a Gateway
// contributes is its listeners' hostnames (and names and ports, which parentRefs
// select by), and which routes they let attach.
import type { Field, KeyRules } from "../field";
import type { Resource } from "../documents";
import { objectMeta, type ObjectMeta } from "./metadata";

export interface ListenerSpec {
  name: string;
  /** absent = every hostname */
  hostname?: string;
  port?: number;
  protocol: string;
  /** allowedRoutes.namespaces.from */
  from: "Same" | "All";
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
  ignored: { addresses: CLOUDFLARE_EDGE, infrastructure: CLOUDFLARE_EDGE },
  refused: { backendTLS: "origin TLS is negotiated and verified by Cloudflare" },
  notYet: { allowedListeners: "ListenerSets are planned" },
};

export const GATEWAY_API_LISTENER: KeyRules = {
  known: ["name", "hostname", "port", "protocol", "allowedRoutes"],
  ignored: { tls: "TLS is terminated by Cloudflare with the zone's certificates" },
};

export const ALLOWED_ROUTES: KeyRules = { known: ["namespaces", "kinds"] };
export const ROUTE_NAMESPACES: KeyRules = { known: ["from"], refused: { selector: "namespaces carry no labels in a routes file: use from: Same or All" } };
export const ROUTE_GROUP_KIND: KeyRules = { known: ["group", "kind"] };

/** Listener protocols HTTPRoutes attach to. */
const HTTP_PROTOCOLS = ["HTTP", "HTTPS"];

export function readGateway(doc: Resource): GatewaySpec | undefined {
  const spec = doc.spec;
  if (!spec.checkMap(GATEWAY_API_GATEWAY)) return undefined;
  const listenersField = spec.get("listeners");
  listenersField.require("add listeners: [{name: http, port: 80, protocol: HTTP}]");
  const names = new Set<string>();
  const listeners = listenersField.items().flatMap((l) => {
    const listener = readListener(l);
    if (!listener) return [];
    if (names.has(listener.name)) l.get("name").error(`listener "${listener.name}" is defined twice`, "give each listener a unique name");
    names.add(listener.name);
    return [listener];
  });
  return { ...objectMeta(doc), listeners, field: spec };
}

function readListener(l: Field): ListenerSpec | undefined {
  if (!l.checkMap(GATEWAY_API_LISTENER)) return undefined;
  l.get("name").require("name the listener, e.g. name: http");
  l.get("protocol").require("add protocol: HTTP");
  const name = l.get("name").string();
  const protocol = l.get("protocol").string();
  if (name === undefined || protocol === undefined) return undefined;
  const listener: ListenerSpec = { name, protocol, from: "Same", httpRoutes: HTTP_PROTOCOLS.includes(protocol), field: l };
  const hostname = l.get("hostname").string();
  if (hostname !== undefined) listener.hostname = hostname.toLowerCase();
  const port = l.get("port").port();
  if (port !== undefined) listener.port = port;
  const allowed = l.get("allowedRoutes");
  if (allowed.checkMap(ALLOWED_ROUTES)) {
    const namespaces = allowed.get("namespaces");
    if (namespaces.checkMap(ROUTE_NAMESPACES)) {
      const from = namespaces.get("from").string();
      if (from === "All" || from === "Same") listener.from = from;
      else if (from === "Selector") namespaces.get("from").error("Selector needs namespace labels, which a routes file does not have", "use from: Same or All");
      else if (from !== undefined) namespaces.get("from").error(`unknown value "${from}"`, "use Same or All");
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
