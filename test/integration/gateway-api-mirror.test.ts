// Gateway API conformance, the RequestMirror tests (kubernetes-sigs/gateway-api
// conformance/tests/httproute-request-mirror.go, -request-multiple-mirrors.go,
// -request-percentage-mirror.go), ported with their routes, paths and expectations:
// the client gets infra-backend-v1's answer, the mirror backends get the same request,
// and percentages hold within conformance's 3σ band over 500 requests.
import { describe, expect, it } from "vitest";
import { requestLog, shadowLogs, mirrorCount } from "../support/harness";
import { backendOf, receivedBy, sendCase, threeSigma, values } from "../support/conformance";

const MODIFY_HEADERS = { "X-Header-Remove": "remove-val", "X-Header-Add-Append": "append-val-1" };

/** conformance's ExpectedRequest for the -and-modify-headers cases */
function expectModifiedHeaders(headers: Record<string, string | string[] | undefined>) {
  expect(values(headers["x-header-add"])).toBe("header-val-1");
  expect(values(headers["x-header-add-append"])).toBe("append-val-1,header-val-2");
  expect(values(headers["x-header-set"])).toBe("set-overwrites-values");
  expect(headers["x-header-remove"]).toBeUndefined();
}

describe("HTTPRouteRequestMirror (conformance httproute-request-mirror)", () => {
  const CASE = "HTTPRouteRequestMirror";

  it("/mirror: answered by infra-backend-v1, mirrored to infra-backend-v2", async () => {
    const sent = await sendCase(CASE, "/mirror");
    expect(sent.response.status).toBe(200);
    expect(backendOf(sent)).toBe("infra-backend-v1");
    expect((await receivedBy("infra-backend-v1", sent)).url).toBe("/mirror");
    const mirrored = await receivedBy("infra-backend-v2", sent);
    expect(mirrored.url).toBe("/mirror");
    // The mirror's authority follows Envoy's -shadow rule (MirrorPolicy hostSuffix, default on).
    expect(mirrored.headers["x-forwarded-host"]).toBe("gateway.conformance.test-shadow");
    expect(requestLog(sent)).toMatchObject({ route: "gateway-conformance-infra/request-mirror/rules[0]", destination: "gateway-conformance-infra/infra-backend-v1" });
    expect(mirrorCount(requestLog(sent))).toBe(1);
    expect(shadowLogs(sent)).toMatchObject([{ destination: "gateway-conformance-infra/infra-backend-v2", status: 200 }]);
  });

  it("/mirror-and-modify-headers: the modified request reaches infra-backend-v1, and its copy infra-backend-v2", async () => {
    const sent = await sendCase(CASE, "/mirror-and-modify-headers", { headers: MODIFY_HEADERS });
    expect(backendOf(sent)).toBe("infra-backend-v1");
    expectModifiedHeaders((await receivedBy("infra-backend-v1", sent)).headers);
    // RequestHeaderModifier is a rule-level filter: the mirror gets the modified headers too (as Istio compiles it).
    expectModifiedHeaders((await receivedBy("infra-backend-v2", sent)).headers);
  });

  it("PathPrefix /mirror does not take /mirror-and-modify-headers (whole path elements)", async () => {
    const sent = await sendCase(CASE, "/mirror-and-modify-headers");
    expect(requestLog(sent).route).toBe("gateway-conformance-infra/request-mirror/rules[1]");
  });
});

describe("HTTPRouteRequestMultipleMirrors (conformance httproute-request-multiple-mirrors)", () => {
  const CASE = "HTTPRouteRequestMultipleMirrors";

  it("/multi-mirror: answered by infra-backend-v1, mirrored to infra-backend-v2 and infra-backend-v3", async () => {
    const sent = await sendCase(CASE, "/multi-mirror");
    expect(backendOf(sent)).toBe("infra-backend-v1");
    expect((await receivedBy("infra-backend-v2", sent)).url).toBe("/multi-mirror");
    expect((await receivedBy("infra-backend-v3", sent)).url).toBe("/multi-mirror");
    expect(mirrorCount(requestLog(sent))).toBe(2);
  });

  it("/multi-mirror-and-modify-request-headers: both mirrors get the modified request", async () => {
    const sent = await sendCase(CASE, "/multi-mirror-and-modify-request-headers", { headers: MODIFY_HEADERS });
    expect(backendOf(sent)).toBe("infra-backend-v1");
    for (const backend of ["infra-backend-v1", "infra-backend-v2", "infra-backend-v3"]) expectModifiedHeaders((await receivedBy(backend, sent)).headers);
  });
});

describe("HTTPRouteRequestPercentageMirror (conformance httproute-request-percentage-mirror)", () => {
  const CASE = "HTTPRouteRequestPercentageMirror";
  const cases = [
    { path: "/percent-mirror", percent: 20 },
    { path: "/percent-mirror-fraction", percent: 50 },
    { path: "/percent-mirror-and-modify-headers", percent: 35 },
  ];

  it.each(cases)("$path mirrors exactly the draws below $percent % (the injected random source)", async ({ path, percent }) => {
    const below = await sendCase(CASE, path, { random: percent / 100 - 0.000001, headers: MODIFY_HEADERS });
    expect(backendOf(below)).toBe("infra-backend-v1");
    expect(shadowLogs(below)).toMatchObject([{ destination: "gateway-conformance-infra/infra-backend-v2", status: 200 }]);
    const at = await sendCase(CASE, path, { random: percent / 100 });
    expect(backendOf(at)).toBe("infra-backend-v1");
    expect(shadowLogs(at)).toEqual([]);
  });

  it("/percent-mirror-and-modify-headers: the primary and a sampled mirror get the modified request", async () => {
    const sent = await sendCase(CASE, "/percent-mirror-and-modify-headers", { random: 0, headers: MODIFY_HEADERS });
    expectModifiedHeaders((await receivedBy("infra-backend-v1", sent)).headers);
    expectModifiedHeaders((await receivedBy("infra-backend-v2", sent)).headers);
  });

  // Conformance: 500 requests, the mirrored count within 3 binomial standard deviations,
  // up to 5 distribution checks before failing.
  it.each(cases)("$path mirrors $percent % of 500 random requests, within 3σ", async ({ path, percent }) => {
    const n = 500;
    const [low, high] = threeSigma(n, percent / 100);
    const counts: number[] = [];
    for (let round = 0; round < 5; round++) {
      let mirrored = 0;
      for (let batch = 0; batch < n / 50; batch++) {
        const sent = await Promise.all(Array.from({ length: 50 }, () => sendCase(CASE, path, { random: Math.random() })));
        for (const s of sent) {
          expect(backendOf(s)).toBe("infra-backend-v1");
          mirrored += shadowLogs(s).filter((l) => l.status === 200).length;
        }
      }
      counts.push(mirrored);
      if (mirrored >= low && mirrored <= high) break;
    }
    expect(counts.at(-1), `mirrored counts per round ${counts.join(", ")}; band ${low.toFixed(1)}..${high.toFixed(1)}`).toBeGreaterThanOrEqual(low);
    expect(counts.at(-1)).toBeLessThanOrEqual(high);
  }, 120_000);
});
