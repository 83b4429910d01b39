// Divergence over time: per-minute counts of compared requests and their path sets,
// judged at report time by the same rule as the totals, and bounded.
import { describe, expect, it } from "vitest";
import { addToTimeline, COMPARED, divergenceTimeline, ERRORS, fieldTrend, HOUR_MS, hoursWithMinutes, MAX_MINUTE_SIGNATURES, mergeTimeline, MINUTE_OVERFLOW, minuteOf, MIRRORED, setKey, SHIFT_SUM, SKIPPED, type Timeline } from "../../src/compare/timeline";
import { addShadow } from "../../src/compare/tally";
import { latencyBuckets } from "../../src/compare/latency-buckets";
import { addCompared, emptyTally, mergeTally } from "../../src/compare/tally";
import { routeReport } from "../../src/compare/report";

const T0 = Date.UTC(2026, 10, 25, 14, 0, 0);
const sig = (...paths: string[]) => JSON.stringify(paths.sort());

describe("the timeline", () => {
  it("buckets by the minute the request was compared in", () => {
    expect(minuteOf(T0 + 59_999)).toBe(String(T0));
    expect(minuteOf(T0 + 60_000)).toBe(String(T0 + 60_000));
  });

  it("a minute's divergent count is the requests whose path set holds a divergent path", () => {
    const t: Timeline = {};
    const m = minuteOf(T0);
    for (let i = 0; i < 10; i++) addToTimeline(t, m, COMPARED);
    addToTimeline(t, m, sig("/body/servedAt"), 6);
    addToTimeline(t, m, sig("/body/servedAt", "/body/plan"), 3);
    const noise = new Set(["/body/servedAt"]);
    expect(divergenceTimeline(t, (paths) => paths.some((p) => !noise.has(p)))).toMatchObject([{ at: T0, compared: 10, divergent: 3 }]);
  });

  it("keeps MAX_MINUTE_SIGNATURES sets a minute; the rest count as divergent", () => {
    const t: Timeline = {};
    const m = minuteOf(T0);
    addToTimeline(t, m, COMPARED, MAX_MINUTE_SIGNATURES + 5);
    for (let i = 0; i < MAX_MINUTE_SIGNATURES + 5; i++) addToTimeline(t, m, sig(`/noise/${i}`));
    expect(t[m]![MINUTE_OVERFLOW]).toBe(5);
    expect(divergenceTimeline(t, () => false)).toMatchObject([{ at: T0, compared: MAX_MINUTE_SIGNATURES + 5, divergent: 5 }]);
  });

  it("counts each minute's shadows, errors, skips and mean shift; series never count as divergent (issue 21 item 6)", () => {
    const t = emptyTally();
    const outcome = { v1Status: 200, v2Status: 200, differences: [], reported: [], example: [] };
    addShadow(t, {}, T0);
    addCompared(t, { outcome, v1Ms: 10, v2Ms: 40, example: { requestId: "a", method: "GET", path: "/", at: T0 } });
    addShadow(t, {}, T0 + 1);
    // a stuck request counts ±10 s at most in the mean
    addCompared(t, { outcome, v1Ms: 10, v2Ms: 60_010, example: { requestId: "b", method: "GET", path: "/", at: T0 + 1 } });
    addShadow(t, { error: "timeout" }, T0 + 2);
    addShadow(t, { skipped: "body_too_large" }, T0 + 3);
    expect(t.timeline[String(T0)]).toEqual({ [MIRRORED]: 4, [COMPARED]: 2, [SHIFT_SUM]: 30 + 10_000, [ERRORS]: 1, [SKIPPED]: 1 });
    expect(divergenceTimeline(t.timeline, () => true)).toEqual([{ at: T0, compared: 2, divergent: 0, mirrored: 4, errors: 1, skipped: 1, shiftMs: 5015 }]);
  });

  it("hours name their sets by hash, resolved through the kept sets; one not kept counts as divergent", () => {
    const minutes: Timeline = { [String(T0)]: { [COMPARED]: 3, [sig("/a")]: 1, [sig("/b")]: 2 }, [String(T0 + HOUR_MS)]: { [COMPARED]: 1, [sig("/a")]: 1 } };
    const hours = hoursWithMinutes({}, minutes);
    expect(hours).toEqual({ [String(T0)]: { [COMPARED]: 3, [setKey(sig("/a"))]: 1, [setKey(sig("/b"))]: 2 }, [String(T0 + HOUR_MS)]: { [COMPARED]: 1, [setKey(sig("/a"))]: 1 } });
    // the tally is not changed
    expect(Object.keys(minutes[String(T0)]!)).toContain(sig("/a"));
    const named = new Map([[setKey(sig("/a")), ["/a"]]]);
    // /a is noise; /b's set is not known by name: divergent
    expect(divergenceTimeline(hours, (paths) => !paths.includes("/a"), named).map((p) => p.divergent)).toEqual([2, 0]);
    expect(fieldTrend(hours, "/a", named).map((p) => p.divergent)).toEqual([1, 1]);
  });

  it("merges by adding, and lists minutes oldest first", () => {
    const a: Timeline = { [String(T0 + 60_000)]: { [COMPARED]: 2 } };
    const b: Timeline = { [String(T0)]: { [COMPARED]: 1, [sig("/x")]: 1 }, [String(T0 + 60_000)]: { [COMPARED]: 3 } };
    mergeTimeline(a, b);
    expect(divergenceTimeline(a, () => true)).toMatchObject([
      { at: T0, compared: 1, divergent: 1 },
      { at: T0 + 60_000, compared: 5, divergent: 0 },
    ]);
  });

  it("the tally fills it from compared requests, and the report judges it with the fields' statuses", () => {
    const t = emptyTally();
    const outcome = (paths: string[]) => ({ v1Status: 200, v2Status: 200, differences: paths.map((path) => ({ path, kind: "value" as const })), reported: paths, example: [] });
    const add = (at: number, paths: string[]) => addCompared(t, { outcome: outcome(paths), v1Ms: 10, v2Ms: 12, example: { requestId: "r", method: "GET", path: "/", at } });
    add(T0, []);
    add(T0 + 1000, ["/body/plan"]);
    add(T0 + 61_000, ["/body/plan"]);
    const merged = emptyTally();
    mergeTally(merged, t);
    const report = routeReport({ virtualService: "api", route: "users", mirror: "v2" }, merged, { gate: { maxDivergencePercent: 1, minCompared: 200 }, ignore: [] });
    expect(report.timeline).toMatchObject([
      { at: T0, compared: 2, divergent: 1 },
      { at: T0 + 60_000, compared: 1, divergent: 1 },
    ]);
    const ignored = routeReport({ virtualService: "api", route: "users", mirror: "v2" }, merged, { gate: { maxDivergencePercent: 1, minCompared: 200 }, ignore: ["/body/plan"] });
    expect(ignored.timeline.map((p) => p.divergent)).toEqual([0, 0]);
  });
});

describe("latencyBuckets", () => {
  it("one row per bucket from the fastest to the slowest used by either side, gaps filled with zeros", () => {
    // histogram.ts: bucket b holds latencies up to 2^(b/4) ms, so bucket 12 is up to 8 ms
    expect(latencyBuckets({ "12": 4 }, { "14": 2 })).toEqual([
      { upperMs: 8, v1: 4, v2: 0 },
      { upperMs: 9.5, v1: 0, v2: 0 },
      { upperMs: 11.3, v1: 0, v2: 2 },
    ]);
  });

  it("is empty when nothing was measured", () => {
    expect(latencyBuckets({}, { "3": 0 })).toEqual([]);
  });
});
