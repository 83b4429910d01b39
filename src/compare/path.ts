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

/**
 * Keys longer than this (UTF-16 units) are folded to ANY whatever their siblings are:
 * Diffy's limit for a key that names data (ai/diffy/lifter/JsonLifter.scala), applied
 * to every key so that v2 cannot make a stored path as long as it likes.
 */
export const MAX_SEGMENT_CHARS = 100;
/** A field path is at most this many UTF-8 bytes: deeper keys fold, and the diff compares by hash where `/*` no longer fits (diff.ts). */
export const MAX_PATH_BYTES = 512;

// C0 controls, DEL and C1 controls: never part of a field name a person wrote.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Whether a raw key is stored as ANY rather than by name: over MAX_SEGMENT_CHARS, or holding a control character. */
export function foldsSegment(key: string): boolean {
  return key.length > MAX_SEGMENT_CHARS || CONTROL.test(key);
}

/**
 * `base` + one more segment; `segment` is a raw key (escaped here) or ANY. A key that
 * folds (foldsSegment), or whose path would pass MAX_PATH_BYTES, becomes ANY.
 */
export function childPath(base: string, segment: string): string {
  if (segment === ANY || foldsSegment(segment)) return `${base}/${ANY}`;
  const path = `${base}/${escapeSegment(segment)}`;
  return fitsBytes(path, MAX_PATH_BYTES) ? path : `${base}/${ANY}`;
}

const utf8 = new TextEncoder();

/** UTF-8 length of a string. */
export function utf8Bytes(s: string): number {
  return utf8.encode(s).length;
}

/** utf8Bytes(s) <= max, counting only when the string could be longer (3 bytes a unit at most). */
export function fitsBytes(s: string, max: number): boolean {
  return s.length * 3 <= max || utf8Bytes(s) <= max;
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
