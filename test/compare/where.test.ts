// "Where" (issue 21 item 3), the pure rules of src/compare/where.ts: cf values shaped
// and validated, the split kept through the tally (addCompared, mergeTally), its
// bounds (values per dimension, signatures and shift keys per value) with eviction
// into `other`, and the report's top 10 with each value's divergence judged by the
// route's noise rule (Diffy: opendiffy/diffy JoinedDifferences.scala, via noise.ts)
// and its Hodges–Lehmann shift (latency-shift.ts).
import { describe, expect, it } from "vitest";
import { addCompared, emptyTally, mergeTally, type Tally } from "../../src/compare/tally";
import { routeReport } from "../../src/compare/report";
import {
  addWhere,
  MAX_VALUE_CHARS,
  MAX_WHERE_VALUES,
  mergeWhere,
  OTHER,
  OVERFLOW_KEY,
  UNKNOWN,
  WHERE_EXACT_MS,
  WHERE_SHIFT_KEYS,
  WHERE_SIGNATURES,
  WHERE_TOP,
  whereOf,
  whereShiftKey,
  whereValue,
  type WhereKeys,
  type WhereTally,
} from "../../src/compare/where";
import { whereReport } from "../../src/compare/where-report";

const keys = (colo: string, country = "GB", protocol = "HTTP/2"): WhereKeys => ({ colo, country, protocol });
const outcome = (paths: string[], noise?: string[]) => ({
  v1Status: 200,
  v2Status: 200,
  differences: paths.map((path) => ({ path, kind: "value" as const })),
  reported: paths,
  ...(noise ? { noise: noise.map((path) => ({ path, kind: "value" as const })) } : {}),
  example: [],
});
let at = 0;
function compare(t: Tally, where: WhereKeys, paths: string[], v2Ms = 10, noise?: string[]): void {
  addCompared(t, { outcome: outcome(paths, noise), v1Ms: 10, v2Ms, example: { requestId: `r${at}`, method: "GET", path: "/", at: at++ }, where });
}
const settings = { gate: { maxDivergencePercent: 1, minCompared: 10 }, ignore: [] as string[] };
const report = (t: Tally) => routeReport({ virtualService: "vs", route: "r", mirror: "m" }, t, settings);

describe("cf values", () => {
  it("absent (local dev) is unknown; short plain codes are kept; anything else is other", () => {
    expect(whereOf(undefined)).toEqual({ colo: UNKNOWN, country: UNKNOWN, protocol: UNKNOWN });
    expect(whereOf({ colo: "LHR", country: "GB", httpProtocol: "HTTP/3" })).toEqual({ colo: "LHR", country: "GB", protocol: "HTTP/3" });
    expect(whereOf({ colo: "", country: null, httpProtocol: "HTTP/1.1" })).toEqual({ colo: UNKNOWN, country: UNKNOWN, protocol: "HTTP/1.1" });
    for (const bad of ["x".repeat(MAX_VALUE_CHARS + 1), "LH R", "<b>", "ÅÄÖ", "a\nb", "-lead", "__proto__", 7, {}, ["LHR"]]) expect(whereValue(bad)).toBe(OTHER);
    expect(whereValue("x".repeat(MAX_VALUE_CHARS))).toBe("x".repeat(MAX_VALUE_CHARS));
  });

  it("a value named like an Object.prototype member is an ordinary value", () => {
    const w: WhereTally = {};
    addWhere(w, keys("constructor", "toString", "valueOf"), undefined, 0);
    addWhere(w, keys("constructor", "toString", "valueOf"), undefined, 0);
    expect(w.colo!.constructor).toEqual({ compared: 2, signatures: {}, shift: { "0": 2 } });
  });
});

describe("the coarse shift key", () => {
  it("whole ms to ±8, then 4 buckets per doubling, each at most 9.1 % (and half a ms of rounding) off, and a key maps to itself", () => {
    for (let d = -WHERE_EXACT_MS; d <= WHERE_EXACT_MS; d++) expect(whereShiftKey(d)).toBe(String(d));
    expect(whereShiftKey(-0.2)).toBe("0");
    for (let d = 9; d < 2 ** 30; d = Math.ceil(d * 1.03)) {
      for (const x of [d, -d]) {
        const k = Number(whereShiftKey(x));
        expect(Math.abs(k - x)).toBeLessThanOrEqual((2 ** (1 / 8) - 1) * Math.abs(x) + 0.5);
        expect(whereShiftKey(k)).toBe(String(k));
      }
    }
  });
});

