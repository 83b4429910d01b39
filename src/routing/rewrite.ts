// HTTPRewrite (istio/api virtual_service.proto): `uri` replaces the matched prefix
// when the route matched by prefix — a route without a uri match is Envoy's prefix
// "/" route, so its leading "/" is the prefix — and the whole path after an exact or
// regex match; `uriRegexRewrite` is
// Envoy's regex_rewrite (every match replaced, RE2 `\1` groups as JS `$1`).
import type { MatchBlock, Rewrite } from "./table";

/** The request target (path + query) after the rewrite; the query is kept as it was. */
export function rewriteTarget(rewrite: Rewrite, matched: MatchBlock | undefined, path: string, query: string): string {
  let out = path;
  if (rewrite.uri !== undefined) {
    const uri = matched?.uri;
    const prefix = !uri ? "/" : "prefix" in uri ? uri.prefix : undefined;
    out = prefix !== undefined ? rewrite.uri + path.slice(prefix.length) : rewrite.uri;
    if (out === "") out = "/";
  } else if (rewrite.uriRegex) {
    out = path.replace(new RegExp(rewrite.uriRegex.match, "g"), rewrite.uriRegex.rewrite.replace(/\\(\d)/g, "$$$1"));
  }
  return query ? `${out}?${query}` : out;
}
