import { describe, expect, it } from "vitest";
import {
  EXACT_SHIFT_MS,
  SHIFT_KEYS_MAX,
  hodgesLehmann,
  latencyShift,
  sampleFrom,
  shiftKey,
  signedRankQuantile,
  signedRankZ,
  walshAtMost,
  walshAverage,
  wilcoxonInterval,
} from "../../src/compare/latency-shift";
import { Z_95 } from "../../src/compare/verdict";

/** Every Walsh average, listed and sorted: the definition, for small samples only. */
function allWalsh(xs: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) for (let j = i; j < xs.length; j++) out.push((xs[i]! + xs[j]!) / 2);
  return out.sort((a, b) => a - b);
}

function median(sorted: readonly number[]): number {
  const m = sorted.length;
  return m % 2 === 1 ? sorted[(m - 1) / 2]! : (sorted[m / 2 - 1]! + sorted[m / 2]!) / 2;
}

/** A seeded generator (mulberry32), so the simulations are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function histogramOf(diffs: readonly number[]): Record<string, number> {
  const h: Record<string, number> = {};
  for (const d of diffs) h[shiftKey(d)] = (h[shiftKey(d)] ?? 0) + 1;
  return h;
}

describe("the histogram of differences", () => {
  it("keeps whole milliseconds exactly up to ±2 s (a Worker's clock moves in whole ms)", () => {
    expect([-2000, -50, -1, 0, 1, 50, 1999, 2000].map(shiftKey)).toEqual(["-2000", "-50", "-1", "0", "1", "50", "1999", "2000"]);
    expect(shiftKey(-0)).toBe("0");
  });

  it("puts larger differences in log buckets at most 4.4 % off, symmetric in sign", () => {
    for (let d = EXACT_SHIFT_MS + 1; d < 10_000_000; d = Math.ceil(d * 1.013)) {
      const kept = Number(shiftKey(d));
      expect(Math.abs(kept - d) / d).toBeLessThan(0.0443);
      expect(shiftKey(-d)).toBe(String(-kept));
    }
  });

  it("has at most SHIFT_KEYS_MAX keys for differences up to 2^30 ms", () => {
    const keys = new Set<string>();
    for (let d = -(2 ** 30); d <= 2 ** 30; d += d > -3000 && d < 3000 ? 1 : Math.max(1, Math.floor(Math.abs(d) / 400))) keys.add(shiftKey(d));
    expect(keys.size).toBeLessThanOrEqual(SHIFT_KEYS_MAX);
    expect(SHIFT_KEYS_MAX).toBeLessThan(4400);
  });
});

describe("the exact null distribution of the signed-rank statistic T+", () => {
  // Two-sided 5 % critical values (reject when T ≤ value), as printed in the standard
  // tables (e.g. Hollander & Wolfe, Table A.4; Wilcoxon, Katti & Wilcox 1970):
  // qsignrank(0.025, n) is one more.
  it.each([
    [6, 0],
    [7, 2],
    [8, 3],
    [9, 5],
    [10, 8],
    [11, 10],
    [12, 13],
    [13, 17],
    [14, 21],
    [15, 25],
    [16, 29],
    [17, 34],
    [18, 40],
    [19, 46],
    [20, 52],
    [25, 89],
    [30, 137],
  ])("n = %i: the critical value is %i", (n, critical) => {
    expect(signedRankQuantile(0.025, n)).toBe(critical + 1);
  });
});

describe("Hodges–Lehmann and the Wilcoxon interval on small samples (exact)", () => {
  // Hollander & Wolfe, Table 3.1 (also R's ?wilcox.test): Hamilton depression scale
  // factor IV, first (x) and second (y) visit, nine patients; d = x − y.
  const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
  const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
  const d = x.map((v, i) => Math.round((v - y[i]!) * 1000) / 1000);

  // R's ?wilcox.test example: wilcox.test(x, y, paired = TRUE, conf.int = TRUE) gives the
  // (pseudo)median 0.46 and the interval 0.010 to 0.786.
  it("gives the textbook's estimate 0.46 and interval (W(6), W(40)) = (0.010, 0.786) for the depression data", () => {
    const s = sampleFrom(d);
    expect(hodgesLehmann(s)).toBeCloseTo(0.46, 10);
    const i = wilcoxonInterval(s);
    expect(i.exact).toBe(true);
    expect(i.low).toBeCloseTo(0.01, 10);
    expect(i.high).toBeCloseTo(0.786, 10);
    // The same from the listed Walsh averages: C = qsignrank(0.025, 9) = 6, M = 45.
    const w = allWalsh(d);
    expect([i.low, i.high]).toEqual([w[5], w[39]]);
    expect(hodgesLehmann(s)).toBe(median(w));
  });

  it("finds every order statistic of the Walsh averages without listing them", () => {
    const xs = [-12, 3, 3, 7, 40, 41, 41, 41, -5, 0, 2.5];
    const w = allWalsh(xs);
    const s = sampleFrom(xs);
    for (let k = 1; k <= w.length; k++) expect(walshAverage(s, k)).toBe(w[k - 1]);
    for (const t of [-13, -12, -8.5, 0, 3, 21.5, 41, 50]) expect(walshAtMost(s, t)).toBe(w.filter((v) => v <= t).length);
  });

  it("gives the median of the Walsh averages on random samples (odd and even M)", () => {
    const next = random(7);
    for (let n = 1; n <= 30; n++) {
      const xs = Array.from({ length: n }, () => Math.round((next() * 200 - 50) * 100) / 100);
      expect(hodgesLehmann(sampleFrom(xs))).toBeCloseTo(median(allWalsh(xs)), 9);
    }
  });
});

describe("the interval with ties and zeros (normal approximation, inverted as R's wilcox.test does)", () => {
  it("bounds are where the corrected signed-rank z crosses ±1.96, on Walsh averages", () => {
    const diffs = [48, 50, 50, 51, 49, 52, 50, 47, 55, 50, 53, 46, 50, 51, 49, 60, 40, 50, 52, 48];
    const s = sampleFrom(diffs);
    const { low, high, exact } = wilcoxonInterval(s);
    expect(exact).toBe(false);
    const w = new Set(allWalsh(diffs));
    expect(w.has(low) && w.has(high)).toBe(true);
    // The definition, by scanning every quarter millisecond (Walsh averages are on the
    // halves, W is constant between them): the ends of the shifts the test does not reject.
    const grid: number[] = [];
    for (let t = 40; t <= 60; t += 0.25) grid.push(t);
    expect(low).toBe(Math.floor(grid.find((t) => signedRankZ(s, t) <= Z_95)! * 2) / 2);
    expect(high).toBe(Math.ceil([...grid].reverse().find((t) => signedRankZ(s, t) >= -Z_95)! * 2) / 2);
    expect(low).toBeLessThan(50);
    expect(high).toBeGreaterThan(50);
  });

  it("identical timing (every difference 0): estimate and interval 0", () => {
    expect(latencyShift({ "0": 500 })).toEqual({ estimate: 0, low: 0, high: 0, n: 500 });
  });

  it("jitter around 0: the interval contains 0", () => {
    const r = latencyShift({ "-2": 30, "-1": 80, "0": 200, "1": 85, "2": 25 });
    expect(r.low!).toBeLessThanOrEqual(0);
    expect(r.high!).toBeGreaterThanOrEqual(0);
    expect(r.n).toBe(420);
  });

  it("nothing compared: n 0, no estimate", () => {
    expect(latencyShift({})).toEqual({ estimate: null, low: null, high: null, n: 0 });
  });

  it("a single request: the interval is its difference", () => {
    expect(latencyShift({ "37": 1 })).toEqual({ estimate: 37, low: 37, high: 37, n: 1 });
  });

  it("is fast on the fullest histogram: every key of ±2 s, a million requests", () => {
    const h: Record<string, number> = {};
    for (let d = -2000; d <= 2000; d++) h[String(d)] = 250;
    const started = performance.now();
    const r = latencyShift(h);
    const ms = performance.now() - started;
    expect(r.n).toBe(4001 * 250);
    expect(r.estimate).toBe(0);
    expect(r.low!).toBeLessThan(0);
    expect(r.high!).toBeGreaterThan(0);
    expect(ms).toBeLessThan(1000);
  });
});

describe("coverage: the 95 % interval holds the true shift about 95 % of the time", () => {
  // d = shift + e2 − e1 with e1, e2 independent and alike (v1's and v2's own jitter) is
  // symmetric about the shift, which is what the signed-rank interval estimates.
  const exponential = (next: () => number, mean: number) => -mean * Math.log(1 - next());

  it("exact branch: 2,000 samples of 20 continuous differences", () => {
    const next = random(21);
    let covered = 0;
    const runs = 2000;
    for (let r = 0; r < runs; r++) {
      const diffs = Array.from({ length: 20 }, () => 50 + exponential(next, 20) - exponential(next, 20));
      const i = wilcoxonInterval(sampleFrom(diffs));
      expect(i.exact).toBe(true);
      if (i.low <= 50 && 50 <= i.high) covered++;
    }
    // Achieved confidence for n = 20 is 1 − 2 P(T+ ≤ 52) = 95.2 %; ±1.5 % is three standard errors.
    expect(covered / runs).toBeGreaterThan(0.937);
    expect(covered / runs).toBeLessThan(0.967);
  });

  it("normal branch: 1,000 samples of 300 continuous differences", () => {
    const next = random(300);
    let covered = 0;
    const runs = 1000;
    for (let r = 0; r < runs; r++) {
      const diffs = Array.from({ length: 300 }, () => 50 + exponential(next, 8) - exponential(next, 8));
      const i = wilcoxonInterval(sampleFrom(diffs));
      expect(i.exact).toBe(false);
      if (i.low <= 50 && 50 <= i.high) covered++;
    }
    // ±2.1 % is three standard errors of 1,000 runs at 95 %.
    expect(covered / runs).toBeGreaterThan(0.929);
    expect(covered / runs).toBeLessThan(0.971);
  });

  it("whole milliseconds (ties everywhere, the true shift on a whole ms): never below 95 %, and still narrow", () => {
    const next = random(2112);
    let covered = 0;
    let width = 0;
    const runs = 1000;
    for (let r = 0; r < runs; r++) {
      const diffs = Array.from({ length: 300 }, () => Math.round(50 + exponential(next, 8)) - Math.round(exponential(next, 8)));
      const shift = latencyShift(histogramOf(diffs));
      if (shift.low! <= 50 && 50 <= shift.high!) covered++;
      width += shift.high! - shift.low!;
    }
    // Discrete data make the interval conservative (its ends are closed, on half-ms steps): 98.5 % here.
    expect(covered / runs).toBeGreaterThan(0.95);
    expect(covered / runs).toBeLessThan(0.995);
    // 1.96 × 11.3 ms / √300 is ±1.28 ms: the interval is not made wide to cover.
    expect(width / runs).toBeLessThan(3.5);
  });
});
