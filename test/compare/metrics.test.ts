// GET /__edge-mirror/metrics' text (src/admin/metrics.ts), read back with a
// Prometheus text-format parser (test/support/prometheus.ts): HELP and TYPE for every
// family, label values escaped so that any route or mirror name survives, and every
// figure the same as the report's. The endpoint itself is tested in workerd
// (test/integration/latency-shift.test.ts).
import { describe, expect, it } from "vitest";
import { metricsText, METRICS_CONTENT_TYPE } from "../../src/admin/metrics";
import { routeReport, type RouteReport } from "../../src/compare/report";
import { addCompared, addShadow, emptyTally } from "../../src/compare/tally";
import { parseMetrics, sample } from "../support/prometheus";

function report(identity: { virtualService: string; route: string; mirror: string }, n: number, shiftMs: number): RouteReport {
  const t = emptyTally();
  for (let i = 0; i < n; i++) {
    addShadow(t, i % 10 === 0 ? { skipped: "body_too_large" } : {});
    if (i % 10 === 0) continue;
    const differences = i % 4 === 0 ? [{ path: "/body/plan", kind: "value" as const }] : [];
    addCompared(t, {
      outcome: { v1Status: 200, v2Status: 200, differences, reported: differences.map((d) => d.path), example: [] },
      v1Ms: 10 + (i % 3),
      v2Ms: 10 + shiftMs + (i % 3),
      // Two endpoints a route: GET /users/{id} and one whose name needs escaping.
      example: { requestId: `r${i}`, method: "GET", path: i % 2 ? `/users/${i}` : '/a"b\\c\nd', at: i },
    });
  }
  addShadow(t, { error: "timeout" });
  return routeReport(identity, t, { gate: { maxDivergencePercent: 1, minCompared: 20, maxLatencyShiftMs: 20 }, ignore: [] });
}

const ROUTES = [
  report({ virtualService: "api", route: "users", mirror: "httpbin/v2" }, 100, 50),
  // Names Prometheus must get back exactly: a quote, a backslash, a line feed, non-ASCII.
  report({ virtualService: 'we"ird\\ns', route: "line\nfeed ünïcode", mirror: "a,b}=c" }, 30, 0),
];

