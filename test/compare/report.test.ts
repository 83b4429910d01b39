// The tally (what isolates batch and the Durable Object adds up) and the report
// built from it: noise fields do not make a request divergent, a request counts
// once however many fields differ, ignored fields are listed but never count, and
// the verdict and flags follow from the counts.
import { describe, expect, it } from "vitest";
import type { CompareOutcome, PathKind } from "../../src/compare/compare-answers";
import { overallVerdict, routeReport } from "../../src/compare/report";
import { addCompared, addShadow, emptyTally, mergeTally, MAX_SIGNATURES, OVERFLOW, type Tally } from "../../src/compare/tally";

const id = { virtualService: "api", route: "users", mirror: "api/v2" };
const settings = { gate: { maxDivergencePercent: 1, minCompared: 200 }, ignore: [] as string[] };

function outcome(differences: PathKind[], noise?: PathKind[], statuses: [number, number] = [200, 200]): CompareOutcome {
  const o: CompareOutcome = { v1Status: statuses[0], v2Status: statuses[1], differences, reported: differences.map((d) => d.path), example: [] };
  if (noise) o.noise = noise;
  return o;
}

/** `n` compared requests with these differences (and noise sample), each also counted as a shadow. */
function add(t: Tally, n: number, differences: PathKind[], noise?: PathKind[], ms: [number, number] = [5, 5], statuses?: [number, number]): Tally {
  for (let i = 0; i < n; i++) {
    addShadow(t, {});
    addCompared(t, { outcome: outcome(differences, noise, statuses), v1Ms: ms[0], v2Ms: ms[1], example: { requestId: `r${i}`, method: "GET", path: "/", at: i } });
  }
  return t;
}

const v = (path: string): PathKind => ({ path, kind: "value" });

