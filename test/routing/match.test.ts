import { describe, expect, it } from "vitest";
import { matchBlock, matchRoute, matchString, type MatchFacts as RequestFacts } from "../../src/routing/match";
import type { MatchBlock, Route } from "../../src/routing/table";
import { testRoute } from "../support/test-route";

function facts(over: Partial<Omit<RequestFacts, "headers">> & { headerList?: Record<string, string> } = {}): RequestFacts {
  return {
    method: "GET",
    path: "/api/items",
    query: "",
    authority: "httpbin:8000",
    scheme: "http",
    ...over,
    headers: new Headers(over.headerList ?? {}),
  };
}
const block = (b: Partial<MatchBlock>): MatchBlock => ({ headers: [], withoutHeaders: [], queryParams: [], ...b });

describe("matchString (Istio StringMatch)", () => {
  it("exact, prefix and full-string regex (Envoy safe_regex matches the whole value)", () => {
    expect(matchString({ exact: "/a" }, "/a")).toBe(true);
    expect(matchString({ exact: "/a" }, "/ab")).toBe(false);
    expect(matchString({ prefix: "/a" }, "/ab")).toBe(true);
    expect(matchString({ regex: "/a.*" }, "/abc")).toBe(true);
    expect(matchString({ regex: "/a" }, "/abc")).toBe(false);
    expect(matchString({ regex: "a|b" }, "b")).toBe(true);
    expect(matchString({ regex: "a|b" }, "ab")).toBe(false);
  });

  it("ignoreUriCase applies to exact and prefix", () => {
    expect(matchString({ prefix: "/API", ignoreCase: true }, "/api/x")).toBe(true);
    expect(matchString({ exact: "/API", ignoreCase: true }, "/api")).toBe(true);
    expect(matchString({ exact: "/API" }, "/api")).toBe(false);
  });
});

describe("matchBlock: conditions are ANDed", () => {
  it("uri, method and authority together", () => {
    const b = block({ uri: { prefix: "/api" }, method: { exact: "GET" }, authority: { prefix: "httpbin" } });
    expect(matchBlock(b, facts())).toBe(true);
    expect(matchBlock(b, facts({ method: "POST" }))).toBe(false);
    expect(matchBlock(b, facts({ authority: "other" }))).toBe(false);
  });

  it("headers: value match and presence ({})", () => {
    const b = block({ headers: [{ name: "x-user", match: { exact: "alice" } }, { name: "x-debug", match: { present: true } }] });
    expect(matchBlock(b, facts({ headerList: { "x-user": "alice", "x-debug": "" } }))).toBe(true);
    expect(matchBlock(b, facts({ headerList: { "x-user": "alice" } }))).toBe(false);
    expect(matchBlock(b, facts({ headerList: { "x-user": "bob", "x-debug": "1" } }))).toBe(false);
  });

  it("withoutHeaders negates: fails when the header matches, passes when absent", () => {
    const b = block({ withoutHeaders: [{ name: "x-canary", match: { exact: "1" } }] });
    expect(matchBlock(b, facts())).toBe(true);
    expect(matchBlock(b, facts({ headerList: { "x-canary": "0" } }))).toBe(true);
    expect(matchBlock(b, facts({ headerList: { "x-canary": "1" } }))).toBe(false);
    const absent = block({ withoutHeaders: [{ name: "cookie", match: { present: true } }] });
    expect(matchBlock(absent, facts({ headerList: { cookie: "a=1" } }))).toBe(false);
  });

  it("queryParams on decoded values, exact and regex", () => {
    const b = block({ queryParams: [{ name: "v", match: { exact: "a b" } }, { name: "n", match: { regex: "[0-9]+" } }] });
    expect(matchBlock(b, facts({ query: "v=a+b&n=42" }))).toBe(true);
    expect(matchBlock(b, facts({ query: "v=a%20b&n=x" }))).toBe(false);
    expect(matchBlock(b, facts({ query: "n=42" }))).toBe(false);
  });
});

describe("matchRoute: first route wins, blocks are ORed, no match list matches all", () => {
  const r = (name: string, match: MatchBlock[]): Route => ({ ...testRoute(name), match });
  const vhost = {
    name: "vs",
    routes: [
      r("post-or-admin", [block({ method: { exact: "POST" } }), block({ uri: { prefix: "/admin" } })]),
      r("api", [block({ uri: { prefix: "/api" } })]),
      r("default", []),
    ],
  };
  it.each([
    [{ method: "POST", path: "/api/x" }, "post-or-admin"],
    [{ path: "/admin/x" }, "post-or-admin"],
    [{ path: "/api/x" }, "api"],
    [{ path: "/other" }, "default"],
  ])("%o → %s", (f, expected) => {
    expect(matchRoute(vhost, facts(f))?.name).toBe(expected);
  });

  it("returns nothing when no route matches and there is no catch-all", () => {
    expect(matchRoute({ name: "vs", routes: [vhost.routes[1]!] }, facts({ path: "/x" }))).toBeUndefined();
  });
});
