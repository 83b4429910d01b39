// HTTPRewrite (istio/api virtual_service.proto): `uri` replaces the matched prefix
// when the route matched by prefix — a route without a uri match is Envoy's prefix
// "/" route, so its leading "/" is the prefix — and the whole path after an exact or
// regex match; `uriRegexRewrite` is
// Envoy's regex_rewrite (every match replaced, RE2 `\1` groups as JS `$1`).
// Gateway API's URLRewrite: `replaceFullPath` replaces the whole path whatever
// matched, `replacePrefixMatch` the matched prefix element by element.
import type { MatchBlock, Rewrite } from "./table";
import { replacePathPrefix } from "./path-prefix";

/** The request target (path + query) after the rewrite; the query is kept as it was. */
export function rewriteTarget(rewrite: Rewrite, matched: MatchBlock | undefined, path: string, query: string): string {
  let out = path;
  if (rewrite.uri !== undefined) {
    const uri = matched?.uri;
    const prefix = !uri ? "/" : "prefix" in uri ? uri.prefix : undefined;
    out = prefix !== undefined ? rewrite.uri + path.slice(prefix.length) : rewrite.uri;
    if (out === "") out = "/";
  } else if (rewrite.replaceFullPath !== undefined) {
    out = rewrite.replaceFullPath;
  } else if (rewrite.replacePrefixMatch !== undefined) {
    // The compiler allows it only on routes whose uri matches are whole-segment prefixes.
    const uri = matched?.uri;
    out = replacePathPrefix(path, uri && "prefix" in uri ? uri.prefix : "/", rewrite.replacePrefixMatch);
  } else if (rewrite.uriRegex) {
    out = path.replace(new RegExp(rewrite.uriRegex.match, "g"), rewrite.uriRegex.rewrite.replace(/\\(\d)/g, "$$$1"));
  }
  return query ? `${out}?${query}` : out;
}
