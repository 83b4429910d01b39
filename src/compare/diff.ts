// Field-level differences between v1's and v2's lifted answers, Diffy's way
// (ai/diffy/compare/Difference.scala): paths without array indices, id-keyed objects
// folded like arrays, an array that holds the same elements in another order reported
// as an ordering difference, a length change reported once for the array. One
// difference per path per request, so counts per path are counts of requests.
import { createHasher, hashHex } from "./hash";
import { ANY, childPath, fitsBytes, MAX_PATH_BYTES } from "./path";
import { isEchoedHeaders, isLegHeader } from "./own-headers";
import type { DiffKind, Difference, Json, JsonObject, Lifted, LiftedBody } from "./types";
import { WALK_NS_PER_NODE, type WorkMeter } from "./work-budget";

export interface DiffOptions {
  /**
   * JSON nesting compared field by field; deeper subtrees are compared by hash and a
   * difference is reported where the limit was reached. Bounds the recursion (bodies
   * can nest 100,000 deep) and the number of distinct paths.
   */
  maxDepth?: number;
  /** distinct paths kept per request; the rest are dropped and `truncated` is set */
  maxPaths?: number;
  /** charged one node per value walked and per array element hashed; when it refuses, the body walk stops */
  meter?: WorkMeter;
}

export interface DiffResult {
  differences: Difference[];
  /** true when more than maxPaths paths differed and some were dropped */
  truncated: boolean;
  /** the body walk passed the meter's limit: `differences` is empty */
  tooComplex?: true;
}

/** Thrown inside the walk when the meter refuses; never escapes diffAnswers. */
const TOO_COMPLEX = Symbol("too_complex");

export const DEFAULT_MAX_DEPTH = 64;
export const DEFAULT_MAX_PATHS = 256;

/**
 * More keys than this make an object a map, whatever its keys look like: Diffy's limit
 * (ai/diffy/lifter/JsonLifter.scala, `fields.size > 50`). A record type with more than
 * 50 fields is rare; a dictionary keyed by data (emails, slugs, SKUs) with more than 50
 * entries is common, and as an object it would make one path per entry.
 */
export const MAP_KEY_LIMIT = 50;

// When several differences fold into one path in one request (two elements of
// /body/items differ in different ways), the most structural one is kept: a shape
// change must not hide behind a value change, because shape changes are never noise.
const SEVERITY: Record<DiffKind, number> = { type: 7, missing: 6, added: 5, length: 4, order: 3, too_complex: 2, value: 1 };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LONG_HEX = /^[0-9a-f]{16,}$/i;

/**
 * Whether a key names data rather than a field: it starts with a digit (numbers, dates,
 * most generated ids — Diffy's `[0-9].*`), is a UUID or a long hex id (Mongo ObjectId,
 * digests), or is longer than 100 characters (Diffy's limit).
 */
export function isIdKey(key: string): boolean {
  const c = key.charCodeAt(0);
  return (c >= 48 && c <= 57) || UUID.test(key) || LONG_HEX.test(key) || key.length > 100;
}

/**
 * Whether an object (given the union of both sides' keys) is a map. Diffy folds an
 * object when any key looks like data; here every key must, so one odd field name
 * (`x-request-id`, `@type`) does not hide a record's field names.
 */
export function isMapKeys(keys: readonly string[]): boolean {
  return keys.length > MAP_KEY_LIMIT || (keys.length > 0 && keys.every(isIdKey));
}

