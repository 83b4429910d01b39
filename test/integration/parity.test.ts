// Parity: for every scenario of the integration routes, `npm run explain -- --json`
// (explainJson, the worker's decision step described) predicts exactly what the
// worker then does with the same request and the same fixed random draw: its log
// line, its answer, and what the recording origins received — including Istio's
// default retry policy, which the worker applies and explain used to omit.
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { explainJson, type ExplainedPlan } from "../../src/tools/explain-json";
import { records, release, requestLog, send, shadowLogs, table, mirrorCount } from "../support/harness";
import type { OriginRecord } from "../../devkit/origin";

const originNames: Record<string, string> = JSON.parse(inject("originNames"));

/** The recording origin a planned origin URL points at (undefined: not a recording origin, e.g. "refused"). */
function originName(url: string | null | undefined): string | undefined {
  const port = url ? /:(\d+)$/.exec(url)?.[1] : undefined;
  return port ? originNames[port] : undefined;
}

interface Scenario {
  name: string;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** the fixed value of every random draw, for both the plan and the worker (default 0) */
  random?: number;
}

const get = (name: string, url: string, headers: Record<string, string> = {}, random?: number): Scenario => ({ name, url, headers, random });
/** A POST as clients send one, with its Content-Length (without it, only the runtime learns the size, while reading). */
const post = (name: string, url: string, body = "payload", headers: Record<string, string> = {}): Scenario => ({
  name,
  url,
  method: "POST",
  body,
  headers: { "content-length": String(body.length), ...headers },
});

