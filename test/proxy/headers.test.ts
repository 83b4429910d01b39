import { describe, expect, it } from "vitest";
import { forwardHeaders, hasHopByHop, stripHopByHop } from "../../src/proxy/headers";

describe("stripHopByHop (RFC 9110 §7.6.1)", () => {
  it("removes hop-by-hop headers and every header named in Connection", () => {
    const h = new Headers({ connection: "X-Foo, x-bar", "x-foo": "1", "x-bar": "2", "keep-alive": "5", "proxy-connection": "k", upgrade: "h2c", "x-keep": "y" });
    stripHopByHop(h);
    expect([...h.keys()]).toEqual(["x-keep"]);
  });

  it("does not copy a response for `Connection: keep-alive` (workerd strips that itself) but does for listed names and proxy-*", () => {
    expect(hasHopByHop(new Headers({ connection: "keep-alive" }))).toBe(false);
    expect(hasHopByHop(new Headers({ connection: "close" }))).toBe(false);
    expect(hasHopByHop(new Headers({ connection: "keep-alive, x-internal" }))).toBe(true);
    expect(hasHopByHop(new Headers({ "proxy-authenticate": "Basic" }))).toBe(true);
  });

  it("leaves end-to-end headers alone when there is nothing to remove", () => {
    const h = new Headers({ a: "1", "content-type": "text/plain" });
    expect(hasHopByHop(h)).toBe(false);
    stripHopByHop(h);
    expect([...h]).toEqual([["a", "1"], ["content-type", "text/plain"]]);
  });
});

describe("forwardHeaders", () => {
  it("drops Host, overwrites X-Forwarded-Host/-Proto, appends X-Forwarded-For, sets x-request-id", () => {
    const incoming = new Headers({ host: "httpbin:8000", "x-forwarded-host": "spoofed", "x-forwarded-for": "198.51.100.1", accept: "*/*" });
    const out = forwardHeaders(incoming, { forwardedHost: "httpbin:8000", proto: "https", clientIp: "203.0.113.5", requestId: "rid", upgrade: false });
    expect(out.get("host")).toBeNull();
    expect(out.get("x-forwarded-host")).toBe("httpbin:8000");
    expect(out.get("x-forwarded-proto")).toBe("https");
    expect(out.get("x-forwarded-for")).toBe("198.51.100.1, 203.0.113.5");
    expect(out.get("x-request-id")).toBe("rid");
    expect(out.get("accept")).toBe("*/*");
    expect(incoming.get("x-forwarded-host")).toBe("spoofed"); // the client's headers are not mutated
  });
});
