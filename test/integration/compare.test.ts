// MirrorPolicy compare, end to end inside workerd: requests through the worker to
// the recording origins (whose /compare/* answers differ between v1 and v2 on
// purpose, devkit/compare-answers.ts), the counts in the routes' Durable
// Objects (wrangler.toml's COMPARE_STORE), and GET /__edge-mirror/api/report.
// Every scenario has its own route on host cmp.test, so its own object and entry.
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { Report } from "../../src/admin/compare-report";
import type { RouteReport } from "../../src/compare/report";
import { records, release, send, sha256, shadowLogs, table, type Sent } from "../support/harness";

const TOKEN = "test-admin-token";
const ADMIN = { EDGE_MIRROR_ADMIN_TOKEN: TOKEN };
const v1Url = `http://127.0.0.1:${Object.entries(JSON.parse(inject("originNames")) as Record<string, string>).find(([, name]) => name === "v1")![0]}`;

afterAll(release);

/** Sends `n` requests through the worker and waits for their shadows and counts. */
async function run(
  path: string,
  n: number,
  init: { method?: string; body?: string; headers?: Record<string, string>; random?: number; env?: Record<string, unknown> } = {},
): Promise<(Sent & { bytes: Uint8Array })[]> {
  const out: (Sent & { bytes: Uint8Array })[] = [];
  for (let i = 0; i < n; i++) {
    const sent = await send(`http://cmp.test${path}`, init);
    const bytes = new Uint8Array(await sent.response.arrayBuffer());
    await sent.settled();
    out.push({ ...sent, bytes });
  }
  return out;
}

async function admin(path: string, init: { method?: string; headers?: Record<string, string>; env?: Record<string, unknown>; host?: string } = {}) {
  const { env = ADMIN, host = "cmp.test", ...rest } = init;
  const headers = rest.headers ?? { authorization: `Bearer ${TOKEN}` };
  const sent = await send(`http://${host}/__edge-mirror/${path}`, { method: rest.method ?? "GET", headers, env });
  return sent;
}

async function report(route: string): Promise<RouteReport> {
  const sent = await admin(`api/report?route=${encodeURIComponent(route)}`);
  expect(sent.response.status).toBe(200);
  const body = (await sent.response.json()) as Report;
  expect(body.routes).toHaveLength(1);
  return body.routes[0]!;
}

/** v1's answer to the same path, fetched directly from the origin. */
async function direct(path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(`${v1Url}${path}`)).arrayBuffer());
}

