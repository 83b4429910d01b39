import { describe, expect, it } from "vitest";
import { drawPerMillion, pickDestination } from "../../src/routing/sample";
import { pickOrigin } from "../../src/routing/load-balance";
import type { Cluster, Route } from "../../src/routing/table";
import { testRoute } from "../support/test-route";

const cluster = (name: string, origins = [`http://${name}`]): Cluster => ({ name, origins });

function route(weights: number[], mirrors: number[] = []): Route {
  const destinations = weights.map((weight, i) => ({ cluster: cluster(`d${i}`), weight }));
  return {
    ...testRoute("r"),
    destinations,
    totalWeight: weights.reduce((a, b) => a + b, 0),
    mirrors: mirrors.map((perMillion, i) => ({ cluster: cluster(`m${i}`), perMillion })),
  };
}

describe("pickDestination (Istio: weight / sum)", () => {
  it("picks by cumulative weight", () => {
    const r = route([1, 3]);
    expect(pickDestination(r, () => 0)?.cluster.name).toBe("d0");
    expect(pickDestination(r, () => 0.2499)?.cluster.name).toBe("d0");
    expect(pickDestination(r, () => 0.25)?.cluster.name).toBe("d1");
    expect(pickDestination(r, () => 0.9999)?.cluster.name).toBe("d1");
  });

  it("does not consult the random source for a single destination", () => {
    let calls = 0;
    expect(pickDestination(route([1]), () => (calls++, 0.5))?.cluster.name).toBe("d0");
    expect(calls).toBe(0);
  });
});

describe("drawPerMillion", () => {
  it("covers 0..999 999", () => {
    expect(drawPerMillion(() => 0)).toBe(0);
    expect(drawPerMillion(() => 0.9999999)).toBe(999_999);
  });
});

describe("pickOrigin", () => {
  it("spreads over a cluster's origins", () => {
    const c = cluster("c", ["http://a", "http://b"]);
    expect(pickOrigin(c, () => 0.1)).toBe("http://a");
    expect(pickOrigin(c, () => 0.6)).toBe("http://b");
  });
});
