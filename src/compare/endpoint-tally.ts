// The per-endpoint part of a route's tally (issue 21 item 2): for each endpoint
// (endpoint.ts), its compared requests, noise samples, fields, path sets and latency
// shifts, so that each endpoint gets its own noise (Diffy), interval and verdict.
// Bounded by construction, in entries and bytes:
// - MAX_ENDPOINTS endpoints (first come), the rest counted under OTHER_ENDPOINT;
//   each endpoint's name at most MAX_ENDPOINT_BYTES;
// - per endpoint, ENDPOINT_FIELDS field paths and ENDPOINT_SIGNATURES path sets, kept
//   by hash (hash.ts's 14 hex digits), not by text: the report finds their text in the
//   route's own fields and signatures. A path or set not kept (past the cap, or not
//   kept by the route) counts as divergent, as at the route;
// - a latency-shift histogram with coarser keys than the route's: whole ms to ±16 ms,
//   4 log buckets per doubling past it to ±2^17 ms (131 s: waitUntil work is cancelled
//   after about 30 s, so no difference gets that far; a larger one counts in the last
//   bucket), each kept as its geometric middle, at most 9 % off: at most
//   ENDPOINT_SHIFT_KEYS (137) keys.
// One endpoint's JSON text is then at most about 3.5 KiB (16 fields of about 60 bytes, 16
// sets of 20, 137 shift keys of about 10), the 51 at most about 200 KiB.
import { hashJson } from "./hash";
import { logBucketKey } from "./latency-shift";
import { MAX_ENDPOINT_BYTES } from "./endpoint";
import { fitsBytes } from "./path";
import { STRUCTURAL_KINDS, type DiffKind } from "./types";

export interface EndpointTally {
  compared: number;
  noiseSamples: number;
  /** field path's hash → its counts on this endpoint (tally.ts's FieldCount) */
  fields: Record<string, { kind: DiffKind; divergent: number; noise: number }>;
  /** path set's hash (or OVERFLOW_SET) → compared requests that differed at exactly that set */
  signatures: Record<string, number>;
  /** field counts not kept past ENDPOINT_FIELDS */
  droppedPaths: number;
  /** endpointShiftKey(v2 − v1) → count */
  shift: Record<string, number>;
}

export const MAX_ENDPOINTS = 50;
export const OTHER_ENDPOINT = "other";
export const ENDPOINT_FIELDS = 16;
export const ENDPOINT_SIGNATURES = 16;
export const OVERFLOW_SET = "*";
const EXACT_MS = 16;
const PER_DOUBLING = 4;
/**
 * What those caps give, stated and tested (test/compare/storage-bounds.test.ts): one
 * endpoint's JSON text with every entry filled and counts below 10^9, and the 51's.
 */
export const MAX_ENDPOINT_JSON_BYTES = 4 * 1024;
export const MAX_ENDPOINTS_JSON_BYTES = (MAX_ENDPOINTS + 1) * MAX_ENDPOINT_JSON_BYTES;
/** Log buckets on each side: differences past 2^17 ms (131 s) share the last. */
const STEPS = PER_DOUBLING * Math.ceil(Math.log2(2 ** 17 / EXACT_MS));
/** The most keys an endpoint's shift histogram holds. */
export const ENDPOINT_SHIFT_KEYS = 2 * EXACT_MS + 1 + 2 * STEPS;

/** The key a field path or a path set (its JSON text) is kept under: the same hash as where.ts's signatureHash. */
export const keyOf = (text: string): string => hashJson(text);

export function emptyEndpoint(): EndpointTally {
  return { compared: 0, noiseSamples: 0, fields: {}, signatures: {}, droppedPaths: 0, shift: {} };
}

/** Whole ms to ±16 ms, then the middle of a quarter-doubling bucket; idempotent, so merging re-keys safely. */
export function endpointShiftKey(diffMs: number): string {
  return logBucketKey(diffMs, EXACT_MS, PER_DOUBLING, STEPS - 1);
}

/**
 * The endpoint entry `name` counts into: its own while there is room (MAX_ENDPOINTS,
 * a name within MAX_ENDPOINT_BYTES), else OTHER_ENDPOINT.
 */
export function endpointIn(endpoints: Record<string, EndpointTally>, name: string): EndpointTally {
  let e = endpoints[name];
  if (e) return e;
  const own = name !== OTHER_ENDPOINT && fitsBytes(name, MAX_ENDPOINT_BYTES) && Object.keys(endpoints).length - (OTHER_ENDPOINT in endpoints ? 1 : 0) < MAX_ENDPOINTS;
  const key = own ? name : OTHER_ENDPOINT;
  return (endpoints[key] ??= emptyEndpoint());
}

/** One compared request: its differences' paths, its noise sample's paths (when it had one), its set's key, v2 − v1. */
export function addToEndpoint(e: EndpointTally, divergent: readonly { path: string; kind: DiffKind }[], noise: readonly { path: string; kind: DiffKind }[] | undefined, signature: string | undefined, shiftMs: number): void {
  e.compared++;
  for (const d of divergent) countField(e, keyOf(d.path), d.kind, 1, 0);
  if (noise) {
    e.noiseSamples++;
    for (const d of noise) countField(e, keyOf(d.path), d.kind, 0, 1);
  }
  if (signature !== undefined) bumpSet(e, signature, 1);
  if (Number.isFinite(shiftMs)) bump(e.shift, endpointShiftKey(shiftMs), 1);
}

/** Adds `from` (any endpoints map, even one not built by these rules) into `into`, by these rules. */
export function mergeEndpoints(into: Record<string, EndpointTally>, from: Readonly<Record<string, EndpointTally>> | undefined): void {
  for (const [name, f] of Object.entries(from ?? {})) {
    const e = endpointIn(into, name);
    e.compared += f.compared;
    e.noiseSamples += f.noiseSamples;
    e.droppedPaths += f.droppedPaths;
    for (const [key, c] of Object.entries(f.fields)) countField(e, key, c.kind, c.divergent, c.noise);
    for (const [key, n] of Object.entries(f.signatures)) bumpSet(e, key, n);
    for (const [key, n] of Object.entries(f.shift)) bump(e.shift, endpointShiftKey(Number(key)), n);
  }
}

function countField(e: EndpointTally, key: string, kind: DiffKind, divergent: number, noise: number): void {
  const f = e.fields[key];
  if (f) {
    // a structural kind is kept once seen (noise.ts never explains it away)
    if (STRUCTURAL_KINDS.has(kind)) f.kind = kind;
    f.divergent += divergent;
    f.noise += noise;
  } else if (Object.keys(e.fields).length < ENDPOINT_FIELDS && key.length <= 16) e.fields[key] = { kind, divergent, noise };
  else e.droppedPaths += divergent + noise;
}

function bumpSet(e: EndpointTally, key: string, n: number): void {
  if (e.signatures[key] === undefined && (Object.keys(e.signatures).length >= ENDPOINT_SIGNATURES || key.length > 16)) key = OVERFLOW_SET;
  bump(e.signatures, key, n);
}

function bump(counts: Record<string, number>, key: string, n: number): void {
  counts[key] = (counts[key] ?? 0) + n;
}
