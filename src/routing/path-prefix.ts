// Path prefixes element by element, as Gateway API's PathPrefix match and its
// ReplacePrefixMatch rewrite and redirect define them (apis/v1/httproute_types.go):
// `/v2` matches `/v2`, `/v2/` and `/v2/x` but not `/v2example`, and a trailing `/`
// on the prefix or the replacement is ignored. Istio's prefixes are plain string
// prefixes; this is the rule for routes compiled with `wholeSegments`.

/** `/abc` and `/abc/` both mean the element list [abc]; `/` means none. */
function elements(prefix: string): string {
  return prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
}

/** Whether `path` starts with the whole path elements of `prefix`. */
export function matchesPathPrefix(prefix: string, path: string): boolean {
  const p = elements(prefix);
  if (!path.startsWith(p)) return false;
  return path.length === p.length || path[p.length] === "/";
}

/**
 * `path` (which matchesPathPrefix `prefix`) with those elements replaced by
 * `replacement`'s: /foo/bar with /foo → /xyz/ is /xyz/bar, /foo with /foo → "" is /.
 */
export function replacePathPrefix(path: string, prefix: string, replacement: string): string {
  const rest = path.slice(elements(prefix).length);
  const out = elements(replacement) + rest;
  return out === "" ? "/" : out;
}
