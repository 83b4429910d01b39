// Answers the edge gives without an upstream: Istio HTTPRedirect and
// HTTPDirectResponse (Envoy redirect / direct_response routes), and corsPolicy as
// Envoy's CORS filter applies it (preflights from allowed origins answered at the edge).
import { describe, expect, it } from "vitest";
import { records, recordsAt, requestLog, send, shadowLogs, type SendOptions, mirrorCount } from "../support/harness";

async function sendOnce(url: string, init: SendOptions = {}) {
  const headers = new Headers(init.headers);
  headers.set("x-request-id", `la-${crypto.randomUUID()}`);
  const sent = await send(url, { ...init, headers });
  const text = await sent.response.text();
  await sent.settled();
  const contacted = (await records(sent.requestId)).records;
  return { sent, text, status: sent.response.status, headers: sent.response.headers, contacted };
}

describe("istio virtual_service.proto HTTPRedirect (Envoy RedirectAction)", () => {
  it("uri replaces the path; 301 by default; the query is kept; no origin is contacted", async () => {
    const { status, headers, contacted, sent } = await sendOnce("http://redirect.test/uri/a?q=1&r=%20");
    expect(status).toBe(301);
    expect(headers.get("location")).toBe("http://redirect.test/new-path?q=1&r=%20");
    expect(contacted).toEqual([]);
    expect(shadowLogs(sent)).toEqual([]);
    expect(requestLog(sent)).toMatchObject({ status: 301 });
    expect(mirrorCount(requestLog(sent))).toBe(0);
  });

  it("uri, authority, scheme, port and redirectCode 308 together", async () => {
    const { status, headers, contacted } = await sendOnce("http://redirect.test/full/x?q=1");
    expect(status).toBe(308);
    expect(headers.get("location")).toBe("https://other.example:8443/moved?q=1");
    expect(contacted).toEqual([]);
  });

  it("authority replaces the host, keeps path and query; redirectCode 302", async () => {
    const { status, headers } = await sendOnce("http://redirect.test/authority/x?q=1");
    expect(status).toBe(302);
    expect(headers.get("location")).toBe("http://other.example/authority/x?q=1");
  });

  it("Envoy host_redirect: authority replaces the whole request authority, so the request's port is not carried over", async () => {
    // envoy source/common/http/utility.cc newUri(): with host_redirect set, final_host = host_redirect
    // and final_port = port_redirect (empty here); processRequestHost() only runs without host_redirect.
    const { headers } = await sendOnce("http://redirect.test:8080/authority/x");
    expect(headers.get("location")).toBe("http://other.example/authority/x");
  });

  it("scheme https keeps host and path; a default port of the old scheme (:80) is dropped", async () => {
    expect((await sendOnce("http://redirect.test/scheme/x")).headers.get("location")).toBe("https://redirect.test/scheme/x");
    // A URL drops its default port, so the client's "Host: redirect.test:80" is sent as a header.
    const explicit80 = await sendOnce("http://redirect.test/scheme/x", { headers: { host: "redirect.test:80" } });
    expect(explicit80.headers.get("location")).toBe("https://redirect.test/scheme/x");
  });

  it("Envoy scheme_redirect: a non-default request port is kept (processRequestHost strips only :80/:443)", async () => {
    const { headers } = await sendOnce("http://redirect.test:8080/scheme/x");
    expect(headers.get("location")).toBe("https://redirect.test:8080/scheme/x");
  });

  it("port replaces the request's port; redirectCode 307", async () => {
    const { status, headers } = await sendOnce("http://redirect.test:8080/port/x?y=2");
    expect(status).toBe(307);
    expect(headers.get("location")).toBe("http://redirect.test:9090/port/x?y=2");
  });
});

