// One comparison's CPU budget and the isolate's sliding second (src/compare/work-budget.ts),
// and what compareAnswers does past them: the body compared as bytes, kind too_complex.
import { describe, expect, it } from "vitest";
import { compareAnswers } from "../../src/compare/compare-answers";
import { COMPARISON_BUDGET_US, PARSE_NS_PER_BYTE, WALK_NS_PER_NODE, WorkMeter, WorkWindow } from "../../src/compare/work-budget";
import type { Answer } from "../../src/compare/types";

const settings = { headers: ["content-type", "x-version"], ignore: [], redact: [] };
const json = (value: unknown, headers: Record<string, string> = {}): Answer => ({
  status: 200,
  headers: { "content-type": "application/json", ...headers },
  body: new TextEncoder().encode(JSON.stringify(value)),
});
const keyed = (n: number, salt: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, (i + salt) % 10]));

describe("WorkMeter", () => {
  it("charges estimated nanoseconds, and refuses a charge that would pass the limit, unchanged", () => {
    const meter = new WorkMeter(10_000);
    expect(meter.charge(1000 * PARSE_NS_PER_BYTE)).toBe(false);
    expect(meter.charge(100 * PARSE_NS_PER_BYTE)).toBe(true);
    expect(meter.charge(40 * WALK_NS_PER_NODE)).toBe(false);
    expect(meter.spentNs).toBe(100 * PARSE_NS_PER_BYTE);
    expect(meter.charge(WALK_NS_PER_NODE)).toBe(true);
  });
});

describe("WorkWindow: the isolate's sliding second", () => {
  it("allows until the second's budget is spent, then refills at the rate it may be spent", () => {
    const w = new WorkWindow(1_000);
    const t = 1_000_000;
    expect(w.allows(t)).toBe(true);
    w.charge(t, 600);
    w.charge(t + 100, 500);
    // 600 − 100 ms' worth (100) + 500
    expect(w.spentUs(t + 100)).toBe(1_000);
    expect(w.allows(t + 100)).toBe(false);
    expect(w.allows(t + 150)).toBe(true);
    expect(w.spentUs(t + 1_100)).toBe(0);
  });
});

describe("compareAnswers within one comparison's budget", () => {
  it("small answers: field by field, charged", () => {
    const meter = new WorkMeter();
    const outcome = compareAnswers(json({ a: 1, b: 2 }), json({ a: 1, b: 3 }), undefined, settings, meter);
    expect(outcome.reported).toEqual(["/body/b"]);
    expect(meter.spentNs).toBeGreaterThan(0);
  });

  it("equal bytes cost nothing, however large", () => {
    const meter = new WorkMeter(1);
    const big = json(keyed(50_000, 0));
    expect(compareAnswers(big, json(keyed(50_000, 0)), undefined, settings, meter).differences).toEqual([]);
    expect(meter.spentNs).toBe(0);
  });

  it("bodies too large to parse within the budget: not parsed, /body too_complex; status and headers still compared", () => {
    const meter = new WorkMeter();
    const v1 = json(keyed(30_000, 0), { "x-version": "1" });
    const v2 = { ...json(keyed(30_000, 1), { "x-version": "2" }), status: 201 };
    expect(v1.body!.length * 2 * PARSE_NS_PER_BYTE).toBeGreaterThan(COMPARISON_BUDGET_US * 1000);
    const outcome = compareAnswers(v1, v2, undefined, settings, meter);
    expect(outcome.differences).toEqual([
      { path: "/status", kind: "value" },
      { path: "/headers/x-version", kind: "value" },
      { path: "/body", kind: "too_complex" },
    ]);
    expect(outcome.example.find((d) => d.path === "/body")).toMatchObject({ kind: "too_complex", v1: `"${v1.body!.length} bytes"` });
    expect(meter.spentNs).toBe(0);
  });

  it("small to parse but too many nodes to walk (a dense array): the walk stops at the budget, /body too_complex", () => {
    const meter = new WorkMeter();
    const v1 = json(Array.from({ length: 60_000 }, (_, i) => i % 2));
    const v2 = json(Array.from({ length: 60_000 }, (_, i) => (i + 1) % 2 === 0 ? 2 : 1));
    const outcome = compareAnswers(v1, v2, undefined, settings, meter);
    expect(outcome.differences).toEqual([{ path: "/body", kind: "too_complex" }]);
    expect(meter.spentNs).toBeLessThanOrEqual(COMPARISON_BUDGET_US * 1000);
    expect(meter.spentNs).toBeGreaterThan((COMPARISON_BUDGET_US * 1000) / 2);
  });

  it("the noise comparison shares the budget: v1 differing from itself past it is too_complex noise", () => {
    const meter = new WorkMeter();
    const v1 = json(keyed(12_000, 0));
    const outcome = compareAnswers(v1, json(keyed(12_000, 0)), json(keyed(12_000, 1)), settings, meter);
    expect(outcome.differences).toEqual([]);
    expect(outcome.noise).toEqual([{ path: "/body", kind: "too_complex" }]);
  });
});
