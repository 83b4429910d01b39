// "Where" (issue 21 item 3) inside workerd, through the real worker to the loopback
// origins: requests carry request.cf (Miniflare lets a test set it on the Request),
// and the report's `where` splits the route's divergence and paired latency shift by
// colo, country and HTTP protocol. On route cmp/where, /compare/late-where/50/changed
// has v2 answer 50 ms after v1 with /body/user/plan changed; /compare/late-where/0 is
// identical on both at the same time (devkit/compare-answers.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/admin/compare-report";
import type { RouteReport } from "../../src/compare/report";
import type { WhereRow } from "../../src/compare/where-report";
import { release, send, shadowLogs } from "../support/harness";

const TOKEN = "test-admin-token";
const ADMIN = { EDGE_MIRROR_ADMIN_TOKEN: TOKEN };
const N = 12;

afterAll(release);

async function run(path: string, n: number, cf?: Record<string, unknown>): Promise<void> {
  for (let i = 0; i < n; i++) {
    const sent = await send(`http://cmp.test${path}`, cf ? ({ cf } as RequestInit) : {});
    await sent.response.arrayBuffer();
    await sent.settled();
    expect(shadowLogs(sent)[0]).toMatchObject({ compared: true });
  }
}

let r: RouteReport;
const row = (rows: WhereRow[], value: string) => {
  const found = rows.find((x) => x.value === value);
  if (!found) throw new Error(`${value} not in ${JSON.stringify(rows.map((x) => x.value))}`);
  return found;
};

beforeAll(async () => {
  // London over HTTP/3 sees the slower, changed v2; San José over HTTP/2 an identical one.
  await run("/compare/late-where/50/changed", N, { colo: "LHR", country: "GB", httpProtocol: "HTTP/3" });
  await run("/compare/late-where/0", N, { colo: "SJC", country: "US", httpProtocol: "HTTP/2" });
  // No cf at all (as under wrangler dev), and values no edge would send.
  await run("/compare/late-where/0", 2);
  await run("/compare/late-where/0", 2, { colo: "<script>alert(1)</script>", country: "x".repeat(300), httpProtocol: "HTTP/2\n" });
  const response = (await send("http://cmp.test/__edge-mirror/api/report?route=cmp%2Fwhere", { headers: { authorization: `Bearer ${TOKEN}` }, env: ADMIN })).response;
  expect(response.status).toBe(200);
  r = ((await response.json()) as Report).routes[0]!;
}, 60_000);

describe("the report's where: divergence and latency shift by colo, country and protocol", () => {
  it("names the colo, country and protocol where v2 diverges, and not the others", () => {
    console.log(`where: ${JSON.stringify(r.where)}`);
    expect(r.compared).toBe(2 * N + 4);
    expect(r.divergent).toBe(N);
    expect(row(r.where.colo, "LHR")).toMatchObject({ compared: N, divergent: N, divergencePercent: 100 });
    expect(row(r.where.colo, "SJC")).toMatchObject({ compared: N, divergent: 0, divergencePercent: 0 });
    expect(row(r.where.country, "GB")).toMatchObject({ compared: N, divergent: N });
    expect(row(r.where.country, "US")).toMatchObject({ compared: N, divergent: 0 });
    expect(row(r.where.protocol, "HTTP/3")).toMatchObject({ compared: N, divergent: N });
    // The hostile request's protocol is "other", the two without cf "unknown": HTTP/2 is SJC's alone.
    expect(row(r.where.protocol, "HTTP/2")).toMatchObject({ compared: N, divergent: 0 });
    // Wilson's interval, per value: 12 of 12 is clear of the route's 20 % limit.
    expect(row(r.where.colo, "LHR").confidenceInterval.low).toBeGreaterThan(20);
    // Ordered by volume.
    expect(r.where.colo.map((x) => x.compared)).toEqual([N, N, 2, 2]);
  });

  it("gives each value its paired latency shift: about 50 ms in LHR, about 0 in SJC", () => {
    const lhr = row(r.where.colo, "LHR").latencyShiftMs;
    const sjc = row(r.where.colo, "SJC").latencyShiftMs;
    expect(lhr.n).toBe(N);
    // 50 ms plus the worker's 1–2.5 ms on the shadow leg (latency-shift.test.ts), in buckets ≤ 9.1 % wide.
    expect(lhr.low!).toBeGreaterThan(40);
    expect(lhr.high!).toBeLessThan(62);
    expect(lhr.estimate!).toBeGreaterThanOrEqual(lhr.low!);
    expect(sjc.n).toBe(N);
    expect(Math.abs(sjc.estimate!)).toBeLessThan(10);
    expect(sjc.high!).toBeLessThan(lhr.low!);
  });

  it("absent cf is unknown; values no edge would send are other", () => {
    for (const d of ["colo", "country", "protocol"] as const) {
      expect(row(r.where[d], "unknown").compared).toBe(2);
      expect(row(r.where[d], "other").compared).toBe(2);
    }
  });
});
