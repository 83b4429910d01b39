// Endpoints (issue 21 item 2): the method and path template a request belongs to
// (src/compare/endpoint.ts), the per-endpoint tally's bounds (endpoint-tally.ts), and
// the report per endpoint (endpoint-report.ts): its own noise (Diffy counts and
// judges per endpoint: ai/diffy/analysis/DifferenceAnalyzer.scala, noise per
// endpoint), its own verdict, and the route failing when any endpoint fails.
import { describe, expect, it } from "vitest";
import type { CompareOutcome, PathKind } from "../../src/compare/compare-answers";
import { endpointOf, isIdSegment, MAX_ENDPOINT_BYTES } from "../../src/compare/endpoint";
import { ENDPOINT_FIELDS, ENDPOINT_SHIFT_KEYS, ENDPOINT_SIGNATURES, endpointShiftKey, MAX_ENDPOINTS, OTHER_ENDPOINT, OVERFLOW_SET } from "../../src/compare/endpoint-tally";
import { endpointsReason, REPORT_FIELDS, REPORT_FIELD_BYTES, withEndpoints } from "../../src/compare/endpoint-report";
import { utf8Bytes } from "../../src/compare/path";
import { routeReport } from "../../src/compare/report";
import { addCompared, addShadow, emptyTally, mergeTally, type Tally } from "../../src/compare/tally";

const id = { virtualService: "api", route: "users", mirror: "api/v2" };
const settings = { gate: { maxDivergencePercent: 1, minCompared: 200 }, ignore: [] as string[] };
const v = (path: string): PathKind => ({ path, kind: "value" });

function add(t: Tally, n: number, method: string, path: string, differences: PathKind[] = [], noise?: PathKind[], ms: [number, number] = [5, 5]): Tally {
  for (let i = 0; i < n; i++) {
    const outcome: CompareOutcome = { v1Status: 200, v2Status: 200, differences, reported: differences.map((d) => d.path), example: [] };
    if (noise) outcome.noise = noise;
    addShadow(t, {});
    addCompared(t, { outcome, v1Ms: ms[0], v2Ms: ms[1], example: { requestId: `r${i}`, method, path, at: i } });
  }
  return t;
}

describe("endpointOf: method and path template", () => {
  const cases: [string, string, string][] = [
    ["GET", "/users/42", "GET /users/{id}"],
    ["GET", "/users/42/orders/7", "GET /users/{id}/orders/{id}"],
    ["DELETE", "/v2/items/0", "DELETE /v2/items/{id}"],
    // UUIDs, any version and case
    ["GET", "/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6", "GET /orders/{id}"],
    ["GET", "/orders/3FA85F64-5717-4562-B3FC-2C963F66AFA6/lines", "GET /orders/{id}/lines"],
    // long hex: Git SHAs, Mongo ObjectIds
    ["GET", "/repos/o/r/commits/9fceb02d0ae598e95dc970b74767f19372d61af8", "GET /repos/o/r/commits/{id}"],
    ["GET", "/docs/507f1f77bcf86cd799439011", "GET /docs/{id}"],
    // Stripe and GitHub ids, base64url tokens
    ["GET", "/v1/customers/cus_NffrFeUfNV2Hib", "GET /v1/customers/{id}"],
    ["POST", "/v1/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa/confirm", "POST /v1/payment_intents/{id}/confirm"],
    ["GET", "/node/MDQ6VXNlcjE=", "GET /node/{id}"],
    ["GET", "/s/x7k9q2m4p8", "GET /s/{id}"],
    ["GET", "/t/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc", "GET /t/{id}"],
    // dates and e-mail addresses are data
    ["GET", "/reports/2026-12-07", "GET /reports/{id}"],
    ["GET", "/people/ada%40example.com", "GET /people/{id}"],
    // names stay: versions, words with a digit, slugs, short hex-looking words
    ["GET", "/api/v2/users", "GET /api/v2/users"],
    ["GET", "/pkg/v1.2.3/readme", "GET /pkg/v1.2.3/readme"],
    ["GET", "/auth/oauth2callback", "GET /auth/oauth2callback"],
    ["GET", "/blog/my-first-post-2024", "GET /blog/my-first-post-2024"],
    ["GET", "/deadbeef/cafe", "GET /deadbeef/cafe"],
    ["GET", "/users/me", "GET /users/me"],
    // percent-encoded segments are judged decoded and written as sent
    ["GET", "/files/caf%C3%A9", "GET /files/caf%C3%A9"],
    ["GET", "/files/%31%32%33", "GET /files/{id}"],
    ["GET", "/files/%E0%A4%A", "GET /files/%E0%A4%A"],
    // trailing slash and empty segments are kept as sent
    ["GET", "/users/", "GET /users/"],
    ["GET", "/users//42", "GET /users//{id}"],
    ["GET", "/", "GET /"],
    ["OPTIONS", "*", "OPTIONS *"],
  ];
  it.each(cases)("%s %s → %s", (method, path, want) => expect(endpointOf(method, path)).toBe(want));

  it("a segment over 64 characters is data, whatever it looks like", () => {
    expect(isIdSegment("a".repeat(65))).toBe(true);
    expect(isIdSegment("a".repeat(64))).toBe(false);
  });

  it("a very long path is cut at a segment, within MAX_ENDPOINT_BYTES, ending in /…", () => {
    const long = "/" + Array.from({ length: 200 }, (_, i) => `seg${String.fromCharCode(97 + (i % 26))}`).join("/");
    const e = endpointOf("GET", long);
    expect(utf8Bytes(e)).toBeLessThanOrEqual(MAX_ENDPOINT_BYTES);
    expect(e.endsWith("/…")).toBe(true);
    expect(e.startsWith("GET /sega/segb/")).toBe(true);
    // 3-byte characters (not percent-encoded, as a caller outside the runtime might pass) too
    const wide = endpointOf("GET", "/" + Array(100).fill("€€€€").join("/"));
    expect(utf8Bytes(wide)).toBeLessThanOrEqual(MAX_ENDPOINT_BYTES);
    // a huge method is cut too
    expect(utf8Bytes(endpointOf("X".repeat(10_000), "/a"))).toBeLessThanOrEqual(MAX_ENDPOINT_BYTES);
    // exactly at the limit is kept whole
    const exact = "/abc".repeat((MAX_ENDPOINT_BYTES - 4) / 4);
    expect(endpointOf("GET", exact)).toBe(`GET ${exact}`);
    expect(endpointOf("GET", `${exact}/abc`)).toBe(`GET ${"/abc".repeat((MAX_ENDPOINT_BYTES - 4) / 4 - 1)}/…`);
  });
});

