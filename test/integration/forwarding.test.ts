// What the origin receives and what the client gets back: method, path and query
// byte for byte, hop-by-hop headers removed (RFC 9110 §7.6.1), X-Forwarded-*,
// redirects and Set-Cookie passed through untouched.
import { describe, expect, it } from "vitest";
import { recordsAt, send } from "../support/harness";

describe("the forwarded request", () => {
  it("keeps path and query byte for byte", async () => {
    const target = "/a%2Fb//c;p=1?x=%41&y=1+2&&z";
    const sent = await send(`http://mirror.test${target}`);
    await sent.settled();
    expect((await recordsAt("v1", sent.requestId))[0]!.url).toBe(target);
    expect((await recordsAt("v2", sent.requestId))[0]!.url).toBe(target);
  });

  it("drops hop-by-hop headers and those named in Connection, keeps the rest", async () => {
    const sent = await send("http://httpbin/headers", {
      headers: {
        connection: "x-secret-hop",
        "x-secret-hop": "1",
        "keep-alive": "timeout=5",
        "proxy-authorization": "Basic Zm9vOmJhcg==",
        te: "trailers",
        "x-end-to-end": "yes",
      },
    });
    const [record] = await recordsAt("v1", sent.requestId);
    for (const name of ["x-secret-hop", "keep-alive", "proxy-authorization", "te"]) expect(record!.headers[name], name).toBeUndefined();
    expect(record!.headers["x-end-to-end"]).toBe("yes");
  });

  it("sets X-Forwarded-Host/-Proto (overwriting the client's) and appends the client IP to X-Forwarded-For", async () => {
    const sent = await send("https://httpbin:8443/headers", {
      headers: { "x-forwarded-host": "evil.example", "x-forwarded-proto": "gopher", "x-forwarded-for": "10.0.0.1", "cf-connecting-ip": "203.0.113.9" },
    });
    const [record] = await recordsAt("v1", sent.requestId);
    expect(record!.headers["x-forwarded-host"]).toBe("httpbin:8443");
    expect(record!.headers["x-forwarded-proto"]).toBe("https");
    expect(record!.headers["x-forwarded-for"]).toBe("10.0.0.1, 203.0.113.9");
  });

  it("creates an x-request-id when the client sent none", async () => {
    const { createApp } = await import("../../src/app");
    const { table, recordsAt: at } = await import("../support/harness");
    const ids: string[] = [];
    const app = createApp(table, { logger: (l) => void ids.push(l.requestId) });
    const { createExecutionContext, waitOnExecutionContext } = await import("cloudflare:test");
    const ctx = createExecutionContext();
    await app.fetch(new Request("http://mirror.test/headers"), {}, ctx);
    await waitOnExecutionContext(ctx);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(await at("v1", ids[0]!)).toHaveLength(1);
    expect(await at("v2", ids[0]!)).toHaveLength(1);
  });
});

describe("the response", () => {
  it("passes every Set-Cookie through", async () => {
    const sent = await send("http://httpbin/cookies/set");
    expect(sent.response.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/; HttpOnly"]);
  });

  it("passes redirects through instead of following them", async () => {
    const sent = await send("http://httpbin/redirect");
    expect(sent.response.status).toBe(302);
    expect(sent.response.headers.get("location")).toBe("https://elsewhere.example/");
  });

  it("passes the origin's status through (404, 204)", async () => {
    expect((await send("http://httpbin/status/404")).response.status).toBe(404);
    expect((await send("http://httpbin/status/204")).response.status).toBe(204);
  });
});
