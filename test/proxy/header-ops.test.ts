// Header operations with Envoy %VARIABLE%s, filled in per request from the parts the
// compiler split (src/proxy/header-format.ts): each variable's value at the edge,
// Envoy's evaluation order (after remove, before this set's additions), and the
// empty-value rule (Istio leaves keep_empty_value off: nothing is added).
import { describe, expect, it } from "vitest";
import { applyHeaderOps, applyShadowHeaders, withResponseOps, type FormatContext } from "../../src/proxy/header-ops";
import { renderHeaderValue } from "../../src/proxy/header-format";
import { defaultShadowSettings } from "../../src/config/defaults";

const STARTED = Date.UTC(2026, 4, 1, 12, 34, 56, 789);

function context(headers: Record<string, string> = {}, protocol?: string): FormatContext {
  const incoming = new Headers(headers);
  return {
    facts: { method: "POST", target: "/api/items?page=2", authority: "httpbin:8000", scheme: "https", headers: incoming },
    startedMs: STARTED,
    protocol: () => protocol,
    request: incoming,
  };
}

describe("renderHeaderValue", () => {
  const ctx = context({ "cf-connecting-ip": "203.0.113.7", "user-agent": "curl/8.0", "x-alt": "alt" }, "HTTP/2");
  const render = (format: Parameters<typeof renderHeaderValue>[0]) => renderHeaderValue(format, ctx, ctx.request);

  it("client IP (CF-Connecting-IP), protocol, literal parts", () => {
    expect(render(["ip=", { v: "client_ip" }, " via ", { v: "protocol" }])).toBe("ip=203.0.113.7 via HTTP/2");
  });

  it("%START_TIME% in Envoy's default format, and strftime fields in UTC", () => {
    expect(render([{ v: "start_time" }])).toBe("2026-05-01T12:34:56.789Z");
    expect(render([{ v: "start_time", format: [{ t: "s" }, ".", { t: "f", digits: 3 }] }])).toBe("1777638896.789");
    expect(render([{ v: "start_time", format: [{ t: "Y" }, "/", { t: "m" }, "/", { t: "d" }, " ", { t: "H" }, ":", { t: "M" }, ":", { t: "S" }, { t: "z" }, " ", { t: "j" }, " ", { t: "f", digits: 6 }] }])).toBe(
      "2026/05/01 12:34:56+0000 121 789000",
    );
  });

  it("%REQ(a?b):n%: the first header present, pseudo-headers from the request, truncated", () => {
    expect(render([{ v: "req", names: ["user-agent"], max: 4 }])).toBe("curl");
    expect(render([{ v: "req", names: ["x-missing", "x-alt"] }])).toBe("alt");
    expect(render([{ v: "req", names: [":path"] }])).toBe("/api/items?page=2");
    expect(render([{ v: "req", names: [":path"], withoutQuery: true }])).toBe("/api/items");
    expect(render([{ v: "req", names: [":authority"] }, { v: "req", names: [":method"] }, { v: "req", names: [":scheme"] }])).toBe("httpbin:8000POSThttps");
    expect(render([{ v: "req", names: ["x-missing"] }])).toBe("");
  });
});

describe("applyHeaderOps with variables", () => {
  it("fills them in after remove and before this set's additions, and adds nothing for an empty value", () => {
    const ctx = context({ "cf-connecting-ip": "203.0.113.7" });
    const headers = new Headers({ "x-old": "1", "x-keep": "k" });
    applyHeaderOps(
      headers,
      {
        remove: ["x-old"],
        set: { "x-client": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", "x-was": "%REQ(x-old)%", "x-keep": "%REQ(x-none)%", "x-copy": "%REQ(x-client)%" },
        add: { "x-plain": "p" },
        formats: {
          set: { "x-client": [{ v: "client_ip" }], "x-was": [{ v: "req", names: ["x-old"] }], "x-keep": [{ v: "req", names: ["x-none"] }], "x-copy": [{ v: "req", names: ["x-client"] }] },
        },
      },
      ctx,
    );
    expect(Object.fromEntries(headers)).toEqual({ "x-client": "203.0.113.7", "x-keep": "k", "x-plain": "p" });
  });

  it("without a client IP the header is not added (Envoy drops empty values)", () => {
    const headers = new Headers();
    applyHeaderOps(headers, { add: { "x-client": "%DOWNSTREAM_REMOTE_ADDRESS%" }, formats: { add: { "x-client": [{ v: "client_ip" }] } } }, context());
    expect([...headers]).toEqual([]);
  });

  it("response operations read the request headers of the context", () => {
    const ctx = { ...context(), request: new Headers({ "x-request-id": "rid-1" }) };
    const response = withResponseOps(new Response("ok"), ctx, { set: { "x-rid": "%REQ(x-request-id)%" }, formats: { set: { "x-rid": [{ v: "req", names: ["x-request-id"] }] } } });
    expect(response.headers.get("x-rid")).toBe("rid-1");
  });

  it("shadow headers: remove, then set with variables", () => {
    const settings = { ...defaultShadowSettings(), removeHeaders: ["authorization"], setHeaders: { "x-shadow": "1", "x-via": "%PROTOCOL%" }, setFormats: { "x-via": [{ v: "protocol" as const }] } };
    const headers = new Headers({ authorization: "secret" });
    applyShadowHeaders(headers, settings, context({}, "HTTP/1.1"));
    expect(Object.fromEntries(headers)).toEqual({ "x-shadow": "1", "x-via": "HTTP/1.1" });
  });
});