describe("comparing v1's and v2's answers", () => {
  it("identical answers: compared, nothing divergent, pass", async () => {
    const sent = await run("/compare/same", 20);
    for (const s of sent) {
      expect(shadowLogs(s)).toEqual([expect.objectContaining({ compared: true, noise: true, status: 200 })]);
      expect(shadowLogs(s)[0]!.divergent).toBeUndefined();
    }
    const r = await report("cmp/same");
    expect(r).toMatchObject({
      virtualService: "cmp",
      route: "same",
      mirror: "httpbin/v2",
      mirrored: 20,
      compared: 20,
      divergent: 0,
      noiseSamples: 20,
      divergencePercent: 0,
      verdict: "pass",
      fields: [],
      statuses: { v1: { "200": 20 }, v2: { "200": 20 } },
      flags: [],
    });
    expect(r.confidenceInterval.low).toBe(0);
    expect(r.confidenceInterval.high).toBeLessThanOrEqual(20);
    expect(r.latencyMs.v1.p50).not.toBeNull();
  });

  it("the client's answer is v1's, byte for byte, with its own headers", async () => {
    const [s] = await run("/compare/same", 1);
    expect(s!.response.status).toBe(200);
    expect(s!.response.headers.get("x-origin")).toBe("v1");
    expect(s!.response.headers.get("content-length")).toBe(String(s!.bytes.length));
    expect(await sha256(s!.bytes)).toBe(await sha256(await direct("/compare/same")));
  });

  it("a changed field: fail, the field named, an example pair the right way round", async () => {
    const sent = await run("/compare/changed", 10);
    expect(shadowLogs(sent[0]!)[0]).toMatchObject({ compared: true, divergent: ["/body/user/plan"] });
    const r = await report("cmp/changed");
    expect(r).toMatchObject({ compared: 10, divergent: 10, divergencePercent: 100, verdict: "fail" });
    expect(r.fields).toEqual([{ path: "/body/user/plan", kind: "value", divergent: 10, noise: 0, status: "divergent" }]);
    expect(r.examples.length).toBeGreaterThan(0);
    expect(r.examples.length).toBeLessThanOrEqual(3);
    expect(r.examples[0]).toMatchObject({
      method: "GET",
      path: "/compare/changed",
      differences: [{ path: "/body/user/plan", kind: "value", v1: '"free"', v2: '"Free"' }],
    });
    expect(sent.map((s) => s.requestId)).toContain(r.examples[0]!.requestId);
  });

  it("fields that differ on v1 too (a timestamp, a nonce) are noise: pass", async () => {
    await run("/compare/noisy", 20);
    const r = await report("cmp/noisy");
    expect(r.fields.map((f) => [f.path, f.status])).toEqual([
      ["/body/nonce", "noise"],
      ["/body/servedAt", "noise"],
    ]);
    expect(r).toMatchObject({ compared: 20, noiseSamples: 20, divergent: 0, verdict: "pass" });
  });

  it("status differences: /status and the body's shape, statuses counted per side", async () => {
    await run("/compare/status", 5);
    const r = await report("cmp/status");
    expect(r.fields.map((f) => [f.path, f.kind, f.status])).toEqual(
      expect.arrayContaining([
        ["/status", "value", "divergent"],
        ["/body/user", "missing", "divergent"],
        ["/body/error", "added", "divergent"],
      ]),
    );
    expect(r.statuses).toEqual({ v1: { "200": 5 }, v2: { "404": 5 } });
    expect(r.divergent).toBe(5);
  });

  it("header differences: only the headers the policy names", async () => {
    await run("/compare/header", 5);
    const r = await report("cmp/header");
    expect(r.fields.map((f) => f.path).sort()).toEqual(["/headers/content-type", "/headers/x-api-version"]);
    expect(r.examples[0]!.differences).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "/headers/x-api-version", v1: '"1"', v2: '"2"' })]),
    );
  });

  it("a body over maxBodyBytes is compared by digest; the client still gets all of it", async () => {
    const [s] = await run("/compare/big/20000", 1);
    expect(s!.bytes.length).toBeGreaterThan(20_000);
    expect(await sha256(s!.bytes)).toBe(await sha256(await direct("/compare/big/20000")));
    const r = await report("cmp/big");
    expect(r.fields).toEqual([{ path: "/body", kind: "value", divergent: 1, noise: 0, status: "divergent" }]);
    expect(r.examples[0]!.differences[0]!.v1).toMatch(/^"sha256:[0-9a-f]{64};length=\d+"$/);
  });

  it("a slow v2 never delays the client, whose answer is v1's byte for byte; v2's latency is counted", async () => {
    const started = Date.now();
    const sent = await send("http://cmp.test/compare/slow");
    const bytes = new Uint8Array(await sent.response.arrayBuffer());
    const answeredIn = Date.now() - started;
    expect(answeredIn).toBeLessThan(250);
    expect(await sha256(bytes)).toBe(await sha256(await direct("/compare/slow")));
    expect(shadowLogs(sent)).toEqual([]);
    await sent.settled();
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ compared: true })]);
    const r = await report("cmp/slow");
    expect(r.compared).toBe(1);
    expect(r.latencyMs.v2.p50!).toBeGreaterThanOrEqual(300);
    expect(r.latencyMs.v1.p50!).toBeLessThan(r.latencyMs.v2.p50!);
  });

  it("v2 refusing or resetting: counted as shadow errors, nothing compared, the client unaffected", async () => {
    for (const [path, route] of [
      ["/v2-refused", "cmp/v2-refused"],
      ["/v2-reset", "cmp/v2-reset"],
    ] as const) {
      const sent = await run(path, 3);
      for (const s of sent) {
        expect(s.response.status).toBe(200);
        expect(s.response.headers.get("x-origin")).toBe("v1");
        expect(shadowLogs(s)).toEqual([expect.objectContaining({ error: "connect_failed" })]);
        expect(shadowLogs(s)[0]!.compared).toBeUndefined();
      }
      const r = await report(route);
      expect(r).toMatchObject({ mirrored: 3, compared: 0, shadowErrors: { connect_failed: 3 }, verdict: "inconclusive" });
    }
  });

  it("v2 answering 500: compared, divergent, and flagged for its 5xx rate", async () => {
    const sent = await run("/v2-500", 10);
    expect(sent.every((s) => s.response.status === 200)).toBe(true);
    const r = await report("cmp/v2-500");
    expect(r).toMatchObject({ compared: 10, divergent: 10, verdict: "fail", statuses: { v1: { "200": 10 }, v2: { "500": 10 } } });
    expect(r.flags.map((f) => f.flag)).toEqual(["v2_5xx_rate"]);
  });

  it("redaction: no secret from Authorization, Set-Cookie or a redacted path reaches the report or the logs", async () => {
    const sent = await run("/compare/secret", 3, { headers: { authorization: "Bearer client-SECRET-token" } });
    const r = await report("cmp/secret");
    expect(r.fields.map((f) => f.path).sort()).toEqual(["/body/auth", "/body/session", "/headers/authorization", "/headers/set-cookie"]);
    expect(r.divergent).toBe(3);
    const text = JSON.stringify(r);
    expect(text).not.toContain("SECRET");
    expect(text).toContain("[redacted]");
    for (const s of sent) expect(JSON.stringify(s.logs)).not.toContain("SECRET");
  });

  it("percent and noisePercent are drawn from the random source: 0.2 compared with noise, 0.7 neither", async () => {
    const [yes] = await run("/sampled", 1, { random: 0.2 });
    const [no] = await run("/sampled", 1, { random: 0.7 });
    expect(shadowLogs(yes!)[0]).toMatchObject({ compared: true, noise: true });
    expect(shadowLogs(no!)[0]!.compared).toBeUndefined();
    const noiseCalls = (await records(yes!.requestId)).records.filter((rec) => rec.headers["x-edge-mirror-noise"] === "1");
    expect(noiseCalls).toHaveLength(1);
    expect(noiseCalls[0]!.origin).toBe("v1");
    expect((await records(no!.requestId)).records.filter((rec) => rec.headers["x-edge-mirror-noise"])).toEqual([]);
    expect(await report("cmp/sampled")).toMatchObject({ mirrored: 2, compared: 1, noiseSamples: 1 });
  });

  it("the worker's own headers, echoed back by the origin, are never compared (src/compare/own-headers.ts)", async () => {
    const sent = await run("/headers", 12);
    const seen = (await Promise.all(sent.map((s) => records(s.requestId)))).flatMap((r) => r.records);
    // They were sent, and echoed: the shadow marker to v2, the noise marker on v1's second call.
    expect(seen.filter((rec) => rec.origin === "v2" && rec.headers["x-edge-mirror-shadow"] === "1")).toHaveLength(12);
    expect(seen.filter((rec) => rec.origin === "v1" && rec.headers["x-edge-mirror-noise"] === "1")).toHaveLength(12);
    for (const s of sent) expect(shadowLogs(s)).toEqual([expect.objectContaining({ compared: true, noise: true })]);
    const r = await report("cmp/echoed");
    expect(r).toMatchObject({ compared: 12, divergent: 0, noiseSamples: 12, verdict: "pass" });
    expect(r.fields.filter((f) => /x-edge-mirror/i.test(f.path))).toEqual([]);
  });

  it("a POST is compared but never sent to v1 twice (noise calls are for GET and HEAD only)", async () => {
    const [s] = await run("/post", 1, { method: "POST", body: "hello", headers: { "content-length": "5" } });
    expect(shadowLogs(s!)[0]).toMatchObject({ compared: true });
    expect(shadowLogs(s!)[0]!.noise).toBeUndefined();
    expect((await records(s!.requestId)).records.filter((rec) => rec.origin === "v1")).toHaveLength(1);
  });

  it("a route whose policy has no compare block is neither compared nor reported", async () => {
    const [s] = await run("/uncompared", 1);
    expect(shadowLogs(s!)[0]!.compared).toBeUndefined();
    const sent = await admin("api/report");
    const body = (await sent.response.json()) as Report;
    expect(body.routes.map((r) => `${r.virtualService}/${r.route}`)).not.toContain("cmp/uncompared");
    const compared = table.virtualHosts.flatMap((v) => v.routes).filter((r) => r.shadow.compare && r.mirrors.length > 0);
    expect(body.routes).toHaveLength(compared.length);
    expect(body.verdict).toBe("fail");
  });

  it("Analytics Engine (a fake binding: it is a no-op locally): one point per compared request, the route as index", async () => {
    const points: AnalyticsEngineDataPoint[] = [];
    const env = { COMPARE_ANALYTICS: { writeDataPoint: (p: AnalyticsEngineDataPoint) => points.push(p) } };
    const [compared] = await run("/compare/changed", 1, { env });
    expect(points).toEqual([
      {
        indexes: ["cmp/changed -> httpbin/v2"],
        blobs: ["cmp", "changed", "httpbin/v2", "/body/user/plan", compared!.requestId],
        doubles: [200, 200, expect.any(Number), expect.any(Number), 1],
      },
    ]);
    // Not compared (a shadow that failed): no point.
    await run("/v2-refused", 1, { env });
    expect(points).toHaveLength(1);
  });

  it("DELETE forgets a route's counts (a new v2 was deployed)", async () => {
    await run("/compare/changed", 1);
    const sent = await admin("api/report?route=cmp/changed", { method: "DELETE" });
    expect(await sent.response.json()).toEqual({ reset: ["cmp/changed"] });
    expect(await report("cmp/changed")).toMatchObject({ mirrored: 0, compared: 0, fields: [], examples: [] });
  });
});

