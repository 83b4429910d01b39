// Which VirtualService serves which host at the edge, with Gateways compiled away.
// The worker is the gateway workload of every Gateway in routes.yaml, and it also
// serves mesh VirtualServices (no `gateways`, or `mesh` listed) the way the
// walkthrough's sidecar would. A gateway-bound VirtualService serves the intersection
// of its hosts with its Gateways' hosts, as Istio builds a gateway's virtual hosts.
//
// Gateway and mesh hosts that overlap: the gateway's routes win. A request reaching
// the worker comes from the internet, which is what an Istio ingress gateway sees,
// and there only gateway-bound routes apply; mesh routes are for callers inside the
// mesh. So a mesh host that a gateway host covers (`reviews` under `*`) is dropped
// with a warning, and the rest resolve by the usual precedence (exact, then the
// longest wildcard, then `*`) with no runtime change: the result is a HostIndex.
// match[].gateways is applied by pruning match blocks (routes whose blocks all go).
import type { Field } from "../field";
import type { GatewayRef, GatewaySpec } from "./gateway";
import { covers, intersect, normalizeHost } from "../host-pattern";
import type { VirtualServiceSpec } from "./virtual-service";
import type { HostIndex, VirtualHost } from "../../routing/table";

const MESH = "mesh";

/** One host pattern the worker serves, and through which gateways (or the mesh). */
interface Served {
  pattern: string;
  vs: number;
  contexts: Set<string>;
  field: Field;
}

export interface Binding {
  hosts: HostIndex;
  /** per VirtualService: the contexts (Gateway keys, `mesh`) of each host it serves */
  served: Set<string>[][];
  /** per VirtualService: what it is bound to (Gateway keys, `mesh`) */
  bound: Set<string>[];
}

const keyOf = (gw: GatewaySpec) => (gw.namespace === undefined ? gw.name : `${gw.namespace}/${gw.name}`);

/** A `gateways` entry → the Gateway it names, or an error with the fix. */
function resolveRef(ref: Exclude<GatewayRef, { mesh: true }>, gateways: GatewaySpec[], fix: string): GatewaySpec | undefined {
  // A resource without metadata.namespace lands wherever it is applied (kubectl apply -n):
  // it matches any namespace a reference names.
  const found = gateways.filter((g) => g.name === ref.name && (ref.namespace === undefined || g.namespace === undefined || g.namespace === ref.namespace));
  if (found.length === 1) return found[0];
  const where = ref.namespace === undefined ? "" : ` in namespace ${ref.namespace}`;
  if (found.length === 0)
    ref.field.error(`no Gateway named "${ref.name}"${where} in this file (defined: ${gateways.map(keyOf).join(", ") || "none"})`, fix);
  else ref.field.error(`Gateway "${ref.name}" is defined in several namespaces (${found.map(keyOf).join(", ")})`, "write namespace/name");
  return undefined;
}

/**
 * `routable[i]`, when given, holds the host fields of services[i] that passed the
 * VirtualService's own checks; the others are left out of the index.
 */
