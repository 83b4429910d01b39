// Verdicts per endpoint (issue 21 item 2), inside workerd through the real worker
// against the loopback origins: the dilution case. One route
// (cmp/diluted, the default gate: 1 %, 200 compared) takes 20 requests to
// /compare/diluted/orders/<n>, where v2 changes /body/total, and 2,400 to
// /compare/diluted/users/<n>, where v2 answers as v1 does (devkit/compare-answers.ts).
// Summed over the route that is 0.83 % divergent, an interval spanning 1 %:
// inconclusive before, and a few thousand more agreeing requests would have passed
// it. Judged per endpoint (Diffy keys its counts by endpoint), GET
// /compare/diluted/orders/{id} fails, so the route fails, and the report, the gate's
// reason, the metrics and the route page name the endpoint.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/admin/compare-report";
import type { RouteReport } from "../../src/compare/report";
import { gateLines, judge } from "../../src/tools/gate-judge";
import { release, send, shadowLogs } from "../support/harness";
import { parseMetrics, sample } from "../support/prometheus";

const TOKEN = "test-admin-token";
const ADMIN = { EDGE_MIRROR_ADMIN_TOKEN: TOKEN };
const ORDERS = 20;
const USERS = 2400;
/** requests in flight at once (each is its own app and execution context, as in production isolates) */
const PARALLEL = 8;

afterAll(release);

async function run(paths: string[]): Promise<number> {
  let compared = 0;
  for (let i = 0; i < paths.length; i += PARALLEL) {
    await Promise.all(
      paths.slice(i, i + PARALLEL).map(async (path) => {
        const sent = await send(`http://cmp.test${path}`);
        await sent.response.arrayBuffer();
        await sent.settled();
        if (shadowLogs(sent)[0]?.compared) compared++;
      }),
    );
  }
  return compared;
}

async function admin(path: string) {
  return (await send(`http://cmp.test/__edge-mirror/${path}`, { headers: { authorization: `Bearer ${TOKEN}` }, env: ADMIN })).response;
}

let report: RouteReport;
let ms = 0;

beforeAll(async () => {
  const started = Date.now();
  const orders = Array.from({ length: ORDERS }, (_, i) => `/compare/diluted/orders/${1000 + i}`);
  const users = Array.from({ length: USERS }, (_, i) => `/compare/diluted/users/${i}`);
  // The divergent requests first, as in the issue: then the agreeing ones that used to hide them.
  expect(await run(orders)).toBe(ORDERS);
  expect(await run(users)).toBe(USERS);
  ms = Date.now() - started;
  const response = await admin("api/report?route=cmp%2Fdiluted");
  expect(response.status).toBe(200);
  report = ((await response.json()) as Report).routes[0]!;
}, 600_000);

describe("the dilution case: 20 divergent requests on one endpoint, 2,400 agreeing on another", () => {
  it("the route's sum alone would be inconclusive (0.83 %, interval spanning 1 %), but the route fails", () => {
    console.log(`dilution: ${ORDERS + USERS} requests through the worker in ${ms} ms; route ${report.divergent}/${report.compared} = ${report.divergencePercent} % (CI ${report.confidenceInterval.low}–${report.confidenceInterval.high} %), verdict ${report.verdict}`);
    expect(report.compared).toBe(ORDERS + USERS);
    expect(report.divergent).toBe(ORDERS);
    expect(report.confidenceInterval.low).toBeLessThan(1);
    expect(report.confidenceInterval.high).toBeGreaterThan(1);
    expect(report.verdict).toBe("fail");
  });

  it("each endpoint is templated and judged on its own: orders/{id} fails at 100 %, users/{id} passes", () => {
    expect(report.endpoints.map((e) => [e.endpoint, e.compared, e.divergent, e.divergencePercent, e.verdict])).toEqual([
      ["GET /compare/diluted/orders/{id}", ORDERS, ORDERS, 100, "fail"],
      ["GET /compare/diluted/users/{id}", USERS, 0, 0, "pass"],
    ]);
    expect(report.endpoints[0]!.fields).toEqual([{ path: "/body/total", kind: "value", divergent: ORDERS, noise: 0, status: "divergent" }]);
    expect(report.endpoints[0]!.confidenceInterval.low).toBeGreaterThan(80);
    expect(report.endpoints[1]!.latencyShiftMs.n).toBe(USERS);
  });

  it("npm run gate's decision names the failing endpoint", () => {
    const judged = judge([report]);
    expect(judged.verdict).toBe("fail");
    expect(judged.routes[0]!.failingEndpoints).toEqual(["GET /compare/diluted/orders/{id}"]);
    expect(gateLines(judged)[0]).toContain("endpoint GET /compare/diluted/orders/{id} (100 % of 20) failing");
  });

  it("the metrics carry the endpoint label, agreeing with the report", async () => {
    const { series } = parseMetrics(await (await admin("metrics")).text());
    const id = { virtual_service: "cmp", route: "diluted" };
    for (const e of report.endpoints) {
      expect(sample(series, "edge_mirror_endpoint_compared_total", { ...id, endpoint: e.endpoint })).toBe(e.compared);
      expect(sample(series, "edge_mirror_endpoint_divergent_total", { ...id, endpoint: e.endpoint })).toBe(e.divergent);
      expect(sample(series, "edge_mirror_endpoint_verdict", { ...id, endpoint: e.endpoint, verdict: e.verdict })).toBe(1);
    }
    expect(sample(series, "edge_mirror_verdict", { ...id, verdict: "fail" })).toBe(1);
  });

  it("the route page lists the endpoints with their verdicts", async () => {
    const html = await (await admin("route?name=cmp%2Fdiluted")).text();
    expect(html).toContain("Endpoints");
    expect(html).toContain("GET /compare/diluted/orders/{id}");
    expect(html).toMatch(/<code>GET \/compare\/diluted\/orders\/\{id\}<\/code><\/th><td class="n">20<\/td>/);
    expect(html.indexOf("GET /compare/diluted/orders/{id}")).toBeLessThan(html.indexOf("GET /compare/diluted/users/{id}"));
  });
});
