// The ground truth for the paired latency shift (issue 21 item 1), from what the origins
// recorded (devkit/origin.ts: arrivedAt and headersSentAt, to a fraction of a ms, on the
// one clock of the Node process both origins run in). Used inside workerd
// (test/integration/latency-shift.test.ts) and through wrangler dev
// (test/e2e/latency-shift.test.ts). Pure: no node: imports.
//
// The worker times v1 and v2 from one start (the primary's and the shadow's fetch() are
// called in the same turn, when Date.now() has one value: it moves only at I/O) to the I/O
// event that delivered each answer's head. So the shift it measures, per request, is
// v2's head-sent time minus v1's (`shift`), plus the difference of the two answers' trips
// back and of the worker's wake-ups (not measurable here; alike on loopback), read on a
// clock of whole ms. `shift` splits into what the origins added (`added`: each origin's
// own time from request to answer, v2's minus v1's) and how much later v2's request
// arrived (`dispatch`), exactly: shift = dispatch + added.
import type { OriginRecord } from "../../devkit/origin";
import { hodgesLehmann, sampleFrom, wilcoxonInterval, type LatencyShift } from "../../src/compare/latency-shift";

/**
 * A Worker's clock: whole ms. Each difference the worker records is floor(b) − floor(a)
 * for true times a and b, so within 1 ms of b − a; every Walsh average of the differences
 * moves by less than that, and so do the order statistics the interval's ends are.
 */
export const CLOCK_RESOLUTION_MS = 1;

export interface LegTimes {
  /** v2's answer head sent minus v1's, ms: the shift the worker's shared start makes it measure */
  shift: number;
  /** each origin's own time from request to answer head, v2's minus v1's, ms */
  added: number;
  /** how much later v2's request arrived at its origin than v1's did, ms */
  dispatch: number;
  /** v2's origin's own time from request to answer head, ms (at least its delay, never less) */
  v2Own: number;
}

/** One request's truth from its v1 and v2 records. */
export function legTimes(v1: OriginRecord, v2: OriginRecord): LegTimes {
  if (v1.headersSentAt === undefined || v2.headersSentAt === undefined) throw new Error(`no answer recorded for ${String(v1.headers["x-request-id"])}`);
  return {
    shift: v2.headersSentAt - v1.headersSentAt,
    added: v2.headersSentAt - v2.arrivedAt - (v1.headersSentAt - v1.arrivedAt),
    dispatch: v2.arrivedAt - v1.arrivedAt,
    v2Own: v2.headersSentAt - v2.arrivedAt,
  };
}

export interface Summary {
  estimate: number;
  low: number;
  high: number;
}

/** Hodges–Lehmann and its 95 % Wilcoxon interval (the worker's own functions) over sub-ms values. */
export function summarize(xs: readonly number[]): Summary {
  const s = sampleFrom(xs);
  const { low, high } = wilcoxonInterval(s);
  return { estimate: hodgesLehmann(s), low, high };
}

export interface Truth {
  shift: Summary;
  added: Summary;
  dispatch: Summary;
  n: number;
}

export function truth(legs: readonly LegTimes[]): Truth {
  return { shift: summarize(legs.map((l) => l.shift)), added: summarize(legs.map((l) => l.added)), dispatch: summarize(legs.map((l) => l.dispatch)), n: legs.length };
}

const ms = (x: number) => (Math.round(x * 100) / 100).toFixed(2);

export function describeTruth(t: Truth): string {
  const f = (s: Summary) => `${ms(s.estimate)} (${ms(s.low)} – ${ms(s.high)})`;
  return `true shift ${f(t.shift)} = origin added ${f(t.added)} + v2 dispatched later ${f(t.dispatch)}, n ${t.n}`;
}

/**
 * Whether the worker's interval holds the true shift's estimate, to the clock's
 * resolution: low − 1 ms ≤ estimate ≤ high + 1 ms.
 */
export function holdsTruth(worker: LatencyShift, t: Truth): boolean {
  if (worker.low === null || worker.high === null) return false;
  return worker.low - CLOCK_RESOLUTION_MS <= t.shift.estimate && t.shift.estimate <= worker.high + CLOCK_RESOLUTION_MS;
}
