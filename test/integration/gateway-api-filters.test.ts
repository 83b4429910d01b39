// Gateway API conformance, the filters (kubernetes-sigs/gateway-api conformance/tests/
// httproute-request-header-modifier.go, -response-header-modifier.go, -redirect-path.go,
// -redirect-host-and-status.go, -redirect-port.go, -redirect-scheme.go,
// -303/307/308-redirect.go, -rewrite-path.go, -rewrite-host.go), with their paths,
// headers and expectations. A Worker cannot set Host, so URLRewrite's hostname is
// what the backend receives as X-Forwarded-Host.
import { describe, expect, it } from "vitest";
import { records } from "../support/harness";
import { backendOf, receivedBy, sendCase, values } from "../support/conformance";

type Headers = Record<string, string>;

describe("HTTPRouteRequestHeaderModifier (conformance httproute-request-header-modifier)", () => {
  const cases: { path: string; send: Headers; expect: Headers; absent?: string[] }[] = [
    { path: "/set", send: { "Some-Other-Header": "val" }, expect: { "Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values" } },
    { path: "/set", send: { "Some-Other-Header": "val", "X-Header-Set": "some-other-value" }, expect: { "Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values" } },
    { path: "/add", send: { "Some-Other-Header": "val" }, expect: { "Some-Other-Header": "val", "X-Header-Add": "add-appends-values" } },
    { path: "/add", send: { "Some-Other-Header": "val", "X-Header-Add": "some-other-value" }, expect: { "Some-Other-Header": "val", "X-Header-Add": "some-other-value,add-appends-values" } },
    { path: "/remove", send: { "X-Header-Remove": "val" }, expect: {}, absent: ["X-Header-Remove"] },
    {
      path: "/multiple",
      send: { "X-Header-Set-2": "set-val-2", "X-Header-Add-2": "add-val-2", "X-Header-Remove-2": "remove-val-2", "Another-Header": "another-header-val" },
      expect: {
        "X-Header-Set-1": "header-set-1",
        "X-Header-Set-2": "header-set-2",
        "X-Header-Add-1": "header-add-1",
        "X-Header-Add-2": "add-val-2,header-add-2",
        "X-Header-Add-3": "header-add-3",
        "Another-Header": "another-header-val",
      },
      absent: ["X-Header-Remove-1", "X-Header-Remove-2"],
    },
    {
      path: "/case-insensitivity",
      send: { "x-header-set": "original-val-set", "x-header-add": "original-val-add", "x-header-remove": "original-val-remove", "Another-Header": "another-header-val" },
      expect: { "X-Header-Set": "header-set", "X-Header-Add": "original-val-add,header-add", "Another-Header": "another-header-val" },
      absent: ["x-header-remove", "X-Header-Remove"],
    },
  ];

  it.each(cases)("$path $send", async ({ path, send, expect: wanted, absent = [] }) => {
    const sent = await sendCase("HTTPRouteRequestHeaderModifier", path, { headers: send });
    expect(backendOf(sent)).toBe("infra-backend-v1");
    const received = (await receivedBy("infra-backend-v1", sent)).headers;
    for (const [name, value] of Object.entries(wanted)) expect(values(received[name.toLowerCase()]), name).toBe(value);
    for (const name of absent) expect(received[name.toLowerCase()], name).toBeUndefined();
  });
});

