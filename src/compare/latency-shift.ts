// Paired latency: for each compared request, v2's time to headers minus v1's, both
// measured in the worker. Kept per route and mirror as a histogram of differences
// (difference in ms → count) that Durable Objects add up like every other count in
// the tally; from it, when the report is built, the Hodges–Lehmann shift (the median
// of the Walsh averages) and its 95 % interval by inverting the Wilcoxon signed-rank
// test. A paired estimate is far sharper than comparing two latency distributions
// (Kayenta compares unpaired samples with Mann-Whitney; issue 21).
//
// The histogram: whole milliseconds from -2 s to +2 s, which loses nothing, because a
// Worker's clock moves in whole ms (Date.now() advances only at I/O: docs/PLATFORM.md);
// past ±2 s, 8 buckets per doubling, each kept as its geometric middle rounded to a
// whole ms (at most 4.4 % off). So at most 4,001 + 2 × 8 × log2(t / 2 s) keys: 4,305
// for differences up to 12 days (SHIFT_KEYS_MAX).
//
// Sources:
// - M. Hollander, D. A. Wolfe, E. Chicken, Nonparametric Statistical Methods, 3rd ed.
//   (Wiley 2014), §3.2 (the Hodges–Lehmann estimator: median of the M = n(n+1)/2 Walsh
//   averages) and §3.3 (interval (W(Cα), W(M+1−Cα)), Cα from the exact null
//   distribution of T+; its large-sample form uses n(n+1)/4 and n(n+1)(2n+1)/24).
// - R's wilcox.test (src/library/stats/R/wilcox.test.R), followed for the details:
//   exact only for n < 50 with no ties and no zeros, Cα = qsignrank(α/2, n) (at least 1);
//   otherwise the interval is the set of shifts d the normal-approximation test does
//   not reject, zeros (x − d = 0) dropped, the variance corrected for ties
//   (− Σ(t³ − t)/48) and a continuity correction of ½.
import { Z_95 } from "./normal";

/** Differences up to this many ms either way are kept to the whole millisecond. */
export const EXACT_SHIFT_MS = 2000;
/** Past EXACT_SHIFT_MS: buckets per doubling. */
const PER_DOUBLING = 8;
/** The most keys a shift histogram can hold for differences up to 2^30 ms (12 days). */
export const SHIFT_KEYS_MAX = 2 * EXACT_SHIFT_MS + 1 + 2 * PER_DOUBLING * Math.ceil(Math.log2(2 ** 30 / EXACT_SHIFT_MS));
/** Below this many non-zero differences without ties, the interval comes from the exact distribution. */
const EXACT_BELOW = 50;

/** The histogram key of one difference (ms): the difference itself to ±2 s, a log bucket's middle past it. */
export function shiftKey(diffMs: number): string {
  return logBucketKey(diffMs, EXACT_SHIFT_MS, PER_DOUBLING);
}

/**
 * The key every shift histogram (the route's, an endpoint's, a where value's) files a
 * difference under: the whole millisecond up to `exactMs` either way (a difference that
 * is not a number, too), past it the geometric middle of its 1/`perDoubling`-of-a-doubling
 * bucket, rounded to a whole ms; buckets past `maxStep` share the last.
 */
export function logBucketKey(diffMs: number, exactMs: number, perDoubling: number, maxStep = Infinity): string {
  const a = Math.abs(diffMs);
  if (!(a > exactMs)) return String(Math.round(diffMs) || 0);
  const step = Math.min(Math.floor(Math.log2(a / exactMs) * perDoubling), maxStep);
  return String(Math.sign(diffMs) * Math.round(exactMs * 2 ** ((step + 0.5) / perDoubling)));
}

export interface LatencyShift {
  /** Hodges–Lehmann: the median of the Walsh averages of v2 − v1, ms; null when n is 0 */
  estimate: number | null;
  /** the 95 % interval's ends, ms */
  low: number | null;
  high: number | null;
  /** the compared requests it was computed from */
  n: number;
}

/** A sample as sorted distinct values with their counts (a histogram, or a list of numbers). */
export interface Sample {
  values: number[];
  counts: number[];
}

