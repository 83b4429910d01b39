// Envoy's shadow is fire-and-forget (shadow_writer_impl.cc: empty callbacks): no
// failure, hang or slowness of the mirror changes or delays the client's answer.
import { describe, expect, it } from "vitest";
import { records, recordsAt, release, requestLog, send, sha256, shadowLogs, mirrorCount } from "../support/harness";

async function answeredByV1(host: string) {
  const sent = await send(`http://${host}/anything`);
  expect(sent.response.status).toBe(200);
  expect(sent.response.headers.get("x-origin")).toBe("v1");
  expect(await sent.response.json()).toMatchObject({ origin: "v1", url: "/anything" });
  await sent.settled();
  return sent;
}

describe("a failing shadow never reaches the client", () => {
  it("shadow origin refuses the connection: v1 answers, the shadow logs connect_failed", async () => {
    const sent = await answeredByV1("shadow-refused.test");
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ destination: "httpbin/refused", error: "connect_failed" })]);
  });

  it("shadow origin answers 500: v1 answers 200, the shadow logs status 500", async () => {
    const sent = await answeredByV1("shadow-500.test");
    expect(shadowLogs(sent)[0]).toMatchObject({ status: 500 });
  });

  it("shadow origin resets the connection: v1 answers, the shadow logs the failure", async () => {
    const sent = await answeredByV1("shadow-reset.test");
    expect(await recordsAt("reset", sent.requestId)).toHaveLength(1);
    expect(shadowLogs(sent)[0]).toMatchObject({ error: "connect_failed" });
  });

  it("shadow origin holds its answer: the client has v1's answer while the shadow is still waiting", async () => {
    const sent = await send("http://shadow-hold.test/anything");
    // The response is complete, and the shadow origin has the request but has not answered it.
    expect(await sent.response.json()).toMatchObject({ origin: "v1" });
    const pending = await records(sent.requestId);
    expect(pending.records.filter((r) => r.origin === "hold")).toHaveLength(1);
    expect(pending.held).toBeGreaterThan(0);
    expect(shadowLogs(sent)).toHaveLength(0);
    await release();
    await sent.settled();
    expect(shadowLogs(sent)[0]).toMatchObject({ destination: "httpbin/hold", status: 200 });
  });

  it("shadow origin never answers: the shadow is cut off at the route timeout and logged", async () => {
    const sent = await answeredByV1("shadow-hang.test");
    expect(shadowLogs(sent)[0]).toMatchObject({ destination: "httpbin/hold", error: "timeout" });
    expect(shadowLogs(sent)[0]!.durationMs).toBeGreaterThanOrEqual(300);
    await release();
  });
});

describe("primary failures", () => {
  it("primary refused → 503 with a short body, and the worker keeps serving", async () => {
    const sent = await send("http://primary-down.test/anything");
    expect(sent.response.status).toBe(503);
    expect(await sent.response.text()).toBe("upstream connect error or disconnect/reset before headers\n");
    expect(requestLog(sent).error).toBe("upstream_unavailable");
    await sent.settled();
    // The shadow of a bodiless request still goes out (Envoy sends it independently).
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(1);
    await answeredByV1("mirror.test");
  });

  it("primary refused with a body: 503, and the shadow is either the complete body or skipped as body_incomplete", async () => {
    // Whether the runtime had taken the whole body before the connection failed is a race;
    // what must never happen is a partial body reaching the shadow origin.
    const body = new TextEncoder().encode("x".repeat(256 * 1024));
    const sent = await send("http://primary-down.test/anything", { method: "POST", body, headers: { "content-length": String(body.length) } });
    expect(sent.response.status).toBe(503);
    await sent.settled();
    const shadows = await recordsAt("v2", sent.requestId);
    const [line] = shadowLogs(sent);
    if (shadows.length === 0) expect(line).toMatchObject({ skipped: "body_incomplete" });
    else {
      expect(shadows[0]).toMatchObject({ bodyBytes: body.length, bodySha256: await sha256(body) });
      expect(line).toMatchObject({ status: 200 });
    }
  });

  it("primary slower than the route timeout → 504", async () => {
    const sent = await send("http://primary-timeout.test/anything");
    expect(sent.response.status).toBe(504);
    expect(await sent.response.text()).toBe("upstream request timeout\n");
    expect(requestLog(sent)).toMatchObject({ error: "upstream_timeout", status: 504 });
    await release();
  });
});

describe("a shadow coming back through the worker", () => {
  it("is forwarded with its -shadow authority and never mirrored again", async () => {
    const sent = await send("http://mirror.test/headers", { headers: { "x-forwarded-host": "httpbin-shadow:8000" } });
    await sent.settled();
    expect(sent.response.headers.get("x-origin")).toBe("v1");
    const [primary] = await recordsAt("v1", sent.requestId);
    expect(primary!.headers["x-forwarded-host"]).toBe("httpbin-shadow:8000");
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(0);
    expect(requestLog(sent)).toMatchObject({ returningShadow: true });
    expect(mirrorCount(requestLog(sent))).toBe(0);
  });
});
