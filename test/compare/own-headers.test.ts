// The worker's own headers (x-edge-mirror-*) are never compared: neither lifted as
// response headers nor diffed where an origin echoes the request's headers in JSON
// (src/compare/own-headers.ts says exactly where).
import { describe, expect, it } from "vitest";
import { compareAnswers } from "../../src/compare/compare-answers";
import { diffAnswers } from "../../src/compare/diff";
import { lift } from "../../src/compare/lift";
import { isOwnHeader } from "../../src/compare/own-headers";
import type { Answer, Json, Lifted } from "../../src/compare/types";
import { NOISE_MARKER, SHADOW_MARKER } from "../../src/routing/host";

const json = (value: Json): Lifted => ({ status: 200, headers: {}, body: { kind: "json", value } });
const paths = (a: Lifted, b: Lifted) => diffAnswers(a, b).differences.map((d) => `${d.path} ${d.kind}`);
const answer = (value: Json, headers: Record<string, string> = {}): Answer => ({
  status: 200,
  headers: { "content-type": "application/json", ...headers },
  body: new TextEncoder().encode(JSON.stringify(value)),
});

describe("the worker's own headers", () => {
  it("are the x-edge-mirror- names, the two markers the worker sends among them", () => {
    expect([SHADOW_MARKER, NOISE_MARKER, "X-Edge-Mirror-Noise", "x-edge-mirror-replay"].map(isOwnHeader)).toEqual([true, true, true, true]);
    expect(["x-edge-mirror", "x-edge-mirror-", "x-request-id", "x-forwarded-host", "edge-mirror-noise"].map(isOwnHeader)).toEqual([false, false, false, false, false]);
  });

  it("echoed under a headers object (httpbin's /headers, any depth, any case) are not compared", () => {
    const v1 = { headers: { Accept: "*/*", "X-Request-Id": "r1" } };
    expect(paths(json(v1), json({ headers: { ...v1.headers, "X-Edge-Mirror-Noise": "1" } }))).toEqual([]);
    expect(paths(json({ request: { Headers: { "x-edge-mirror-shadow": "1" } } }), json({ request: { Headers: {} } }))).toEqual([]);
    // Everything else in the echoed headers still is.
    expect(paths(json(v1), json({ headers: { ...v1.headers, "X-Edge-Mirror-Shadow": "1", "X-Api-Version": "2" } }))).toEqual(["/body/headers/X-Api-Version added"]);
  });

  it("echoed W3C trace headers (the shadow's own span id, its baggage member: trace-context.ts) are not compared either", () => {
    const v1 = { headers: { Traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Tracestate: "congo=t61rcWkgMzE", Accept: "*/*" } };
    const v2 = { headers: { Traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01", Baggage: "edge-mirror.role=shadow", Accept: "*/*" } };
    expect(paths(json(v1), json(v2))).toEqual([]);
    expect(paths(json({ traceparent: "a" }), json({ traceparent: "b" }))).toEqual(["/body/traceparent value"]);
  });

  it("elsewhere in a body are data like any other field", () => {
    expect(paths(json({ meta: { "x-edge-mirror-noise": "1" } }), json({ meta: {} }))).toEqual(["/body/meta/x-edge-mirror-noise missing"]);
  });

  it("are never lifted as response headers, even when compare.headers names them", () => {
    const a: Answer = { status: 200, headers: { "content-type": "text/plain", "X-Edge-Mirror-Shadow": "1" } };
    expect(lift(a, ["content-type", "x-edge-mirror-shadow"]).headers).toEqual({ "content-type": "text/plain" });
  });

  it("compareAnswers: the shadow's echoed marker is no divergence, v1's second call's is no noise", () => {
    const echoed = (extra: Record<string, string>) => ({ headers: { Accept: "*/*", ...extra } });
    const outcome = compareAnswers(
      answer(echoed({})),
      answer(echoed({ "X-Edge-Mirror-Shadow": "1" }), { "x-edge-mirror-shadow": "1" }),
      answer(echoed({ "X-Edge-Mirror-Noise": "1" })),
      { headers: ["content-type", "x-edge-mirror-shadow"], ignore: [], redact: [] },
    );
    expect(outcome).toMatchObject({ differences: [], reported: [], noise: [], example: [] });
  });
});
