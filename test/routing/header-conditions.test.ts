// Header conditions the way Envoy evaluates them for Istio: pseudo-headers read from
// the request facts (never Headers.get, which throws on ":path"), withoutHeaders with
// Istio's treat_missing_header_as_empty, and regexes as the compiler translated them.
import { describe, expect, it } from "vitest";
import { matchBlock, matchString, type MatchFacts } from "../../src/routing/match";
import type { MatchBlock } from "../../src/routing/table";

const facts = (over: Partial<MatchFacts> = {}, headers: Record<string, string> = {}): MatchFacts => ({
  method: "GET",
  path: "/api/items",
  query: "page=2",
  target: "/api/items?page=2",
  authority: "httpbin:8000",
  scheme: "https",
  ...over,
  headers: new Headers(headers),
});
const block = (b: Partial<MatchBlock>): MatchBlock => ({ headers: [], withoutHeaders: [], queryParams: [], ...b });

describe("pseudo-headers", () => {
  it(":path is the path with its query (Envoy's :path), :authority the Host, :method, :scheme", () => {
    expect(matchBlock(block({ headers: [{ name: ":path", match: { exact: "/api/items?page=2" } }] }), facts())).toBe(true);
    expect(matchBlock(block({ headers: [{ name: ":path", match: { exact: "/api/items" } }] }), facts())).toBe(false);
    expect(matchBlock(block({ headers: [{ name: ":authority", match: { prefix: "httpbin" } }] }), facts())).toBe(true);
    expect(matchBlock(block({ headers: [{ name: ":method", match: { exact: "GET" } }] }), facts())).toBe(true);
    expect(matchBlock(block({ headers: [{ name: ":scheme", match: { exact: "http" } }] }), facts())).toBe(false);
  });

  it(":path falls back to path and query when the facts carry no target", () => {
    const { target: _, ...rest } = facts();
    expect(matchBlock(block({ headers: [{ name: ":path", match: { regex: "/api/.*\\?page=2" } }] }), rest)).toBe(true);
  });

  it("a request has no :status: present never holds, withoutHeaders always does", () => {
    expect(matchBlock(block({ headers: [{ name: ":status", match: { present: true } }] }), facts())).toBe(false);
    expect(matchBlock(block({ withoutHeaders: [{ name: ":status", match: { present: true } }] }), facts())).toBe(true);
  });

  it("a withoutHeaders on :method excludes that method", () => {
    const b = block({ withoutHeaders: [{ name: ":method", match: { exact: "POST" } }] });
    expect(matchBlock(b, facts())).toBe(true);
    expect(matchBlock(b, facts({ method: "POST" }))).toBe(false);
  });
});

describe("withoutHeaders: a missing header is matched as empty (treat_missing_header_as_empty)", () => {
  it("{exact: ''} and a regex that matches '' fail the block when the header is absent", () => {
    expect(matchBlock(block({ withoutHeaders: [{ name: "x-a", match: { exact: "" } }] }), facts())).toBe(false);
    expect(matchBlock(block({ withoutHeaders: [{ name: "x-a", match: { regex: "x*" } }] }), facts())).toBe(false);
    expect(matchBlock(block({ withoutHeaders: [{ name: "x-a", match: { regex: "x+" } }] }), facts())).toBe(true);
  });
});

describe("regexes as compiled", () => {
  it("run the JavaScript translation with the u flag, and i when the whole pattern is (?i)", () => {
    expect(matchString({ regex: "\\A/v[[:digit:]]+\\z", js: "^/v[0-9]+$" }, "/v12")).toBe(true);
    expect(matchString({ regex: "(?i)abc", js: "abc", ignoreCase: true }, "ABC")).toBe(true);
    expect(matchString({ regex: ".", js: "[^\\n]" }, "😀")).toBe(true); // one code point, as RE2
    expect(matchString({ regex: ".", js: "[^\\n]" }, "\u2028")).toBe(true);
  });

  it("a hand-made regex that is not valid with the u flag still runs as written", () => {
    expect(matchString({ regex: "a\\-b" }, "a-b")).toBe(true);
  });
});
