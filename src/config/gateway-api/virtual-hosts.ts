// HTTPRoutes → one VirtualHost per hostname they (or the listeners they attach to)
// serve, with every applicable rule in Gateway API order, so the table's
// first-match-wins lookup does what the spec says.
//
// Listener isolation (GEP-1713, conformance gateway-http-listener-isolation): a
// request goes to the listener with the most specific hostname that matches it
// (among listeners on its port), and only routes attached to that listener may
// answer it. Every listener's hostname is therefore a key of the table, even with no
// route (a request it takes and no route matches is a 404, as upstream). Within the
// listener, routes with the most specific matching hostname come first
// (`foo.example.com`, then `*.example.com`, then routes open to every host), and
// within those, the matches of all routes are merged by precedence (precedence.ts).
// Consecutive matches of one rule share one table route.
//
// Ports (conformance httproute-listener-port-matching): when the listeners in use
// listen on more than one port, the port in the request's URL chooses among them,
// as a `port` condition on each route; with one port, the port is not looked at
// (Cloudflare receives on its own ports). Two listeners the edge cannot tell apart
// (the same hostname on the same port, in two Gateways, say) are an error unless
// the same routes attach to both: the worker is one gateway and cannot know which
// Gateway's address a request was sent to (conformance httproute-multiple-gateways).
import type { MatchBlock, Route, VirtualHost } from "../../routing/table";
import { covers } from "../host-pattern";
import type { ListenerRef } from "./gateway";
import { ANY_HOST, hostSpecificity, type RouteHost } from "./hostnames";
import type { HttpRouteSpec, RuleSpec } from "./http-route";
import { byPrecedence, type Ranked } from "./precedence";
import type { RouteTemplate } from "./rule-route";

export interface AttachedRoute {
  route: HttpRouteSpec;
  hosts: RouteHost[];
  templates: Map<RuleSpec, RouteTemplate>;
}

interface Entry extends Ranked {
  attached: AttachedRoute;
  ruleSpec: RuleSpec;
  block: MatchBlock;
  /** false for a rule without matches: its table route has no conditions */
  conditions: boolean;
}

export interface HostedVirtualHost {
  vhost: VirtualHost;
  /** the hostname, and where the first route that serves it says so */
  host: RouteHost;
}

/**
 * `listeners`: every listener of the Gateways in use that takes HTTP, with or without
 * routes; the Services and the worker routes attach to are added from the routes.
 */
