// Istio HTTPRoute `headers` and `rewrite` (istio/api networking/v1 virtual_service.proto)
// end to end, against the recording origins: what the primary (v1) receives, what
// the shadow (v2) receives, and what the client gets back.
import { describe, expect, it } from "vitest";
import { recordsAt, requestLog, send, shadowLogs, type SendOptions } from "../support/harness";

/** Sends with a unique request id, waits for the shadows, returns the primary's and the shadow's records. */
async function both(url: string, init: SendOptions = {}) {
  const headers = new Headers(init.headers);
  headers.set("x-request-id", `hr-${crypto.randomUUID()}`);
  const sent = await send(url, { ...init, headers });
  await sent.settled();
  const [primary] = await recordsAt("v1", sent.requestId);
  const [shadow] = await recordsAt("v2", sent.requestId);
  return { sent, primary: primary!, shadow: shadow! };
}

describe("istio virtual_service.proto Headers: request operations", () => {
  const client = {
    "x-route-set": "client",
    "x-route-add": "client",
    "x-route-remove": "1",
    "x-dest-set": "client",
    "x-dest-add": "client",
    "x-dest-remove": "1",
  };

  it("Headers.request on the HTTPRoute (set replaces, add appends, remove deletes) reaches the primary AND the shadow", async () => {
    const { primary, shadow } = await both("http://headers.test/headers", { headers: client });
    expect(primary).toBeDefined();
    expect(shadow).toBeDefined();
    for (const [leg, record] of [["primary", primary], ["shadow", shadow]] as const) {
      expect(record.headers["x-route-set"], leg).toBe("route");
      expect(record.headers["x-route-add"], leg).toBe("client, route");
      expect(record.headers["x-route-remove"], leg).toBeUndefined();
    }
  });

  it("Headers.request on a HTTPRouteDestination (route[].headers) reaches the primary only, never the shadow", async () => {
    const { primary, shadow } = await both("http://headers.test/headers", { headers: client });
    expect(primary.headers["x-dest-set"]).toBe("dest");
    expect(primary.headers["x-dest-add"]).toBe("client, dest");
    expect(primary.headers["x-dest-remove"]).toBeUndefined();
    // The shadow is the request as it was before the destination's operations.
    expect(shadow.headers["x-dest-set"]).toBe("client");
    expect(shadow.headers["x-dest-add"]).toBe("client");
    expect(shadow.headers["x-dest-remove"]).toBe("1");
    expect(shadow.headers["x-forwarded-host"]).toBe("headers.test-shadow");
  });

  it("operations apply even when the client did not send the header: set and add create it", async () => {
    const { primary, shadow } = await both("http://headers.test/headers");
    expect(primary.headers).toMatchObject({ "x-route-set": "route", "x-route-add": "route", "x-dest-set": "dest", "x-dest-add": "dest" });
    expect(shadow.headers).toMatchObject({ "x-route-set": "route", "x-route-add": "route" });
    expect(shadow.headers["x-dest-set"]).toBeUndefined();
    expect(shadow.headers["x-dest-add"]).toBeUndefined();
  });
});

describe("istio virtual_service.proto Headers: response operations change the client's response", () => {
  it("route-level response set replaces the origin's header, add appends to it", async () => {
    const { sent } = await both("http://headers.test/anything");
    expect(sent.response.status).toBe(200);
    expect(sent.response.headers.get("content-type")).toBe("application/x-route");
    expect(sent.response.headers.get("x-origin")).toBe("v1, route");
    expect(await sent.response.json()).toMatchObject({ origin: "v1", url: "/anything" });
  });

  it("route-level response remove deletes the origin's header (Set-Cookie)", async () => {
    const { sent } = await both("http://headers.test/cookies/set");
    expect(sent.response.headers.getSetCookie()).toEqual([]);
  });

  it("destination-level response set / add / remove apply to the primary's answer", async () => {
    const { sent } = await both("http://headers.test/range");
    expect(sent.response.status).toBe(206);
    expect(sent.response.headers.get("x-dest-response")).toBe("dest");
    expect(sent.response.headers.get("x-dest-added")).toBe("dest");
    expect(sent.response.headers.get("accept-ranges")).toBeNull();
    expect(sent.response.headers.get("content-range")).toBe("bytes 0-3/10");
    expect(await sent.response.text()).toBe("0123");
  });
});

