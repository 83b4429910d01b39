import { describe, expect, it } from "vitest";
import { Z_95, latencyVerdict, routeVerdict, verdict, wilsonInterval } from "../../src/compare/verdict";

describe("wilsonInterval", () => {
  // R. G. Newcombe, "Two-sided confidence intervals for the single proportion: comparison
  // of seven methods", Statistics in Medicine 17:857–872 (1998): the worked examples for
  // method 3 (Wilson's score interval without continuity correction), to 4 decimals.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])("gives Newcombe's published interval for %i of %i", (x, n, low, high) => {
    const i = wilsonInterval(x, n);
    expect(i.low).toBeCloseTo(low, 4);
    expect(i.high).toBeCloseTo(high, 4);
  });

  // At 0 of n and n of n the score interval has a closed form (Wilson 1927):
  // [0, z² / (n + z²)] and [n / (n + z²), 1].
  it("gives [0, z²/(n + z²)] for 0 of 200: [0, 1.8845 %]", () => {
    const z2 = Z_95 * Z_95;
    expect(wilsonInterval(0, 200)).toEqual({ low: 0, high: expect.closeTo(z2 / (200 + z2), 15) });
    expect(wilsonInterval(0, 200).high).toBeCloseTo(0.018845, 6);
  });

  it("gives [n/(n + z²), 1] for 100 of 100: [96.301 %, 1]", () => {
    const z2 = Z_95 * Z_95;
    expect(wilsonInterval(100, 100)).toEqual({ low: expect.closeTo(100 / (100 + z2), 15), high: 1 });
    expect(wilsonInterval(100, 100).low).toBeCloseTo(0.96301, 5);
  });

  // The interval's bounds are, by definition, the p where the score statistic equals z:
  // (p̂ − p)² = z² p (1 − p) / n. Checked against the definition, not the closed formula.
  it("gives bounds that solve the score equation for 5 of 200 (about [1.07 %, 5.72 %])", () => {
    const { low, high } = wilsonInterval(5, 200);
    const score = (p: number) => (0.025 - p) ** 2 - (Z_95 * Z_95 * p * (1 - p)) / 200;
    expect(score(low)).toBeCloseTo(0, 12);
    expect(score(high)).toBeCloseTo(0, 12);
    expect(low).toBeCloseTo(0.01072, 5);
    expect(high).toBeCloseTo(0.05718, 5);
    expect(low).toBeLessThan(0.025);
    expect(high).toBeGreaterThan(0.025);
  });

  it("knows nothing without trials: [0, 1]", () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it("refuses more successes than trials, or negative counts", () => {
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
  });
});

describe("verdict", () => {
  const gate = (maxDivergencePercent: number, minCompared = 0) => ({ maxDivergencePercent, minCompared });

  it("fails when the interval's lower bound is above the limit, and not when it is exactly at it", () => {
    const low = wilsonInterval(10, 200).low * 100; // ≈ 2.74 %
    expect(verdict(200, 10, gate(low - 1e-9))).toBe("fail");
    expect(verdict(200, 10, gate(low))).toBe("inconclusive");
  });

  it("fails without waiting for minCompared: 50 of 60 is already certain", () => {
    expect(verdict(60, 50, gate(1, 200))).toBe("fail");
  });

  it("passes when the upper bound is at the limit, and not when it is just above", () => {
    const high = wilsonInterval(3, 1000).high * 100; // ≈ 0.88 %
    expect(verdict(1000, 3, gate(high))).toBe("pass");
    expect(verdict(1000, 3, gate(high - 1e-9))).toBe("inconclusive");
  });

  it("passes only from minCompared on", () => {
    // 0 of 199: upper bound 1.894 %; 0 of 200: 1.885 %; both under 2 %.
    expect(verdict(199, 0, gate(2, 200))).toBe("inconclusive");
    expect(verdict(200, 0, gate(2, 200))).toBe("pass");
  });

  it("needs 381 clean requests to pass a 1 % limit at 95 % confidence", () => {
    // z² / (n + z²) ≤ 0.01 from n = 381 on
    expect(verdict(380, 0, gate(1, 200))).toBe("inconclusive");
    expect(verdict(381, 0, gate(1, 200))).toBe("pass");
  });

  it("is inconclusive with nothing compared", () => {
    expect(verdict(0, 0, gate(1, 0))).toBe("inconclusive");
  });
});

describe("latencyVerdict (issue 21: the paired shift against compare.gate.maxLatencyShiftMs)", () => {
  it("fails when the interval's low end is above the limit, and not when it is exactly at it", () => {
    expect(latencyVerdict({ low: 20.5, high: 80 }, 20)).toBe("fail");
    expect(latencyVerdict({ low: 20, high: 80 }, 20)).toBe("inconclusive");
  });

  it("passes when the high end is at or below the limit", () => {
    expect(latencyVerdict({ low: -3, high: 20 }, 20)).toBe("pass");
    expect(latencyVerdict({ low: -3, high: 20.5 }, 20)).toBe("inconclusive");
  });

  it("is inconclusive with nothing measured", () => {
    expect(latencyVerdict({ low: null, high: null }, 20)).toBe("inconclusive");
  });
});

describe("routeVerdict: divergence and, when the gate has a limit, the latency shift", () => {
  const shift = { low: 45, high: 55 };
  it("ignores the shift when the gate sets no maxLatencyShiftMs", () => {
    expect(routeVerdict(400, 0, shift, { maxDivergencePercent: 1, minCompared: 200 })).toBe("pass");
  });

  it("any fail fails: agreeing answers with v2 50 ms slower fail a 20 ms limit, pass a 100 ms one", () => {
    expect(routeVerdict(400, 0, shift, { maxDivergencePercent: 1, minCompared: 200, maxLatencyShiftMs: 20 })).toBe("fail");
    expect(routeVerdict(400, 0, shift, { maxDivergencePercent: 1, minCompared: 200, maxLatencyShiftMs: 100 })).toBe("pass");
    expect(routeVerdict(60, 50, { low: 0, high: 1 }, { maxDivergencePercent: 1, minCompared: 200, maxLatencyShiftMs: 100 })).toBe("fail");
  });

  it("a pass needs both: a clear shift with too few requests, or a spanning interval, is inconclusive", () => {
    expect(routeVerdict(50, 0, shift, { maxDivergencePercent: 1, minCompared: 200, maxLatencyShiftMs: 100 })).toBe("inconclusive");
    expect(routeVerdict(400, 0, shift, { maxDivergencePercent: 1, minCompared: 200, maxLatencyShiftMs: 50 })).toBe("inconclusive");
  });
});
