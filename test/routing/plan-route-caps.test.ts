// The pause switch in the decision step: a per-route cap (PlanInputs.routeCaps) beside
// the global one, the lower winning, and the reason still kill_switch.
import { describe, expect, it } from "vitest";
import { capFor, planRequest, type ForwardedPlan } from "../../src/routing/plan";
import { requestFacts } from "../../src/routing/request-facts";
import type { Route, RouteTable } from "../../src/routing/table";
import { testRoute } from "../support/test-route";

const v1 = { cluster: { name: "svc/v1", origins: ["http://v1.origin"] }, weight: 1 };
const v2 = { name: "svc/v2", origins: ["http://v2.origin"] };
const route = (name: string, perMillion = 1_000_000): Route => testRoute(name, { destinations: [v1], totalWeight: 1, mirrors: [{ cluster: v2, perMillion }] });

const table: RouteTable = {
  version: 1,
  source: "test",
  virtualHosts: [{ name: "vs", routes: [{ ...route("vs/a"), match: [{ uri: { prefix: "/a" }, headers: [], withoutHeaders: [], queryParams: [] }] }, route("vs/b")] }],
  hosts: { exact: { "api.test": 0 }, wildcards: [] },
};

function plan(path: string, draw: number, capPerMillion: number, routeCaps?: Record<string, number>): ForwardedPlan {
  const facts = requestFacts("GET", `http://api.test${path}`, new Headers({ host: "api.test" }), false);
  const p = planRequest(table, facts, { random: () => draw, capPerMillion, routeCaps });
  if (p.action !== "forward") throw new Error(`expected forward, got ${p.action}`);
  return p;
}

describe("capFor", () => {
  it("is the global cap when the route has none", () => {
    expect(capFor(route("vs/a"), { capPerMillion: 300_000, routeCaps: { "vs/b": 0 } })).toBe(300_000);
    expect(capFor(route("vs/a"), { capPerMillion: 300_000 })).toBe(300_000);
  });

  it("is the lower of the route's cap and the global cap", () => {
    expect(capFor(route("vs/a"), { capPerMillion: 300_000, routeCaps: { "vs/a": 100_000 } })).toBe(100_000);
    expect(capFor(route("vs/a"), { capPerMillion: 300_000, routeCaps: { "vs/a": 500_000 } })).toBe(300_000);
  });
});

describe("a per-route cap", () => {
  it("a paused route (cap 0) mirrors nothing, with reason kill_switch; other routes are untouched", () => {
    const paused = plan("/a", 0, 1_000_000, { "vs/a": 0 });
    expect(paused.mirrored).toBe(0);
    expect(paused.mirrors[0]).toMatchObject({ mirrored: false, reason: "kill_switch" });
    expect(plan("/b", 0, 1_000_000, { "vs/a": 0 }).mirrors[0]).toMatchObject({ mirrored: true, reason: "sampled" });
  });

  it("caps at its percentage: a draw under it is mirrored, one at it is not", () => {
    expect(plan("/a", 0.0999, 1_000_000, { "vs/a": 100_000 }).mirrors[0]).toMatchObject({ mirrored: true });
    expect(plan("/a", 0.1, 1_000_000, { "vs/a": 100_000 }).mirrors[0]).toMatchObject({ mirrored: false, reason: "kill_switch" });
  });

  it("the lower of the route's cap and the global cap wins, both ways", () => {
    // global 20 %, route 50 %: a draw of 30 % is capped by the global cap
    expect(plan("/a", 0.3, 200_000, { "vs/a": 500_000 }).mirrors[0]).toMatchObject({ mirrored: false, reason: "kill_switch" });
    // global 50 %, route 20 %: capped by the route's
    expect(plan("/a", 0.3, 500_000, { "vs/a": 200_000 }).mirrors[0]).toMatchObject({ mirrored: false, reason: "kill_switch" });
    expect(plan("/a", 0.1, 500_000, { "vs/a": 200_000 }).mirrors[0]).toMatchObject({ mirrored: true, reason: "sampled" });
  });

  it("never raises a route's own percentage: a draw over it is not_sampled, not kill_switch", () => {
    const low = { ...table, virtualHosts: [{ name: "vs", routes: [route("vs/b", 100_000)] }] };
    const facts = requestFacts("GET", "http://api.test/b", new Headers({ host: "api.test" }), false);
    const p = planRequest(low, facts, { random: () => 0.5, capPerMillion: 1_000_000, routeCaps: { "vs/b": 1_000_000 } });
    expect(p.action === "forward" && p.mirrors[0]).toMatchObject({ mirrored: false, reason: "not_sampled" });
  });
});
