// Field paths: JSON Pointer (RFC 6901) with `*` for "any array element or map key".
// The diff writes them, and `ignore` / `redact` patterns in the config are written in
// the same syntax, so one matcher serves both.

/** The wildcard segment: every array element, and every key of an id-keyed map. */
export const ANY = "*";

/** RFC 6901 §3: `~` is written `~0` and `/` is written `~1` (in that order). */
export function escapeSegment(key: string): string {
  if (!key.includes("~") && !key.includes("/")) return key;
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** RFC 6901 §4: `~1` is read before `~0`, so `~01` is `~1`, not `/`. */
export function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** `base` + one more segment; `segment` is a raw key (escaped here) or ANY. */
export function childPath(base: string, segment: string): string {
  return `${base}/${segment === ANY ? ANY : escapeSegment(segment)}`;
}

/**
 * The escaped segments of a path or pattern (`/body/a~1b` → ["body", "a~1b"]), or
 * undefined when it is not a field path. Header names are case-insensitive, so the
 * segment after `headers` is lowercased: a pattern `/headers/Authorization` means
 * the lifted `/headers/authorization`.
 */
export function splitPath(path: string): string[] | undefined {
  if (!path.startsWith("/")) return undefined;
  const segments = path.slice(1).split("/");
  if (segments[0] === "headers" && segments[1] !== undefined) segments[1] = segments[1].toLowerCase();
  return segments;
}

/**
 * Whether `pattern` selects `path` or one of its ancestors (`/body/meta` selects
 * `/body/meta/servedAt`). `*` on either side matches any one segment: a pattern's `*`
 * is a wildcard, and a path's `*` stands for elements or map keys the diff folded
 * together, which might include the one a concrete pattern names — for redaction,
 * saying yes is the safe answer.
 */
export function pathMatches(pattern: string, path: string): boolean {
  const p = splitPath(pattern);
  const s = splitPath(path);
  if (!p || !s || p.length > s.length) return false;
  return p.every((seg, i) => segmentMatches(seg, s[i]!));
}

export function segmentMatches(a: string, b: string): boolean {
  return a === ANY || b === ANY || a === b;
}
