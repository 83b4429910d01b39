// Where v2 diverges or is slower (issue 21 item 3): the compared requests of a route
// split by request.cf's colo, country and HTTP protocol. Per value of each dimension:
// the requests compared, their path sets (signatures) by a 14-hex hash of the tally's
// signature text, and their paired latency shift (v2 − v1) on a coarse histogram.
// Which fields are noise is decided when the report is built, from the route's fields
// (noise.ts), so a value's divergent count follows the same rule as the route's: a
// hash whose path set is divergent there, or that the route did not keep (its
// OVERFLOW), or this value's own overflow, counts as divergent.
//
// Bounds (docs/where.md, docs/guarantees-storage.md): a value is at most
// MAX_VALUE_CHARS of [A-Za-z0-9./_-] (anything else is `other`; absent is `unknown`);
// at most MAX_WHERE_VALUES named values per dimension, past which the value with the
// fewest compared requests is folded into `other`; per value at most WHERE_SIGNATURES
// hashes (more count in `*`, divergent) and WHERE_SHIFT_KEYS shift keys (a difference
// past them is counted at the nearest kept key). So one value's JSON is under 1.5 KiB
// and a dimension's under 80 KiB, whatever clients send.
// The report's side (statistics, never on a proxied request's path) is where-report.ts.
import { keyOf } from "./endpoint-tally";
import { logBucketKey } from "./latency-shift";

export const DIMENSIONS = ["colo", "country", "protocol"] as const;
export type Dimension = (typeof DIMENSIONS)[number];
/** One compared request's value in each dimension. */
export type WhereKeys = Record<Dimension, string>;

export interface WhereCounts {
  compared: number;
  /** signature hash (14 hex digits, or OVERFLOW_KEY) → compared requests that differed at that path set */
  signatures: Record<string, number>;
  /** whereShiftKey(v2 − v1 in ms) → count */
  shift: Record<string, number>;
}

/** dimension → value → counts */
export type WhereTally = Partial<Record<Dimension, Record<string, WhereCounts>>>;

export const MAX_WHERE_VALUES = 50;
export const MAX_VALUE_CHARS = 16;
export const WHERE_SIGNATURES = 16;
export const WHERE_SHIFT_KEYS = 48;
/** Values per dimension in the report and on the page. */
export const WHERE_TOP = 10;
export const OTHER = "other";
export const UNKNOWN = "unknown";
export const OVERFLOW_KEY = "*";
/** Differences up to this many ms either way keep their whole millisecond; past it, 4 buckets per doubling (each kept as its geometric middle rounded to a whole ms: ≤ 9.1 % and ½ ms off). */
export const WHERE_EXACT_MS = 8;
const PER_DOUBLING = 4;

/** MAX_VALUE_CHARS (16) characters at most. */
const VALUE = /^[A-Za-z0-9][\w./-]{0,15}$/;
const HASH = /^[0-9a-f]{14}$/;

/** A cf value as stored: absent → unknown; short and plain → itself; anything else → other. */
export function whereValue(raw: unknown): string {
  if (raw === undefined || raw === null || raw === "") return UNKNOWN;
  return typeof raw === "string" && VALUE.test(raw) ? raw : OTHER;
}

/** The request's values, from request.cf (absent: all unknown; `wrangler dev` sends a placeholder). */
export function whereOf(cf: { colo?: unknown; country?: unknown; httpProtocol?: unknown } | object | undefined): WhereKeys {
  const c = cf as { colo?: unknown; country?: unknown; httpProtocol?: unknown } | undefined;
  return { colo: whereValue(c?.colo), country: whereValue(c?.country), protocol: whereValue(c?.httpProtocol) };
}

/** The hash a path set (the tally's signature text) is kept under: the endpoints' keyOf, the one copy. */
export const signatureHash = keyOf;

/** The coarse histogram key of one difference (ms). */
export function whereShiftKey(diffMs: number): string {
  return logBucketKey(diffMs, WHERE_EXACT_MS, PER_DOUBLING);
}

