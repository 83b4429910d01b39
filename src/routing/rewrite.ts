// HTTPRewrite (istio/api virtual_service.proto): `uri` replaces the matched prefix
// when the route matched by prefix — a route without a uri match is Envoy's prefix
// "/" route, so its leading "/" is the prefix — and the whole path after an exact or
// regex match; `uriRegexRewrite` is
// Envoy's regex_rewrite (every match replaced, RE2 `\1` groups as JS `$01`).
// Gateway API's URLRewrite: `replaceFullPath` replaces the whole path whatever
// matched, `replacePrefixMatch` the matched prefix element by element.
import type { MatchBlock, Rewrite } from "./table";
import { replacePathPrefix } from "./path-prefix";
import { compileRegex } from "./match";

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
    out = regexRewrite(rewrite.uriRegex, path);
  }
  return query ? `${out}?${query}` : out;
}

type RegexRewrite = NonNullable<Rewrite["uriRegex"]>;
const compiled = new WeakMap<RegexRewrite, { re: RegExp; replacement: string }>();

/**
 * Envoy's regex_rewrite is RE2::GlobalReplace: `\0`–`\9` are groups (two-digit `$0n`
 * so `\10` stays group 1 and a "0"), `\\` a backslash, anything else — `$` too — literal.
 */
function regexRewrite(r: RegexRewrite, path: string): string {
  let c = compiled.get(r);
  if (!c) {
    const replacement = r.rewrite.replace(/\$|\\(\d|\\)/g, (m, g: string | undefined) => (m === "$" ? "$$" : g === "\\" ? "\\" : g === "0" ? "$&" : `$0${g}`));
    c = { re: compileRegex(r, r.js ?? r.match, "g"), replacement };
    compiled.set(r, c);
  }
  return path.replace(c.re, c.replacement);
}