describe("the report: fields, divergent requests, verdict", () => {
  it("identical answers: nothing divergent, pass once the interval's upper bound is at or below the limit", () => {
    const r = routeReport(id, add(emptyTally(), 400, []), settings);
    expect(r).toMatchObject({ mirrored: 400, compared: 400, divergent: 0, divergencePercent: 0, verdict: "pass", fields: [], flags: [] });
    expect(r.confidenceInterval).toEqual({ low: 0, high: 0.951 });
    // 0 of 300 is not enough for 1 %: Wilson's upper bound is 1.264 %.
    expect(routeReport(id, add(emptyTally(), 300, []), settings)).toMatchObject({ verdict: "inconclusive", confidenceInterval: { low: 0, high: 1.264 } });
  });

  it("too few compared for a pass: inconclusive", () => {
    expect(routeReport(id, add(emptyTally(), 50, []), settings).verdict).toBe("inconclusive");
    expect(routeReport(id, emptyTally(), settings)).toMatchObject({ verdict: "inconclusive", divergencePercent: null, confidenceInterval: { low: 0, high: 100 } });
  });

  it("a field changed on every request: fail, the field named as divergent", () => {
    const r = routeReport(id, add(emptyTally(), 20, [v("/body/user/plan")]), settings);
    expect(r.verdict).toBe("fail");
    expect(r.divergent).toBe(20);
    expect(r.fields).toEqual([{ path: "/body/user/plan", kind: "value", divergent: 20, noise: 0, status: "divergent" }]);
  });

  it("a timestamp that differs v1 against v1 as often as against v2 is noise: the requests are not divergent", () => {
    const t = emptyTally();
    add(t, 360, [v("/body/servedAt")]);
    add(t, 40, [v("/body/servedAt")], [v("/body/servedAt")]);
    const r = routeReport(id, t, settings);
    expect(r.fields).toEqual([{ path: "/body/servedAt", kind: "value", divergent: 400, noise: 40, status: "noise" }]);
    expect(r).toMatchObject({ divergent: 0, noiseSamples: 40, verdict: "pass" });
  });

  it("a request with a noise field and a real one counts once, as divergent", () => {
    const t = emptyTally();
    add(t, 10, [v("/body/servedAt"), v("/body/user/plan"), v("/headers/content-type")], [v("/body/servedAt")]);
    const r = routeReport(id, t, settings);
    expect(r.divergent).toBe(10);
    expect(r.fields.map((f) => [f.path, f.status])).toEqual([
      ["/body/user/plan", "divergent"],
      ["/headers/content-type", "divergent"],
      ["/body/servedAt", "noise"],
    ]);
  });

  it("a structural difference is never noise, however often v1 shows it too", () => {
    const t = add(emptyTally(), 30, [{ path: "/body/coupon", kind: "missing" }], [{ path: "/body/coupon", kind: "missing" }]);
    expect(routeReport(id, t, settings).fields[0]).toMatchObject({ path: "/body/coupon", status: "divergent" });
  });

  it("ignored fields are listed with status ignored and never make a request divergent", () => {
    const t = add(emptyTally(), 400, [v("/headers/date"), v("/body/meta/servedAt")]);
    const r = routeReport(id, t, { ...settings, ignore: ["/headers/date", "/body/meta"] });
    expect(r.fields.map((f) => f.status)).toEqual(["ignored", "ignored"]);
    expect(r).toMatchObject({ divergent: 0, verdict: "pass" });
  });

  it("requests past the kept path sets count as divergent: a gate never passes on what it could not keep", () => {
    const t = emptyTally();
    for (let i = 0; i < MAX_SIGNATURES + 5; i++) add(t, 1, [v(`/headers/x-${i}`)]);
    expect(t.signatures[OVERFLOW]).toBe(5);
    expect(routeReport(id, t, { ...settings, ignore: ["/headers"] }).divergent).toBe(5);
  });

  it("flags v2 answering 5xx more often than v1 (intervals apart), not a single 5xx", () => {
    const t = add(emptyTally(), 40, [v("/status")], undefined, [5, 5], [200, 503]);
    add(t, 60, []);
    expect(routeReport(id, t, settings).flags).toEqual([{ flag: "v2_5xx_rate", detail: "v2 answered 5xx to 40 % of compared requests, v1 to 0 %" }]);
    const one = add(add(emptyTally(), 1, [v("/status")], undefined, [5, 5], [200, 500]), 99, []);
    expect(routeReport(id, one, settings).flags).toEqual([]);
  });

  it("flags v2's p99 far above v1's (twice, and 50 ms more), with enough samples", () => {
    expect(routeReport(id, add(emptyTally(), 30, [], undefined, [10, 300]), settings).flags.map((f) => f.flag)).toEqual(["v2_p99_latency"]);
    expect(routeReport(id, add(emptyTally(), 30, [], undefined, [10, 40]), settings).flags).toEqual([]);
    expect(routeReport(id, add(emptyTally(), 10, [], undefined, [10, 300]), settings).flags).toEqual([]);
    const r = routeReport(id, add(emptyTally(), 30, [], undefined, [10, 300]), settings);
    expect(r.latencyMs.v2.p99).toBeGreaterThanOrEqual(300);
    expect(r.latencyMs.v1.p50).toBeGreaterThanOrEqual(10);
  });

  it("counts statuses and shadows that were skipped or failed", () => {
    const t = add(emptyTally(), 2, [], undefined, [5, 5], [200, 201]);
    addShadow(t, { skipped: "body_too_large" });
    addShadow(t, { error: "timeout" });
    expect(routeReport(id, t, settings)).toMatchObject({
      mirrored: 4,
      compared: 2,
      statuses: { v1: { "200": 2 }, v2: { "201": 2 } },
      skipped: { body_too_large: 1 },
      shadowErrors: { timeout: 1 },
    });
  });
});

