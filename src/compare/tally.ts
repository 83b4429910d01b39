// The counts of one compared route (one mirror of it): what an isolate batches
// between flushes, what the route's Durable Object adds up, and what the report is
// built from. Plain JSON data with bounded size: at most MAX_PATHS field paths and
// MAX_SIGNATURES path sets, and a few examples per path.
import type { CompareOutcome } from "./compare-answers";
import { latencyBucket } from "./histogram";
import { addToTimeline, COMPARED, mergeTimeline, minuteOf, type Timeline } from "./timeline";
import type { DiffKind, RedactedDifference } from "./types";

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
  method: string;
  /** the request's path, without its query (a query can carry tokens) */
  path: string;
  /** ms since the epoch */
  at: number;
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
  examples: Example[];
}

export const MAX_PATHS = 500;
export const MAX_SIGNATURES = 500;
export const EXAMPLES_PER_PATH = 3;
export const MAX_EXAMPLES = 100;
export const OVERFLOW = "*";

const SEVERITY: Record<DiffKind, number> = { type: 7, missing: 6, added: 5, length: 4, order: 3, too_complex: 2, value: 1 };

export function emptyTally(): Tally {
  return {
    mirrored: 0,
    compared: 0,
    noiseSamples: 0,
    statuses: { v1: {}, v2: {} },
    latency: { v1: {}, v2: {} },
    skipped: {},
    shadowErrors: {},
    fields: {},
    signatures: {},
    droppedPaths: 0,
    timeline: {},
    examples: [],
  };
}

/** One shadow of this route: sent and answered, failed (`error`) or not sent / not compared (`skipped`). */
export function addShadow(t: Tally, outcome: { error?: string; skipped?: string }): void {
  t.mirrored++;
  if (outcome.error) bump(t.shadowErrors, outcome.error);
  if (outcome.skipped) bump(t.skipped, outcome.skipped);
}

export interface ComparedRequest {
  outcome: CompareOutcome;
  v1Ms: number;
  v2Ms: number;
  example: Omit<Example, "differences">;
}

/** One compared request (its shadow is counted by addShadow). */
export function addCompared(t: Tally, { outcome, v1Ms, v2Ms, example }: ComparedRequest): void {
  t.compared++;
  bump(t.statuses.v1, String(outcome.v1Status));
  bump(t.statuses.v2, String(outcome.v2Status));
  bump(t.latency.v1, String(latencyBucket(v1Ms)));
  bump(t.latency.v2, String(latencyBucket(v2Ms)));
  for (const d of outcome.differences) countField(t, d.path, d.kind, 1, 0);
  if (outcome.noise) {
    t.noiseSamples++;
    for (const d of outcome.noise) countField(t, d.path, d.kind, 0, 1);
  }
  const minute = minuteOf(example.at);
  addToTimeline(t.timeline, minute, COMPARED);
  if (outcome.differences.length > 0) {
    const signature = JSON.stringify(outcome.differences.map((d) => d.path).sort());
    bumpSignature(t, signature, 1);
    addToTimeline(t.timeline, minute, signature);
  }
  if (outcome.example.length > 0 && wantsExample(t, outcome.example)) t.examples.push({ ...example, differences: outcome.example });
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
  addCounts(into.skipped, from.skipped);
  addCounts(into.shadowErrors, from.shadowErrors);
  for (const [path, f] of Object.entries(from.fields)) countField(into, path, f.kind, f.divergent, f.noise);
  for (const [key, n] of Object.entries(from.signatures)) bumpSignature(into, key, n);
  mergeTimeline(into.timeline, from.timeline);
  for (const e of from.examples) if (wantsExample(into, e.differences)) into.examples.push(e);
}

/** The more structural of two kinds: a path's kind in the report. */
export function severer(a: DiffKind, b: DiffKind): DiffKind {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

function countField(t: Tally, path: string, kind: DiffKind, divergent: number, noise: number): void {
  const f = t.fields[path];
  if (f) {
    f.kind = severer(f.kind, kind);
    f.divergent += divergent;
    f.noise += noise;
  } else if (Object.keys(t.fields).length < MAX_PATHS) t.fields[path] = { kind, divergent, noise };
  else t.droppedPaths += divergent + noise;
}

function bumpSignature(t: Tally, key: string, n: number): void {
  const known = t.signatures[key] !== undefined || key === OVERFLOW || Object.keys(t.signatures).length < MAX_SIGNATURES;
  bump(t.signatures, known ? key : OVERFLOW, n);
}

/** Whether an example adds one to a path that has fewer than EXAMPLES_PER_PATH. */
function wantsExample(t: Tally, differences: readonly RedactedDifference[]): boolean {
  if (t.examples.length >= MAX_EXAMPLES) return false;
  return differences.some((d) => t.examples.filter((e) => e.differences.some((x) => x.path === d.path)).length < EXAMPLES_PER_PATH);
}

function bump(counts: Record<string, number>, key: string, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [key, n] of Object.entries(from)) bump(into, key, n);
}
