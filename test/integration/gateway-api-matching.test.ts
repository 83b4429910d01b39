// Gateway API conformance, the matching tests (kubernetes-sigs/gateway-api
// conformance/tests/httproute-matching.go, -path-match-order.go, -exact-path-matching.go,
// -header-matching.go, -query-param-matching.go, -method-matching.go,
// -matching-across-routes.go), ported case by case: each request, with the conformance
// test's own path, headers, method and host, must reach its backend or get a 404.
import { describe, expect, it } from "vitest";
import { backendOf, GATEWAY, sendCase } from "../support/conformance";

interface Case {
  path: string;
  headers?: Record<string, string>;
  method?: string;
  host?: string;
  /** the backend that must answer, or 404 */
  expect: string | 404;
}

function port(shortName: string, cases: Case[]) {
  it.each(cases.map((c) => ({ ...c, label: `${c.method ?? "GET"} ${c.host ?? ""}${c.path}${c.headers ? ` ${JSON.stringify(c.headers)}` : ""}` })))(
    "$label → $expect",
    async ({ path, headers, method, host, expect: wanted }) => {
      const body = method && !["GET", "HEAD"].includes(method) ? "x" : undefined;
      const url = host ? `http://${host}${path}` : `${GATEWAY}${path}`;
      const sent = await sendCase(shortName, url, { method: method ?? "GET", headers: headers ?? {}, body });
      if (wanted === 404) {
        expect(sent.response.status).toBe(404);
        expect(backendOf(sent)).toBeNull();
      } else {
        expect(sent.response.status).toBe(200);
        expect(backendOf(sent)).toBe(wanted);
      }
    },
  );
}

const [V1, V2, V3] = ["infra-backend-v1", "infra-backend-v2", "infra-backend-v3"];

describe("HTTPRouteMatching (conformance httproute-matching)", () => {
  port("HTTPRouteMatching", [
    { path: "/", expect: V1 },
    { path: "/example", expect: V1 },
    { path: "/", headers: { Version: "one" }, expect: V1 },
    { path: "/v2", expect: V2 },
    { path: "/v2/example", expect: V2 },
    { path: "/", headers: { Version: "two" }, expect: V2 },
    { path: "/v2/", expect: V2 },
    // Not a path segment prefix, so it does not match /v2.
    { path: "/v2example", expect: V1 },
    { path: "/foo/v2/example", expect: V1 },
  ]);
});

describe("HTTPRoutePathMatchOrder (conformance httproute-path-match-order)", () => {
  port("HTTPRoutePathMatchOrder", [
    { path: "/match/exact/one", expect: V3 },
    { path: "/match/exact", expect: V2 },
    { path: "/match", expect: V1 },
    { path: "/match/prefix/one/any", expect: V2 },
    { path: "/match/prefix/any", expect: V1 },
    { path: "/match/any", expect: V3 },
  ]);
});

describe("HTTPRouteExactPathMatching (conformance httproute-exact-path-matching)", () => {
  port("HTTPRouteExactPathMatching", [
    { path: "/one", expect: V1 },
    { path: "/two", expect: V2 },
    { path: "/", expect: 404 },
    { path: "/one/example", expect: 404 },
    { path: "/two/", expect: 404 },
    { path: "/Two", expect: 404 },
  ]);
});

describe("HTTPRouteHeaderMatching (conformance httproute-header-matching)", () => {
  port("HTTPRouteHeaderMatching", [
    { path: "/", headers: { Version: "one" }, expect: V1 },
    { path: "/", headers: { Version: "two" }, expect: V2 },
    { path: "/", headers: { Version: "two", Color: "orange" }, expect: V1 },
    { path: "/", headers: { Version: "two", Color: "blue" }, expect: V2 },
    { path: "/", headers: { Color: "orange" }, expect: 404 },
    { path: "/", headers: { "Some-Other-Header": "one" }, expect: 404 },
    { path: "/", headers: { Color: "blue" }, expect: V1 },
    { path: "/", headers: { Color: "green" }, expect: V1 },
    { path: "/", headers: { Color: "red" }, expect: V2 },
    { path: "/", headers: { Color: "yellow" }, expect: V2 },
    { path: "/", headers: { Color: "purple" }, expect: 404 },
  ]);
});

describe("HTTPRouteQueryParamMatching (conformance httproute-query-param-matching)", () => {
  port("HTTPRouteQueryParamMatching", [
    { path: "/?animal=whale", expect: V1 },
    { path: "/?animal=dolphin", expect: V2 },
    { path: "/?animal=dolphin&color=blue", expect: V3 },
    { path: "/?ANIMAL=Whale", expect: V3 },
    { path: "/?animal=whale&otherparam=irrelevant", expect: V1 },
    { path: "/?animal=dolphin&color=yellow", expect: V2 },
    { path: "/?color=blue", expect: 404 },
    { path: "/?animal=dog", expect: 404 },
    { path: "/?animal=whaledolphin", expect: 404 },
    { path: "/", expect: 404 },
    // combinations with core match types
    { path: "/path1?animal=whale", expect: V1 },
    { path: "/?animal=whale", headers: { version: "one" }, expect: V2 },
    { path: "/path2?animal=whale", headers: { version: "two" }, expect: V3 },
    // ORed matches, either one alone
    { path: "/path3?animal=shark", expect: V1 },
    { path: "/path4?animal=kraken", headers: { version: "three" }, expect: V1 },
    // ANDed conditions, a subset is not enough
    { path: "/?animal=shark", expect: 404 },
    { path: "/path4?animal=kraken", expect: 404 },
    // precedence
    { path: "/path5?animal=hydra", expect: V1 },
    { path: "/?animal=hydra", headers: { version: "four" }, expect: V3 },
  ]);
});

describe("HTTPRouteMethodMatching (conformance httproute-method-matching)", () => {
  port("HTTPRouteMethodMatching", [
    { method: "POST", path: "/", expect: V1 },
    { method: "GET", path: "/", expect: V2 },
    { method: "HEAD", path: "/", expect: 404 },
    // combinations with core match types
    { path: "/path1", method: "GET", expect: V1 },
    { path: "/", method: "PUT", headers: { version: "one" }, expect: V2 },
    { path: "/path2", method: "POST", headers: { version: "two" }, expect: V3 },
    // ORed matches, either one alone
    { path: "/path3", method: "PATCH", expect: V1 },
    { path: "/path4", method: "DELETE", headers: { version: "three" }, expect: V1 },
    // ANDed conditions, a subset is not enough
    { path: "/", method: "PUT", expect: 404 },
    { path: "/path4", method: "DELETE", expect: 404 },
    // precedence: a longer path beats a method, a method beats a header
    { path: "/path5", method: "PATCH", expect: V1 },
    { path: "/", method: "PATCH", headers: { version: "four" }, expect: V2 },
  ]);
});

describe("HTTPRouteMatchingAcrossRoutes (conformance httproute-matching-across-routes)", () => {
  port("HTTPRouteMatchingAcrossRoutes", [
    { host: "example.com", path: "/", expect: V1 },
    { host: "example.com", path: "/example", expect: V1 },
    { host: "example.net", path: "/example", expect: V1 },
    { host: "example.com", path: "/example", headers: { Version: "one" }, expect: V1 },
    { host: "example.com", path: "/v2", expect: V2 },
    // v2 matches are limited to example.com
    { host: "example.net", path: "/v2", expect: V1 },
    { host: "example.com", path: "/v2/example", expect: V2 },
    { host: "example.com", path: "/", headers: { Version: "two" }, expect: V2 },
  ]);
});
