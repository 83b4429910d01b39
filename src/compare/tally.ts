// The counts of one compared route (one mirror of it): what an isolate batches
// between flushes, what the route's Durable Object adds up, and what the report is
// built from. Plain JSON data with bounded size, in entries and in bytes: at most
// MAX_PATHS field paths (MAX_FIELD_BYTES of them), MAX_SIGNATURES path sets
// (MAX_SIGNATURES_BYTES, each at most MAX_SIGNATURE_BYTES), a few examples per path
// (each at most MAX_EXAMPLE_BYTES, MAX_EXAMPLES_BYTES in all, the oldest evicted
// first) and the timeline's bounds (timeline.ts). These are the only copy of the
// rules: the route's Durable Object merges with mergeTally too.
import type { CompareOutcome } from "./compare-answers";
import { endpointOf } from "./endpoint";
import { addToEndpoint, endpointIn, keyOf, mergeEndpoints, type EndpointTally } from "./endpoint-tally";
import { latencyBucket } from "./histogram";
import { shiftKey } from "./latency-shift";
import { fitsBytes, MAX_PATH_BYTES, utf8Bytes } from "./path";
import { addToTimeline, COMPARED, ERRORS, MAX_SIGNATURE_BYTES, mergeTimeline, minuteOf, MIRRORED, SHIFT_CLAMP_MS, SHIFT_SUM, SKIPPED, type Timeline } from "./timeline";
import type { DiffKind, RedactedDifference } from "./types";
import { addWhere, mergeWhere, type WhereKeys, type WhereTally } from "./where";

export interface FieldCount {
  /** the most structural kind seen at this path (a shape change outranks a value change) */
  kind: DiffKind;
  /** compared requests where v1 and v2 differed here */
  divergent: number;
  /** noise samples where v1 differed from itself here */
  noise: number;
}

export interface Example {
  requestId: string;
  /** the W3C trace id both legs carried, when there was one (src/proxy/trace-context.ts) */
  traceId?: string;
  method: string;
  /** the request's path, without its query (a query can carry tokens) */
  path: string;
  /** ms since the epoch */
  at: number;
  /** v1's and v2's status codes (absent in examples kept by an older version) */
  v1Status?: number;
  v2Status?: number;
  /** for the page's copy-as-curl: the request's scheme and Host (`https://api.example.com`) and Content-Type, each cut to EXAMPLE_PATH_CHARS; never its query, body or other headers */
  origin?: string;
  contentType?: string;
  differences: RedactedDifference[];
}

export interface Tally {
  /** shadows sent or skipped for this route and mirror */
  mirrored: number;
  /** requests whose v1 and v2 answers were both read and compared */
  compared: number;
  /** compared requests that also compared v1 with itself */
  noiseSamples: number;
  statuses: { v1: Record<string, number>; v2: Record<string, number> };
  /** latency histograms (histogram.ts bucket → count) of the compared requests */
  latency: { v1: Record<string, number>; v2: Record<string, number> };
  /**
   * v2's time to headers minus v1's, per compared request: latency-shift.ts's shiftKey
   * (whole ms to ±2 s, log buckets past it; at most SHIFT_KEYS_MAX keys) → count.
   */
  latencyShift: Record<string, number>;
  /** mirrored but not compared, by reason (body_too_large, v1_failed, compare_failed, …) */
  skipped: Record<string, number>;
  /** shadows that got no answer, by reason (connect_failed, timeout) */
  shadowErrors: Record<string, number>;
  fields: Record<string, FieldCount>;
  /**
   * How many compared requests differed at exactly this set of paths (JSON text of the
   * sorted paths). Which fields are noise is only known from all the counts, so a
   * request's "divergent or not" is decided when the report is built: it is divergent
   * when its set holds a field that is neither noise nor ignored. OVERFLOW counts
   * requests whose set was not kept (past MAX_SIGNATURES): they count as divergent.
   */
  signatures: Record<string, number>;
  /** paths dropped past MAX_PATHS */
  droppedPaths: number;
  /** per minute, compared requests and their signatures: divergence over time (timeline.ts) */
  timeline: Timeline;
  /** the timeline's minutes the Durable Object forgot, added up per hour: a week (timeline.ts pruneHours); isolates send none */
  hours: Timeline;
  examples: Example[];
  /** compared requests by request.cf colo, country and HTTP protocol (where.ts; bounded there) */
  where: WhereTally;
  /** per endpoint (method and path template, endpoint.ts): bounded as endpoint-tally.ts says */
  endpoints: Record<string, EndpointTally>;
}

export const MAX_PATHS = 500;
/** The field paths kept, in UTF-8 bytes all together: past it new paths are dropped like past MAX_PATHS. */
export const MAX_FIELD_BYTES = 64 * 1024;
export const MAX_SIGNATURES = 500;
/** The path sets kept, in UTF-8 bytes all together: past it new sets count as OVERFLOW. */
export const MAX_SIGNATURES_BYTES = 256 * 1024;
export { MAX_SIGNATURE_BYTES };
export const EXAMPLES_PER_PATH = 3;
export const MAX_EXAMPLES = 100;
/** One example's JSON text at most (UTF-8): differences past it are left out, previews shortened. */
export const MAX_EXAMPLE_BYTES = 2 * 1024;
/** All examples' JSON text at most: the oldest are evicted to make room. */
export const MAX_EXAMPLES_BYTES = 64 * 1024;
/** An example's request id and request path are cut to these many characters. */
export const EXAMPLE_ID_CHARS = 128;
export const EXAMPLE_PATH_CHARS = 256;
export const OVERFLOW = "*";

