// A dashboard view as the worker builds it, with a compared route (a divergent field,
// a noisy one, a redacted header, a timeline and latency histograms) and a route that
// is mirrored but not compared: what the page tests render.
import type { DashboardView, ReportRoute } from "../../src/dashboard/view-model";

const MINUTE = 60_000;
export const NOW = Date.UTC(2026, 10, 25, 14, 30, 0);

export const compared: ReportRoute = {
  virtualService: "api",
  route: "users",
  mirror: "api-origin/v2",
  mirrored: 1240,
  compared: 1180,
  divergent: 590,
  noiseSamples: 118,
  droppedPaths: 0,
  divergencePercent: 50,
  confidenceInterval: { low: 47.15, high: 52.85 },
  verdict: "fail",
  gate: { maxDivergencePercent: 1, minCompared: 200 },
  flags: [{ flag: "v2_p99_latency", detail: "v2's p99 is 181 ms, v1's 45 ms" }],
  fields: [
    { path: "/body/user/plan", kind: "value", divergent: 590, noise: 0, status: "divergent" },
    { path: "/body/servedAt", kind: "value", divergent: 1180, noise: 118, status: "noise" },
    { path: "/headers/date", kind: "value", divergent: 30, noise: 3, status: "ignored" },
  ],
  statuses: { v1: { "200": 1175, "404": 5 }, v2: { "200": 1170, "503": 10 } },
  latencyMs: { v1: { p50: 13.5, p99: 45.3 }, v2: { p50: 19, p99: 181 } },
  latencyShiftMs: { estimate: 5, low: 4, high: 6, n: 1180 },
  skipped: { body_too_large: 12 },
  shadowErrors: { connect_failed: 3, timeout: 1 },
  examples: [
    {
      requestId: "0873de25-1c1e-4b6e-9a3e-5a1c0f3b2d10",
      method: "GET",
      path: "/users/7",
      at: NOW - 2 * MINUTE,
      differences: [
        { path: "/body/user/plan", kind: "value", v1: '"pro"', v2: '"free"' },
        { path: "/body/servedAt", kind: "value", v1: '"2026-11-25T14:28:00.120Z"', v2: '"2026-11-25T14:28:00.141Z"' },
        { path: "/headers/set-cookie", kind: "value", v1: '"[redacted]"', v2: '"[redacted]"' },
        { path: "/body/user/beta", kind: "added", v2: "true" },
      ],
    },
  ],
  latencyHistogram: [
    { upperMs: 8, v1: 40, v2: 0 },
    { upperMs: 9.5, v1: 220, v2: 10 },
    { upperMs: 11.3, v1: 400, v2: 90 },
    { upperMs: 13.5, v1: 300, v2: 300 },
    { upperMs: 16, v1: 150, v2: 420 },
    { upperMs: 19, v1: 50, v2: 200 },
    { upperMs: 22.6, v1: 12, v2: 80 },
    { upperMs: 26.9, v1: 5, v2: 40 },
    { upperMs: 45.3, v1: 3, v2: 20 },
    { upperMs: 181, v1: 0, v2: 20 },
  ],
  timeline: Array.from({ length: 12 }, (_, i) => ({ at: NOW - (12 - i) * 5 * MINUTE, compared: 100, divergent: i < 4 ? 0 : 50 + i, mirrored: 104, errors: i === 6 ? 3 : 0, skipped: 1, shiftMs: 4 + (i % 3) })),
  history: Array.from({ length: 30 }, (_, i) => ({ at: NOW - (30 - i) * 60 * MINUTE, compared: 40, divergent: i < 20 ? 0 : 20, mirrored: 41, errors: 0, skipped: 1, shiftMs: i < 20 ? 0 : 5 })),
  fieldTrends: [{ path: "/body/user/plan", minutes: [0, 0, 0, 0, 54, 55, 56, 57, 58, 59, 60, 61], hours: Array.from({ length: 30 }, (_, i) => (i < 20 ? 0 : 20)) }],
  // src/compare/where-report.ts: v2 diverges in London over HTTP/3 only, and is slower there.
  where: {
    colo: [
      { value: "LHR", compared: 700, divergent: 590, divergencePercent: 84.286, confidenceInterval: { low: 81.4, high: 86.8 }, latencyShiftMs: { estimate: 49, low: 45, high: 54, n: 700 } },
      { value: "SJC", compared: 480, divergent: 0, divergencePercent: 0, confidenceInterval: { low: 0, high: 0.79 }, latencyShiftMs: { estimate: 0.5, low: 0, high: 1, n: 480 } },
    ],
    country: [
      { value: "GB", compared: 700, divergent: 590, divergencePercent: 84.286, confidenceInterval: { low: 81.4, high: 86.8 }, latencyShiftMs: { estimate: 49, low: 45, high: 54, n: 700 } },
      { value: "<b>US</b>", compared: 480, divergent: 0, divergencePercent: 0, confidenceInterval: { low: 0, high: 0.79 }, latencyShiftMs: { estimate: null, low: null, high: null, n: 0 } },
    ],
    protocol: [{ value: "HTTP/3", compared: 1180, divergent: 590, divergencePercent: 50, confidenceInterval: { low: 47.15, high: 52.85 }, latencyShiftMs: { estimate: -3, low: -4, high: -2, n: 1180 } }],
  },
  endpoints: [
    {
      endpoint: "GET /users/{id}",
      compared: 1100,
      divergent: 590,
      noiseSamples: 110,
      divergencePercent: 53.636,
      confidenceInterval: { low: 50.68, high: 56.57 },
      latencyShiftMs: { estimate: 5, low: 4, high: 6, n: 1100 },
      verdict: "fail",
      fields: [{ path: "/body/user/plan", kind: "value", divergent: 590, noise: 0, status: "divergent" }],
      fieldsOmitted: 1,
    },
    {
      endpoint: "GET /users/me",
      compared: 80,
      divergent: 0,
      noiseSamples: 8,
      divergencePercent: 0,
      confidenceInterval: { low: 0, high: 4.58 },
      latencyShiftMs: { estimate: 0, low: -1, high: 1, n: 80 },
      verdict: "inconclusive",
      fields: [],
      fieldsOmitted: 0,
    },
  ],
};

export function fixtureView(over: Partial<DashboardView> = {}): DashboardView {
  return {
    rows: [
      {
        route: "api/users",
        virtualService: "api",
        destinations: [{ name: "api-origin/v1", percent: 100 }],
        mirror: "api-origin/v2",
        configuredPercent: 100,
        inForcePercent: 100,
        report: compared,
      },
      {
        route: "httpbin/http[0]",
        virtualService: "httpbin",
        destinations: [
          { name: "httpbin/v1", percent: 90 },
          { name: "httpbin/v3", percent: 10 },
        ],
        mirror: "httpbin/v2",
        configuredPercent: 50,
        inForcePercent: 0,
        routeCap: 0,
      },
    ],
    switch: {
      routes: { "httpbin/http[0]": 0 },
      changes: [
        { at: NOW - 10 * MINUTE, who: "alice", route: "httpbin/http[0]", percentCap: 0 },
        { at: NOW - 60 * MINUTE, who: "bob", percentCap: null },
      ],
    },
    varCap: { perMillion: 1_000_000 },
    generatedAt: NOW,
    who: "alice",
    ...over,
  };
}
