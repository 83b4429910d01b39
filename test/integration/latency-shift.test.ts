// Paired latency and the Prometheus metrics (issue 21 items 1 and 5), inside workerd
// against the recording origins: v2 answers /compare/late-*/50 exactly 50 ms after v1
// (devkit/compare-answers.ts), /compare/timed at the same time. The routes' gates
// (test/support/routes.integration.yaml) set maxLatencyShiftMs 20 (late-strict), 100
// (late-loose) and 5 (timed). GET /__edge-mirror/metrics is read with a Prometheus
// text parser and compared with GET /__edge-mirror/api/report. The truth the intervals are
// checked against is what the origins recorded (test/support/latency-truth.ts): the 50 ms
// they add plus how much later v2's request reached its origin, which the worker's one
// start point for both legs counts too (docs/latency-and-metrics.md, "Where the extra
// milliseconds come from").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/admin/compare-report";
import type { RouteReport } from "../../src/compare/report";
import { recordsAt, release, send, shadowLogs } from "../support/harness";
import { describeTruth, holdsTruth, legTimes, truth, CLOCK_RESOLUTION_MS, type LegTimes } from "../support/latency-truth";
import { parseMetrics, sample } from "../support/prometheus";

const TOKEN = "test-admin-token";
const ADMIN = { EDGE_MIRROR_ADMIN_TOKEN: TOKEN };
const N = 30;

afterAll(release);

const legs: Record<string, LegTimes[]> = {};

/** Sends n requests one after another; keeps each one's truth from the origins' records. */
async function run(path: string, n: number): Promise<LegTimes[]> {
  const out: LegTimes[] = [];
  for (let i = 0; i < n; i++) {
    const sent = await send(`http://cmp.test${path}`);
    await sent.response.arrayBuffer();
    await sent.settled();
    expect(shadowLogs(sent)[0]).toMatchObject({ compared: true });
    const [a] = await recordsAt("v1", sent.requestId);
    const [b] = await recordsAt("v2", sent.requestId);
    out.push(legTimes(a!, b!));
  }
  return out;
}

async function admin(path: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) {
  return (await send(`http://cmp.test/__edge-mirror/${path}`, { headers, env: ADMIN })).response;
}

