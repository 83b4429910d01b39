// The VirtualService rules Istio checks across fields (pkg/config/validation
// ValidateVirtualService, validateHTTPRouteConflict, validateHTTPRedirect): which
// hosts one VirtualService may list together, and which route actions exclude
// each other. Run on the specs virtual-service.ts has read.
import { isScalar, isSeq } from "yaml";
import type { Field } from "../field";
import { domainProblem, hostsOverlap, isIpAddress } from "./host-name";
import type { VirtualServiceSpec } from "./virtual-service";

/**
 * Reports what Istio refuses in `vs` beyond single fields; returns the host fields
 * that may be routed (valid, and not a duplicate of an earlier one).
 */
export function checkVirtualService(vs: VirtualServiceSpec): Set<Field> {
  const http = vs.field.get("http");
  if (isSeq(http.node) && http.node.items.length === 0) http.error("must list at least one route (Istio: \"http, tcp or tls must be provided\")", "add a route, e.g. - route: [{destination: {host: httpbin}}]");
  for (const route of vs.http) checkRouteConflicts(route);
  return checkHosts(vs);
}

function checkHosts(vs: VirtualServiceSpec): Set<Field> {
  const routable = new Set<Field>();
  const kept: { host: string; field: Field }[] = [];
  for (const entry of vs.hosts) {
    const { host, field } = entry;
    if (host === "*") {
      if (meshBound(vs.field)) {
        field.error(
          'the host "*" is refused for a VirtualService of the mesh (Istio: "wildcard host * is not allowed for virtual services bound to the mesh gateway")',
          "list the host names clients use, or bind the VirtualService to a Gateway with gateways: [<gateway>]",
        );
        continue;
      }
    } else {
      const problem = isIpAddress(host) ? undefined : domainProblem(host);
      if (problem) {
        field.error(problem, "write a name like api.example.com or a wildcard like *.example.com; no scheme, port or path");
        continue;
      }
    }
    // Istio's host.Name.Matches: one VirtualService must not list two hosts that can name the same request.
    const earlier = kept.find((k) => hostsOverlap(k.host, host));
    if (earlier) {
      field.error(
        `"${host}" overlaps "${earlier.host}" listed before it (Istio: "duplicate hosts in virtual service")`,
        "keep the broader host, or move the narrower one to its own VirtualService (the most specific host wins across VirtualServices)",
      );
      continue;
    }
    kept.push(entry);
    routable.add(field);
  }
  return routable;
}

/** Istio's default gateway is `mesh`; a VirtualService serves the mesh unless its gateways leave `mesh` out. */
function meshBound(spec: Field): boolean {
  const gateways = spec.get("gateways").node;
  if (!isSeq(gateways) || gateways.items.length === 0) return true;
  return gateways.items.some((g) => isScalar(g) && g.value === "mesh");
}

/** validateHTTPRouteConflict, beyond "exactly one of route, redirect, directResponse" (virtual-service.ts). */
function checkRouteConflicts(route: VirtualServiceSpec["http"][number]): void {
  const f = route.field;
  const answer = f.get("redirect").present ? "redirect" : f.get("directResponse").present ? "directResponse" : undefined;
  if (answer) {
    for (const key of ["rewrite", "fault"]) {
      const other = f.get(key);
      if (other.present)
        other.error(
          `cannot be on a route with ${answer} (Istio refuses both): the ${answer} is answered at the edge, so the ${key} would be silently dropped`,
          `move the ${key} to a route that forwards, or remove it`,
          other.keyAt,
        );
    }
  }
  // Envoy's prefix_rewrite replaces the prefix a route matched: every uri match must be a prefix.
  if (route.redirect?.prefixRewrite !== undefined && isSeq(f.get("match").node)) {
    for (const block of f.get("match").items()) {
      const uri = block.get("uri");
      if (uri.isMap() && (uri.get("exact").present || uri.get("regex").present))
        uri.error(
          "must be a prefix match: the route's redirect has prefixRewrite, which replaces the matched prefix (Istio)",
          "match with uri: {prefix: …}, or redirect with uri: instead of prefixRewrite",
        );
    }
  }
}