/**
 * One compared request: `setHash` is signatureHash of the tally's path-set text when v1
 * and v2 differed (hashed once by the caller, for every dimension and the endpoint).
 */
export function addWhere(w: WhereTally, keys: WhereKeys, setHash: string | undefined, shiftMs: number): void {
  for (const d of DIMENSIONS) {
    const c = slot(w, d, whereValue(keys[d]));
    c.compared++;
    if (setHash !== undefined) bumpSignature(c, setHash, 1);
    if (Number.isFinite(shiftMs)) bumpShift(c, whereShiftKey(shiftMs), 1);
  }
}

/** Adds `from` into `into` by the same rules (an isolate's batch, or a stored row being read back). */
export function mergeWhere(into: WhereTally, from: WhereTally): void {
  for (const d of DIMENSIONS) {
    for (const [value, c] of Object.entries(from[d] ?? {})) {
      if (!c || !(count(c.compared) > 0)) continue;
      addCounts(slot(into, d, value === OTHER ? OTHER : whereValue(value)), c);
    }
  }
}

/** Every (dimension, value) kept, as `dimension value` (the store deletes the rows that left). */
export function whereRows(w: WhereTally): Set<string> {
  const out = new Set<string>();
  for (const d of DIMENSIONS) for (const value of Object.keys(w[d] ?? {})) out.add(`${d} ${value}`);
  return out;
}

function slot(w: WhereTally, d: Dimension, value: string): WhereCounts {
  const values = (w[d] ??= {});
  // Own keys only: a colo named "constructor" is a value, not Object.prototype's.
  if (Object.hasOwn(values, value)) return values[value]!;
  const named = Object.keys(values).filter((v) => v !== OTHER);
  if (value !== OTHER && named.length >= MAX_WHERE_VALUES) {
    // The value with the fewest compared requests (ties: the last by name) goes into `other`.
    let least = named[0]!;
    for (const v of named) if (values[v]!.compared < values[least]!.compared || (values[v]!.compared === values[least]!.compared && v > least)) least = v;
    const gone = values[least]!;
    delete values[least];
    addCounts((values[OTHER] ??= empty()), gone);
  }
  return (values[value] = empty());
}

function empty(): WhereCounts {
  return { compared: 0, signatures: {}, shift: {} };
}

function addCounts(into: WhereCounts, from: WhereCounts): void {
  into.compared += count(from.compared);
  for (const [key, n] of Object.entries(from.signatures ?? {})) bumpSignature(into, key, count(n));
  for (const [key, n] of Object.entries(from.shift ?? {})) if (Number.isFinite(Number(key))) bumpShift(into, whereShiftKey(Number(key)), count(n));
}

function bumpSignature(c: WhereCounts, key: string, n: number): void {
  if (n <= 0) return;
  if (c.signatures[key] === undefined && (!HASH.test(key) || Object.keys(c.signatures).filter((k) => k !== OVERFLOW_KEY).length >= WHERE_SIGNATURES)) key = OVERFLOW_KEY;
  c.signatures[key] = (c.signatures[key] ?? 0) + n;
}

function bumpShift(c: WhereCounts, key: string, n: number): void {
  if (n <= 0) return;
  if (c.shift[key] === undefined) {
    const kept = Object.keys(c.shift);
    // Full: counted at the nearest kept key (ties: the first kept).
    const x = Number(key);
    if (kept.length >= WHERE_SHIFT_KEYS) key = kept.reduce((best, k) => (Math.abs(+k - x) < Math.abs(+best - x) ? k : best));
  }
  c.shift[key] = (c.shift[key] ?? 0) + n;
}

/** A count from a tally that may come from elsewhere: a non-negative safe integer, else 0. */
function count(n: unknown): number {
  return typeof n === "number" && Number.isSafeInteger(n) && n > 0 ? n : 0;
}
