// Divergence over time, for the dashboard's chart: per minute, how many requests were
// compared and, for each set of differing paths (the tally's signatures), how many
// had it. Which paths are noise is only known from all the counts, so a minute's
// divergent count is decided when the report is built, by the same rule as the
// total. Bounded: MAX_MINUTE_SIGNATURES sets per minute (more count as divergent, as
// the tally's OVERFLOW does), a path set of at most MAX_SIGNATURE_BYTES, the last
// TIMELINE_MINUTES minutes, and MAX_TIMELINE_BYTES of keys in all (oldest minutes go first).
import { fitsBytes, utf8Bytes } from "./path";

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

export function minuteOf(at: number): string {
  return String(Math.floor(at / MINUTE_MS) * MINUTE_MS);
}

/** Adds `n` at `key` (COMPARED or a signature) of the minute; a signature past the minute's limit goes to MINUTE_OVERFLOW. */
export function addToTimeline(timeline: Timeline, minute: string, key: string, n = 1): void {
  const counts = (timeline[minute] ??= {});
  // Only a new signature needs the minute's signatures counted (every compared request adds COMPARED).
  const kept =
    key === COMPARED || key === MINUTE_OVERFLOW || counts[key] !== undefined || (signaturesIn(counts) < MAX_MINUTE_SIGNATURES && fitsBytes(key, MAX_SIGNATURE_BYTES)) ? key : MINUTE_OVERFLOW;
  counts[kept] = (counts[kept] ?? 0) + n;
}

function signaturesIn(counts: Record<string, number>): number {
  let n = 0;
  for (const k in counts) if (k !== COMPARED && k !== MINUTE_OVERFLOW) n++;
  return n;
}

export function mergeTimeline(into: Timeline, from: Timeline): void {
  for (const [minute, counts] of Object.entries(from)) for (const [key, n] of Object.entries(counts)) addToTimeline(into, minute, key, n);
}

/**
 * Forgets minutes older than TIMELINE_MINUTES before `now`, then the oldest minutes
 * until the keys kept fit MAX_TIMELINE_BYTES. Returns the minutes forgotten.
 */
export function pruneTimeline(timeline: Timeline, now: number): string[] {
  const bytes = (m: string) => Object.keys(timeline[m]!).reduce((n, key) => n + utf8Bytes(key) + 8, m.length);
  const minutes = Object.keys(timeline).sort((a, b) => +a - +b);
  let total = minutes.reduce((n, m) => n + bytes(m), 0);
  const forgotten: string[] = [];
  for (const m of minutes) {
    if (Number(m) >= now - TIMELINE_MINUTES * MINUTE_MS && total <= MAX_TIMELINE_BYTES) break;
    total -= bytes(m);
    delete timeline[m];
    forgotten.push(m);
  }
  return forgotten;
}

export interface TimelinePoint {
  /** the minute's start, ms since the epoch */
  at: number;
  compared: number;
  divergent: number;
}

/**
 * One point per minute, oldest first. `divergentSignature` says whether a set of paths
 * makes a request divergent (one of its paths is neither noise nor ignored).
 */
export function divergenceTimeline(timeline: Timeline, divergentSignature: (paths: string[]) => boolean): TimelinePoint[] {
  return Object.entries(timeline)
    .map(([minute, counts]) => {
      let divergent = 0;
      for (const [key, n] of Object.entries(counts)) {
        if (key === COMPARED) continue;
        if (key === MINUTE_OVERFLOW || divergentSignature(JSON.parse(key) as string[])) divergent += n;
      }
      const compared = counts[COMPARED] ?? 0;
      return { at: Number(minute), compared, divergent: Math.min(divergent, compared) };
    })
    .sort((a, b) => a.at - b.at);
}
