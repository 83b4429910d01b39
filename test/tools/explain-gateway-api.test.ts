// `npm run explain` on HTTPRoutes: the same decision step, described in Gateway API's
// words where the table says so (the hostname's HTTPRoutes, whole-element prefixes,
// ReplacePrefixMatch / ReplaceFullPath, Gateway API redirects).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileOrThrow } from "../../src/config/compile";
import { explainRequest } from "../../src/tools/explain";
import { explainJson } from "../../src/tools/explain-json";
import { conformanceCases, withPorts } from "../support/gateway-api-cases";

const PORTS = { "INFRA-BACKEND-V1": 3001, "INFRA-BACKEND-V2": 3002, "INFRA-BACKEND-V3": 3003 };
const cases = conformanceCases(withPorts(readFileSync("test/support/routes.gateway-api.yaml", "utf8"), PORTS));
const caseTable = (name: string) => compileOrThrow(cases[name]!);

describe("explain on the Gateway API walkthrough (routes.gateway-api.yaml)", () => {
  const table = compileOrThrow(readFileSync("routes.gateway-api.yaml", "utf8"), "routes.gateway-api.yaml");

  it("names the hostname's HTTPRoute, the Service backends and the mirror", () => {
    expect(explainRequest(table, "GET", "http://httpbin:8000/headers", [])).toEqual([
      "GET http://httpbin:8000/headers",
      'host "httpbin:8000" → hostname httpbin of HTTPRoute httpbin (rules in Gateway API precedence order)',
      "route httpbin/rules[0]: no match conditions, so every request",
      "destination:",
      "  httpbin-v1 100 % → http://127.0.0.1:9081",
      "path: /headers (no rewrite)",
      "mirrors:",
      "  httpbin-v2 → http://127.0.0.1:9082: random, 100 %",
      "  MIRROR_PERCENT_CAP, when set on the worker, caps these percentages",
      "X-Forwarded-Host: primary httpbin:8000, shadow httpbin-shadow:8000",
      "timeout: none (shadows are cut off after 25 s)",
      "retries: Istio's default (the route has no retries): up to 2 more tries on connect-failure (a request with a body is streamed, so it is not retried)",
    ]);
  });

  it("--json says the same", () => {
    expect(explainJson(table, "GET", "http://httpbin:8000/headers", [])).toMatchObject({
      action: "forward",
      virtualService: "httpbin",
      route: "httpbin/rules[0]",
      destination: "httpbin-v1",
      origin: "http://127.0.0.1:9081",
      forwardedHost: { primary: "httpbin:8000", shadow: "httpbin-shadow:8000" },
      mirrors: [{ destination: "httpbin-v2", percent: 100, mirrored: true, reason: "sampled" }],
    });
  });
});

describe("explain on the conformance routes", () => {
  it("describes whole-element prefixes and ReplacePrefixMatch", () => {
    const lines = explainRequest(caseTable("HTTPRouteRewritePath"), "GET", "http://gw/prefix/one/two?x=1", []);
    expect(lines).toContain('route gateway-conformance-infra/rewrite-path/rules[0], match[0] (matches[0]): uri prefix "/prefix/one" (whole path elements)');
    expect(lines).toContain('path: /prefix/one/two?x=1 → /one/two?x=1 (rewrite ReplacePrefixMatch: the matched path prefix "/prefix/one" becomes "/one", element by element; the shadow gets the rewritten path too)');
  });

  it("describes ReplaceFullPath", () => {
    const lines = explainRequest(caseTable("HTTPRouteRewritePath"), "GET", "http://gw/full/one/two", []);
    expect(lines).toContain('path: /full/one/two → /one (rewrite ReplaceFullPath: the whole path becomes "/one"; the shadow gets the rewritten path too)');
  });

  it("gives a Gateway API redirect's Location", () => {
    expect(explainJson(caseTable("HTTPRouteRedirectScheme"), "GET", "http://gw:8080/scheme-and-host", [])).toMatchObject({
      action: "answer",
      status: 302,
      reason: "redirect",
      location: "https://example.org/scheme-and-host",
    });
  });

  it("a rule whose backends all have weight 0 is answered 500 at the edge", () => {
    expect(explainJson(caseTable("HTTPRouteAllBackendsWeightZero"), "GET", "http://gw/", [])).toMatchObject({ action: "answer", status: 500, reason: "direct_response" });
  });
});
