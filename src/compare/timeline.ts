// Divergence over time, for the dashboard's chart: per minute, how many requests were
// compared and, for each set of differing paths (the tally's signatures), how many
// had it. Which paths are noise is only known from all the counts, so a minute's
// divergent count is decided when the report is built, by the same rule as the
// total. Bounded: MAX_MINUTE_SIGNATURES sets per minute (more count as divergent, as
// the tally's OVERFLOW does), a path set of at most MAX_SIGNATURE_BYTES, the last
// TIMELINE_MINUTES minutes, and MAX_TIMELINE_BYTES of keys in all (oldest minutes go first).
// Besides, each minute counts the shadows mirrored, their errors and skips, and the sum
// of the paired differences v2 − v1 (ms, each clamped to ±SHIFT_CLAMP_MS): the route
// page's history (issue 21 item 6). A minute the Durable Object forgets is added into
// its hour (`rollup`), kept HISTORY_HOURS (a week) within MAX_HOURS_BYTES; in an hour a
// path set is named by its hash (setKey, 15 characters), resolved through the tally's
// signatures when the report is built (a set not kept there counts as divergent, like
// the overflow), so a week of hours fits whatever the sets' length.
import { fitsBytes, utf8Bytes } from "./path";
import { hashBytes } from "./hash";

/** minute start (ms since the epoch, as text) → COMPARED or a signature → count */
export type Timeline = Record<string, Record<string, number>>;

export const MINUTE_MS = 60_000;
/** How far back the chart goes (the Durable Object forgets older minutes). */
export const TIMELINE_MINUTES = 180;
export const MAX_MINUTE_SIGNATURES = 20;
/** A path set longer than this (its JSON text, UTF-8) is not kept: it counts as the overflow (divergent). */
export const MAX_SIGNATURE_BYTES = 1024;
/** The keys of all minutes kept, in UTF-8 bytes; past it the oldest minutes are forgotten first. */
export const MAX_TIMELINE_BYTES = 256 * 1024;
/** The key of a minute's compared count (signatures are JSON arrays, so they never clash with it). */
export const COMPARED = "compared";
/** The key of the signatures a minute did not keep: counted as divergent. */
export const MINUTE_OVERFLOW = "*";
/** The per-bucket series besides COMPARED (names, never JSON arrays): shadows mirrored, shadow errors, skips, Σ(v2 − v1) ms. */
export const MIRRORED = "mirrored";
export const ERRORS = "errors";
export const SKIPPED = "skipped";
export const SHIFT_SUM = "shiftMs";
/** One request's difference counts at most this much either way in a bucket's mean shift (a stuck request cannot swamp the mean). */
export const SHIFT_CLAMP_MS = 10_000;
export const HOUR_MS = 3_600_000;
/** How far back the hourly history goes. */
export const HISTORY_HOURS = 7 * 24;
/** The hours' keys, in UTF-8 bytes (like MAX_TIMELINE_BYTES): past it the oldest hours are forgotten. */
export const MAX_HOURS_BYTES = 128 * 1024;
/** A bucket's key that is a set of paths, as JSON or by its hash (the rest are series). */
const isSignature = (key: string) => key[0] === "[" || key[0] === "#";
const encoder = new TextEncoder();
/** An hour's name for a set of paths (its JSON text): "#" and 14 hex digits of its hash. */
export const setKey = (signature: string) => (signature[0] === "[" ? `#${hashBytes(encoder.encode(signature))}` : signature);

export function minuteOf(at: number): string {
  return String(Math.floor(at / MINUTE_MS) * MINUTE_MS);
}

/** Adds `n` at `key` (COMPARED or a signature) of the minute; a signature past the minute's limit goes to MINUTE_OVERFLOW. */
export function addToTimeline(timeline: Timeline, minute: string, key: string, n = 1): void {
  const counts = (timeline[minute] ??= {});
  // Only a new signature needs the minute's signatures counted (every compared request adds COMPARED).
  const kept =
    !isSignature(key) || counts[key] !== undefined || (signaturesIn(counts) < MAX_MINUTE_SIGNATURES && fitsBytes(key, MAX_SIGNATURE_BYTES)) ? key : MINUTE_OVERFLOW;
  counts[kept] = (counts[kept] ?? 0) + n;
}

function signaturesIn(counts: Record<string, number>): number {
  let n = 0;
  for (const k in counts) if (isSignature(k)) n++;
  return n;
}

export function mergeTimeline(into: Timeline, from: Timeline): void {
  for (const [minute, counts] of Object.entries(from)) for (const [key, n] of Object.entries(counts)) addToTimeline(into, minute, key, n);
}