describe("istio virtual_service.proto HTTPRewrite", () => {
  it("HTTPRewrite.uri with a prefix match replaces just the prefix (/api/v1/x → /v2/x) for primary and shadow, query kept", async () => {
    const { sent, primary, shadow } = await both("http://rewrite.test/api/v1/x?a=1&b=%20c");
    expect(sent.response.status).toBe(200);
    expect(requestLog(sent).route).toBe("rewrites/prefix");
    expect(primary.url).toBe("/v2/x?a=1&b=%20c");
    expect(shadow.url).toBe("/v2/x?a=1&b=%20c");
    // The log line names the route; the client's own path is Workers Logs' (request.url), not repeated on the line.
    expect(requestLog(sent)).not.toHaveProperty("path");
  });

  it("HTTPRewrite.uri replaces the prefix of the match block that matched (each block is its own Envoy route)", async () => {
    const { primary, shadow } = await both("http://rewrite.test/legacy/items");
    expect(primary.url).toBe("/v2/items");
    expect(shadow.url).toBe("/v2/items");
  });

  it("HTTPRewrite.uri on the whole prefix (/api/v1 → /v2)", async () => {
    const { primary } = await both("http://rewrite.test/api/v1");
    expect(primary.url).toBe("/v2");
  });

  it("HTTPRewrite.uri with an exact match replaces the whole path; the query is kept", async () => {
    const { primary, shadow } = await both("http://rewrite.test/exact?q=1");
    expect(primary.url).toBe("/replaced?q=1");
    expect(shadow.url).toBe("/replaced?q=1");
  });

  it('HTTPRewrite.uriRegexRewrite (Envoy regex_rewrite) "^/old/(.*)$" → "/new/\\1", query kept, primary and shadow', async () => {
    const { primary, shadow } = await both("http://rewrite.test/old/a/b?x=1");
    expect(primary.url).toBe("/new/a/b?x=1");
    expect(shadow.url).toBe("/new/a/b?x=1");
  });

  it("HTTPRewrite.authority: the primary's X-Forwarded-Host is the new authority, the shadow's is it + -shadow; the path is untouched", async () => {
    const { sent, primary, shadow } = await both("http://rewrite.test/authority/x");
    expect(primary.url).toBe("/authority/x");
    expect(primary.headers["x-forwarded-host"]).toBe("internal.example");
    expect(shadow.url).toBe("/authority/x");
    expect(shadow.headers["x-forwarded-host"]).toBe("internal.example-shadow");
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ destination: "httpbin/v2", status: 200 })]);
  });
});

describe("istio virtual_service.proto HTTPRewrite on a route without a uri match", () => {
  // Istio TranslateRouteMatch(): a route without match (or a match block without uri) becomes an
  // Envoy route with prefix "/", and rewrite.uri becomes prefix_rewrite, so Envoy replaces that
  // one-character prefix: /foo/bar → /v2/foo/bar (Envoy RouteEntryImplBase::rewritePathHeader).
  it("no match: rewrite.uri /v2/ replaces the implicit prefix \"/\" (/foo/bar → /v2/foo/bar), query kept", async () => {
    const sent = await send("http://rewrite-all.test/foo/bar?x=1");
    await sent.settled();
    expect((await recordsAt("v1", sent.requestId))[0]!.url).toBe("/v2/foo/bar?x=1");
  });

  it("a match block without uri (headers only): rewrite.uri /h/ replaces the implicit prefix \"/\" (/foo → /h/foo)", async () => {
    const sent = await send("http://rewrite-all.test/foo", { headers: { "x-rewrite": "1" } });
    await sent.settled();
    expect(requestLog(sent).route).toBe("rewrite-catch-all/header-only");
    expect((await recordsAt("v1", sent.requestId))[0]!.url).toBe("/h/foo");
  });
});