const SCENARIOS: Scenario[] = [
  // Refused: no VirtualService, and a VirtualService none of whose routes match.
  get("unknown host → 404 no_virtual_service", "http://unknown.example/x"),
  get("no route of redirect.test matches → 404 no_route", "http://redirect.test/nothing"),
  // The seed: one destination, mirrored at 100 %; wildcard hosts.
  get("seed route, no mirror", "http://httpbin:8000/headers"),
  get("mirror 100 %", "http://mirror.test/anything"),
  get("wildcard host, mirrored", "http://a.wild.test/anything"),
  post("a POST body is tapped for the shadow", "http://mirror.test/post", "x".repeat(2048)),
  // mirrorPercentage: absent = 100 %, 0 = none, 50 % on either side of the draw.
  get("mirrorPercentage absent → 100 %", "http://absent.test/"),
  get("mirrorPercentage 0 → never", "http://zero.test/"),
  get("mirrorPercentage 50, draw 0.2 → mirrored", "http://half.test/", {}, 0.2),
  get("mirrorPercentage 50, draw 0.7 → not mirrored", "http://half.test/", {}, 0.7),
  get("two mirrors, draw 0.7: 100 % yes, 50 % no", "http://two.test/", {}, 0.7),
  get("two mirrors, draw 0: both", "http://two.test/"),
  // Matching and weights.
  get("header match → alice-to-v2", "http://match.test/x", { "x-user": "alice" }),
  get("regex block → api-to-v3", "http://match.test/v12/items"),
  get("fallback route", "http://match.test/other"),
  get("weights 30/70, draw 0.1 → first", "http://weights.test/", {}, 0.1),
  get("weights 30/70, draw 0.9 → second", "http://weights.test/", {}, 0.9),
  get("port match", "http://port.test:8443/"),
  // Shadow failures never reach the client; primary failures are the client's answer.
  get("shadow origin refuses", "http://shadow-refused.test/"),
  get("shadow origin answers 500", "http://shadow-500.test/"),
  get("shadow origin resets", "http://shadow-reset.test/"),
  get("shadow cut off at the route timeout", "http://shadow-hang.test/"),
  get("primary down → 503 after Istio's default retries of the refused connection", "http://primary-down.test/"),
  // Header operations, rewrites, authority.
  get("route and destination header operations", "http://headers.test/x", { "x-route-remove": "1", "x-dest-remove": "1" }),
  get("prefix rewrite", "http://rewrite.test/api/v1/users?id=7"),
  get("exact rewrite", "http://rewrite.test/exact"),
  get("regex rewrite", "http://rewrite.test/old/a/b"),
  get("authority rewrite → X-Forwarded-Host", "http://rewrite.test/authority/x"),
  get("catch-all prefix-/ rewrite", "http://rewrite-all.test/x/y"),
  // Retries: the route's own, and Istio's default for a route without any.
  get("retryOn 5xx: a 503 first try is retried", "http://retry.test/5xx/x"),
  get("retryOn gateway-error does not retry a 500", "http://retry.test/gateway-error/fail-first/500/x"),
  get("retryOn connect-failure against a refused origin", "http://retry.test/connect/x"),
  get("a route without retries: Istio's default does not retry an answered 503 (Istio ≥ 1.24)", "http://retry.test/none/x"),
  post("a route without retries: a POST's streamed body is not retried", "http://retry.test/none/x"),
  post("route retries buffer a POST with Content-Length and retry it", "http://retry.test/5xx/upload", "b".repeat(1000)),
  // Faults, redirects, direct responses, CORS.
  get("fault abort 100 %", "http://fault.test/abort"),
  get("fault abort 50 %, draw 0.2 → aborted", "http://fault.test/half", {}, 0.2),
  get("fault abort 50 %, draw 0.7 → forwarded", "http://fault.test/half", {}, 0.7),
  get("fault without percentage → never injected", "http://fault.test/unset"),
  get("redirect, uri only", "http://redirect.test/uri?a=1"),
  get("redirect, every field", "http://redirect.test/full"),
  get("directResponse with a body", "http://redirect.test/direct"),
  get("directResponse 204", "http://redirect.test/empty"),
  get("CORS actual request from an allowed origin", "http://cors.test/", { origin: "https://app.example" }),
  { name: "CORS preflight answered at the edge", url: "http://cors.test/", method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } },
  get("CORS from another origin passes through", "http://cors.test/", { origin: "https://evil.example" }),
  // Load balancing: consistent hash and random are exact; round robin is per isolate (see below).
  get("consistent hash on x-user", "http://lb.test/hash", { "x-user": "u-1" }),
  get("random load balancing, draw 0.9", "http://lb.test/random", {}, 0.9),
  get("round robin", "http://lb.test/rr"),
  // MirrorPolicy.
  get("hostSuffix false: marker instead of -shadow", "http://nosuffix.test/"),
  get("shadow-only headers", "http://shadowheaders.test/", { authorization: "Bearer secret" }),
  get("methods: GET not mirrored when the policy lists POST only", "http://mirrormethods.test/"),
  post("methods: POST mirrored", "http://mirrormethods.test/"),
  post("body over the policy's cap: shadow skipped", "http://bodycap.test/", "z".repeat(4096)),
  get("sample key present", "http://samplekey.test/", { "x-user": "user-3" }),
  get("sample key absent: random draw", "http://samplekey.test/", {}, 0.2),
  get("a policy for one route", "http://policyroute.test/shaped/x"),
  get("a shadow coming back through the worker is not mirrored again", "http://mirror.test/anything", { "x-forwarded-host": "mirror.test-shadow" }),
  // MirrorPolicy compare: compared or not, and the noise call to v1, as drawn.
  get("compare: compared, with a noise call to v1", "http://cmp.test/parity/x"),
  get("compare 50 %, draw 0.2: compared with a noise call", "http://cmp.test/parity-sampled", {}, 0.2),
  get("compare 50 %, draw 0.7: mirrored, not compared", "http://cmp.test/parity-sampled", {}, 0.7),
  post("compare: a POST is compared, never sent to v1 twice", "http://cmp.test/parity/upload"),
];

afterAll(release);

describe("explain --json predicts what the worker does (same request, same random draw)", () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))("%s", async (_, scenario) => {
    const { url, method = "GET", headers = {}, body, random = 0 } = scenario;
    const predicted = explainJson(table, method, url, Object.entries(headers), { random });
    const sent = await send(url, { method, headers, body, random });
    await sent.response.arrayBuffer();
    await sent.settled();
    const log = requestLog(sent);
    const seen = (await records(sent.requestId)).records;

    expect(log.virtualService ?? null).toBe(predicted.virtualService);
    expect(log.route ?? null).toBe(predicted.route);
    if (predicted.action !== "forward") {
      expect(sent.response.status).toBe(predicted.status);
      const expectedError = ["no_virtual_service", "no_route", "fault_abort", "no_destination"].includes(predicted.reason!) ? predicted.reason : undefined;
      expect(log.error).toBe(expectedError);
      if (predicted.location) expect(sent.response.headers.get("location")).toBe(predicted.location);
      expect(seen, "nothing is forwarded or mirrored").toEqual([]);
      expect(shadowLogs(sent)).toEqual([]);
      expect(mirrorCount(log)).toBe(0);
      return;
    }
    expectForwarded(predicted, log, seen, sent);
  });
});

