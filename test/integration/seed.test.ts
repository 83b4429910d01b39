// The walkthrough: Istio's mirroring task ("Traffic Management: Mirroring"), at the edge.
import { describe, expect, it } from "vitest";
import { recordsAt, requestLog, send, shadowLogs, mirrorCount } from "../support/harness";

describe("the seed walkthrough, before mirroring (VirtualService routes everything to v1)", () => {
  it("answers curl http://httpbin:8000/headers from v1, and v2 receives nothing", async () => {
    const sent = await send("http://httpbin:8000/headers");
    await sent.settled();
    expect(sent.response.status).toBe(200);
    expect(sent.response.headers.get("x-origin")).toBe("v1");
    const body = (await sent.response.json()) as { headers: Record<string, string> };
    expect(body.headers["X-Forwarded-Host"]).toBe("httpbin:8000");
    expect(await recordsAt("v1", sent.requestId)).toHaveLength(1);
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(0);
    expect(requestLog(sent)).toMatchObject({ virtualService: "httpbin", destination: "httpbin/v1", status: 200 });
    expect(mirrorCount(requestLog(sent))).toBe(0);
  });
});

describe("the seed walkthrough, after mirroring (mirror: v2, mirrorPercentage 100)", () => {
  it("is answered by v1 while v2 receives the same GET /headers with the -shadow authority", async () => {
    const sent = await send("http://mirror.test:8000/headers");
    await sent.settled();
    expect(sent.response.headers.get("x-origin")).toBe("v1");
    const [primary] = await recordsAt("v1", sent.requestId);
    const [shadow] = await recordsAt("v2", sent.requestId);
    expect(primary).toMatchObject({ method: "GET", url: "/headers" });
    expect(primary!.headers["x-forwarded-host"]).toBe("mirror.test:8000");
    expect(shadow).toMatchObject({ method: "GET", url: "/headers" });
    // Envoy's shadow_writer_impl.cc: host "-shadow" suffix before the port.
    expect(shadow!.headers["x-forwarded-host"]).toBe("mirror.test-shadow:8000");
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ destination: "httpbin/v2", status: 200 })]);
  });

  it("gives the shadow the client's headers and the primary's x-request-id", async () => {
    const sent = await send("http://mirror.test/anything?a=1", {
      headers: { "user-agent": "curl/8.5.0", "x-custom": "kept", accept: "*/*" },
    });
    await sent.settled();
    const [primary] = await recordsAt("v1", sent.requestId);
    const [shadow] = await recordsAt("v2", sent.requestId);
    for (const name of ["user-agent", "x-custom", "accept", "x-request-id", "x-forwarded-proto"]) {
      expect(shadow!.headers[name], name).toBe(primary!.headers[name]);
    }
    expect(shadow!.url).toBe("/anything?a=1");
  });

  it("matches wildcard hosts (*.wild.test) case-insensitively", async () => {
    const sent = await send("http://API.Wild.Test/x");
    await sent.settled();
    expect(sent.response.status).toBe(200);
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(1);
  });
});