const SEVERITY: Record<DiffKind, number> = { type: 7, missing: 6, added: 5, length: 4, order: 3, too_complex: 2, value: 1 };

export function emptyTally(): Tally {
  return {
    mirrored: 0,
    compared: 0,
    noiseSamples: 0,
    statuses: { v1: {}, v2: {} },
    latency: { v1: {}, v2: {} },
    latencyShift: {},
    skipped: {},
    shadowErrors: {},
    fields: {},
    signatures: {},
    droppedPaths: 0,
    timeline: {},
    hours: {},
    examples: [],
    where: {},
    endpoints: {},
  };
}

/** One shadow of this route: sent and answered, failed (`error`) or not sent / not compared (`skipped`). */
export function addShadow(t: Tally, outcome: { error?: string; skipped?: string }, at = Date.now()): void {
  t.mirrored++;
  const minute = minuteOf(at);
  addToTimeline(t.timeline, minute, MIRRORED);
  if (outcome.error) {
    bump(t.shadowErrors, outcome.error);
    addToTimeline(t.timeline, minute, ERRORS);
  }
  if (outcome.skipped) {
    bump(t.skipped, outcome.skipped);
    addToTimeline(t.timeline, minute, SKIPPED);
  }
}

export interface ComparedRequest {
  outcome: CompareOutcome;
  v1Ms: number;
  v2Ms: number;
  example: Omit<Example, "differences">;
  /** the request's cf values (where.ts), when the worker read them */
  where?: WhereKeys;
}

/** One compared request (its shadow is counted by addShadow). */
export function addCompared(t: Tally, { outcome, v1Ms, v2Ms, example, where }: ComparedRequest): void {
  t.compared++;
  bump(t.statuses.v1, String(outcome.v1Status));
  bump(t.statuses.v2, String(outcome.v2Status));
  bump(t.latency.v1, String(latencyBucket(v1Ms)));
  bump(t.latency.v2, String(latencyBucket(v2Ms)));
  // One key and one increment per request: the statistics are computed when the report is built.
  const minute = minuteOf(example.at);
  const diff = v2Ms - v1Ms;
  if (Number.isFinite(diff)) {
    bump(t.latencyShift, shiftKey(diff));
    addToTimeline(t.timeline, minute, SHIFT_SUM, Math.round(Math.max(-SHIFT_CLAMP_MS, Math.min(SHIFT_CLAMP_MS, diff))));
  }
  for (const d of outcome.differences) countField(t, d.path, d.kind, 1, 0);
  if (outcome.noise) {
    t.noiseSamples++;
    for (const d of outcome.noise) countField(t, d.path, d.kind, 0, 1);
  }
  addToTimeline(t.timeline, minute, COMPARED);
  const signature = outcome.differences.length > 0 ? JSON.stringify(outcome.differences.map((d) => d.path).sort()) : undefined;
  if (signature !== undefined) {
    // Past MAX_SIGNATURE_BYTES it is counted as the overflow, in the totals and the minute (bumpSignature, addToTimeline).
    bumpSignature(t, signature, 1);
    addToTimeline(t.timeline, minute, signature);
  }
  // The path set's hash, once: where.ts and endpoint-tally.ts keep sets by it (keyOf is signatureHash).
  const setHash = signature === undefined ? undefined : keyOf(signature);
  if (where) addWhere(t.where, where, setHash, diff);
  const endpoint = endpointIn(t.endpoints, endpointOf(example.method, example.path));
  addToEndpoint(endpoint, outcome.differences, outcome.noise, signature && (fitsBytes(signature, MAX_SIGNATURE_BYTES) ? setHash : OVERFLOW), diff);
  if (outcome.example.length > 0) addExample(t, boundExample({ ...example, v1Status: outcome.v1Status, v2Status: outcome.v2Status, differences: outcome.example }));
}


/**
 * An example cut to MAX_EXAMPLE_BYTES: request id, path, origin and Content-Type
 * shortened, then origin and Content-Type left out, then differences from the end; a last one still too large keeps only its hashes.
 */
export function boundExample(e: Example): Example {
  const out: Example = { ...e, requestId: cut(e.requestId, EXAMPLE_ID_CHARS), path: cut(e.path, EXAMPLE_PATH_CHARS) };
  if (e.origin !== undefined) out.origin = cut(e.origin, EXAMPLE_PATH_CHARS);
  if (e.contentType !== undefined) out.contentType = cut(e.contentType, EXAMPLE_PATH_CHARS);
  const over = () => utf8Bytes(JSON.stringify(out)) > MAX_EXAMPLE_BYTES;
  // The curl's origin and Content-Type go first: the differences are why the example is kept.
  if (over()) delete out.origin, delete out.contentType;
  while (over() && out.differences.length > 1) out.differences = out.differences.slice(0, -1);
  if (over()) out.differences = out.differences.map(({ v1, v2, ...d }) => d);
  // Still over only with a path longer than MAX_PATH_BYTES (never made by the diff): addExample refuses it.
  return out;
}

