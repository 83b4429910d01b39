// Gateway API conformance, backends and timeouts (kubernetes-sigs/gateway-api
// conformance/tests/httproute-weight.go, -all-backends-weight-zero.go,
// -omitted-backendrefs.go, -timeout-request.go, -timeout-backend-request.go): weights
// split within conformance's band, no backend with weight → 500, a request past
// timeouts.request / timeouts.backendRequest → 504, "0s" turns a timeout off.
import { describe, expect, it } from "vitest";
import { records, requestLog } from "../support/harness";
import { backendOf, sendCase, threeSigma } from "../support/conformance";

describe("HTTPRouteWeight (conformance httproute-weight)", () => {
  const CASE = "HTTPRouteWeight";

  it("the injected random source picks by weight: 70 / 30, never the weight-0 backend", async () => {
    expect(backendOf(await sendCase(CASE, "/", { random: 0.6999 }))).toBe("infra-backend-v1");
    expect(backendOf(await sendCase(CASE, "/", { random: 0.7 }))).toBe("infra-backend-v2");
    expect(backendOf(await sendCase(CASE, "/", { random: 0.9999 }))).toBe("infra-backend-v2");
  });

  // Conformance sends 500 requests; here each backend's count must be within 3σ of its
  // weight (up to 5 rounds, as conformance retries its distribution check), and the
  // weight-0 backend gets none.
  it("500 random requests split 70 / 30 / 0 within 3σ", async () => {
    const n = 500;
    const bands = { "infra-backend-v1": threeSigma(n, 0.7), "infra-backend-v2": threeSigma(n, 0.3) };
    let counts: Record<string, number> = {};
    for (let round = 0; round < 5; round++) {
      counts = {};
      for (let batch = 0; batch < n / 50; batch++) {
        const sent = await Promise.all(Array.from({ length: 50 }, () => sendCase(CASE, "/", { random: Math.random() })));
        for (const s of sent) {
          expect(s.response.status).toBe(200);
          const backend = backendOf(s)!;
          counts[backend] = (counts[backend] ?? 0) + 1;
        }
      }
      if (Object.entries(bands).every(([b, [low, high]]) => counts[b]! >= low && counts[b]! <= high)) break;
    }
    expect(counts["infra-backend-v3"]).toBeUndefined();
    for (const [backend, [low, high]] of Object.entries(bands)) {
      expect(counts[backend], `${backend}: ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(low);
      expect(counts[backend]).toBeLessThanOrEqual(high);
    }
  }, 120_000);
});

describe("HTTPRouteAllBackendsWeightZero (conformance httproute-all-backends-weight-zero)", () => {
  it("answers 500 when every backend has weight 0, and contacts none", async () => {
    for (const random of [0, 0.5, 0.9999]) {
      const sent = await sendCase("HTTPRouteAllBackendsWeightZero", "/", { random });
      expect(sent.response.status).toBe(500);
      expect((await records(sent.requestId)).records).toEqual([]);
    }
  });
});

describe("HTTPRouteOmittedBackendRefs (conformance httproute-omitted-backendrefs)", () => {
  const CASE = "HTTPRouteOmittedBackendRefs";

  it("/forward reaches infra-backend-v1", async () => {
    expect(backendOf(await sendCase(CASE, "/forward"))).toBe("infra-backend-v1");
  });

  it.each(["/omitted-no-forward", "/empty-no-forward"])("%s, a rule without backends, answers 500", async (path) => {
    const sent = await sendCase(CASE, path);
    expect(sent.response.status).toBe(500);
    expect((await records(sent.requestId)).records).toEqual([]);
  });
});

describe("HTTPRouteTimeoutRequest (conformance httproute-timeout-request)", () => {
  const CASE = "HTTPRouteTimeoutRequest";

  it("/request-timeout answers 200 in time", async () => {
    expect((await sendCase(CASE, "/request-timeout")).response.status).toBe(200);
  });

  it("/request-timeout?delay=1s answers 504 past timeouts.request: 500ms", async () => {
    const sent = await sendCase(CASE, "/request-timeout?delay=1s");
    expect(sent.response.status).toBe(504);
    expect(requestLog(sent).error).toBe("upstream_timeout");
  });

  it('/disable-request-timeout?delay=1s answers 200: "0s" turns the timeout off', async () => {
    expect((await sendCase(CASE, "/disable-request-timeout?delay=1s")).response.status).toBe(200);
  });
});

describe("HTTPRouteTimeoutBackendRequest (conformance httproute-timeout-backend-request)", () => {
  const CASE = "HTTPRouteTimeoutBackendRequest";

  it("/backend-timeout answers 200 in time", async () => {
    expect((await sendCase(CASE, "/backend-timeout")).response.status).toBe(200);
  });

  it("/backend-timeout?delay=1s answers 504 past timeouts.backendRequest: 500ms", async () => {
    const sent = await sendCase(CASE, "/backend-timeout?delay=1s");
    expect(sent.response.status).toBe(504);
    expect(requestLog(sent).error).toBe("upstream_timeout");
  });

  it('/disable-backend-timeout?delay=1s answers 200: "0s" turns the timeout off', async () => {
    expect((await sendCase(CASE, "/disable-backend-timeout?delay=1s")).response.status).toBe(200);
  });
});
