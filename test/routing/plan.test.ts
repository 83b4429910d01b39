// The decision step alone (as Envoy tests FilterUtility): a table, the request's
// facts and an injected draw in; what the worker will do out. No I/O.
import { describe, expect, it } from "vitest";
import { planRequest, type ForwardedPlan, type Plan } from "../../src/routing/plan";
import { requestFacts } from "../../src/routing/request-facts";
import type { Route, RouteTable } from "../../src/routing/table";
import { testRoute } from "../support/test-route";

const v1 = { cluster: { name: "svc/v1", origins: ["http://v1.origin"] }, weight: 1 };
const v2 = { name: "svc/v2", origins: ["http://v2.origin"] };

function tableOf(...routes: Route[]): RouteTable {
  return { version: 1, source: "test", virtualHosts: [{ name: "vs", routes }], hosts: { exact: { "api.test": 0 }, wildcards: [] } };
}

const mirrored = (over: Partial<Route> = {}) =>
  testRoute("vs/mirrored", { destinations: [v1], totalWeight: 1, mirrors: [{ cluster: v2, perMillion: 500_000 }], ...over });

function plan(table: RouteTable, { method = "GET", url = "http://api.test/x", headers = {} as Record<string, string>, body = false, draw = 0, cap = 1_000_000 } = {}): Plan {
  return planRequest(table, requestFacts(method, url, new Headers({ host: new URL(url).host, ...headers }), body), { random: () => draw, capPerMillion: cap });
}

function forwarded(p: Plan): ForwardedPlan {
  if (p.action !== "forward") throw new Error(`expected a forwarded plan, got ${p.action}`);
  return p;
}

describe("refusals", () => {
  it("a host no VirtualService lists: 404 no_virtual_service, nothing else decided", () => {
    expect(plan(tableOf(mirrored()), { url: "http://other.test/" })).toEqual({ action: "refuse", status: 404, error: "no_virtual_service", message: 'no VirtualService for host "other.test"' });
  });

  it("no route matches: 404 no_route, naming the VirtualService", () => {
    const only = testRoute("vs/only", { match: [{ uri: { exact: "/a" }, headers: [], withoutHeaders: [], queryParams: [] }], destinations: [v1], totalWeight: 1 });
    expect(plan(tableOf(only), { url: "http://api.test/b" })).toMatchObject({ action: "refuse", error: "no_route", virtualService: "vs" });
  });
});

describe("Envoy's filter order: CORS, fault, router", () => {
  const cors = { allowOrigins: [{ exact: "https://app.test" }], allowMethods: ["GET"], allowHeaders: [], exposeHeaders: [], allowCredentials: false };
  const fault = { abort: { status: 418, perMillion: 1_000_000 } };

  it("a preflight from an allowed origin is answered before the fault filter draws", () => {
    let draws = 0;
    const table = tableOf(mirrored({ cors, fault }));
    const facts = requestFacts("OPTIONS", "http://api.test/", new Headers({ host: "api.test", origin: "https://app.test", "access-control-request-method": "GET" }), false);
    const p = planRequest(table, facts, { random: () => (draws++, 0), capPerMillion: 1_000_000 });
    expect(p).toMatchObject({ action: "answer", answer: { kind: "preflight", status: 200 }, corsOrigin: "https://app.test" });
    expect(draws).toBe(0);
  });

  it("a fault abort answers at the edge; the delay is drawn first and kept", () => {
    const p = plan(tableOf(mirrored({ fault: { delay: { ms: 50, perMillion: 1_000_000 }, abort: { status: 503, perMillion: 300_000 } } })), { draw: 0.2 });
    expect(p).toMatchObject({ action: "answer", answer: { kind: "fault_abort", status: 503 }, faultDelayMs: 50 });
  });

  it("a draw at or over the abort percentage forwards", () => {
    expect(plan(tableOf(mirrored({ fault: { abort: { status: 503, perMillion: 300_000 } } })), { draw: 0.3 }).action).toBe("forward");
  });

  it("redirect Location keeps the query (Envoy)", () => {
    const p = plan(tableOf(testRoute("vs/r", { redirect: { uri: "/new", status: 301 } })), { url: "http://api.test:8080/old?q=1" });
    expect(p).toMatchObject({ action: "answer", answer: { kind: "redirect", status: 301, location: "http://api.test:8080/new?q=1" } });
  });

  it("no destination with weight: 503 no_destination", () => {
    expect(plan(tableOf(testRoute("vs/empty")))).toMatchObject({ action: "answer", answer: { kind: "no_destination", status: 503 } });
  });
});