describe("HTTPRouteResponseHeaderModifier (conformance httproute-response-header-modifier)", () => {
  /** conformance's BackendSetResponseHeaders travel to the echo backend as X-Echo-Set-Header */
  const echo = (headers: Headers) => Object.entries(headers).map(([name, value]) => `${name}:${value}`).join(",");
  const cases: { path: string; backend: Headers; expect: Headers; absent?: string[]; send?: Headers }[] = [
    { path: "/set", backend: { "Some-Other-Header": "val" }, expect: { "Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values" } },
    { path: "/set", backend: { "Some-Other-Header": "val", "X-Header-Set": "some-other-value" }, expect: { "Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values" } },
    { path: "/add", backend: { "Some-Other-Header": "val" }, expect: { "Some-Other-Header": "val", "X-Header-Add": "add-appends-values" } },
    { path: "/add", backend: { "Some-Other-Header": "val", "X-Header-Add": "some-other-value" }, expect: { "Some-Other-Header": "val", "X-Header-Add": "some-other-value,add-appends-values" } },
    { path: "/remove", backend: { "X-Header-Remove": "val" }, expect: {}, absent: ["X-Header-Remove"] },
    {
      path: "/multiple",
      backend: { "X-Header-Set-2": "set-val-2", "X-Header-Add-2": "add-val-2", "X-Header-Remove-2": "remove-val-2", "Another-Header": "another-header-val", "X-Header-Remove-1": "val" },
      expect: {
        "X-Header-Set-1": "header-set-1",
        "X-Header-Set-2": "header-set-2",
        "X-Header-Add-1": "header-add-1",
        "X-Header-Add-2": "add-val-2,header-add-2",
        "X-Header-Add-3": "header-add-3",
        "Another-Header": "another-header-val",
      },
      absent: ["X-Header-Remove-1", "X-Header-Remove-2"],
    },
    {
      path: "/case-insensitivity",
      backend: { "x-header-set": "original-val-set", "x-header-add": "original-val-add", "x-header-remove": "original-val-remove", "Another-Header": "another-header-val" },
      expect: {
        "X-Header-Set": "header-set",
        "X-Header-Add": "original-val-add,header-add",
        "X-Lowercase-Add": "lowercase-add",
        "X-Mixedcase-Add-1": "mixedcase-add-1",
        "X-Mixedcase-Add-2": "mixedcase-add-2",
        "X-Uppercase-Add": "uppercase-add",
        "Another-Header": "another-header-val",
      },
      absent: ["x-header-remove", "X-Header-Remove"],
    },
    {
      path: "/response-and-request-header-modifiers",
      send: { "X-Header-Remove": "remove-val", "X-Header-Add-Append": "append-val-1", "X-Header-Echo": "echo" },
      backend: { "X-Header-Set-2": "set-val-2", "X-Header-Add-2": "add-val-2", "X-Header-Remove-2": "remove-val-2", "Another-Header": "another-header-val", "X-Header-Remove-1": "remove-val-1", "X-Header-Echo": "echo" },
      expect: { "X-Header-Set-1": "header-set-1", "X-Header-Set-2": "header-set-2", "X-Header-Add-1": "header-add-1", "X-Header-Add-2": "add-val-2,header-add-2", "Another-Header": "another-header-val", "X-Header-Echo": "echo" },
      absent: ["X-Header-Remove-1", "X-Header-Remove-2"],
    },
  ];

  it.each(cases)("$path $backend", async ({ path, backend, expect: wanted, absent = [], send = {} }) => {
    const sent = await sendCase("HTTPRouteResponseHeaderModifier", path, { headers: { ...send, "X-Echo-Set-Header": echo(backend) } });
    expect(backendOf(sent)).toBe("infra-backend-v1");
    for (const [name, value] of Object.entries(wanted)) expect(values(sent.response.headers.get(name)), name).toBe(value);
    for (const name of absent) expect(sent.response.headers.get(name), name).toBeNull();
  });

  it("/response-and-request-header-modifiers: the request modifier reached the backend too", async () => {
    const sent = await sendCase("HTTPRouteResponseHeaderModifier", "/response-and-request-header-modifiers", {
      headers: { "X-Header-Remove": "remove-val", "X-Header-Add-Append": "append-val-1", "X-Header-Echo": "echo" },
    });
    const received = (await receivedBy("infra-backend-v1", sent)).headers;
    expect(values(received["x-header-add"])).toBe("header-val-1");
    expect(values(received["x-header-set"])).toBe("set-overwrites-values");
    expect(values(received["x-header-add-append"])).toBe("append-val-1,header-val-2");
    expect(values(received["x-header-echo"])).toBe("echo");
    expect(received["x-header-remove"]).toBeUndefined();
  });
});

/** A redirect answered at the edge: its status and Location, and no backend contacted. */
async function redirect(shortName: string, target: string, method = "GET"): Promise<{ status: number; location: URL }> {
  const sent = await sendCase(shortName, target, { method, ...(method === "POST" ? { body: "x" } : {}) });
  expect((await records(sent.requestId)).records).toEqual([]);
  return { status: sent.response.status, location: new URL(sent.response.headers.get("location") ?? "invalid:") };
}

describe("HTTPRouteRedirectPath (conformance httproute-redirect-path)", () => {
  it.each([
    { path: "/original-prefix/lemon", status: 302, host: "gateway.conformance.test", to: "/replacement-prefix/lemon" },
    { path: "/full/path/original", status: 302, host: "gateway.conformance.test", to: "/full-path-replacement" },
    { path: "/path-and-host", status: 302, host: "example.org", to: "/replacement-prefix" },
    { path: "/path-and-status", status: 301, host: "gateway.conformance.test", to: "/replacement-prefix" },
    { path: "/full-path-and-host", status: 302, host: "example.org", to: "/replacement-full" },
    { path: "/full-path-and-status", status: 301, host: "gateway.conformance.test", to: "/replacement-full" },
  ])("$path → $status $host$to", async ({ path, status, host, to }) => {
    const { status: got, location } = await redirect("HTTPRouteRedirectPath", path);
    expect(got).toBe(status);
    expect([location.hostname, location.pathname]).toEqual([host, to]);
  });
});

describe("HTTPRouteRedirectHostAndStatus (conformance httproute-redirect-host-and-status)", () => {
  it.each([
    { path: "/hostname-redirect", status: 302 },
    { path: "/host-and-status", status: 301 },
  ])("$path → $status to example.org", async ({ path, status }) => {
    const { status: got, location } = await redirect("HTTPRouteRedirectHostAndStatus", path);
    expect(got).toBe(status);
    expect(location.host).toBe("example.org");
  });

  it("keeps the port the client used (the listener's) when only the hostname changes", async () => {
    const { location } = await redirect("HTTPRouteRedirectHostAndStatus", "http://gateway.conformance.test:8080/hostname-redirect");
    expect(location.href).toBe("http://example.org:8080/hostname-redirect");
  });
});