export function bindGateways(services: VirtualServiceSpec[], gateways: GatewaySpec[], routable?: Set<Field>[]): Binding {
  const viaGateway = new Map<string, Served>();
  const meshHosts: Served[] = [];
  const fix = "add the Gateway (kind: Gateway, networking.istio.io) with servers[].hosts exposing this VirtualService's hosts, or list mesh to serve them without one";
  const bound = services.map((vs) => {
    // Istio: no gateways means `mesh`.
    if (vs.gateways.length === 0) return new Set([MESH]);
    return new Set(vs.gateways.flatMap((ref) => {
      if (ref.mesh) return [MESH];
      const gw = resolveRef(ref, gateways, fix);
      return gw ? [keyOf(gw)] : [];
    }));
  });
  services.forEach((vs, i) => {
    const own = gateways.filter((g) => bound[i]!.has(keyOf(g)));
    const unresolved = vs.gateways.some((r) => !r.mesh) && own.length === 0;
    for (const { host: raw, field } of vs.hosts) {
      if (routable && !routable[i]!.has(field)) continue;
      if (/^\*[^.]/.test(raw)) {
        field.error(`"${raw}" is a partial wildcard: Istio accepts it, edge-mirror matches whole labels only`, "write *.example.com (any subdomain) or list the names");
        continue;
      }
      const host = normalizeHost(raw);
      if (host === undefined) {
        field.error(`"${raw}" is not a host name`, "write a name like api.example.com, a wildcard like *.example.com, or *; no scheme, port or path");
        continue;
      }
      let exposed = false;
      let reported = false;
      for (const gw of own) {
        for (const exposes of gw.hosts) {
          if (exposes.namespace !== undefined && vs.namespace !== undefined && exposes.namespace !== vs.namespace) continue;
          const pattern = intersect(exposes.host, host);
          if (pattern === undefined) continue;
          exposed = true;
          const other = viaGateway.get(pattern);
          if (other && other.vs !== i) {
            if (!reported) field.error(`host "${pattern}" is already routed by VirtualService ${services[other.vs]!.name} (through a Gateway)`, "list each host in one VirtualService (Istio would merge their routes in creation order)");
            reported = true;
          } else if (other) other.contexts.add(keyOf(gw));
          else viaGateway.set(pattern, { pattern, vs: i, contexts: new Set([keyOf(gw)]), field });
        }
      }
      // A server the worker refused or skipped still exposes its hosts in Istio: say so rather than "not exposed".
      const unserved = own.flatMap((gw) => gw.unserved.filter((u) => (u.namespace === undefined || vs.namespace === undefined || u.namespace === vs.namespace) && intersect(u.host, host) !== undefined).map((u) => ({ gw, u })));
      if (bound[i]!.has(MESH)) meshHosts.push({ pattern: host, vs: i, contexts: new Set([MESH]), field });
      else if (!exposed && !unresolved && unserved.length > 0) {
        // Refused servers already carry the error (the build fails); a skipped one is named with where it is.
        const skipped = unserved.find(({ u }) => !u.refused);
        if (skipped && unserved.every(({ u }) => !u.refused))
          field.error(
            `host "${host}" is exposed by Gateway ${skipped.gw.name} only on a server the worker does not serve (the warning on ${skipped.u.server.path} says why), so the worker would answer 404 where Istio serves it`,
            "serve the host on an HTTP server or an HTTPS server with tls.mode SIMPLE, or leave this VirtualService out of routes.yaml",
          );
      } else if (!exposed && !unresolved)
        field.error(
          `host "${host}" is not exposed by ${own.map((g) => `Gateway ${g.name} (hosts: ${g.hosts.map((h) => h.host).join(", ") || "none served"})`).join(", ")}, so Istio would not serve it there`,
          "add it to the Gateway's servers[].hosts, or remove it from this VirtualService's hosts",
        );
    }
  });

  const gatewayHosts = [...viaGateway.values()];
  const served: Served[] = [...gatewayHosts];
  const meshOwner = new Map<string, Served>();
  for (const m of meshHosts) {
    const taken = meshOwner.get(m.pattern);
    if (taken) {
      const [a, b] = [services[taken.vs]!.namespace ?? "default", services[m.vs]!.namespace ?? "default"];
      // Short names complete per namespace in Istio (reviews.a… and reviews.b… are two services); a Host header carries no namespace.
      const namespaces = a !== b && !m.pattern.includes(".") ? ` in namespace ${a} (Istio completes "${m.pattern}" per namespace, so it names two services there; a request's Host header carries no namespace, so the edge cannot tell them apart)` : "";
      m.field.error(`host "${m.pattern}" is already routed by VirtualService ${services[taken.vs]!.name}${namespaces}`, namespaces ? `give one of them a host name that says which service it is, e.g. ${m.pattern}.${b}.svc.cluster.local` : "list each host in one VirtualService");
      continue;
    }
    meshOwner.set(m.pattern, m);
    const gateway = gatewayHosts.find((g) => covers(g.pattern, m.pattern));
    if (!gateway) served.push(m);
    else if (gateway.vs !== m.vs)
      m.field.warn(
        `host "${m.pattern}" is not served from this mesh VirtualService: gateway-bound VirtualService ${services[gateway.vs]!.name} serves "${gateway.pattern}", and the worker is the gateway (at an Istio ingress gateway only gateway-bound routes apply)`,
        "to serve it from this VirtualService, narrow the Gateway's or the gateway-bound VirtualService's hosts so they leave it out",
      );
  }
  return { hosts: indexOf(served), served: services.map((_, i) => served.filter((s) => s.vs === i).map((s) => s.contexts)), bound };
}