describe("the tally: what crosses to the Durable Object", () => {
  it("merging two isolates' tallies is the same as one tally of both", () => {
    const a = add(emptyTally(), 3, [v("/body/a")], [v("/body/t")], [3, 9]);
    const b = add(emptyTally(), 2, [{ path: "/body/a", kind: "type" }], undefined, [4, 20]);
    addShadow(b, { error: "connect_failed" });
    const both = add(add(emptyTally(), 3, [v("/body/a")], [v("/body/t")], [3, 9]), 2, [{ path: "/body/a", kind: "type" }], undefined, [4, 20]);
    addShadow(both, { error: "connect_failed" });
    mergeTally(a, b);
    expect(a).toEqual(both);
    expect(a.fields["/body/a"]).toEqual({ kind: "type", divergent: 5, noise: 0 });
  });

  it("keeps at most three examples per path, the latest (issue 21 item 6: examples refreshed)", () => {
    const t = emptyTally();
    for (let i = 0; i < 10; i++) {
      addCompared(t, {
        outcome: { ...outcome([v("/body/a")]), example: [{ path: "/body/a", kind: "value", v1: "1", v2: "2" }] },
        v1Ms: 1,
        v2Ms: 1,
        example: { requestId: `r${i}`, method: "GET", path: "/x", at: i },
      });
    }
    expect(t.examples.map((e) => e.requestId)).toEqual(["r7", "r8", "r9"]);
    // An older request arriving late (another isolate's batch) does not push out a later one.
    addCompared(t, { outcome: { ...outcome([v("/body/a")]), example: [{ path: "/body/a", kind: "value", v1: "1", v2: "2" }] }, v1Ms: 1, v2Ms: 1, example: { requestId: "late", method: "GET", path: "/x", at: 3 } });
    expect(t.examples.map((e) => e.requestId)).toEqual(["r7", "r8", "r9"]);
  });
});

describe("overallVerdict", () => {
  it("fail beats inconclusive beats pass; nothing to judge is inconclusive", () => {
    expect(overallVerdict(["pass", "fail", "inconclusive"])).toBe("fail");
    expect(overallVerdict(["pass", "inconclusive"])).toBe("inconclusive");
    expect(overallVerdict(["pass", "pass"])).toBe("pass");
    expect(overallVerdict([])).toBe("inconclusive");
  });
});

describe("the report: latency shift (v2 − v1 per compared request, issue 21)", () => {
  it("reports the Hodges–Lehmann shift with its interval and n, beside p50 and p99", () => {
    const t = emptyTally();
    for (let i = 0; i < 100; i++) add(t, 1, [], undefined, [20 + (i % 3), 70 + (i % 3)]);
    const r = routeReport(id, t, settings);
    expect(r.latencyShiftMs).toEqual({ estimate: 50, low: 50, high: 50, n: 100 });
    expect(r.latencyMs.v2.p50).not.toBeNull();
  });

  it("judges it when the gate sets maxLatencyShiftMs: 20 fails, 100 passes, absent is not judged", () => {
    const t = add(emptyTally(), 400, [], undefined, [10, 60]);
    expect(routeReport(id, t, settings).verdict).toBe("pass");
    expect(routeReport(id, t, { ...settings, gate: { ...settings.gate, maxLatencyShiftMs: 20 } }).verdict).toBe("fail");
    expect(routeReport(id, t, { ...settings, gate: { ...settings.gate, maxLatencyShiftMs: 100 } }).verdict).toBe("pass");
  });

  it("adds up across isolates: merged halves give the same shift as one tally", () => {
    const whole = emptyTally();
    const a = emptyTally();
    const b = emptyTally();
    for (let i = 0; i < 200; i++) {
      const ms: [number, number] = [30 + (i % 11), 45 + (i % 13)];
      add(whole, 1, [], undefined, ms);
      add(i % 2 ? a : b, 1, [], undefined, ms);
    }
    mergeTally(a, b);
    expect(a.latencyShift).toEqual(whole.latencyShift);
    expect(routeReport(id, a, settings).latencyShiftMs).toEqual(routeReport(id, whole, settings).latencyShiftMs);
  });

  it("a tally stored before the shift existed reports n 0", () => {
    const t = add(emptyTally(), 3, []) as Partial<Tally>;
    delete t.latencyShift;
    expect(routeReport(id, t as Tally, settings).latencyShiftMs).toEqual({ estimate: null, low: null, high: null, n: 0 });
  });
});
