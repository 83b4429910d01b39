// HTTPRedirect's Location, as Envoy builds it: `authority` replaces host and port;
// `scheme` keeps a non-default port (":80"/":443" are dropped); `port` replaces
// the port; `uri` replaces the path, `prefixRewrite` the matched prefix of it (a
// route without a uri match is Envoy's prefix "/" route); the query is kept.
// Gateway API's RequestRedirect: `host` replaces the host only, keeping the
// request's port; with `schemeDefaultPort` a scheme change without `port` goes to
// the scheme's well-known port; `replacePrefixMatch` works element by element.
import type { MatchBlock, Redirect } from "./table";
import type { RequestFacts } from "./request-facts";
import { replacePathPrefix } from "./path-prefix";

export function redirectLocation(
  redirect: Redirect,
  facts: Pick<RequestFacts, "scheme" | "authority" | "path" | "query">,
  matched?: MatchBlock,
): string {
  const scheme = redirect.scheme ?? facts.scheme;
  // `s`: an authority the compiler let through with a line break still splits (found by test/config/fuzz.test.ts).
  const portMatch = /^(.*?)(?::(\d+))?$/s.exec(redirect.authority ?? facts.authority)!;
  const host = redirect.host ?? portMatch[1]!;
  let port = redirect.port !== undefined ? String(redirect.port) : portMatch[2];
  if (redirect.port === undefined && redirect.scheme !== undefined && (redirect.schemeDefaultPort || port === "80" || port === "443")) port = undefined;
  const defaultPort = scheme === "https" ? "443" : "80";
  const authority = port === undefined || port === defaultPort ? host : `${host}:${port}`;
  let path = redirect.uri ?? facts.path;
  if (redirect.prefixRewrite !== undefined) {
    // The compiler allows prefixRewrite only on routes whose uri matches are prefixes.
    const uri = matched?.uri;
    const prefix = uri && "prefix" in uri ? uri.prefix : "/";
    path = redirect.prefixRewrite + facts.path.slice(prefix.length);
  }
  if (redirect.replacePrefixMatch !== undefined) {
    // Gateway API: element by element; the compiler allows it only after whole-segment prefix matches.
    const uri = matched?.uri;
    path = replacePathPrefix(facts.path, uri && "prefix" in uri ? uri.prefix : "/", redirect.replacePrefixMatch);
  }
  return `${scheme}://${authority}${path}${facts.query ? `?${facts.query}` : ""}`;
}