export function buildVirtualHosts(attached: AttachedRoute[], gatewayListeners: ListenerRef[]): HostedVirtualHost[] {
  const listeners = new Map<string, ListenerRef>(gatewayListeners.map((l) => [l.id, l]));
  for (const a of attached) for (const h of a.hosts) if (!listeners.has(h.listener.id)) listeners.set(h.listener.id, h.listener);
  const keys = new Map<string, RouteHost>();
  for (const a of attached) for (const h of a.hosts) if (!keys.has(h.host)) keys.set(h.host, h);
  // A listener's own hostname is a key too, so that it takes its requests even when no route attaches to it.
  for (const l of listeners.values()) {
    if (!keys.has(l.hostname) && l.field && [...listeners.values()].some((o) => o !== l && covers(o.hostname, l.hostname)))
      keys.set(l.hostname, { host: l.hostname, field: l.field, listener: l });
  }
  const ports = [...new Set([...listeners.values()].flatMap((l) => (l.port === undefined ? [] : [l.port])))].sort((a, b) => a - b);
  // One port (or none): the port is not looked at. Several: each port its own group, then the port-less listeners.
  const groups: (number | undefined)[] = ports.length > 1 ? [...ports, undefined] : [undefined];
  const entries = new Map(attached.map((a) => [a, entriesOf(a)]));
  const reported = new Set<string>();
  const out: HostedVirtualHost[] = [];
  for (const [key, host] of [...keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const routes: Route[] = [];
    const included = new Set<AttachedRoute>();
    for (const port of groups) {
      const candidates = [...listeners.values()].filter((l) => covers(l.hostname, key) && (ports.length <= 1 || l.port === undefined || l.port === port));
      const chosen = mostSpecific(candidates);
      if (chosen.length === 0) continue;
      const hostsOf = (l: ListenerRef) => attached.flatMap((a) => a.hosts.filter((h) => h.listener.id === l.id && covers(h.host, key)).map((h) => ({ a, h })));
      const first = hostsOf(chosen[0]!);
      const signature = (list: typeof first) => list.map(({ a, h }) => `${a.route.id} ${h.host}`).sort().join("\n");
      for (const other of chosen.slice(1)) {
        const theirs = hostsOf(other);
        if (signature(theirs) === signature(first)) continue;
        const pair = `${chosen[0]!.id} | ${other.id}`;
        if (reported.has(pair)) continue;
        reported.add(pair);
        const where = (other.field ?? theirs[0]?.h.field ?? first[0]?.h.field ?? host.field);
        const names = (list: typeof first) => [...new Set(list.map(({ a }) => a.route.id))].join(", ") || "no route";
        where.error(
          `${other.id} and ${chosen[0]!.id} take the same requests (${key === ANY_HOST ? "any host" : `host ${key}`}${port === undefined ? "" : `, port ${port}`}) but route them differently (${names(theirs)}; ${names(first)}): the worker is the one gateway at the edge and cannot tell which of them a request was sent to`,
          "give the listeners different hostnames (or ports), attach the same HTTPRoutes to both, or keep one of them in this routes file",
        );
      }
      routes.push(...withPort(listenerRoutes(first, entries, included), port));
    }
    out.push({ vhost: { name: key, routes, httpRoutes: [...included].map((a) => a.route.id) }, host });
  }
  return out;
}

/** The candidates with the most specific hostname: one listener, unless the edge cannot tell several apart. */
function mostSpecific(candidates: ListenerRef[]): ListenerRef[] {
  if (candidates.length === 0) return [];
  const rank = (l: ListenerRef) => hostSpecificity(l.hostname);
  const best = candidates.reduce((b, l) => {
    const [p, q] = [rank(l), rank(b)];
    return p[0] > q[0] || (p[0] === q[0] && p[1] > q[1]) ? l : b;
  });
  return candidates.filter((l) => l.hostname === best.hostname);
}

/** One listener's routes for a key: most specific route hostname first, then Gateway API precedence. */
function listenerRoutes(hosts: { a: AttachedRoute; h: RouteHost }[], entries: Map<AttachedRoute, Entry[]>, seen: Set<AttachedRoute>): Route[] {
  const groups = new Map<string, AttachedRoute[]>();
  for (const { a, h } of hosts) groups.set(h.host, [...(groups.get(h.host) ?? []), a]);
  const order = [...groups.keys()].sort((a, b) => {
    const [p, q] = [hostSpecificity(a), hostSpecificity(b)];
    return q[0] - p[0] || q[1] - p[1];
  });
  const included = new Set<AttachedRoute>();
  const routes: Route[] = [];
  for (const hostname of order) {
    const fresh = groups.get(hostname)!.filter((a) => !included.has(a));
    fresh.forEach((a) => {
      included.add(a);
      seen.add(a);
    });
    routes.push(...tableRoutes(fresh.flatMap((a) => entries.get(a)!).sort(byPrecedence)));
  }
  return routes;
}

/** The routes of one listener port: every match block (or the route's no-condition match) also needs the port. */
function withPort(routes: Route[], port: number | undefined): Route[] {
  if (port === undefined) return routes;
  return routes.map((r) => ({
    ...r,
    match: r.match.length ? r.match.map((b) => ({ ...b, port })) : [{ port, headers: [], withoutHeaders: [], queryParams: [] }],
  }));
}

function entriesOf(a: AttachedRoute): Entry[] {
  const { route } = a;
  return route.rules.flatMap((rule) =>
    rule.matches.map((m, j) => ({
      attached: a,
      ruleSpec: rule,
      precedence: m.precedence,
      ...(route.created !== undefined ? { created: route.created } : {}),
      namespacedName: `${route.namespace}/${route.name}`,
      rule: rule.index,
      match: j,
      block: rule.hasMatches ? { ...m.block, name: `matches[${j}]` } : m.block,
      conditions: rule.hasMatches,
    })),
  );
}

/** Sorted entries → table routes, one per run of matches of the same rule. */
function tableRoutes(sorted: Entry[]): Route[] {
  const routes: Route[] = [];
  let last: Entry | undefined;
  for (const entry of sorted) {
    const current = routes[routes.length - 1];
    if (current && last?.ruleSpec === entry.ruleSpec && entry.conditions) current.match.push(entry.block);
    else {
      const { route, templates } = entry.attached;
      const rule = entry.ruleSpec;
      const identity = { virtualService: route.id, route: rule.name ?? `rules[${rule.index}]` };
      routes.push({ name: `${identity.virtualService}/${identity.route}`, identity, match: entry.conditions ? [entry.block] : [], ...templates.get(rule)! });
    }
    last = entry;
  }
  return routes;
}
