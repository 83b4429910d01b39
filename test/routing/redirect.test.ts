// HTTPRedirect's Location (src/routing/redirect.ts), prefixRewrite in particular:
// Envoy's prefix_rewrite swaps the prefix the route matched and keeps the rest of
// the path and the query.
import { describe, expect, it } from "vitest";
import { redirectLocation } from "../../src/routing/redirect";
import type { MatchBlock } from "../../src/routing/table";

const facts = (path: string, query = "") => ({ scheme: "http", authority: "api.test", path, query });
const byPrefix = (prefix: string, ignoreCase = false): MatchBlock => ({ uri: { prefix, ...(ignoreCase ? { ignoreCase } : {}) }, headers: [], withoutHeaders: [], queryParams: [] });

describe("redirect prefixRewrite", () => {
  it("replaces the matched prefix and keeps the rest of the path and the query", () => {
    expect(redirectLocation({ status: 301, prefixRewrite: "/new" }, facts("/old/a/b", "q=1"), byPrefix("/old"))).toBe("http://api.test/new/a/b?q=1");
  });

  it("a route without a uri match is Envoy's prefix / route: its leading / is replaced", () => {
    expect(redirectLocation({ status: 302, prefixRewrite: "/v2/" }, facts("/items/7"))).toBe("http://api.test/v2/items/7");
    expect(redirectLocation({ status: 302, prefixRewrite: "/v2/" }, facts("/items/7"), { headers: [], withoutHeaders: [], queryParams: [] })).toBe("http://api.test/v2/items/7");
  });

  it("a case-insensitive prefix match replaces as many characters as it matched", () => {
    expect(redirectLocation({ status: 301, prefixRewrite: "/api" }, facts("/API/x"), byPrefix("/api", true))).toBe("http://api.test/api/x");
  });

  it("goes with authority and scheme changes", () => {
    expect(redirectLocation({ status: 308, prefixRewrite: "/", authority: "new.test", scheme: "https" }, facts("/old/x"), byPrefix("/old/"))).toBe("https://new.test/x");
  });

  it("uri replaces the whole path instead", () => {
    expect(redirectLocation({ status: 301, uri: "/elsewhere" }, facts("/old/x", "q=1"), byPrefix("/old"))).toBe("http://api.test/elsewhere?q=1");
  });
});