describe("istio virtual_service.proto HTTPDirectResponse", () => {
  it("status + body.string answered at the edge; no origin contacted", async () => {
    const { status, text, contacted, sent } = await sendOnce("http://redirect.test/direct");
    expect(status).toBe(503);
    expect(text).toBe("down for maintenance");
    expect(contacted).toEqual([]);
    expect(requestLog(sent)).toMatchObject({ status: 503 });
    expect(mirrorCount(requestLog(sent))).toBe(0);
  });

  it("status without body: an empty answer", async () => {
    const { status, text, contacted } = await sendOnce("http://redirect.test/empty");
    expect(status).toBe(204);
    expect(text).toBe("");
    expect(contacted).toEqual([]);
  });

  it("headers.response on a directResponse route apply to the direct response (Istio's HTTPDirectResponse example; Envoy finalizeResponseHeaders)", async () => {
    // istio.io HTTPDirectResponse docs: directResponse {status: 503, body.string: '{"error": "unknown error"}'}
    // with headers.response.set content-type; Envoy's router applies the route's response headers to direct responses.
    const { status, text, headers } = await sendOnce("http://redirect.test/direct-headers");
    expect(status).toBe(503);
    expect(text).toBe('{"error": "unknown error"}');
    expect(headers.get("content-type")).toBe("application/json");
  });
});

describe("istio virtual_service.proto CorsPolicy (Envoy CORS filter)", () => {
  const preflight = (origin: string) => ({
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "x-user" },
  });

  it("a preflight from an allowed origin is answered 200 at the edge with the allow-* headers; nothing reaches any origin, no shadow", async () => {
    const { status, headers, contacted, sent } = await sendOnce("http://cors.test/anything", preflight("https://app.example"));
    expect(status).toBe(200);
    expect(headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(headers.get("access-control-allow-methods")).toBe("GET,POST");
    expect(headers.get("access-control-allow-headers")).toBe("x-user,content-type");
    expect(headers.get("access-control-max-age")).toBe("3600");
    expect(headers.get("access-control-allow-credentials")).toBe("true");
    expect(contacted).toEqual([]);
    expect(shadowLogs(sent)).toEqual([]);
    expect(mirrorCount(requestLog(sent))).toBe(0);
  });

  it("allowOrigins regex is matched in full (RE2 / Envoy safe_regex)", async () => {
    const ok = await sendOnce("http://cors.test/anything", preflight("https://eu.trusted.example"));
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://eu.trusted.example");
    expect(ok.contacted).toEqual([]);
    const longer = await sendOnce("http://cors.test/anything", { headers: { origin: "https://eu.trusted.example.evil" } });
    expect(longer.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("an actual GET from an allowed origin reaches v1 (and the shadow) and its response carries the CORS headers", async () => {
    const { status, headers, sent } = await sendOnce("http://cors.test/anything", { headers: { origin: "https://app.example" } });
    expect(status).toBe(200);
    expect(headers.get("x-origin")).toBe("v1");
    expect(headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(headers.get("access-control-expose-headers")).toBe("x-origin");
    expect(headers.get("access-control-allow-credentials")).toBe("true");
    expect(headers.get("vary")).toContain("Origin");
    expect(await recordsAt("v1", sent.requestId)).toHaveLength(1);
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(1);
  });

  it("a GET from a disallowed origin reaches v1 and gets no CORS headers", async () => {
    const { status, headers } = await sendOnce("http://cors.test/anything", { headers: { origin: "https://evil.example" } });
    expect(status).toBe(200);
    expect(headers.get("x-origin")).toBe("v1");
    expect(headers.get("access-control-allow-origin")).toBeNull();
    expect(headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("a preflight from a disallowed origin is not answered by the filter: it goes upstream without CORS headers", async () => {
    const { headers, sent } = await sendOnce("http://cors.test/anything", preflight("https://evil.example"));
    expect(headers.get("access-control-allow-origin")).toBeNull();
    expect(await recordsAt("v1", sent.requestId)).toEqual([expect.objectContaining({ method: "OPTIONS" })]);
  });
});
