// The VirtualService fields edge-mirror accepts (istio/api networking/v1
// virtual_service.proto): hosts and http routes with their destinations, mirrors
// and per-route policies, read into plain specs. Every other field is refused
// with a reason: never silently ignored.
import type { Field, KeyRules } from "../field";
import { readDestination, type DestinationSpec } from "../destination";
import { readGatewayRefs, type GatewayRef } from "./gateway";
import { readMatchBlock } from "./match-spec";
import { warnFinerThanStep } from "../per-million";
import { readCors, readDirectResponse, readDurationMs, readFault, readHeadersPolicy, readRedirect, readRetries, readRewrite } from "./route-policies";
import type { HeadersPolicy, MatchBlock, Route } from "../../routing/table";

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
  /** each match block's `gateways`, when it names any (Istio: they override the VirtualService's) */
  matchGateways: (GatewayRef[] | undefined)[];
  route: { destination: DestinationSpec; weight?: number; headers?: HeadersPolicy; field: Field }[];
  mirrors: MirrorSpec[];
  field: Field;
}

export interface VirtualServiceSpec {
  name: string;
  namespace?: string;
  hosts: { host: string; field: Field }[];
  /** spec.gateways; empty = `mesh`, Istio's default */
  gateways: GatewayRef[];
  http: HttpRouteSpec[];
  field: Field;
}

export const VIRTUAL_SERVICE: KeyRules = {
  known: ["hosts", "gateways", "http", "exportTo"],
  refused: {
    tcp: "a Worker proxies HTTP requests only",
    tls: "TLS is terminated by Cloudflare; SNI passthrough routing does not exist for a Worker",
  },
};

const DELEGATE = "delegate VirtualServices are stitched together by istiod across namespaces; write the routes in this VirtualService";
const DELEGATE_FIX = "copy the http routes of the VirtualService it names in place of this entry (istiod ANDs their matches with this entry's)";

export const HTTP_ROUTE: KeyRules = {
  known: [
    "name", "match", "route", "mirror", "mirrorPercentage", "mirrorPercent", "mirrors", "timeout",
    "headers", "rewrite", "retries", "fault", "redirect", "directResponse", "corsPolicy",
  ],
  refused: { delegate: DELEGATE },
  fixes: { delegate: DELEGATE_FIX },
};

/** http[].route[] */
export const HTTP_ROUTE_DESTINATION: KeyRules = { known: ["destination", "weight", "headers"] };
/** http[].mirrors[] */
export const HTTP_MIRROR_POLICY: KeyRules = { known: ["destination", "percentage"] };

export function readVirtualService(name: string, spec: Field, namespace?: string): VirtualServiceSpec | undefined {
  const streams = ["tcp", "tls"].filter((k) => spec.get(k).present);
  // Only tcp and/or tls routes: valid in Istio (one of http, tcp, tls), refused whole here, in one error.
  if (streams.length > 0 && !spec.get("http").present) {
    const first = spec.get(streams[0]!);
    first.error(
      `this VirtualService has only ${streams.join(" and ")} routes (Istio takes one of http, tcp, tls); the edge serves http routes only: a Worker receives HTTP requests, after Cloudflare has terminated TLS, never a TCP connection or a TLS stream to route by SNI`,
      "leave this VirtualService out of routes.yaml and carry that traffic outside the worker (Cloudflare Spectrum proxies TCP and TLS); if the service speaks HTTP, write its routes under http:",
      first.keyAt,
    );
    return undefined;
  }
  if (!spec.checkMap(VIRTUAL_SERVICE)) return undefined;
  const hostsField = spec.get("hosts");
  const hosts = hostsField.items().flatMap((f) => {
    const host = f.string();
    return host === undefined ? [] : [{ host, field: f }];
  });
  if (hostsField.present && hosts.length === 0) hostsField.error("must list at least one host", "add the hostname clients use, e.g. - api.example.com");
  else hostsField.require("add the hostnames clients use, e.g. hosts: [api.example.com] (a VirtualService without hosts is a delegate, used only through another's http[].delegate, which the edge does not stitch: copy its routes there)");
  const httpField = spec.get("http");
  if (!httpField.require("add an http: list with at least one route (Istio takes one of http, tcp, tls; the edge serves http routes)")) return undefined;
  const http = httpField.items().flatMap((f) => {
    const route = readHttpRoute(f, namespace);
    return route ? [route] : [];
  });
  const gateways = readGatewayRefs(spec.get("gateways"), namespace);
  return { name, ...(namespace === undefined ? {} : { namespace }), hosts, gateways, http, field: spec };
}

function readHttpRoute(f: Field, namespace: string | undefined): HttpRouteSpec | undefined {
  if (!f.checkMap(HTTP_ROUTE)) return undefined;
  const blocks = f.get("match").items().flatMap((m) => {
    const block = readMatchBlock(m);
    const gateways = m.get("gateways");
    return block ? [{ block, gateways: gateways.present ? readGatewayRefs(gateways, namespace) : undefined }] : [];
  });
  const match = blocks.map((b) => b.block);
  const matchGateways = blocks.map((b) => (b.gateways?.length ? b.gateways : undefined));
  const routeField = f.get("route");
  const redirectField = f.get("redirect");
  const directField = f.get("directResponse");
  // Istio: exactly one of route, redirect, directResponse (and delegate).
  const actions = [routeField, redirectField, directField].filter((a) => a.present);
  // delegate is refused on its own (HTTP_ROUTE): no second message that a route is missing.
  if (actions.length === 0 && !f.get("delegate").present) routeField.require("add route: with at least one destination, e.g. - destination: {host: httpbin, subset: v1}");
  if (actions.length > 1)
    f.error(`has ${actions.map((a) => a.path.split(".").pop()).join(" and ")}; an HTTP route takes exactly one of route, redirect, directResponse (Istio)`, "split them into separate http[] entries");
  const route = routeField.items().flatMap((r) => {
    if (!r.checkMap(HTTP_ROUTE_DESTINATION)) return [];
    const destination = readDestination(r.get("destination"));
    const weightField = r.get("weight");
    const weight = weightField.wholeNumber({ fix: "Istio weights are int32 and relative: each destination gets weight / sum" });
    const headers = r.get("headers").present ? readHeadersPolicy(r.get("headers")) : undefined;
    return destination ? [{ destination, weight, headers, field: r }] : [];
  });
  if (routeField.present && routeField.items().length === 0) routeField.error("must list at least one destination");
  const spec: HttpRouteSpec = { name: f.get("name").string(), match, matchGateways, route, mirrors: readMirrors(f), timeoutMs: f.get("timeout").present ? readDurationMs(f.get("timeout")) : undefined, field: f };
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
    const legacyValue = legacy.deprecatedPercent("mirrorPercentage");
    if (legacyValue !== undefined) percent = legacyValue;
    if (percentage.present) {
      const value = percentage.percent();
      if (value !== undefined) warnFinerThanStep(percentage.get("value"), value);
      if (value !== undefined) percent = value; // mirrorPercentage wins over mirrorPercent
    }
    if (destination) mirrors.push({ destination, percent, field: mirror });
  }
  for (const item of list.items()) {
    if (!item.checkMap(HTTP_MIRROR_POLICY)) continue;
    const destination = readDestination(item.get("destination"));
    const percentage = item.get("percentage");
    const percent = percentage.present ? percentage.percent() : 100;
    if (percentage.present && percent !== undefined) warnFinerThanStep(percentage.get("value"), percent);
    if (destination && percent !== undefined) mirrors.push({ destination, percent, field: item });
  }
  return mirrors;
}
