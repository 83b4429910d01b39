import { describe, expect, it } from "vitest";
import { childPath, escapeSegment, pathMatches, splitPath, unescapeSegment } from "../../src/compare/path";

describe("field path segments (RFC 6901)", () => {
  it("escapes ~ as ~0 and / as ~1, and reads them back", () => {
    expect(escapeSegment("a/b~c")).toBe("a~1b~0c");
    expect(unescapeSegment("a~1b~0c")).toBe("a/b~c");
    // ~01 is "~1", not "/": ~1 is read before ~0
    expect(unescapeSegment("~01")).toBe("~1");
    expect(escapeSegment("~1")).toBe("~01");
  });

  it("appends escaped keys and the wildcard", () => {
    expect(childPath("/body", "a/b")).toBe("/body/a~1b");
    expect(childPath("/body", "*")).toBe("/body/*");
  });

  it("lowercases the header name of a path", () => {
    expect(splitPath("/headers/X-Api-Key")).toEqual(["headers", "x-api-key"]);
    expect(splitPath("/body/X")).toEqual(["body", "X"]);
    expect(splitPath("body/x")).toBeUndefined();
  });
});

describe("pathMatches", () => {
  it("matches the path itself and everything under it, not its parent or siblings", () => {
    expect(pathMatches("/body/meta", "/body/meta")).toBe(true);
    expect(pathMatches("/body/meta", "/body/meta/servedAt")).toBe(true);
    expect(pathMatches("/body/meta", "/body")).toBe(false);
    expect(pathMatches("/body/meta", "/body/metadata")).toBe(false);
  });

  it("lets * in the pattern match any one segment", () => {
    expect(pathMatches("/body/items/*/price", "/body/items/*/price")).toBe(true);
    expect(pathMatches("/body/*/price", "/body/items/price")).toBe(true);
    expect(pathMatches("/body/*/price", "/body/items/cost")).toBe(false);
  });

  it("lets a folded * in the path match a concrete pattern segment", () => {
    expect(pathMatches("/body/accounts/42/token", "/body/accounts/*/token")).toBe(true);
  });

  it("matches header names in any case, and nothing for a pattern that is not a path", () => {
    expect(pathMatches("/headers/Date", "/headers/date")).toBe(true);
    expect(pathMatches("body/x", "/body/x")).toBe(false);
  });
});
