// Request → route, per Istio HTTPMatchRequest: the first http[] entry whose
// match list has a block that holds wins; conditions in a block are ANDed,
// blocks are ORed, no match list matches everything. Regexes match in full (RE2/Envoy).
import type { MatchBlock, NamedMatch, Route, StringMatch, ValueMatch, VirtualHost } from "./table";
import type { RequestFacts } from "./request-facts";
import { matchesPathPrefix } from "./path-prefix";

/** The facts a match condition can look at. */
export type MatchFacts = Pick<RequestFacts, "method" | "path" | "query" | "authority" | "scheme" | "headers">;

export function matchRoute(vhost: VirtualHost, facts: MatchFacts): Route | undefined {
  return findRoute(vhost, facts)?.route;
}

/** The first matching route and the block that matched it (a prefix rewrite needs the prefix). */
export function findRoute(vhost: VirtualHost, facts: MatchFacts): { route: Route; block?: MatchBlock } | undefined {
  for (const route of vhost.routes) {
    if (route.match.length === 0) return { route };
    const block = route.match.find((b) => matchBlock(b, facts));
    if (block) return { route, block };
  }
  return undefined;
}

export function matchBlock(block: MatchBlock, facts: MatchFacts): boolean {
  if (block.uri && !matchString(block.uri, facts.path)) return false;
  if (block.method && !matchString(block.method, facts.method)) return false;
  if (block.scheme && !matchString(block.scheme, facts.scheme)) return false;
  if (block.port !== undefined && block.port !== portOf(facts)) return false;
  if (block.authority && !matchString(block.authority, facts.authority)) return false;
  for (const h of block.headers) if (!matchNamed(h, facts.headers.get(h.name))) return false;
  // withoutHeaders: the block fails when the header matches (with `{}`: when it is present).
  for (const h of block.withoutHeaders) if (matchNamed(h, facts.headers.get(h.name))) return false;
  if (block.queryParams.length > 0) {
    const params = new URLSearchParams(facts.query);
    for (const q of block.queryParams) if (!matchNamed(q, params.get(q.name))) return false;
  }
  return true;
}

function matchNamed(m: NamedMatch, value: string | null): boolean {
  return value !== null && matchValue(m.match, value);
}

function matchValue(m: ValueMatch, value: string): boolean {
  return "present" in m ? true : matchString(m, value);
}

const regexCache = new Map<string, RegExp>();

export function matchString(m: StringMatch, value: string): boolean {
  if ("exact" in m) return m.ignoreCase ? value.toLowerCase() === m.exact.toLowerCase() : value === m.exact;
  if ("prefix" in m && m.wholeSegments) return matchesPathPrefix(m.prefix, value);
  if ("prefix" in m) return m.ignoreCase ? value.toLowerCase().startsWith(m.prefix.toLowerCase()) : value.startsWith(m.prefix);
  let re = regexCache.get(m.regex);
  if (!re) {
    re = new RegExp(`^(?:${m.regex})$`);
    regexCache.set(m.regex, re);
  }
  return re.test(value);
}

/** The port the client addressed: from the authority, else the scheme's default. */
export function portOf(facts: Pick<MatchFacts, "authority" | "scheme">): number {
  const m = /:(\d+)$/.exec(facts.authority);
  return m ? Number(m[1]) : facts.scheme === "https" ? 443 : 80;
}