export function sampleOf(histogram: Readonly<Record<string, number>>): Sample {
  const entries = Object.entries(histogram)
    .map(([k, n]) => [Number(k), n] as const)
    .filter(([v, n]) => Number.isFinite(v) && n > 0)
    .sort((a, b) => a[0] - b[0]);
  return { values: entries.map((e) => e[0]), counts: entries.map((e) => e[1]) };
}

export function sampleFrom(xs: readonly number[]): Sample {
  const h: Record<string, number> = {};
  for (const x of xs) h[String(x)] = (h[String(x)] ?? 0) + 1;
  return sampleOf(h);
}

/** The shift and its interval from a histogram of differences (shiftKey → count). */
export function latencyShift(histogram: Readonly<Record<string, number>>): LatencyShift {
  const s = sampleOf(histogram);
  const n = total(s);
  if (n === 0) return { estimate: null, low: null, high: null, n: 0 };
  const { low, high } = wilcoxonInterval(s);
  return { estimate: round(hodgesLehmann(s)), low: round(low), high: round(high), n };
}

/** The median of the Walsh averages (x_i + x_j) / 2, i ≤ j. */
export function hodgesLehmann(s: Sample): number {
  const n = total(s);
  const m = (n * (n + 1)) / 2;
  return m % 2 === 1 ? walshAverage(s, (m + 1) / 2) : (walshAverage(s, m / 2) + walshAverage(s, m / 2 + 1)) / 2;
}

/** The 95 % interval for the shift (see the sources above: exact for small samples without ties, else R's inversion). */
export function wilcoxonInterval(s: Sample): { low: number; high: number; exact: boolean } {
  const z = Z_95;
  const n = total(s);
  const m = (n * (n + 1)) / 2;
  const distinctAbs = new Set(s.values.map(Math.abs)).size === s.values.length;
  if (n < EXACT_BELOW && distinctAbs && s.counts.every((c) => c === 1) && !s.values.includes(0)) {
    const c = Math.max(1, signedRankQuantile(0.025, n));
    return { low: walshAverage(s, c), high: walshAverage(s, m - c + 1), exact: true };
  }
  const min = s.values[0]!;
  const max = s.values[s.values.length - 1]!;
  // W(d) falls (weakly) as d grows; its steps are at Walsh averages, where the bisection's end is snapped.
  const low = crossing(s, min, max, (d) => signedRankZ(s, d) <= z, "up");
  const high = crossing(s, min, max, (d) => signedRankZ(s, d) < -z, "down");
  return { low, high, exact: false };
}

/**
 * low ("up"): the first d where `past(d)` holds, snapped to the Walsh average it steps
 * at; high ("down"): the last d before `past(d)` holds. Clipped to [min, max].
 */
function crossing(s: Sample, min: number, max: number, past: (d: number) => boolean, side: "up" | "down"): number {
  if (past(min)) return min;
  if (!past(max)) return max;
  const [lastNot, firstPast] = bisect(min, max, past, gridOf(s));
  return side === "up" ? largestWalshAtMost(s, firstPast) : -largestWalshAtMost(negated(s), -lastNot);
}

/**
 * Whole-number values (every histogram: its keys are whole ms) have their Walsh
 * averages on the halves, and the statistic is constant between them: a bisection
 * over quarters sees every change in about 14 steps for ±2 s instead of ~60 over
 * doubles: the fullest histogram (4,001 keys) took 66–80 ms that way, 5.5–6.6 ms this
 * way (Node 20, this machine, 2026-12-07).
 */
function gridOf(s: Sample): number {
  return s.values.every(Number.isInteger) ? 0.25 : 0;
}

/**
 * For `past` false at lo and true at hi (and monotone between): the last point where it
 * is false and the first where it is true, on multiples of `step`, or as adjacent doubles
 * when step is 0.
 */
function bisect(lo: number, hi: number, past: (t: number) => boolean, step: number): [number, number] {
  if (step > 0) {
    let a = Math.floor(lo / step);
    let b = Math.ceil(hi / step);
    while (b - a > 1) {
      const m = Math.floor((a + b) / 2);
      if (past(m * step)) b = m;
      else a = m;
    }
    return [a * step, b * step];
  }
  let a = lo;
  let b = hi;
  for (let i = 0; i < 2000; i++) {
    const m = a + (b - a) / 2;
    if (m === a || m === b) break;
    if (past(m)) b = m;
    else a = m;
  }
  return [a, b];
}

