// Which hosts an HTTPRoute serves (gateway-api HTTPRouteSpec.Hostnames, Listener
// hostnames): through a Gateway, the route's hostnames intersected with each
// listener's (a listener without hostname takes them all; a route without hostnames
// takes the listener's; neither = every host, `*`); through Istio's mesh form, a
// core Service parentRef, the Service's own name, matched as a VirtualService host;
// without parentRefs, the worker itself (the one gateway at the edge), with the
// route's hostnames or every host. Each host remembers the listener it came through,
// so virtual-hosts.ts can keep listeners apart as Gateway API's listener isolation does.
// `*.example.com` matches one or more labels before `.example.com`, never itself.
import type { Field } from "../field";
// Gateway API's hostname wildcards cover and intersect as Istio's host patterns do.
import { intersect } from "../host-pattern";
import type { GatewaySpec, ListenerRef } from "./gateway";
import type { HttpRouteSpec, ParentRefSpec } from "./http-route";
import type { ServiceSpec } from "./service";

/** Every host: a route and listener that both leave the hostname open. */
export const ANY_HOST = "*";

export interface RouteHost {
  host: string;
  /** where the host came from: a hostnames entry, or the parentRef */
  field: Field;
  /** what the route attaches through for this host */
  listener: ListenerRef;
}

/** A route without parentRefs: attached to the worker, which listens for every host on every port. */
export const WORKER_LISTENER: ListenerRef = { id: "the worker", hostname: ANY_HOST };

/** What a route attached to a ServiceEntry needs of it (Istio's extension of parentRefs). */
export interface ServiceEntryParent {
  /** `ns/name`, or the name of one without metadata.namespace */
  id: string;
  hosts: string[];
  ports: number[];
}

export interface Parents {
  gateway(namespace: string, name: string): GatewaySpec | undefined;
  service(namespace: string, name: string): ServiceSpec | undefined;
  /** the ServiceEntry of that name in the namespace (or one without metadata.namespace) */
  serviceEntry(namespace: string, name: string): ServiceEntryParent | undefined;
  /** whether a document of that kind and name exists (it may have failed to read) */
  exists(kind: "Gateway" | "Service", namespace: string, name: string): boolean;
  /** metadata.labels of the Namespace document of that name, or undefined when the file has none */
  namespaceLabels(namespace: string): Record<string, string> | undefined;
}

/**
 * Gateway API's order between routes of intersecting hostnames: the most characters
 * of a non-wildcard hostname first, then the most characters ("*" last).
 */
export function hostSpecificity(host: string): [number, number] {
  if (host === ANY_HOST) return [0, 0];
  return [host.startsWith("*.") ? 0 : host.length, host.length];
}

type Add = (host: string, field: Field, listener: ListenerRef) => void;

export function routeHosts(route: HttpRouteSpec, parents: Parents): RouteHost[] {
  const out = new Map<string, RouteHost>();
  const add: Add = (host, field, listener) => {
    const key = `${host} ${listener.id}`;
    if (!out.has(key)) out.set(key, { host, field, listener });
  };
  if (route.parentRefs.length === 0) {
    const wanted = route.hostnames.length ? route.hostnames : [{ host: ANY_HOST, field: route.field }];
    for (const { host, field } of wanted) add(host, field, WORKER_LISTENER);
  }
  for (const parent of route.parentRefs) {
    const namespace = parent.namespace ?? route.namespace;
    if (parent.kind === "Service") serviceHost(route, parent, namespace, parents, add);
    else if (parent.kind === "ServiceEntry") serviceEntryHosts(route, parent, namespace, parents, add);
    else gatewayHosts(route, parent, namespace, parents, add);
  }
  return [...out.values()];
}

function serviceHost(route: HttpRouteSpec, parent: ParentRefSpec, namespace: string, parents: Parents, add: Add): void {
  const service = parents.service(namespace, parent.name);
  if (!service) {
    if (!parents.exists("Service", namespace, parent.name))
      parent.field.get("name").error(`no Service "${parent.name}" in namespace ${namespace}`, `add the Service (apiVersion: v1, kind: Service, metadata: {name: ${parent.name}}) the route stands in for`);
    return;
  }
  if (parent.port !== undefined && !service.ports.some((p) => p.port === parent.port)) {
    parent.field.get("port").error(
      `Service ${service.id} has no port ${parent.port} (ports: ${service.ports.map((p) => p.port).join(", ") || "none"})`,
      "use one of the Service's ports",
    );
    return;
  }
  if (route.hostnames.length)
    route.hostnames[0]!.field.warn("is not used: a route attached to a Service serves the Service's own name (Istio's mesh routes)", "remove hostnames, or attach the route to a Gateway");
  const host = service.name.toLowerCase();
  add(host, parent.field, { id: `Service ${service.id}`, hostname: host, field: service.field });
}

