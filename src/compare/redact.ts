// Privacy: what leaves the worker never carries a credential or a field the route
// marked secret. Lifted trees and differences are redacted (copy on write: the
// inputs are never changed) before anything is stored, logged or reported, and
// example values are cut to a short preview.
import { hashJson } from "./hash";
import { ANY, segmentMatches, splitPath, unescapeSegment } from "./path";
import type { Difference, Json, JsonObject, Lifted, LiftedBody, RedactedDifference } from "./types";

export const REDACTED = "[redacted]";

/** Redacted whatever the config says: they carry credentials. */
export const ALWAYS_REDACTED_HEADERS: readonly string[] = ["authorization", "cookie", "set-cookie"];

/**
 * Characters kept of an example value (its JSON text). Enough to recognise a value
 * or the start of an object, small enough that a few examples per field stay a few KiB.
 */
export const PREVIEW_CHARS = 256;

const ALWAYS = ALWAYS_REDACTED_HEADERS.map((name) => `/headers/${name}`);

/** A copy of `lifted` with the always-redacted headers and the `paths` patterns replaced by "[redacted]". */
export function redactLifted(lifted: Lifted, paths: readonly string[]): Lifted {
  const patterns = [...ALWAYS, ...paths].map(splitPath).filter((p): p is string[] => p !== undefined);
  let headers = lifted.headers;
  for (const name of Object.keys(lifted.headers)) {
    if (patterns.some((p) => p.length <= 2 && p[0] === "headers" && (p.length === 1 || segmentMatches(p[1]!, name)))) {
      if (headers === lifted.headers) headers = { ...headers };
      headers[name] = REDACTED;
    }
  }
  let body = lifted.body;
  for (const p of patterns) {
    if (body === undefined || p[0] !== "body") continue;
    body = redactBody(body, p);
  }
  const out: Lifted = { status: lifted.status, headers };
  if (body !== undefined) out.body = body;
  return out;
}

function redactBody(body: LiftedBody, pattern: readonly string[]): LiftedBody {
  if (pattern.length === 1) return body.kind === "json" ? { kind: "json", value: REDACTED } : { ...body, value: REDACTED };
  // Text and digests have no fields below /body.
  if (body.kind !== "json") return body;
  const value = redactAt(body.value, pattern, 1);
  return value === body.value ? body : { kind: "json", value };
}

/**
 * `value` (found at `segments[0..i)`) with what `segments[i..]` selects replaced.
 * Recursion is as deep as the pattern is long, not as deep as the value.
 */
export function redactAt(value: Json, segments: readonly string[], i: number): Json {
  if (i === segments.length) return REDACTED;
  if (value === null || typeof value !== "object") return value;
  const segment = segments[i]!;
  if (Array.isArray(value)) {
    // Paths have no indices: only `*` reaches into an array.
    if (segment !== ANY) return value;
    let copy: Json[] | undefined;
    value.forEach((element, j) => {
      const next = redactAt(element, segments, i + 1);
      if (next !== element) (copy ??= [...value])[j] = next;
    });
    return copy ?? value;
  }
  let copy: JsonObject | undefined;
  const keys = segment === ANY ? Object.keys(value) : [unescapeSegment(segment)];
  for (const key of keys) {
    if (!Object.hasOwn(value, key)) continue;
    const next = redactAt(value[key]!, segments, i + 1);
    if (next !== value[key]) (copy ??= { ...value })[key] = next;
  }
  return copy ?? value;
}

/**
 * A difference fit to store: each side's value redacted (wholly when the pattern
 * selects the difference's path or an ancestor, else the parts of the value a longer
 * pattern selects), hashed after redaction — so a stored hash can never be matched
 * against guesses of a secret — and cut to a preview of `maxChars` characters.
 */
export function redactDifference(
  difference: Difference,
  paths: readonly string[],
  maxChars: number = PREVIEW_CHARS,
): RedactedDifference {
  const at = splitPath(difference.path) ?? [];
  const patterns = [...ALWAYS, ...paths].map(splitPath).filter((p): p is string[] => p !== undefined);
  const redact = (value: Json): Json => {
    let out = value;
    for (const p of patterns) {
      const shared = Math.min(p.length, at.length);
      let matches = true;
      for (let k = 0; k < shared && matches; k++) matches = segmentMatches(p[k]!, at[k]!);
      if (!matches) continue;
      if (p.length <= at.length) return REDACTED;
      out = redactAt(out, p, at.length);
    }
    return out;
  };
  const out: RedactedDifference = { path: difference.path, kind: difference.kind };
  if (difference.v1 !== undefined) {
    const v = redact(difference.v1);
    out.v1Hash = hashJson(v);
    out.v1 = preview(v, maxChars);
  }
  if (difference.v2 !== undefined) {
    const v = redact(difference.v2);
    out.v2Hash = hashJson(v);
    out.v2 = preview(v, maxChars);
  }
  return out;
}

/**
 * The JSON text of `value`, at most `maxChars` characters, ending in "…" when cut.
 * Serialises only as much as it keeps: every nesting level writes at least one
 * character, so the recursion stops within maxChars levels however deep the value.
 */
export function preview(value: Json, maxChars: number = PREVIEW_CHARS): string {
  let out = "";
  const full = (): boolean => out.length > maxChars;
  const write = (v: Json): void => {
    if (full()) return;
    if (v === null || typeof v !== "object") {
      // A long string is cut before it is escaped, not after.
      out += JSON.stringify(typeof v === "string" && v.length > maxChars ? v.slice(0, maxChars + 1) : v);
      return;
    }
    if (Array.isArray(v)) {
      out += "[";
      for (let i = 0; i < v.length && !full(); i++) {
        if (i > 0) out += ",";
        write(v[i]!);
      }
      out += "]";
      return;
    }
    out += "{";
    let first = true;
    for (const key of Object.keys(v)) {
      if (full()) break;
      out += `${first ? "" : ","}${JSON.stringify(key.length > maxChars ? key.slice(0, maxChars + 1) : key)}:`;
      first = false;
      write(v[key]!);
    }
    out += "}";
  };
  write(value);
  if (out.length <= maxChars) return out;
  let cut = out.slice(0, maxChars - 1);
  // Do not end on half of a surrogate pair.
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}