/**
 * The signed-rank statistic of x − d as a normal deviate: zeros dropped, mean ties
 * ranked, variance corrected for ties, continuity correction ½ toward 0 (R's W(d)).
 * +Infinity / -Infinity when every difference is d (no variance).
 */
export function signedRankZ(s: Sample, d: number): number {
  const { values, counts } = s;
  // Distances |x − d| in increasing order: walk out from d on both sides at once.
  let right = values.findIndex((v) => v >= d);
  if (right < 0) right = values.length;
  let left = right - 1;
  if (right < values.length && values[right] === d) right++; // zeros are dropped
  let rank = 0;
  let tPlus = 0;
  let ties = 0;
  while (left >= 0 || right < values.length) {
    const dl = left >= 0 ? d - values[left]! : Infinity;
    const dr = right < values.length ? values[right]! - d : Infinity;
    const positive = dr <= dl ? counts[right]! : 0;
    const negative = dl <= dr ? counts[left]! : 0;
    const t = positive + negative;
    tPlus += positive * (rank + (t + 1) / 2);
    ties += t * t * t - t;
    rank += t;
    if (dr <= dl) right++;
    if (dl <= dr) left--;
  }
  const n = rank;
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - ties / 48);
  const centred = tPlus - (n * (n + 1)) / 4;
  if (!(sigma > 0)) return centred > 0 ? Infinity : centred < 0 ? -Infinity : 0;
  return (centred - Math.sign(centred) * 0.5) / sigma;
}

/** The k-th smallest (1-based) Walsh average, found without listing the M = n(n+1)/2 of them. */
export function walshAverage(s: Sample, k: number): number {
  const { values } = s;
  const [, atLeastK] = bisect(values[0]! - 1, values[values.length - 1]!, (t) => walshAtMost(s, t) >= k, gridOf(s));
  return largestWalshAtMost(s, atLeastK);
}

/** How many Walsh averages are at most t (pairs i ≤ j weighted by their counts), in O(distinct values). */
export function walshAtMost({ values, counts }: Sample, t: number): number {
  const prefix = [0];
  for (const c of counts) prefix.push(prefix[prefix.length - 1]! + c);
  let j = values.length - 1;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    while (j >= i && values[i]! + values[j]! > 2 * t) j--;
    if (j < i) break;
    const c = counts[i]!;
    n += (c * (c + 1)) / 2 + c * (prefix[j + 1]! - prefix[i + 1]!);
  }
  return n;
}

/** The largest Walsh average at most t (−Infinity when there is none). */
function largestWalshAtMost({ values }: Sample, t: number): number {
  let best = -Infinity;
  let j = values.length - 1;
  for (let i = 0; i < values.length; i++) {
    while (j >= i && values[i]! + values[j]! > 2 * t) j--;
    if (j < i) break;
    best = Math.max(best, (values[i]! + values[j]!) / 2);
  }
  return best;
}

function negated(s: Sample): Sample {
  return { values: s.values.map((v) => -v).reverse(), counts: [...s.counts].reverse() };
}

/**
 * qsignrank(p, n): the smallest q with P(T+ ≤ q) ≥ p under the null hypothesis, from
 * the exact distribution of the signed-rank sum (the number of subsets of 1..n with
 * each sum, over 2^n).
 */
export function signedRankQuantile(p: number, n: number): number {
  const m = (n * (n + 1)) / 2;
  const ways = new Float64Array(m + 1);
  ways[0] = 1;
  for (let r = 1; r <= n; r++) for (let sum = (r * (r + 1)) / 2; sum >= r; sum--) ways[sum] = ways[sum]! + ways[sum - r]!;
  const all = 2 ** n;
  let cumulative = 0;
  for (let q = 0; q <= m; q++) {
    cumulative += ways[q]!;
    // A hair of tolerance, as R's quantile functions have, against rounding in the sum.
    if (cumulative / all >= p * (1 - 64 * Number.EPSILON)) return q;
  }
  return m;
}

function total(s: Sample): number {
  return s.counts.reduce((a, b) => a + b, 0);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