function expectForwarded(predicted: ExplainedPlan, log: ReturnType<typeof requestLog>, seen: OriginRecord[], sent: Awaited<ReturnType<typeof send>>) {
  const shadowHost = predicted.forwardedHost!.shadow;
  const marked = shadowHost !== null && shadowHost === predicted.forwardedHost!.primary;
  const isShadow = (r: OriginRecord) => (marked ? r.headers["x-edge-mirror-shadow"] === "1" : shadowHost !== null && r.headers["x-forwarded-host"] === shadowHost);
  // A compared request's second call to v1 (noise) is marked, and is neither a primary nor a shadow.
  const isNoise = (r: OriginRecord) => r.headers["x-edge-mirror-noise"] === "1";
  const primaries = seen.filter((r) => !isShadow(r) && !isNoise(r));
  const shadows = seen.filter(isShadow);
  expect(seen.filter(isNoise).map((r) => r.origin)).toEqual(predicted.compare?.noise ? [originName(predicted.origin)] : []);
  expect(shadowLogs(sent).filter((l) => l.compared).length).toBe(predicted.compare?.compared ? shadowLogs(sent).filter((l) => l.status !== undefined).length : 0);

  // The primary: destination, origin, target and X-Forwarded-Host as planned.
  expect(log.destination).toBe(predicted.destination);
  const pool = table.virtualHosts.flatMap((v) => v.routes).find((r) => r.name === predicted.route)!.destinations.find((d) => d.cluster.name === predicted.destination)!.cluster;
  const roundRobin = pool.lb !== undefined && "simple" in pool.lb && pool.lb.simple === "ROUND_ROBIN";
  const primaryOrigin = originName(predicted.origin);
  if (primaryOrigin) {
    expect(primaries.length).toBeGreaterThan(0);
    // Round robin rotates per isolate: planning the request took a turn, so the worker is one origin on; the pool is the same.
    if (!roundRobin) for (const r of primaries) expect(r.origin).toBe(primaryOrigin);
    for (const r of primaries) {
      expect(r.url).toBe(predicted.target);
      expect(r.headers["x-forwarded-host"]).toBe(predicted.forwardedHost!.primary);
    }
  }
  // Retries in force: a request the plan says is not retried is tried once; one that is, at most attempts + 1 times.
  const tries = log.tries ?? 1;
  if (!predicted.retries!.retried) expect(tries).toBe(1);
  else expect(tries).toBeLessThanOrEqual(predicted.retries!.attempts + 1);
  if (primaryOrigin) expect(primaries).toHaveLength(tries);

  // The mirrors: how many, which, and what each shadow origin received.
  const mirrored = predicted.mirrors!.filter((m) => m.mirrored);
  expect(mirrorCount(log)).toBe(mirrored.length);
  expect(shadowLogs(sent).map((l) => l.destination).sort()).toEqual(mirrored.map((m) => m.destination).sort());
  for (const line of shadowLogs(sent)) {
    const decision = mirrored.find((m) => m.destination === line.destination)!;
    if (decision.skipped) expect(line.skipped).toBe(decision.skipped);
    else expect(line.skipped).toBeUndefined();
  }
  // A shadow that got an answer was recorded by its origin; one that failed (reset, timeout) may or may not have been.
  const sentTo = (m: (typeof mirrored)[number], answered: boolean) =>
    m.skipped === null && originName(m.origin) !== undefined && shadowLogs(sent).some((l) => l.destination === m.destination && (l.status !== undefined) === answered);
  const answered = mirrored.filter((m) => sentTo(m, true)).map((m) => originName(m.origin)!);
  const failed = mirrored.filter((m) => sentTo(m, false)).map((m) => originName(m.origin)!);
  for (const name of answered) expect(shadows.map((r) => r.origin)).toContain(name);
  for (const r of shadows) expect([...answered, ...failed]).toContain(r.origin);
  for (const r of shadows) {
    expect(r.url).toBe(predicted.target);
    expect(r.headers["x-forwarded-host"]).toBe(shadowHost);
  }
}