describe("HTTPRouteRedirectPort (conformance httproute-redirect-port)", () => {
  it.each([
    { path: "/port", status: 302, host: "gateway.conformance.test" },
    { path: "/port-and-host", status: 302, host: "example.org" },
    { path: "/port-and-status", status: 301, host: "gateway.conformance.test" },
    { path: "/port-and-host-and-status", status: 302, host: "example.org" },
  ])("$path → $status $host:8083", async ({ path, status, host }) => {
    const { status: got, location } = await redirect("HTTPRouteRedirectPort", path);
    expect(got).toBe(status);
    expect([location.hostname, location.port]).toEqual([host, "8083"]);
  });
});

describe("HTTPRouteRedirectScheme (conformance httproute-redirect-scheme)", () => {
  it.each([
    { path: "/scheme", status: 302, host: "gateway.conformance.test" },
    { path: "/scheme-and-host", status: 302, host: "example.org" },
    { path: "/scheme-and-status", status: 301, host: "gateway.conformance.test" },
    { path: "/scheme-and-host-and-status", status: 302, host: "example.org" },
  ])("$path → $status https://$host", async ({ path, status, host }) => {
    const { status: got, location } = await redirect("HTTPRouteRedirectScheme", path);
    expect(got).toBe(status);
    expect([location.protocol, location.host]).toEqual(["https:", host]);
  });

  it("a scheme change goes to the scheme's well-known port, not the client's (Gateway API)", async () => {
    const { location } = await redirect("HTTPRouteRedirectScheme", "http://gateway.conformance.test:8080/scheme");
    expect(location.href).toBe("https://gateway.conformance.test/scheme");
  });
});

describe("HTTPRoute303Redirect, HTTPRoute307Redirect, HTTPRoute308Redirect (conformance httproute-30x-redirect)", () => {
  it.each([
    { name: "HTTPRoute303Redirect", path: "/see-other", method: "POST", status: 303 },
    { name: "HTTPRoute307Redirect", path: "/temporary", method: "GET", status: 307 },
    { name: "HTTPRoute308Redirect", path: "/permanent", method: "GET", status: 308 },
  ])("$name: $method $path → $status $path", async ({ name, path, method, status }) => {
    const { status: got, location } = await redirect(name, path, method);
    expect(got).toBe(status);
    expect(location.pathname).toBe(path);
  });
});

const MODIFY = { "X-Header-Remove": "remove-val", "X-Header-Add-Append": "append-val-1", "X-Header-Set": "set-val" };
function expectModified(received: Record<string, string | string[] | undefined>) {
  expect(values(received["x-header-add"])).toBe("header-val-1");
  expect(values(received["x-header-add-append"])).toBe("append-val-1,header-val-2");
  expect(values(received["x-header-set"])).toBe("set-overwrites-values");
  expect(received["x-header-remove"]).toBeUndefined();
}

describe("HTTPRouteRewritePath (conformance httproute-rewrite-path)", () => {
  it.each([
    { path: "/prefix/one/two", to: "/one/two" },
    { path: "/strip-prefix/three", to: "/three" },
    { path: "/strip-prefix", to: "/" },
    { path: "/full/one/two", to: "/one" },
    { path: "/full/rewrite-path-and-modify-headers/test", to: "/test", modify: true },
    { path: "/prefix/rewrite-path-and-modify-headers/one", to: "/prefix/one", modify: true },
  ])("$path reaches infra-backend-v1 as $to", async ({ path, to, modify }) => {
    const sent = await sendCase("HTTPRouteRewritePath", path, { headers: modify ? MODIFY : {} });
    expect(backendOf(sent)).toBe("infra-backend-v1");
    const received = await receivedBy("infra-backend-v1", sent);
    expect(received.url).toBe(to);
    if (modify) expectModified(received.headers);
  });
});

describe("HTTPRouteRewriteHost (conformance httproute-rewrite-host)", () => {
  it.each([
    { path: "/one", backend: "infra-backend-v1", host: "one.example.org" },
    { path: "/two", backend: "infra-backend-v2", host: "example.org" },
    { path: "/rewrite-host-and-modify-headers", backend: "infra-backend-v2", host: "test.example.org", modify: true },
  ])("rewrite.example$path reaches $backend for host $host", async ({ path, backend, host, modify }) => {
    const sent = await sendCase("HTTPRouteRewriteHost", `http://rewrite.example${path}`, { headers: modify ? MODIFY : {} });
    expect(backendOf(sent)).toBe(backend);
    const received = await receivedBy(backend, sent);
    expect(received.url).toBe(path);
    expect(received.headers["x-forwarded-host"]).toBe(host);
    if (modify) expectModified(received.headers);
  });
});