describe("mirror decisions (one draw per request against every threshold, the cap on top)", () => {
  it("under the threshold: sampled, with the shadow's origin and -shadow authority", () => {
    const p = forwarded(plan(tableOf(mirrored()), { draw: 0.4 }));
    expect(p.mirrors).toEqual([{ target: expect.objectContaining({ perMillion: 500_000 }), mirrored: true, reason: "sampled", origin: "http://v2.origin" }]);
    expect(p.mirrored).toBe(1);
    expect(p.shadow.forwardedHost).toBe("api.test-shadow");
  });

  it("at the threshold: not sampled", () => {
    expect(forwarded(plan(tableOf(mirrored()), { draw: 0.5 })).mirrors[0]).toMatchObject({ mirrored: false, reason: "not_sampled" });
  });

  // Envoy's sampling (the rule selectMirrors in sample.ts used to state apart from the plan):
  // one draw per request compared with every mirror's threshold, so a 5 % mirror gets a
  // subset of what a 10 % mirror gets.
  it("nests: a draw admitted by the 5 % mirror is admitted by the 10 % one", () => {
    const two = mirrored({ mirrors: [{ cluster: { name: "svc/m0", origins: ["http://m0"] }, perMillion: 100_000 }, { cluster: { name: "svc/m1", origins: ["http://m1"] }, perMillion: 50_000 }] });
    const sampled = (draw: number) => forwarded(plan(tableOf(two), { draw })).mirrors.filter((m) => m.mirrored).map((m) => m.target.cluster.name);
    expect(sampled(0.049999)).toEqual(["svc/m0", "svc/m1"]);
    expect(sampled(0.05)).toEqual(["svc/m0"]);
    expect(sampled(0.1)).toEqual([]);
  });

  it("100 % admits the highest draw; 0.0001 % steps are honoured (Istio: value × 10 000 per million)", () => {
    expect(forwarded(plan(tableOf(mirrored({ mirrors: [{ cluster: v2, perMillion: 1_000_000 }] })), { draw: 0.9999999 })).mirrored).toBe(1);
    const tiny = mirrored({ mirrors: [{ cluster: v2, perMillion: 1 }] });
    expect(forwarded(plan(tableOf(tiny), { draw: 0 })).mirrored).toBe(1);
    expect(forwarded(plan(tableOf(tiny), { draw: 0.000001 })).mirrored).toBe(0);
  });

  it("sampled by the route but over MIRROR_PERCENT_CAP: kill_switch", () => {
    expect(forwarded(plan(tableOf(mirrored()), { draw: 0.2, cap: 100_000 })).mirrors[0]).toMatchObject({ mirrored: false, reason: "kill_switch" });
  });

  it.each([
    ["x-forwarded-host", { "x-forwarded-host": "api.test-shadow" }, "http://api.test/x"],
    ["host", {}, "http://api.test-shadow/x"],
    ["marker", { "x-edge-mirror-shadow": "1" }, "http://api.test/x"],
  ])("a returning shadow (%s) is forwarded but never mirrored again", (sign, headers, url) => {
    const table = tableOf(mirrored());
    table.hosts.exact["api.test-shadow"] = 0;
    const p = forwarded(plan(table, { url, headers }));
    expect(p.returningShadow).toBe(sign);
    expect(p.mirrors[0]).toMatchObject({ mirrored: false, reason: "returning_shadow" });
    expect(p.draw).toBeUndefined();
  });

  it("Upgrade and CONNECT are never mirrored (Envoy); a MirrorPolicy may narrow the methods", () => {
    expect(forwarded(plan(tableOf(mirrored()), { headers: { upgrade: "websocket", connection: "upgrade" } }))).toMatchObject({ upgrade: true, mirrors: [{ reason: "upgrade" }] });
    expect(forwarded(plan(tableOf(mirrored()), { method: "CONNECT" })).mirrors[0]!.reason).toBe("connect");
    const postOnly = mirrored({ shadow: { ...testRoute("x").shadow, methods: ["POST"] } });
    expect(forwarded(plan(tableOf(postOnly))).mirrors[0]!.reason).toBe("method_not_mirrored");
  });

  it("a sample key draws by its hash, the same for every request that carries it", () => {
    const keyed = mirrored({ shadow: { ...testRoute("x").shadow, sampleKey: { header: "x-user" } } });
    const a = forwarded(plan(tableOf(keyed), { headers: { "x-user": "u-1" }, draw: 0 }));
    const b = forwarded(plan(tableOf(keyed), { headers: { "x-user": "u-1" }, draw: 0.99 }));
    expect(a.draw).toEqual(b.draw);
    expect(a.draw!.keyValue).toBe("u-1");
  });
});

describe("body and retries in force", () => {
  const routeRetries = { source: "route" as const, attempts: 2, on: ["5xx"], statusCodes: [], backoffMs: 25 };
  const post = (route: Route, headers: Record<string, string> = {}, draw = 0) => forwarded(plan(tableOf(route), { method: "POST", body: true, headers, draw }));

  it("GET and HEAD carry no body, whatever the client sent", () => {
    expect(forwarded(plan(tableOf(mirrored()), { body: true })).body).toBe("none");
  });

  it("the route's own retries buffer a body with Content-Length within the cap", () => {
    expect(post(mirrored({ retries: routeRetries }), { "content-length": "10" })).toMatchObject({ body: "buffer", retries: { attempts: 2 } });
  });

  it("Istio's default retries stream the body, so the request is not retried", () => {
    const p = post(mirrored(), { "content-length": "10" });
    expect(p).toMatchObject({ body: "tap", retries: { source: "istio-default", attempts: 0 }, retriesOff: "streamed_body" });
  });

  it("without Content-Length a mirrored body is tapped; over the cap, the shadows are skipped", () => {
    expect(post(mirrored()).body).toBe("tap");
    expect(post(mirrored(), { "content-length": String(2 * 1024 * 1024) }).body).toBe("too_large");
  });

  it("a body nobody mirrors is streamed untouched", () => {
    expect(post(mirrored(), { "content-length": "10" }, 0.9).body).toBe("stream");
  });

  it("a bodiless request keeps the retries in force, Istio's default included", () => {
    expect(forwarded(plan(tableOf(mirrored()))).retries).toEqual({ source: "istio-default", attempts: 2, on: ["connect-failure"], statusCodes: [], backoffMs: 25 });
  });
});