const exampleSizes = new WeakMap<Example, number>();

/** The UTF-8 length of an example's JSON text (examples are never changed once kept, so it is counted once). */
export function exampleBytes(e: Example): number {
  let n = exampleSizes.get(e);
  if (n === undefined) exampleSizes.set(e, (n = utf8Bytes(JSON.stringify(e))));
  return n;
}

function cut(s: string, chars: number): string {
  return s.length <= chars ? s : `${s.slice(0, chars - 1)}…`;
}

/** Adds `from` into `into` (an isolate's unsent tally back into the next one). */
export function mergeTally(into: Tally, from: Tally): void {
  into.mirrored += from.mirrored;
  into.compared += from.compared;
  into.noiseSamples += from.noiseSamples;
  into.droppedPaths += from.droppedPaths;
  for (const side of ["v1", "v2"] as const) {
    addCounts(into.statuses[side], from.statuses[side]);
    addCounts(into.latency[side], from.latency[side]);
  }
  // An isolate of an older version sends no latencyShift.
  addCounts(into.latencyShift, from.latencyShift ?? {});
  addCounts(into.skipped, from.skipped);
  addCounts(into.shadowErrors, from.shadowErrors);
  for (const [path, f] of Object.entries(from.fields)) countField(into, path, f.kind, f.divergent, f.noise);
  for (const [key, n] of Object.entries(from.signatures)) bumpSignature(into, key, n);
  mergeTimeline(into.timeline, from.timeline);
  mergeTimeline(into.hours, from.hours ?? {});
  for (const e of from.examples) addExample(into, e);
  // An isolate of an older version sends no where.
  mergeWhere((into.where ??= {}), from.where ?? {});
  // An isolate of an older version sends no endpoints.
  mergeEndpoints(into.endpoints, from.endpoints);
}

/** The more structural of two kinds: a path's kind in the report. */
export function severer(a: DiffKind, b: DiffKind): DiffKind {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

/** The UTF-8 bytes of an object's keys (counted only when a new path or path set would be kept). */
function keyBytes(o: object): number {
  return Object.keys(o).reduce((n, key) => n + utf8Bytes(key), 0);
}

function countField(t: Tally, path: string, kind: DiffKind, divergent: number, noise: number): void {
  const f = t.fields[path];
  if (f) {
    f.kind = severer(f.kind, kind);
    f.divergent += divergent;
    f.noise += noise;
    return;
  }
  const n = utf8Bytes(path);
  if (Object.keys(t.fields).length < MAX_PATHS && n <= MAX_PATH_BYTES && keyBytes(t.fields) + n <= MAX_FIELD_BYTES) t.fields[path] = { kind, divergent, noise };
  else t.droppedPaths += divergent + noise;
}

function bumpSignature(t: Tally, key: string, n: number): void {
  if (t.signatures[key] === undefined && key !== OVERFLOW) {
    const n = utf8Bytes(key);
    if (Object.keys(t.signatures).length >= MAX_SIGNATURES || n > MAX_SIGNATURE_BYTES || keyBytes(t.signatures) + n > MAX_SIGNATURES_BYTES) key = OVERFLOW;
  }
  bump(t.signatures, key, n);
}

/**
 * Keeps the latest examples: a new one stays when it is among the EXAMPLES_PER_PATH
 * latest (by request time) of one of its paths, and an example that is no longer
 * among the latest of any of its paths goes; then the oldest are evicted while
 * MAX_EXAMPLES or MAX_EXAMPLES_BYTES would be passed.
 */
function addExample(t: Tally, e: Example): void {
  if (exampleBytes(e) > MAX_EXAMPLE_BYTES) return;
  const all = [...t.examples, e];
  const byPath = new Map<string, Example[]>();
  for (const x of all) for (const d of x.differences) byPath.get(d.path)?.push(x) ?? byPath.set(d.path, [x]);
  const keep = new Set<Example>();
  // A stable sort: of two examples at the same ms, the one added later counts as the later.
  for (const list of byPath.values()) for (const x of list.sort((a, b) => a.at - b.at).slice(-EXAMPLES_PER_PATH)) keep.add(x);
  if (!keep.has(e)) return;
  t.examples = all.filter((x) => keep.has(x));
  let total = 0;
  for (const x of t.examples) total += exampleBytes(x);
  while (t.examples.length > 1 && (t.examples.length > MAX_EXAMPLES || total > MAX_EXAMPLES_BYTES)) {
    let oldest = 0;
    for (let i = 1; i < t.examples.length; i++) if (t.examples[i]!.at < t.examples[oldest]!.at) oldest = i;
    total -= exampleBytes(t.examples[oldest]!);
    t.examples.splice(oldest, 1);
  }
}

function bump(counts: Record<string, number>, key: string, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [key, n] of Object.entries(from)) bump(into, key, n);
}
