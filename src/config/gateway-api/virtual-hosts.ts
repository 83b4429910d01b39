// HTTPRoutes → one VirtualHost per hostname they serve, with every applicable rule in
// Gateway API order, so the table's first-match-wins lookup does what the spec says:
// the rules of routes with the most specific matching hostname come first
// (`foo.example.com`, then `*.example.com`, then routes open to every host), and
// within those, the matches of all routes are merged by precedence (precedence.ts).
// Consecutive matches of one rule share one table route.
import type { MatchBlock, Route, VirtualHost } from "../../routing/table";
import { covers } from "../host-pattern";
import { hostSpecificity, type RouteHost } from "./hostnames";
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

export function buildVirtualHosts(attached: AttachedRoute[]): HostedVirtualHost[] {
  const keys = new Map<string, RouteHost>();
  for (const a of attached) for (const h of a.hosts) if (!keys.has(h.host)) keys.set(h.host, h);
  const entries = new Map(attached.map((a) => [a, entriesOf(a)]));
  const out: HostedVirtualHost[] = [];
  for (const [key, host] of [...keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // Every route with a hostname covering this one, most specific hostname first.
    const groups = new Map<string, AttachedRoute[]>();
    for (const a of attached) {
      for (const h of a.hosts) {
        if (!covers(h.host, key)) continue;
        groups.set(h.host, [...(groups.get(h.host) ?? []), a]);
      }
    }
    const order = [...groups.keys()].sort((a, b) => {
      const [p, q] = [hostSpecificity(a), hostSpecificity(b)];
      return q[0] - p[0] || q[1] - p[1];
    });
    const included = new Set<AttachedRoute>();
    const routes: Route[] = [];
    for (const hostname of order) {
      const fresh = groups.get(hostname)!.filter((a) => !included.has(a));
      fresh.forEach((a) => included.add(a));
      const merged = fresh.flatMap((a) => entries.get(a)!).sort(byPrecedence);
      routes.push(...tableRoutes(merged));
    }
    out.push({ vhost: { name: key, routes, httpRoutes: [...included].map((a) => a.route.id) }, host });
  }
  return out;
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
      routes.push({ name: `${route.id}/${rule.name ?? `rules[${rule.index}]`}`, match: entry.conditions ? [entry.block] : [], ...templates.get(rule)! });
    }
    last = entry;
  }
  return routes;
}