/**
 * Istio's ServiceEntry parentRef: the route serves the ServiceEntry's hosts, as a
 * VirtualService for them would (istio.io egress-control task). Like a Service parent,
 * the route's hostnames do not widen it; one that is not a host of the entry is warned.
 */
function serviceEntryHosts(route: HttpRouteSpec, parent: ParentRefSpec, namespace: string, parents: Parents, add: Add): void {
  const entry = parents.serviceEntry(namespace, parent.name);
  if (!entry) {
    parent.field.get("name").error(`no ServiceEntry "${parent.name}" in namespace ${namespace}`, `add the ServiceEntry (apiVersion: networking.istio.io/v1, kind: ServiceEntry, metadata: {name: ${parent.name}}) with the hosts the route serves`);
    return;
  }
  if (parent.port !== undefined && !entry.ports.includes(parent.port)) {
    parent.field.get("port").error(`ServiceEntry ${entry.id} has no port ${parent.port} (ports: ${entry.ports.join(", ") || "none"})`, "use one of the ServiceEntry's ports");
    return;
  }
  for (const h of route.hostnames) {
    if (!entry.hosts.includes(h.host)) h.field.warn(`is not used: a route attached to ServiceEntry ${entry.id} serves its hosts (${entry.hosts.join(", ")})`, "remove it, or add it to the ServiceEntry's hosts");
  }
  for (const host of entry.hosts) add(host.toLowerCase(), parent.field, { id: `ServiceEntry ${entry.id}`, hostname: host.toLowerCase() });
}

function gatewayHosts(route: HttpRouteSpec, parent: ParentRefSpec, namespace: string, parents: Parents, add: Add): void {
  const gateway = parents.gateway(namespace, parent.name);
  if (!gateway) {
    if (!parents.exists("Gateway", namespace, parent.name))
      parent.field.get("name").error(`no Gateway "${parent.name}" in namespace ${namespace}`, "add the Gateway (apiVersion: gateway.networking.k8s.io/v1, kind: Gateway) with its listeners");
    return;
  }
  const selected = gateway.listeners.filter((l) => (parent.sectionName === undefined || l.name === parent.sectionName) && (parent.port === undefined || l.port === parent.port));
  if (selected.length === 0) {
    const which = [parent.sectionName !== undefined ? `named "${parent.sectionName}"` : "", parent.port !== undefined ? `on port ${parent.port}` : ""].filter(Boolean).join(" ");
    parent.field.error(`Gateway ${gateway.id} has no listener ${which} (listeners: ${gateway.listeners.map((l) => l.name).join(", ") || "none"})`, "name one of its listeners in sectionName, or its port");
    return;
  }
  const declared = parents.namespaceLabels(route.namespace);
  // Kubernetes labels every namespace with its name (since 1.22).
  const labels = { ...declared, "kubernetes.io/metadata.name": route.namespace };
  const allowed = selected.filter(
    (l) => l.httpRoutes && (l.from === "All" || (l.from === "Same" && gateway.namespace === route.namespace) || (l.from === "Selector" && (l.selector?.(labels) ?? false))),
  );
  if (allowed.length === 0 && declared === undefined && selected.some((l) => l.httpRoutes && l.from === "Selector")) {
    parent.field.error(
      `Gateway ${gateway.id}'s listener admits routes by the labels of their namespace, and this file has no Namespace ${route.namespace} to say them`,
      `add the Namespace with its labels (apiVersion: v1, kind: Namespace, metadata: {name: ${route.namespace}, labels: {…}})`,
    );
    return;
  }
  if (allowed.length === 0) {
    parent.field.error(
      `Gateway ${gateway.id}'s ${selected.length === 1 ? "listener does" : "listeners do"} not accept this HTTPRoute (an HTTP or HTTPS listener that allows HTTPRoutes${gateway.namespace === route.namespace ? "" : `, from namespace ${route.namespace}`})`,
      "attach to an HTTP listener, or admit the route's namespace in its allowedRoutes.namespaces",
    );
    return;
  }
  const wanted = route.hostnames.length ? route.hostnames : [{ host: ANY_HOST, field: parent.field }];
  let any = false;
  const unmatched = new Set(route.hostnames.map((h) => h.host));
  for (const listener of allowed) {
    for (const { host, field } of wanted) {
      const common = intersect(listener.hostname ?? ANY_HOST, host);
      if (common === undefined) continue;
      unmatched.delete(host);
      add(common, field, listener.ref);
      any = true;
    }
  }
  if (!any) {
    parent.field.error(
      `no hostname of the route matches Gateway ${gateway.id}'s listeners (${allowed.map((l) => l.hostname ?? "any host").join(", ")})`,
      "add a hostname the listener serves, or attach the route to another listener",
    );
    return;
  }
  for (const h of route.hostnames) {
    if (unmatched.has(h.host)) h.field.warn(`matches no listener of Gateway ${gateway.id}: requests for it are not routed here (Gateway API ignores it)`);
  }
}
