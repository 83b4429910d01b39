// Gateway API's element-wise paths at runtime: PathPrefix matching, ReplacePrefixMatch
// (the table of apis/v1/httproute_types.go HTTPPathModifier, row by row) and
// ReplaceFullPath in rewrites and redirects, and RequestRedirect's host and port rules.
import { describe, expect, it } from "vitest";
import { matchesPathPrefix, replacePathPrefix } from "../../src/routing/path-prefix";
import { matchString } from "../../src/routing/match";
import { rewriteTarget } from "../../src/routing/rewrite";
import { redirectLocation } from "../../src/routing/redirect";
import type { MatchBlock } from "../../src/routing/table";

const block = (prefix: string): MatchBlock => ({ uri: { prefix, wholeSegments: true }, headers: [], withoutHeaders: [], queryParams: [] });

describe("PathPrefix matches whole path elements", () => {
  it.each([
    ["/v2", "/v2", true],
    ["/v2", "/v2/", true],
    ["/v2", "/v2/example", true],
    ["/v2", "/v2example", false],
    ["/v2/", "/v2", true],
    ["/v2/", "/v2/x", true],
    ["/", "/anything", true],
    ["/match/prefix/", "/match/prefix/any", true],
    ["/match/prefix/", "/match/prefixes", false],
  ])("%s matches %s: %s", (prefix, path, expected) => {
    expect(matchesPathPrefix(prefix, path)).toBe(expected);
    expect(matchString({ prefix, wholeSegments: true }, path)).toBe(expected);
  });

  it("Istio's plain prefix is unchanged", () => {
    expect(matchString({ prefix: "/v2" }, "/v2example")).toBe(true);
  });
});

describe("ReplacePrefixMatch (the spec's table)", () => {
  it.each([
    ["/foo/bar", "/foo", "/xyz", "/xyz/bar"],
    ["/foo/bar", "/foo", "/xyz/", "/xyz/bar"],
    ["/foo/bar", "/foo/", "/xyz", "/xyz/bar"],
    ["/foo/bar", "/foo/", "/xyz/", "/xyz/bar"],
    ["/foo", "/foo", "/xyz", "/xyz"],
    ["/foo/", "/foo", "/xyz", "/xyz/"],
    ["/foo/bar", "/foo", "", "/bar"],
    ["/foo/", "/foo", "", "/"],
    ["/foo", "/foo", "", "/"],
    ["/foo/", "/foo", "/", "/"],
    ["/foo", "/foo", "/", "/"],
  ])("%s, prefix %s, replacement %j → %s", (path, prefix, replacement, expected) => {
    expect(replacePathPrefix(path, prefix, replacement)).toBe(expected);
    expect(rewriteTarget({ replacePrefixMatch: replacement }, block(prefix), path, "")).toBe(expected);
  });

  it("a rule without matches has the prefix /: its path is kept under the new prefix", () => {
    expect(rewriteTarget({ replacePrefixMatch: "/v2" }, undefined, "/items/1", "a=1")).toBe("/v2/items/1?a=1");
  });

  it("ReplaceFullPath replaces the whole path after a prefix match, keeping the query", () => {
    expect(rewriteTarget({ replaceFullPath: "/one" }, block("/full/one"), "/full/one/two", "q=1")).toBe("/one?q=1");
  });
});

describe("RequestRedirect's Location", () => {
  const facts = (authority: string, path = "/p", scheme = "http") => ({ scheme, authority, path, query: "" });

  it("hostname replaces the host and keeps the port the client used", () => {
    expect(redirectLocation({ status: 302, host: "example.org", schemeDefaultPort: true }, facts("gw:8080"))).toBe("http://example.org:8080/p");
    expect(redirectLocation({ status: 302, host: "example.org", schemeDefaultPort: true }, facts("gw"))).toBe("http://example.org/p");
  });

  it("a scheme change without port goes to the scheme's well-known port (Gateway API), while Istio keeps a non-default one", () => {
    expect(redirectLocation({ status: 302, scheme: "https", schemeDefaultPort: true }, facts("gw:8080"))).toBe("https://gw/p");
    expect(redirectLocation({ status: 301, scheme: "https" }, facts("gw:8080"))).toBe("https://gw:8080/p");
    expect(redirectLocation({ status: 302, scheme: "https", port: 8443, schemeDefaultPort: true }, facts("gw:8080"))).toBe("https://gw:8443/p");
    expect(redirectLocation({ status: 302, scheme: "https", port: 443, schemeDefaultPort: true }, facts("gw:8080"))).toBe("https://gw/p");
  });

  it("ReplacePrefixMatch works element by element on the matched prefix", () => {
    expect(redirectLocation({ status: 302, replacePrefixMatch: "/replacement-prefix" }, facts("gw", "/original-prefix/lemon"), block("/original-prefix"))).toBe(
      "http://gw/replacement-prefix/lemon",
    );
  });
});