describe("the per-endpoint tally's bounds", () => {
  it("keeps 50 endpoints, first come; the 51st and later count under other", () => {
    const t = emptyTally();
    for (let i = 0; i < MAX_ENDPOINTS + 5; i++) add(t, 1, "GET", `/e${String.fromCharCode(97 + (i % 26))}${Math.floor(i / 26)}x`);
    expect(Object.keys(t.endpoints)).toHaveLength(MAX_ENDPOINTS + 1);
    expect(t.endpoints["GET /ea0x"]?.compared).toBe(1);
    expect(t.endpoints[OTHER_ENDPOINT]?.compared).toBe(5);
    // An endpoint already kept keeps counting as itself.
    add(t, 3, "GET", "/ea0x");
    expect(t.endpoints["GET /ea0x"]?.compared).toBe(4);
    const r = routeReport(id, t, settings);
    expect(r.endpoints).toHaveLength(MAX_ENDPOINTS + 1);
    expect(r.endpoints.find((e) => e.endpoint === OTHER_ENDPOINT)?.compared).toBe(5);
  });

  it("merging keeps the bound: a Durable Object's 50 plus another isolate's new ones go to other", () => {
    const store = emptyTally();
    for (let i = 0; i < MAX_ENDPOINTS; i++) add(store, 1, "GET", `/a/${"k".repeat(i + 1)}`);
    const isolate = emptyTally();
    add(isolate, 2, "GET", "/a/k");
    add(isolate, 7, "POST", "/new");
    mergeTally(store, isolate);
    expect(Object.keys(store.endpoints)).toHaveLength(MAX_ENDPOINTS + 1);
    expect(store.endpoints["GET /a/k"]?.compared).toBe(3);
    expect(store.endpoints[OTHER_ENDPOINT]?.compared).toBe(7);
  });

  it("fields and path sets per endpoint are capped (kept by hash); what is not kept counts as divergent", () => {
    const t = emptyTally();
    for (let i = 0; i < ENDPOINT_FIELDS + 10; i++) add(t, 1, "GET", "/x", [v(`/body/f${i}`)]);
    const e = t.endpoints["GET /x"]!;
    expect(Object.keys(e.fields)).toHaveLength(ENDPOINT_FIELDS);
    expect(Object.keys(e.fields).every((k) => k.length === 14)).toBe(true);
    expect(e.droppedPaths).toBe(10);
    expect(Object.keys(e.signatures).filter((k) => k !== OVERFLOW_SET)).toHaveLength(ENDPOINT_SIGNATURES);
    expect(e.signatures[OVERFLOW_SET]).toBe(10);
    const r = routeReport(id, t, settings).endpoints[0]!;
    expect(r.divergent).toBe(ENDPOINT_FIELDS + 10);
  });

  it("the endpoint's shift histogram has at most ENDPOINT_SHIFT_KEYS keys, whole ms to ±16 ms, idempotent", () => {
    const keys = new Set<string>();
    for (let d = -(2 ** 32); d <= 2 ** 32; d += Math.abs(d) < 100 ? 1 : Math.max(1, Math.floor(Math.abs(d) / 500))) keys.add(endpointShiftKey(d));
    expect(keys.size).toBeLessThanOrEqual(ENDPOINT_SHIFT_KEYS);
    expect(ENDPOINT_SHIFT_KEYS).toBe(137);
    // past 2^17 ms (131 s) everything shares the last bucket
    expect(endpointShiftKey(2 ** 20)).toBe(endpointShiftKey(2 ** 30));
    expect(endpointShiftKey(-(2 ** 20))).toBe(endpointShiftKey(-(2 ** 30)));
    for (const k of keys) expect(endpointShiftKey(Number(k))).toBe(k);
    expect(endpointShiftKey(16)).toBe("16");
    expect(endpointShiftKey(-3.4)).toBe("-3");
    // a bucket's middle is at most 2^(1/8) − 1 (9 %) from what fell into it
    for (const d of [17, 50, 333, 2500, 90_000, 130_000]) expect(Math.abs(Number(endpointShiftKey(d)) - d) / d).toBeLessThan(0.091);
  });
});

