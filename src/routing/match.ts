// Request → route, per Istio HTTPMatchRequest: the first http[] entry whose
// match list has a block that holds wins; conditions in a block are ANDed,
// blocks are ORed, no match list matches everything. Regexes match in full (RE2/Envoy),
// as the compiler translated them to JavaScript (src/config/re2.ts).
import type { MatchBlock, NamedMatch, RegexMatch, Route, StringMatch, ValueMatch, VirtualHost } from "./table";
import type { RequestFacts } from "./request-facts";
import { matchesPathPrefix } from "./path-prefix";

/** The facts a match condition can look at (`target`: the path with its query, for `:path`). */
export type MatchFacts = Pick<RequestFacts, "method" | "path" | "query" | "authority" | "scheme" | "headers"> & { target?: string };

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
  for (const h of block.headers) if (!matchNamed(h, headerValue(h.name, facts))) return false;
  // withoutHeaders: the block fails when the header matches (with `{}`: when it is present).
  // Istio sets Envoy's treat_missing_header_as_empty on these (pilot route.go
  // TranslateRouteMatch): an absent header is matched as "", so {exact: ""} fails it too.
  for (const h of block.withoutHeaders) {
    const value = headerValue(h.name, facts);
    if ("present" in h.match ? value !== null : matchString(h.match, value ?? "")) return false;
  }
  if (block.queryParams.length > 0) {
    const params = new URLSearchParams(facts.query);
    for (const q of block.queryParams) if (!matchNamed(q, params.get(q.name))) return false;
  }
  return true;
}

/**
 * A header's value, or a pseudo-header's from the request facts as Envoy sees them:
 * `:path` with the query (envoy type/matcher/v3/path.proto: the query is part of the
 * :path header), `:authority` the HTTP/1 Host header (route_components.proto,
 * HeaderMatcher), `:method`, `:scheme`; `:status` is never on a request.
 */
function headerValue(name: string, facts: MatchFacts): string | null {
  if (name.charCodeAt(0) !== 58 /* ":" */) return facts.headers.get(name);
  switch (name) {
    case ":path":
      return facts.target ?? (facts.query ? `${facts.path}?${facts.query}` : facts.path);
    case ":authority":
      return facts.authority;
    case ":method":
      return facts.method;
    case ":scheme":
      return facts.scheme;
    default:
      return null;
  }
}

function matchNamed(m: NamedMatch, value: string | null): boolean {
  return value !== null && matchValue(m.match, value);
}

function matchValue(m: ValueMatch, value: string): boolean {
  return "present" in m ? true : matchString(m, value);
}

const regexCache = new WeakMap<RegexMatch, RegExp>();

export function matchString(m: StringMatch, value: string): boolean {
  if ("exact" in m) return m.ignoreCase ? value.toLowerCase() === m.exact.toLowerCase() : value === m.exact;
  if ("prefix" in m && m.wholeSegments) return matchesPathPrefix(m.prefix, value);
  if ("prefix" in m) return m.ignoreCase ? value.toLowerCase().startsWith(m.prefix.toLowerCase()) : value.startsWith(m.prefix);
  let re = regexCache.get(m);
  if (!re) {
    re = compileRegex(m, `^(?:${m.js ?? m.regex})$`, "");
    regexCache.set(m, re);
  }
  return re.test(value);
}

/** A compiled table's regex, as the compiler checked it (`u`, RE2's code points); a hand-made table's as written. */
export function compileRegex(m: Pick<RegexMatch, "ignoreCase">, source: string, flags: string): RegExp {
  try {
    return new RegExp(source, `${flags}u${m.ignoreCase ? "i" : ""}`);
  } catch {
    return new RegExp(source, flags);
  }
}

/** The port the client addressed: from the authority, else the scheme's default. */
export function portOf(facts: Pick<MatchFacts, "authority" | "scheme">): number {
  const m = /:(\d+)$/.exec(facts.authority);
  return m ? Number(m[1]) : facts.scheme === "https" ? 443 : 80;
}
