// What a routes file may say that used to make the worker throw or misread it, end to
// end against the recording origins: header matches on Envoy's pseudo-headers (a
// `:path` match routes, and the other routes of the host still answer), upper-case
// header names, Istio's withoutHeaders "*", RE2 translated to JavaScript, and Envoy
// %VARIABLE%s filled in per request (syntax.test in test/support/routes.integration.yaml).
import { describe, expect, it } from "vitest";
import { recordsAt, requestLog, send, type SendOptions } from "../support/harness";

async function routed(url: string, init: SendOptions = {}) {
  const sent = await send(url, init);
  await sent.settled();
  return { sent, status: sent.response.status, origin: sent.response.headers.get("x-origin"), route: requestLog(sent).route };
}

describe("header matches on pseudo-headers", () => {
  it("a :path match (path with query, as Envoy's :path) routes, and a fallback route still answers", async () => {
    const matched = await routed("http://syntax.test/search?q=42");
    expect(matched).toMatchObject({ status: 200, origin: "v2", route: "edge-syntax/pseudo-path" });
    // A header value may be any text: sent as UTF-8, as Envoy sends it (Node's origin reads bytes as Latin-1).
    const [primary] = await recordsAt("v2", matched.sent.requestId);
    expect(primary!.headers["x-unicode"]).toBe(Buffer.from("€uro", "utf8").toString("latin1"));
    // The query is part of :path: without it, or with letters, the regex does not hold.
    expect(await routed("http://syntax.test/search?q=abc")).toMatchObject({ status: 200, origin: "v1", route: "edge-syntax/fallback" });
    expect(await routed("http://syntax.test/search")).toMatchObject({ status: 200, origin: "v1", route: "edge-syntax/fallback" });
  });

  it(":method is read from the request too", async () => {
    expect(await routed("http://syntax.test/search?q=42", { method: "POST", body: "x" })).toMatchObject({ origin: "v1", route: "edge-syntax/fallback" });
  });
});

describe("header names and values as Istio accepts them", () => {
  it("an upper-case header name matches whatever case the client sends", async () => {
    expect(await routed("http://syntax.test/", { headers: { "end-user": "jason" } })).toMatchObject({ origin: "v3", route: "edge-syntax/upper-case" });
    expect(await routed("http://syntax.test/", { headers: { "END-USER": "jason" } })).toMatchObject({ origin: "v3" });
  });

  it('withoutHeaders {regex: "*"} holds when the header is absent, whatever its value otherwise', async () => {
    expect(await routed("http://syntax.test/debug")).toMatchObject({ origin: "v2", route: "edge-syntax/debug-absent" });
    expect(await routed("http://syntax.test/debug", { headers: { "x-debug": "" } })).toMatchObject({ origin: "v1", route: "edge-syntax/fallback" });
  });
});

describe("RE2 as RE2 reads it", () => {
  it("\\A, \\z, a scoped (?i:…) and \\pN match as RE2 would", async () => {
    expect(await routed("http://syntax.test/items/ABC-42")).toMatchObject({ origin: "v3", route: "edge-syntax/re2" });
    expect(await routed("http://syntax.test/items/abc-x")).toMatchObject({ origin: "v1" });
  });

  it("uriRegexRewrite: a named group is group 1, and $ in the rewrite is literal (RE2 GlobalReplace)", async () => {
    const { sent } = await routed("http://syntax.test/old/a/b?k=v");
    const [primary] = await recordsAt("v1", sent.requestId);
    expect(primary!.url).toBe("/new/a/b/$1?k=v");
  });
});

describe("Envoy %VARIABLE%s in header values", () => {
  it("fills them in per request on the primary: client IP, pseudo-headers, %% as %, nothing for an empty value", async () => {
    const { sent } = await routed("http://syntax.test/anything?x=1", { headers: { "cf-connecting-ip": "203.0.113.9", "user-agent": "curl/8.5" } });
    const [primary] = await recordsAt("v1", sent.requestId);
    expect(primary!.headers["x-client-ip"]).toBe("203.0.113.9");
    expect(primary!.headers["x-original"]).toBe("GET /anything?x=1");
    expect(primary!.headers["x-share"]).toBe("100%");
    expect(primary!.headers["x-absent"]).toBeUndefined();
    expect(sent.response.headers.get("x-started")).toBe(new Date().toISOString().slice(0, 10));
    expect(sent.response.headers.get("x-echo-ua")).toBe("curl");
  });

  it("and on the shadow, from MirrorPolicy shadowHeaders", async () => {
    const { sent } = await routed("http://syntax.test/anything", { headers: { "cf-connecting-ip": "2001:db8::7" } });
    const [shadow] = await recordsAt("v2", sent.requestId);
    expect(shadow!.headers["x-shadow-client"]).toBe("2001:db8::7");
  });
});