/**
 * Forgets minutes older than TIMELINE_MINUTES before `now`, then the oldest minutes
 * until the keys kept fit MAX_TIMELINE_BYTES, each added into its hour of `rollup`
 * when given. Returns the minutes forgotten. With `keepMs` and `maxBytes` it prunes hours.
 */
export function pruneTimeline(timeline: Timeline, now: number, rollup?: Timeline, keepMs = TIMELINE_MINUTES * MINUTE_MS, maxBytes = MAX_TIMELINE_BYTES): string[] {
  const bytes = (m: string) => Object.keys(timeline[m]!).reduce((n, key) => n + utf8Bytes(key) + 8, m.length);
  const minutes = Object.keys(timeline).sort((a, b) => +a - +b);
  let total = minutes.reduce((n, m) => n + bytes(m), 0);
  const forgotten: string[] = [];
  for (const m of minutes) {
    if (Number(m) >= now - keepMs && total <= maxBytes) break;
    total -= bytes(m);
    if (rollup) for (const [key, n] of Object.entries(timeline[m]!)) addToTimeline(rollup, String(Math.floor(+m / HOUR_MS) * HOUR_MS), setKey(key), n);
    delete timeline[m];
    forgotten.push(m);
  }
  return forgotten;
}

/** Forgets hours older than HISTORY_HOURS, then the oldest past MAX_HOURS_BYTES. */
export const pruneHours = (hours: Timeline, now: number) => pruneTimeline(hours, now, undefined, HISTORY_HOURS * HOUR_MS, MAX_HOURS_BYTES);

export interface TimelinePoint {
  /** the bucket's start (a minute or an hour), ms since the epoch */
  at: number;
  compared: number;
  divergent: number;
  /** shadows sent or skipped, shadows that got no answer, shadows not compared (a tally of an older version has none: 0) */
  mirrored: number;
  errors: number;
  skipped: number;
  /** the mean of v2 − v1 over the bucket's compared requests (each clamped to ±SHIFT_CLAMP_MS), ms; null when none */
  shiftMs: number | null;
}

/** The paths of a bucket's set: from its JSON, or by its hash through `named` (setKey → paths); undefined when not known. */
function pathsOf(key: string, named?: ReadonlyMap<string, string[]>): string[] | undefined {
  return key[0] === "[" ? (JSON.parse(key) as string[]) : named?.get(key);
}

/**
 * One point per bucket, oldest first. `divergentSignature` says whether a set of paths
 * makes a request divergent (one of its paths is neither noise nor ignored); a hashed
 * set not in `named` counts as divergent, like the overflow.
 */
export function divergenceTimeline(timeline: Timeline, divergentSignature: (paths: string[]) => boolean, named?: ReadonlyMap<string, string[]>): TimelinePoint[] {
  return Object.entries(timeline)
    .map(([minute, counts]) => {
      let divergent = 0;
      for (const [key, n] of Object.entries(counts)) {
        if (key === MINUTE_OVERFLOW) divergent += n;
        else if (isSignature(key)) {
          const paths = pathsOf(key, named);
          if (paths === undefined || divergentSignature(paths)) divergent += n;
        }
      }
      const compared = counts[COMPARED] ?? 0;
      const shift = counts[SHIFT_SUM];
      return {
        at: Number(minute),
        compared,
        divergent: Math.min(divergent, compared),
        mirrored: counts[MIRRORED] ?? 0,
        errors: counts[ERRORS] ?? 0,
        skipped: counts[SKIPPED] ?? 0,
        shiftMs: compared > 0 && shift !== undefined ? Math.round((shift / compared) * 10) / 10 : null,
      };
    })
    .sort((a, b) => a.at - b.at);
}

/** Hours with the minutes not yet added into them (a copy: the tally is not changed). */
export function hoursWithMinutes(hours: Timeline, minutes: Timeline): Timeline {
  const out: Timeline = {};
  mergeTimeline(out, hours);
  pruneTimeline({ ...minutes }, Infinity, out, 0, 0);
  return out;
}

/**
 * Per bucket, the requests that differed at `path` (from the buckets' path sets; a
 * set not kept, the overflow, is not counted): a field's trend, oldest first.
 */
export function fieldTrend(timeline: Timeline, path: string, named?: ReadonlyMap<string, string[]>): { at: number; divergent: number; compared: number }[] {
  return Object.entries(timeline)
    .map(([at, counts]) => {
      let divergent = 0;
      for (const [key, n] of Object.entries(counts)) if (isSignature(key) && pathsOf(key, named)?.includes(path)) divergent += n;
      return { at: Number(at), divergent, compared: counts[COMPARED] ?? 0 };
    })
    .sort((a, b) => a.at - b.at);
}