describe("the split, through the tally", () => {
  it("counts each compared request under its colo, country and protocol; merges add up", () => {
    const a = emptyTally();
    const b = emptyTally();
    compare(a, keys("LHR"), ["/body/x"]);
    compare(a, keys("SJC", "US"), []);
    compare(b, keys("LHR", "GB", "HTTP/3"), [], 60);
    mergeTally(a, b);
    expect(a.where.colo!.LHR!.compared).toBe(2);
    expect(a.where.colo!.SJC!.compared).toBe(1);
    expect(a.where.country).toMatchObject({ GB: { compared: 2 }, US: { compared: 1 } });
    expect(a.where.protocol).toMatchObject({ "HTTP/2": { compared: 2 }, "HTTP/3": { compared: 1 } });
    expect(a.where.colo!.LHR!.shift).toEqual({ "0": 1, [whereShiftKey(50)]: 1 });
    expect(Object.keys(a.where.colo!.LHR!.signatures)).toHaveLength(1);
    // A request counted without cf values (an older caller) is in the route's totals only.
    addCompared(a, { outcome: outcome([]), v1Ms: 1, v2Ms: 1, example: { requestId: "x", method: "GET", path: "/", at: 1 } });
    expect(a.compared).toBe(4);
    expect(a.where.colo!.LHR!.compared + a.where.colo!.SJC!.compared).toBe(3);
  });

  it("a tally from an older isolate (no where) merges", () => {
    const a = emptyTally();
    const old = emptyTally() as Partial<Tally>;
    delete old.where;
    mergeTally(a, old as Tally);
    expect(a.where).toEqual({});
  });
});

describe("bounds", () => {
  it(`at most ${MAX_WHERE_VALUES} named values per dimension: the least compared is folded into other, totals kept`, () => {
    const w: WhereTally = {};
    // C000 is the busiest; each later value has fewer requests.
    for (let i = 0; i < 200; i++) for (let n = 0; n < Math.max(1, 300 - i); n++) addWhere(w, keys(`C${String(i).padStart(3, "0")}`), undefined, 1);
    const colo = w.colo!;
    const named = Object.keys(colo).filter((v) => v !== OTHER);
    expect(named.length).toBe(MAX_WHERE_VALUES);
    // The busiest stay (the newest, C199, is kept until a newer one comes).
    expect(named).toContain("C000");
    expect(named).toContain("C048");
    const total = Object.values(colo).reduce((n, c) => n + c.compared, 0);
    expect(total).toBe(Array.from({ length: 200 }, (_, i) => Math.max(1, 300 - i)).reduce((x, y) => x + y, 0));
    expect(colo[OTHER]!.compared).toBeGreaterThan(0);
  });

  it(`at most ${WHERE_SIGNATURES} path sets per value; more count as the overflow, which is divergent`, () => {
    const t = emptyTally();
    for (let i = 0; i < 40; i++) compare(t, keys("LHR"), [`/body/f${i}`]);
    const sigs = t.where.colo!.LHR!.signatures;
    expect(Object.keys(sigs).filter((k) => k !== OVERFLOW_KEY)).toHaveLength(WHERE_SIGNATURES);
    expect(sigs[OVERFLOW_KEY]).toBe(40 - WHERE_SIGNATURES);
    expect(report(t).where.colo[0]).toMatchObject({ value: "LHR", compared: 40, divergent: 40 });
  });

  it(`at most ${WHERE_SHIFT_KEYS} shift keys per value; a difference past them is counted at the nearest kept key`, () => {
    const w: WhereTally = {};
    for (let d = -5000; d <= 5000; d += 7) addWhere(w, keys("LHR"), undefined, d);
    const shift = w.colo!.LHR!.shift;
    expect(Object.keys(shift).length).toBe(WHERE_SHIFT_KEYS);
    expect(Object.values(shift).reduce((a, b) => a + b, 0)).toBe(w.colo!.LHR!.compared);
  });

  it("hostile stored rows (bad names, keys, counts) are read through the same rules", () => {
    const into: WhereTally = {};
    const from = {
      colo: {
        "<script>": { compared: 3, signatures: { "not-a-hash": 2 }, shift: { nope: 1, "5": 3 } },
        LHR: { compared: -4, signatures: {}, shift: {} },
        SJC: { compared: 1.5, signatures: {}, shift: {} },
        FRA: { compared: 2, signatures: "abc", shift: { "123456789012": "x" } },
      },
      planet: { Mars: { compared: 9, signatures: {}, shift: {} } },
    } as unknown as WhereTally;
    mergeWhere(into, from);
    expect(into).toEqual({
      colo: {
        other: { compared: 3, signatures: { [OVERFLOW_KEY]: 2 }, shift: { "5": 3 } },
        FRA: { compared: 2, signatures: {}, shift: {} },
      },
    });
  });

  it("one value's JSON stays under 1.5 KiB and a dimension's under 80 KiB, whatever it is fed", () => {
    const t = emptyTally();
    for (let i = 0; i < 60; i++) for (let k = 0; k < 40; k++) compare(t, keys(`V${"x".repeat(12)}${i}`, `C${i}`, `P${i}`), [`/body/${i}-${k}`], 10 + (k * 997 * (i + 1)) % 2 ** 30);
    for (const d of ["colo", "country", "protocol"] as const) {
      const values = t.where[d]!;
      expect(Object.keys(values).length).toBe(MAX_WHERE_VALUES + 1);
      for (const c of Object.values(values)) expect(JSON.stringify(c).length).toBeLessThan(1536);
      expect(JSON.stringify(values).length).toBeLessThan(80 * 1024);
    }
  });
});