/** Served host patterns → the runtime's index: exact names, wildcard suffixes (longest first), `*`. */
function indexOf(served: Served[]): HostIndex {
  const index: HostIndex = { exact: {}, wildcards: [] };
  for (const { pattern, vs } of [...served].sort((a, b) => a.vs - b.vs)) {
    if (pattern === "*") index.catchAll = vs;
    else if (pattern.startsWith("*.")) index.wildcards.push({ suffix: pattern.slice(1), vhost: vs });
    else index.exact[pattern] = vs;
  }
  index.wildcards.sort((a, b) => b.suffix.length - a.suffix.length || a.suffix.localeCompare(b.suffix));
  return index;
}

/**
 * Istio's match[].gateways: a block naming gateways applies only to requests that
 * came through one of them. Each VirtualService's routes are compiled once, so a
 * VirtualService whose hosts are served through different gateways (or the mesh)
 * with blocks that tell them apart is refused, with the fix.
 */
export function applyMatchGateways(services: VirtualServiceSpec[], virtualHosts: VirtualHost[], gateways: GatewaySpec[], binding: Binding): void {
  services.forEach((vs, i) => {
    const contexts = uniqueSets(binding.served[i]!);
    const bound = binding.bound[i]!;
    const fix = "name one of this VirtualService's gateways, mesh, or add the Gateway to this file (removing the block's gateways would apply it everywhere)";
    const kept = vs.http.map((route, k) => {
      const compiled = virtualHosts[i]!.routes[k]!;
      if (route.matchGateways.every((g) => g === undefined)) return compiled;
      const keys = route.matchGateways.map((refs) =>
        refs?.flatMap((ref) => {
          if (ref.mesh) return [MESH];
          const gw = resolveRef(ref, gateways, fix);
          return gw ? [keyOf(gw)] : [];
        }),
      );
      keys.forEach((list, b) => {
        if (list && list.length > 0 && !list.some((key) => bound.has(key)))
          route.field.get("match").items()[b]?.get("gateways").warn(
            `names only ${list.join(", ")}, which this VirtualService is not bound to, so the block never applies (Istio binds a VirtualService's routes to its own gateways only)`,
            "add the gateway to the VirtualService's spec.gateways, or remove the block",
          );
      });
      const masks = contexts.map((c) => keys.map((list) => list === undefined || list.some((key) => c.has(key))));
      if (masks.some((m) => m.join() !== masks[0]!.join())) {
        route.field.get("match").error(
          `match[].gateways select different blocks for this VirtualService's hosts (served through ${contexts.map((c) => [...c].join(" + ")).join("; ")}), and the worker keeps one route list per VirtualService`,
          "split the VirtualService into one per gateway (or one for the mesh), each with the hosts served there",
        );
        return compiled;
      }
      const mask = masks[0];
      if (!mask) return compiled;
      const match = compiled.match.filter((_, b) => mask[b]);
      return compiled.match.length > 0 && match.length === 0 ? undefined : { ...compiled, match };
    });
    virtualHosts[i]!.routes = kept.filter((r) => r !== undefined);
  });
}

function uniqueSets(sets: Set<string>[]): Set<string>[] {
  const seen = new Map<string, Set<string>>();
  for (const s of sets) seen.set([...s].sort().join(","), s);
  return [...seen.values()];
}