describe("the admin prefix /__edge-mirror/", () => {
  /** The admin request reached no origin and no shadow was sent. */
  async function nothingForwarded(sent: Sent) {
    await sent.settled();
    expect((await records(sent.requestId)).records).toEqual([]);
    expect(sent.logs).toEqual([]);
  }

  it("without EDGE_MIRROR_ADMIN_TOKEN: 404, on every host, nothing forwarded", async () => {
    for (const host of ["cmp.test", "mirror.test", "unknown.example"]) {
      const sent = await admin("api/report", { env: {}, host });
      expect(sent.response.status).toBe(404);
      await nothingForwarded(sent);
    }
  });

  it("with the secret: 401 without a token or with another one, nothing forwarded", async () => {
    const none = await admin("api/report", { headers: {} });
    expect(none.response.status).toBe(401);
    expect(none.response.headers.get("www-authenticate")).toContain("Bearer");
    await nothingForwarded(none);
    const wrong = await admin("api/report", { headers: { authorization: "Bearer not-the-token" } });
    expect(wrong.response.status).toBe(401);
    await nothingForwarded(wrong);
  });

  it("a header that is not a bearer token is a bad request (RFC 6750)", async () => {
    const sent = await admin("api/report", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(sent.response.status).toBe(400);
    await nothingForwarded(sent);
  });

  it("with the token: the report on any host, unknown paths 404, other methods 405, nothing forwarded", async () => {
    const ok = await admin("api/report", { host: "mirror.test" });
    expect(ok.response.status).toBe(200);
    expect(ok.response.headers.get("content-type")).toBe("application/json");
    const body = (await ok.response.json()) as Report;
    expect(new Date(body.generatedAt).getTime()).toBeGreaterThan(0);
    await nothingForwarded(ok);
    const unknown = await admin("api/nothing");
    expect(unknown.response.status).toBe(404);
    await nothingForwarded(unknown);
    const post = await admin("api/report", { method: "POST" });
    expect(post.response.status).toBe(405);
    const route = await admin("api/report?route=cmp/nope");
    expect(route.response.status).toBe(404);
  });

  it("several tokens may be configured, separated by commas", async () => {
    const sent = await admin("api/report", { env: { EDGE_MIRROR_ADMIN_TOKEN: "first-token-0123456, second-token-0123456" }, headers: { authorization: "Bearer second-token-0123456" } });
    expect(sent.response.status).toBe(200);
  });

  it("only the prefix is reserved: /__edge-mirror without the slash, or deeper in a path, is proxied", async () => {
    const sent = await send("http://mirror.test/x/__edge-mirror/api/report");
    expect(sent.response.status).toBe(200);
    expect(sent.response.headers.get("x-origin")).toBe("v1");
    await sent.settled();
  });
});