async function report(route: string): Promise<RouteReport> {
  const response = await admin(`api/report?route=${encodeURIComponent(route)}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as Report).routes[0]!;
}

beforeAll(async () => {
  legs.strict = await run("/compare/late-strict/50", N);
  legs.loose = await run("/compare/late-loose/50", N);
  legs.timed = await run("/compare/timed", N);
}, 60_000);

describe("the paired latency shift, v2 − v1 per compared request", () => {
  it("v2 50 ms later: the interval holds the true shift (50 ms and v2's later dispatch) and excludes 0; a 20 ms limit fails the route", async () => {
    const r = await report("cmp/late-strict");
    const t = truth(legs.strict!);
    console.log(`v2 50 ms late: latencyShiftMs ${JSON.stringify(r.latencyShiftMs)}; ${describeTruth(t)}; latencyMs ${JSON.stringify(r.latencyMs)}`);
    expect(r.compared).toBe(N);
    expect(r.divergent).toBe(0);
    expect(r.latencyShiftMs.n).toBe(N);
    // v2's origin never answers before its 50 ms (late only on a busy machine: the truth has that) ...
    expect(Math.min(...legs.strict!.map((l) => l.v2Own))).toBeGreaterThanOrEqual(50);
    // ... and the worker's interval holds the true shift, to its clock's whole ms.
    expect(holdsTruth(r.latencyShiftMs, t)).toBe(true);
    expect(r.latencyShiftMs.low!).toBeGreaterThan(0);
    expect(r.latencyShiftMs.estimate!).toBeGreaterThanOrEqual(r.latencyShiftMs.low!);
    expect(r.latencyShiftMs.estimate!).toBeLessThanOrEqual(r.latencyShiftMs.high!);
    expect(r.gate.maxLatencyShiftMs).toBe(20);
    expect(r.verdict).toBe("fail");
    // p50 and p99 are still there.
    expect(r.latencyMs.v2.p50!).toBeGreaterThan(r.latencyMs.v1.p50!);
  });

  it("the same traffic under a 100 ms limit passes", async () => {
    const r = await report("cmp/late-loose");
    expect(holdsTruth(r.latencyShiftMs, truth(legs.loose!))).toBe(true);
    expect(r.latencyShiftMs.high!).toBeLessThanOrEqual(100);
    expect(r.verdict).toBe("pass");
  });

  it("identical timing: the interval holds the true shift and, less v2's later dispatch, reaches 0; a 5 ms limit passes", async () => {
    const r = await report("cmp/timed");
    const t = truth(legs.timed!);
    console.log(`identical timing: latencyShiftMs ${JSON.stringify(r.latencyShiftMs)}; ${describeTruth(t)}`);
    expect(r.latencyShiftMs.n).toBe(N);
    expect(Math.abs(t.added.estimate)).toBeLessThan(0.5);
    expect(holdsTruth(r.latencyShiftMs, t)).toBe(true);
    // "Contains 0" once v2's measured later dispatch is taken off (0.2–0.4 ms here).
    expect(r.latencyShiftMs.low! - CLOCK_RESOLUTION_MS - t.dispatch.high).toBeLessThanOrEqual(0);
    expect(r.verdict).toBe("pass");
  });

  it("the route page shows the shift and its interval", async () => {
    const page = await admin("route?name=cmp%2Flate-strict");
    expect(page.status).toBe(200);
    const html = await page.text();
    const r = await report("cmp/late-strict");
    expect(html).toContain("Latency shift v2 − v1");
    expect(html).toContain(`95 %: ${r.latencyShiftMs.low} – ${r.latencyShiftMs.high} ms`);
    expect(html).toContain("limit 20 ms");
  });
});

describe("GET /__edge-mirror/metrics", () => {
  it("needs the admin token, as the report does", async () => {
    const none = await admin("metrics", {});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect((await admin("metrics", { authorization: "Bearer wrong-token-0123456789" })).status).toBe(401);
  });

  it("is Prometheus text (format 0.0.4) that agrees with the report", async () => {
    const response = await admin("metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const { series } = parseMetrics(await response.text());
    const all = (await (await admin("api/report")).json()) as Report;
    for (const r of all.routes) {
      const id = { virtual_service: r.virtualService, route: r.route, mirror: r.mirror };
      expect(sample(series, "edge_mirror_mirrored_total", id)).toBe(r.mirrored);
      expect(sample(series, "edge_mirror_compared_total", id)).toBe(r.compared);
      expect(sample(series, "edge_mirror_divergent_total", id)).toBe(r.divergent);
      for (const [reason, n] of Object.entries(r.skipped)) expect(sample(series, "edge_mirror_skipped_total", { ...id, reason })).toBe(n);
      expect(sample(series, "edge_mirror_verdict", { ...id, verdict: r.verdict })).toBe(1);
      if (r.latencyShiftMs.estimate !== null) {
        for (const bound of ["estimate", "low", "high"] as const) expect(sample(series, "edge_mirror_latency_shift_ms", { ...id, bound })).toBe(r.latencyShiftMs[bound]);
      }
    }
    const late = { virtual_service: "cmp", route: "late-strict" };
    expect(sample(series, "edge_mirror_compared_total", late)).toBe(N);
    expect(sample(series, "edge_mirror_latency_shift_ms", { ...late, bound: "low" })).toBeGreaterThan(20);
  });

  it("answers only GET and HEAD", async () => {
    const post = (await send("http://cmp.test/__edge-mirror/metrics", { method: "POST", headers: { authorization: `Bearer ${TOKEN}` }, env: ADMIN })).response;
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });
});
