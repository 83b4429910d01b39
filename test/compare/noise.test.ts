import { describe, expect, it } from "vitest";
import { DIFFY_THRESHOLDS, classifyField } from "../../src/compare/noise";
import type { DiffKind } from "../../src/compare/types";

/** status of a field of `kind` with `divergent` of `compared` and `noise` of `noiseSamples` */
const status = (kind: DiffKind, divergent: number, compared: number, noise: number, noiseSamples: number) =>
  classifyField({ kind, divergent, noise }, { compared, noiseSamples }).status;

describe("classifyField: Diffy's thresholds (JoinedDifferences.scala, Settings.scala)", () => {
  it("uses Diffy's defaults: 20 % relative, 0.03 % absolute", () => {
    expect(DIFFY_THRESHOLDS).toEqual({ relativePercent: 20, absolutePercent: 0.03 });
  });

  // Equal denominators, as in Diffy (every request also compared v1 with v1):
  // relative = |600 − 400| / (600 + 400) = 20 % exactly; absolute = 0.2 %, well above 0.03 %.
  it("classes a field exactly at 20 % relative difference as noise (Diffy's test is strictly greater)", () => {
    expect(status("value", 600, 100_000, 400, 100_000)).toBe("noise");
  });

  it("reports a field just above 20 % relative difference, and not one just below", () => {
    expect(status("value", 601, 100_000, 400, 100_000)).toBe("divergent"); // 201 / 1001 = 20.08 %
    expect(status("value", 599, 100_000, 400, 100_000)).toBe("noise"); // 199 / 999 = 19.92 %
  });

  // No noise at all: relative = 100 %, so only the absolute threshold decides.
  it("classes a field exactly at 0.03 % absolute difference as noise", () => {
    expect(status("value", 30, 100_000, 0, 100_000)).toBe("noise"); // 30 / 100,000 = 0.03 %
    expect(status("value", 3, 10_000, 0, 10_000)).toBe("noise"); // 0.03 % again, where 0.0003 × 100 is not exact in binary
  });

  it("reports a field just above 0.03 % absolute difference, and not one just below", () => {
    expect(status("value", 31, 100_000, 0, 100_000)).toBe("divergent"); // 0.031 %
    expect(status("value", 29, 100_000, 0, 100_000)).toBe("noise"); // 0.029 %
  });

  it("needs the raw rate above the noise rate, whatever the relative difference", () => {
    expect(status("value", 500, 1000, 500, 1000)).toBe("noise");
    expect(status("value", 100, 1000, 900, 1000)).toBe("noise"); // relative 80 %, but v1 differs from itself more
  });

  it("returns Diffy's figures: with equal denominators they are its formulas over counts", () => {
    const j = classifyField({ kind: "value", divergent: 601, noise: 400 }, { compared: 100_000, noiseSamples: 100_000 });
    expect(j.rawPercent).toBeCloseTo(0.601, 12);
    expect(j.noisePercent).toBeCloseTo(0.4, 12);
    expect(j.relativeDifference).toBeCloseTo(((601 - 400) / (601 + 400)) * 100, 9);
    expect(j.absoluteDifference).toBeCloseTo(((601 - 400) / 100_000) * 100, 12);
  });
});

describe("classifyField: noise sampled on a fraction of requests", () => {
  it("compares rates, not counts, when fewer requests were noise-sampled than compared", () => {
    // 100 of 1000 vs 10 of 100: Diffy's counts (100 > 10) would call this divergent; the rates are equal.
    expect(status("value", 100, 1000, 10, 100)).toBe("noise");
  });

  it("applies the 20 % edge to the rates", () => {
    // 15 % vs 10 %: |15 − 10| / (15 + 10) = 20 % exactly
    expect(status("value", 150, 1000, 10, 100)).toBe("noise");
    expect(status("value", 151, 1000, 10, 100)).toBe("divergent"); // 5.1 / 25.1 = 20.3 %
  });

  it("takes no noise samples as a noise rate of 0", () => {
    expect(status("value", 31, 100_000, 0, 0)).toBe("divergent");
    expect(status("value", 30, 100_000, 0, 0)).toBe("noise");
  });

  it("honours other thresholds, read as the decimals they are written as", () => {
    const t = { relativePercent: 0, absolutePercent: 0.1 };
    expect(classifyField({ kind: "value", divergent: 1, noise: 0 }, { compared: 1000, noiseSamples: 0 }, t).status).toBe("noise"); // 0.1 %
    expect(classifyField({ kind: "value", divergent: 2, noise: 0 }, { compared: 1000, noiseSamples: 0 }, t).status).toBe("divergent");
  });
});

describe("classifyField: structural differences are never noise", () => {
  it.each(["missing", "added", "type"] as const)("reports a %s field even below both thresholds and below its noise rate", (kind) => {
    expect(status(kind, 1, 100_000, 0, 100_000)).toBe("divergent"); // 0.001 % absolute
    expect(status(kind, 10, 1000, 900, 1000)).toBe("divergent"); // v1 drops it more often than v2
  });

  it.each(["value", "length", "order"] as const)("lets noise explain a %s field", (kind) => {
    expect(status(kind, 10, 1000, 900, 1000)).toBe("noise");
  });

  it("classes a field never seen between v1 and v2 as noise, whatever its kind", () => {
    expect(status("missing", 0, 1000, 5, 100)).toBe("noise");
  });
});

describe("classifyField: input checks", () => {
  it("refuses counts that are not counts", () => {
    expect(() => status("value", -1, 10, 0, 0)).toThrow(RangeError);
    expect(() => status("value", 1.5, 10, 0, 0)).toThrow(RangeError);
    expect(() => status("value", 11, 10, 0, 0)).toThrow(RangeError);
    expect(() => status("value", 1, 10, 3, 2)).toThrow(RangeError);
  });

  it("refuses a negative or non-finite threshold", () => {
    const field = { kind: "value" as const, divergent: 1, noise: 0 };
    expect(() => classifyField(field, { compared: 10, noiseSamples: 0 }, { relativePercent: -1, absolutePercent: 0 })).toThrow(RangeError);
    expect(() => classifyField(field, { compared: 10, noiseSamples: 0 }, { relativePercent: 20, absolutePercent: Number.NaN })).toThrow(RangeError);
  });
});