describe("the report per endpoint", () => {
  it("the dilution case: 20 divergent requests on one endpoint, 2,400 agreeing on another: the route fails, naming it", () => {
    const t = emptyTally();
    add(t, 20, "GET", "/orders/17", [v("/body/total")]);
    add(t, 2400, "GET", "/users/42");
    const r = routeReport(id, t, settings);
    // Summed over the route it is 0.83 %, whose interval (0.53–1.27 %) spans the 1 % limit.
    expect(r.divergencePercent).toBe(0.826);
    expect(r.verdict).toBe("fail");
    expect(r.endpoints.map((e) => [e.endpoint, e.compared, e.divergent, e.verdict])).toEqual([
      ["GET /orders/{id}", 20, 20, "fail"],
      ["GET /users/{id}", 2400, 0, "pass"],
    ]);
    expect(r.endpoints[0]!.fields).toEqual([{ path: "/body/total", kind: "value", divergent: 20, noise: 0, status: "divergent" }]);
    expect(endpointsReason(r.endpoints, settings.gate)).toBe("endpoint GET /orders/{id} (100 % of 20) failing");
  });

  it("noise per endpoint (Diffy): a field that is noise on one endpoint is a divergence on another", () => {
    const t = emptyTally();
    // /a: servedAt differs v1 against v1 as often as against v2: noise there.
    add(t, 400, "GET", "/a", [v("/body/servedAt")], [v("/body/servedAt")]);
    // /b: servedAt differs only against v2: a real change there.
    add(t, 300, "GET", "/b", [v("/body/servedAt")], []);
    const r = routeReport(id, t, settings);
    const a = r.endpoints.find((e) => e.endpoint === "GET /a")!;
    const b = r.endpoints.find((e) => e.endpoint === "GET /b")!;
    expect(a.fields[0]!.status).toBe("noise");
    expect(a).toMatchObject({ divergent: 0, verdict: "pass" });
    expect(b.fields[0]!.status).toBe("divergent");
    expect(b).toMatchObject({ divergent: 300, verdict: "fail" });
    expect(r.verdict).toBe("fail");
  });

  it("an endpoint without a noise sample of its own takes the route's judgement of a field (noise calls are a sample)", () => {
    const t = emptyTally();
    // The route learns from /a that servedAt differs v1 against v1: noise.
    add(t, 400, "GET", "/a", [v("/body/servedAt")], [v("/body/servedAt")]);
    // /rare got 5 requests and, by chance, no noise call: its servedAt is noise too, not a failure.
    add(t, 5, "GET", "/rare", [v("/body/servedAt")]);
    const r = routeReport(id, t, settings);
    const rare = r.endpoints.find((e) => e.endpoint === "GET /rare")!;
    expect(rare).toMatchObject({ noiseSamples: 0, divergent: 0, verdict: "inconclusive", fields: [{ path: "/body/servedAt", status: "noise" }] });
    expect(r.verdict).toBe("pass");
    // A real change on /rare still fails it (the route judges /body/plan divergent).
    add(t, 5, "GET", "/rare", [v("/body/plan")]);
    expect(routeReport(id, t, settings).endpoints[0]).toMatchObject({ endpoint: "GET /rare", verdict: "fail" });
  });

  it("ignored fields are ignored per endpoint too", () => {
    const t = add(emptyTally(), 30, "GET", "/a", [v("/body/servedAt")]);
    const r = routeReport(id, t, { ...settings, ignore: ["/body/servedAt"] });
    expect(r.endpoints[0]).toMatchObject({ divergent: 0, fields: [{ path: "/body/servedAt", status: "ignored" }] });
  });

  it("an endpoint too small to judge does not hold a passing route back; a large inconclusive one does", () => {
    const t = emptyTally();
    add(t, 1000, "GET", "/big");
    add(t, 5, "GET", "/tiny");
    expect(routeReport(id, t, settings)).toMatchObject({ verdict: "pass" });
    expect(routeReport(id, t, settings).endpoints.find((e) => e.endpoint === "GET /tiny")!.verdict).toBe("inconclusive");
    // 3 of 250 (1.2 %, interval 0.41–3.47 %) on /mid: enough requests, still spanning 1 %.
    add(t, 3, "GET", "/mid", [v("/body/x")]);
    add(t, 247, "GET", "/mid");
    const r = routeReport(id, t, settings);
    expect(r.endpoints.find((e) => e.endpoint === "GET /mid")!.verdict).toBe("inconclusive");
    expect(r.verdict).toBe("inconclusive");
    expect(endpointsReason(r.endpoints, settings.gate)).toBe("endpoint GET /mid still inconclusive after 250 compared");
    // A small endpoint can still fail the route: a fail needs no minimum.
    add(t, 5, "GET", "/tiny-bad", [v("/body/x")]);
    expect(routeReport(id, t, settings).verdict).toBe("fail");
  });

  it("withEndpoints: any fail fails; a route's own fail stays; pass only when no large endpoint is open", () => {
    const gate = settings.gate;
    expect(withEndpoints("pass", [{ verdict: "fail", compared: 1 }], gate)).toBe("fail");
    expect(withEndpoints("fail", [{ verdict: "pass", compared: 500 }], gate)).toBe("fail");
    expect(withEndpoints("pass", [{ verdict: "inconclusive", compared: 199 }], gate)).toBe("pass");
    expect(withEndpoints("pass", [{ verdict: "inconclusive", compared: 200 }], gate)).toBe("inconclusive");
    expect(withEndpoints("inconclusive", [{ verdict: "pass", compared: 500 }], gate)).toBe("inconclusive");
  });

  it("each endpoint has its own latency shift, and the gate's limit judges it", () => {
    const t = emptyTally();
    add(t, 300, "GET", "/slow", [], undefined, [10, 60]);
    add(t, 400, "GET", "/fast", [], undefined, [10, 10]);
    const r = routeReport(id, t, { ...settings, gate: { ...settings.gate, maxLatencyShiftMs: 20 } });
    const slow = r.endpoints.find((e) => e.endpoint === "GET /slow")!;
    expect(slow.latencyShiftMs).toMatchObject({ n: 300 });
    expect(slow.latencyShiftMs.estimate!).toBeGreaterThan(45);
    expect(slow.verdict).toBe("fail");
    expect(r.endpoints.find((e) => e.endpoint === "GET /fast")!).toMatchObject({ verdict: "pass", latencyShiftMs: { estimate: 0 } });
  });

  it("field lists are capped: REPORT_FIELDS an endpoint, REPORT_FIELD_BYTES of paths over all", () => {
    const t = emptyTally();
    const long = (e: number, i: number) => `/body/${"x".repeat(480)}${e}-${i}`;
    for (let e = 0; e < MAX_ENDPOINTS; e++) for (let i = 0; i < 8; i++) add(t, 1, "GET", `/e/${"q".repeat(e + 1)}`, [v(long(e, i))]);
    const r = routeReport(id, t, settings);
    const listed = r.endpoints.flatMap((e) => e.fields);
    expect(Math.max(...r.endpoints.map((e) => e.fields.length))).toBeLessThanOrEqual(REPORT_FIELDS);
    expect(listed.reduce((n, f) => n + utf8Bytes(f.path), 0)).toBeLessThanOrEqual(REPORT_FIELD_BYTES);
    const omitted = r.endpoints.reduce((n, e) => n + e.fieldsOmitted, 0);
    expect(listed.length + omitted).toBe(r.endpoints.reduce((n, e) => n + Object.keys(t.endpoints[e.endpoint]!.fields).length, 0));
    expect(omitted).toBeGreaterThan(0);
  });
});