describe("the report", () => {
  it(`lists the top ${WHERE_TOP} values per dimension by compared requests, other among them`, () => {
    const w: WhereTally = {};
    for (let i = 0; i < 80; i++) for (let n = 0; n < 100 - i; n++) addWhere(w, keys(`C${String(i).padStart(2, "0")}`), undefined, 0);
    const r = whereReport(w, {}, () => true);
    expect(r.colo).toHaveLength(WHERE_TOP);
    expect(r.colo.map((x) => x.compared)).toEqual([...r.colo.map((x) => x.compared)].sort((a, b) => b - a));
    // The 30 folded into other outnumber every named colo.
    expect(r.colo[0]!.value).toBe(OTHER);
    expect(r.colo[1]).toMatchObject({ value: "C00", compared: 100, divergent: 0, divergencePercent: 0 });
  });

  it("judges each value by the route's noise rule: a noisy field diverges nowhere, a changed one only where it changed", () => {
    const t = emptyTally();
    // Everywhere: a timestamp that differs between v1 and itself (noise). In LHR only: a changed plan.
    for (let i = 0; i < 100; i++) compare(t, keys("SJC", "US", "HTTP/2"), ["/body/servedAt"], 10, ["/body/servedAt"]);
    for (let i = 0; i < 50; i++) compare(t, keys("LHR", "GB", "HTTP/2"), ["/body/plan", "/body/servedAt"], 10, ["/body/servedAt"]);
    for (let i = 0; i < 50; i++) compare(t, keys("LHR", "GB", "HTTP/3"), ["/body/servedAt"], 10, ["/body/servedAt"]);
    const r = report(t);
    expect(r.divergent).toBe(50);
    const byValue = (rows: typeof r.where.colo) => Object.fromEntries(rows.map((x) => [x.value, [x.compared, x.divergent]]));
    expect(byValue(r.where.colo)).toEqual({ SJC: [100, 0], LHR: [100, 50] });
    expect(byValue(r.where.country)).toEqual({ US: [100, 0], GB: [100, 50] });
    expect(byValue(r.where.protocol)).toEqual({ "HTTP/2": [150, 50], "HTTP/3": [50, 0] });
    const lhr = r.where.colo.find((x) => x.value === "LHR")!;
    expect(lhr.divergencePercent).toBe(50);
    expect(lhr.confidenceInterval.low).toBeGreaterThan(40);
    expect(lhr.confidenceInterval.high).toBeLessThan(60);
    // Ignoring the changed field clears LHR too.
    const ignored = routeReport({ virtualService: "vs", route: "r", mirror: "m" }, t, { ...settings, ignore: ["/body/plan"] });
    expect(ignored.where.colo.every((x) => x.divergent === 0)).toBe(true);
  });

  it("a path set the route did not keep counts as divergent in its value, as in the route", () => {
    const t = emptyTally();
    compare(t, keys("LHR"), ["/body/a"]);
    delete t.signatures[JSON.stringify(["/body/a"])];
    t.signatures["*"] = 1;
    expect(report(t).where.colo[0]).toMatchObject({ value: "LHR", divergent: 1 });
  });

  it("gives each value its Hodges–Lehmann shift with the Wilcoxon interval", () => {
    const t = emptyTally();
    for (let i = 0; i < 30; i++) compare(t, keys("LHR"), [], 60 + (i % 3));
    for (let i = 0; i < 30; i++) compare(t, keys("SJC"), [], 10 + (i % 3) - 1);
    const r = report(t);
    const lhr = r.where.colo.find((x) => x.value === "LHR")!.latencyShiftMs;
    const sjc = r.where.colo.find((x) => x.value === "SJC")!.latencyShiftMs;
    expect(lhr.n).toBe(30);
    // 50–52 ms: the coarse buckets (≤ 9 % off) put them at 51.
    expect(lhr.low!).toBeGreaterThan(45);
    expect(lhr.high!).toBeLessThan(56);
    expect(sjc.low!).toBeLessThanOrEqual(0);
    expect(sjc.high!).toBeGreaterThanOrEqual(0);
    // No where data (a report of an older store): empty lists.
    expect(whereReport(undefined, {}, () => true)).toEqual({ colo: [], country: [], protocol: [] });
  });
});