describe("the metrics text", () => {
  const text = metricsText(ROUTES);
  const { families, series } = parseMetrics(text);

  it("is served as Prometheus text format 0.0.4", () => {
    expect(METRICS_CONTENT_TYPE).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  it("has HELP and TYPE for every family: counters for counts, gauges for the shift and the divergence", () => {
    expect(families.map((f) => [f.name, f.type])).toEqual([
      ["edge_mirror_mirrored_total", "COUNTER"],
      ["edge_mirror_compared_total", "COUNTER"],
      ["edge_mirror_divergent_total", "COUNTER"],
      ["edge_mirror_skipped_total", "COUNTER"],
      ["edge_mirror_shadow_errors_total", "COUNTER"],
      ["edge_mirror_divergence_ratio", "GAUGE"],
      ["edge_mirror_latency_shift_ms", "GAUGE"],
      ["edge_mirror_verdict", "GAUGE"],
      ["edge_mirror_endpoint_compared_total", "COUNTER"],
      ["edge_mirror_endpoint_divergent_total", "COUNTER"],
      ["edge_mirror_endpoint_divergence_ratio", "GAUGE"],
      ["edge_mirror_endpoint_latency_shift_ms", "GAUGE"],
      ["edge_mirror_endpoint_verdict", "GAUGE"],
    ]);
    for (const f of families) expect(f.help.length).toBeGreaterThan(10);
  });

  it("escapes label values so every name comes back as it was", () => {
    const identities = new Set(series.map((s) => JSON.stringify([s.labels.virtual_service, s.labels.route, s.labels.mirror])));
    expect([...identities].sort()).toEqual(ROUTES.map((r) => JSON.stringify([r.virtualService, r.route, r.mirror])).sort());
    // One sample per line: the line feed in a name never starts a new one.
    expect(text.split("\n").filter((l) => l.startsWith("edge_mirror_compared_total"))).toHaveLength(2);
  });

  it("agrees with the report, route by route", () => {
    for (const r of ROUTES) {
      const id = { virtual_service: r.virtualService, route: r.route, mirror: r.mirror };
      expect(sample(series, "edge_mirror_mirrored_total", id)).toBe(r.mirrored);
      expect(sample(series, "edge_mirror_compared_total", id)).toBe(r.compared);
      expect(sample(series, "edge_mirror_divergent_total", id)).toBe(r.divergent);
      expect(sample(series, "edge_mirror_skipped_total", { ...id, reason: "body_too_large" })).toBe(r.skipped.body_too_large);
      expect(sample(series, "edge_mirror_shadow_errors_total", { ...id, reason: "timeout" })).toBe(1);
      for (const bound of ["estimate", "low", "high"] as const) expect(sample(series, "edge_mirror_latency_shift_ms", { ...id, bound })).toBe(r.latencyShiftMs[bound]);
      expect(sample(series, "edge_mirror_divergence_ratio", { ...id, bound: "high" })).toBeCloseTo(r.confidenceInterval.high / 100, 12);
      expect(sample(series, "edge_mirror_verdict", { ...id, verdict: r.verdict })).toBe(1);
    }
    expect(ROUTES[0]!.latencyShiftMs).toEqual({ estimate: 50, low: 50, high: 50, n: 90 });
    expect(ROUTES[0]!.verdict).toBe("fail");
    expect(ROUTES[1]!.latencyShiftMs.estimate).toBe(0);
  });

  it("agrees with the report, endpoint by endpoint (issue 21 item 2), the endpoint label escaped and read back as it was", () => {
    for (const r of ROUTES) {
      const id = { virtual_service: r.virtualService, route: r.route, mirror: r.mirror };
      expect(r.endpoints.map((e) => e.endpoint).sort()).toEqual(['GET /a"b\\c\nd', "GET /users/{id}"]);
      expect(new Set(series.filter((s) => s.name === "edge_mirror_endpoint_compared_total" && s.labels.route === r.route).map((s) => s.labels.endpoint))).toEqual(new Set(r.endpoints.map((e) => e.endpoint)));
      for (const e of r.endpoints) {
        const at = { ...id, endpoint: e.endpoint };
        expect(sample(series, "edge_mirror_endpoint_compared_total", at)).toBe(e.compared);
        expect(sample(series, "edge_mirror_endpoint_divergent_total", at)).toBe(e.divergent);
        expect(sample(series, "edge_mirror_endpoint_divergence_ratio", { ...at, bound: "low" })).toBeCloseTo(e.confidenceInterval.low / 100, 12);
        for (const bound of ["estimate", "low", "high"] as const) expect(sample(series, "edge_mirror_endpoint_latency_shift_ms", { ...at, bound })).toBe(e.latencyShiftMs[bound]);
        expect(sample(series, "edge_mirror_endpoint_verdict", { ...at, verdict: e.verdict })).toBe(1);
      }
      // The endpoints add up to the route.
      expect(r.endpoints.reduce((n, e) => n + e.compared, 0)).toBe(r.compared);
      expect(r.endpoints.reduce((n, e) => n + e.divergent, 0)).toBe(r.divergent);
    }
  });

  it("leaves out the shift and divergence gauges of a route with nothing compared", () => {
    const empty = routeReport({ virtualService: "api", route: "quiet", mirror: "v2" }, emptyTally(), { gate: { maxDivergencePercent: 1, minCompared: 20 }, ignore: [] });
    const { series: quiet } = parseMetrics(metricsText([empty]));
    expect(quiet.filter((s) => s.name === "edge_mirror_latency_shift_ms" || s.name === "edge_mirror_divergence_ratio")).toEqual([]);
    expect(sample(quiet, "edge_mirror_compared_total", { route: "quiet" })).toBe(0);
  });

  it("the parser is strict enough to matter: it refuses a broken label set", () => {
    expect(() => parseMetrics('# HELP x h\n# TYPE x counter\nx{a="1" b="2"} 1\n')).toThrow();
    expect(() => parseMetrics("# HELP x h\n# TYPE x counter\nx one\n")).toThrow();
    expect(() => parseMetrics("# TYPE x counter\nx{a=unquoted} 1\n")).toThrow();
  });
});
