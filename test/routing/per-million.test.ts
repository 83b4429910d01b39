// The one percent → millionths rule (src/routing/per-million.ts): Istio's
// uint32(value × 10000) over Envoy's FractionalPercent MILLION (istio pilot
// networking/core/route/route.go translatePercentToFractionalPercent), truncated,
// and "the lower cap wins". Every place that turns a percentage into a threshold
// uses it, so MIRROR_PERCENT_CAP and the pause switch agree with routes.yaml.
import { describe, expect, it } from "vitest";
import { fractionPerMillion, lowerCap, NO_CAP, ONE_MILLION, percentOf, perMillion } from "../../src/routing/per-million";
import { mirrorCap } from "../../src/routing/kill-switch";
import { switchCaps } from "../../src/switch/switch-state";
import { capFor } from "../../src/routing/plan";
import { testRoute } from "../support/test-route";

describe("perMillion: Istio's uint32(value × 10000), truncated", () => {
  it.each([
    [100, 1_000_000],
    [0, 0],
    [12.5, 125_000],
    [0.0001, 1],
    // binary floating point: 0.29 × 10000 is 2899.99…; the epsilon keeps what the user wrote
    [0.29, 2900],
    [1.1, 11_000],
    // finer than one request in a million: cut off, as Go's uint32() conversion does, never rounded up
    [0.00005, 0],
    [0.00019, 1],
    [12.34567, 123_456],
    [33.333339, 333_333],
  ])("%s %% → %s", (percent, expected) => {
    expect(perMillion(percent)).toBe(expected);
  });

  it("goes back to the percentage it came from, at 0.0001 % steps", () => {
    for (const percent of [0, 0.0001, 0.29, 1.1, 12.5, 33.3333, 99.9999, 100]) expect(percentOf(perMillion(percent))).toBe(percent);
  });
});

describe("fractionPerMillion: Gateway API's fraction, through a percent as Istio converts it", () => {
  it.each([
    [20, 100, 200_000],
    [1, 3, 333_333],
    // 66.666…% × 10000 = 666 666.67: truncated (Math.round would say 666 667)
    [2, 3, 666_666],
    [1, 1_000_000, 1],
    [1, 2_000_000, 0],
    [7, 7, 1_000_000],
  ])("%s/%s → %s", (numerator, denominator, expected) => {
    expect(fractionPerMillion(numerator, denominator)).toBe(expected);
  });
});

describe("lowerCap: the lower cap wins", () => {
  it("takes the lower, and treats an absent cap as none", () => {
    expect(lowerCap(NO_CAP, 50_000)).toBe(50_000);
    expect(lowerCap(50_000, NO_CAP)).toBe(50_000);
    expect(lowerCap(50_000, 0)).toBe(0);
    expect(lowerCap(0, 50_000)).toBe(0);
    expect(lowerCap(50_000, undefined)).toBe(50_000);
    expect(NO_CAP).toBe(ONE_MILLION);
  });
});

describe("every cap is converted by the same rule", () => {
  it("MIRROR_PERCENT_CAP, the pause switch and a route's cap truncate alike (they used to round)", () => {
    expect(mirrorCap("0.00005").perMillion).toBe(0);
    expect(mirrorCap("66.66666666").perMillion).toBe(666_666);
    expect(mirrorCap("0.29").perMillion).toBe(2900);
    expect(switchCaps({ percentCap: 0.00005, routes: { "vs/a": 66.66666666, "vs/b": 0.29 }, changes: [] })).toEqual({
      perMillion: 0,
      routes: { "vs/a": 666_666, "vs/b": 2900 },
    });
  });

  it("capFor: a route's own cap and the global one, the lower wins", () => {
    const route = testRoute("vs/a");
    expect(capFor(route, { capPerMillion: 500_000, routeCaps: { "vs/a": 100_000 } })).toBe(100_000);
    expect(capFor(route, { capPerMillion: 50_000, routeCaps: { "vs/a": 100_000 } })).toBe(50_000);
    expect(capFor(route, { capPerMillion: 50_000, routeCaps: { "vs/b": 0 } })).toBe(50_000);
    expect(capFor(route, { capPerMillion: NO_CAP })).toBe(NO_CAP);
  });
});