/** Compares status, the lifted headers and the body. Pure; v1 and v2 are not modified. */
export function diffAnswers(v1: Lifted, v2: Lifted, options: DiffOptions = {}): DiffResult {
  const { maxDepth = DEFAULT_MAX_DEPTH, maxPaths = DEFAULT_MAX_PATHS, meter } = options;
  const hash = createHasher();
  const found = new Map<string, Difference>();
  let truncated = false;

  function add(path: string, kind: DiffKind, a: Json | undefined, b: Json | undefined): void {
    const seen = found.get(path);
    if (seen !== undefined && SEVERITY[seen.kind] >= SEVERITY[kind]) return;
    if (seen === undefined && found.size >= maxPaths) {
      truncated = true;
      return;
    }
    const d: Difference = { path, kind };
    if (a !== undefined) {
      d.v1 = a;
      d.v1Hash = hashHex(hash(a));
    }
    if (b !== undefined) {
      d.v2 = b;
      d.v2Hash = hashHex(hash(b));
    }
    found.set(path, d);
  }

  function walk(a: Json, b: Json, path: string, depth: number): void {
    if (meter && !meter.charge(WALK_NS_PER_NODE)) throw TOO_COMPLEX;
    if (a === b) return;
    const ta = typeOf(a);
    if (ta !== typeOf(b)) return add(path, "type", a, b);
    if (ta !== "array" && ta !== "object") return add(path, "value", a, b);
    // Past the depth limit, or where a child's path would pass MAX_PATH_BYTES (path.ts), by hash.
    if (depth >= maxDepth || !fitsBytes(path, MAX_PATH_BYTES - 2)) {
      if (hash(a) !== hash(b)) add(path, "value", a, b);
      return;
    }
    if (ta === "array") return walkArray(a as Json[], b as Json[], path, depth);
    walkObject(a as JsonObject, b as JsonObject, path, depth);
  }

  // Diffy's diffSeq: same elements in another order → ordering; same length → element
  // by element; otherwise a size difference (pairing elements after an insertion
  // would report every later element as changed).
  function walkArray(a: Json[], b: Json[], path: string, depth: number): void {
    if (a.length !== b.length) return add(path, "length", a, b);
    if (meter && !meter.charge((a.length + b.length) * WALK_NS_PER_NODE)) throw TOO_COMPLEX;
    const ha = a.map(hash);
    const hb = b.map(hash);
    if (ha.every((h, i) => h === hb[i])) return;
    if (sameMultiset(ha, hb)) return add(path, "order", a, b);
    const elements = childPath(path, ANY);
    for (let i = 0; i < a.length; i++) {
      if (ha[i] !== hb[i]) walk(a[i]!, b[i]!, elements, depth + 1);
    }
  }

  function walkObject(a: JsonObject, b: JsonObject, path: string, depth: number): void {
    let keysA = Object.keys(a);
    let extra = Object.keys(b).filter((k) => !Object.hasOwn(a, k));
    // Echoed request headers: the worker's own markers and per-leg trace headers are not the origin's answer (own-headers.ts).
    if (isEchoedHeaders(path)) {
      keysA = keysA.filter((k) => !isLegHeader(k));
      extra = extra.filter((k) => !isLegHeader(k));
    }
    const folded = isMapKeys(extra.length === 0 ? keysA : [...keysA, ...extra]);
    for (const key of keysA) {
      const p = childPath(path, folded ? ANY : key);
      if (Object.hasOwn(b, key)) walk(a[key]!, b[key]!, p, depth + 1);
      else add(p, "missing", a[key], undefined);
    }
    for (const key of extra) add(childPath(path, folded ? ANY : key), "added", undefined, b[key]);
  }

  if (v1.status !== v2.status) add("/status", "value", v1.status, v2.status);
  diffHeaders(v1.headers, v2.headers, add);
  try {
    diffBody(v1.body, v2.body, add, walk);
  } catch (e) {
    if (e !== TOO_COMPLEX) throw e;
    return { differences: [], truncated, tooComplex: true };
  }
  return { differences: [...found.values()], truncated };
}

type Add = (path: string, kind: DiffKind, a: Json | undefined, b: Json | undefined) => void;

function diffHeaders(a: Record<string, string>, b: Record<string, string>, add: Add): void {
  for (const [name, value] of Object.entries(a)) {
    const other = Object.hasOwn(b, name) ? b[name] : undefined;
    const path = childPath("/headers", name);
    if (other === undefined) add(path, "missing", value, undefined);
    else if (other !== value) add(path, "value", value, other);
  }
  for (const [name, value] of Object.entries(b)) {
    if (!Object.hasOwn(a, name)) add(childPath("/headers", name), "added", undefined, value);
  }
}

function diffBody(
  a: LiftedBody | undefined,
  b: LiftedBody | undefined,
  add: Add,
  walk: (a: Json, b: Json, path: string, depth: number) => void,
): void {
  if (a === undefined && b === undefined) return;
  if (a === undefined) return add("/body", "added", undefined, b!.value);
  if (b === undefined) return add("/body", "missing", a.value, undefined);
  if (a.kind === "json" && b.kind === "json") return walk(a.value, b.value, "/body", 0);
  if (a.kind === b.kind) {
    if (a.value !== b.value) add("/body", "value", a.value, b.value);
    return;
  }
  // A body over the cap on one side only is a size change, not a change of kind:
  // the same JSON API answering with a longer list is a value difference.
  const sizeOnly = (a.kind === "digest" && a.overCap) || (b.kind === "digest" && b.overCap);
  add("/body", sizeOnly ? "value" : "type", a.value, b.value);
}

type JsonType = "null" | "boolean" | "number" | "string" | "array" | "object";

function typeOf(v: Json): JsonType {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v as "boolean" | "number" | "string" | "object";
}

function sameMultiset(a: readonly number[], b: readonly number[]): boolean {
  const counts = new Map<number, number>();
  for (const h of a) counts.set(h, (counts.get(h) ?? 0) + 1);
  for (const h of b) {
    const n = counts.get(h);
    if (!n) return false;
    counts.set(h, n - 1);
  }
  return true;
}
