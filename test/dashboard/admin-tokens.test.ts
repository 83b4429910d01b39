// EDGE_MIRROR_ADMIN_TOKEN: several tokens, each optionally named (`alice:<token>`);
// the name is recorded, the part after the colon is what a client presents — to the
// dashboard and to issue 11's report API alike.
import { describe, expect, it } from "vitest";
import { adminTokens, findToken } from "../../src/dashboard/admin-tokens";
import { bearer, world } from "../support/switch-world";

describe("adminTokens", () => {
  it("reads named and unnamed tokens separated by commas or whitespace", () => {
    expect(adminTokens("alice:a1, bob:b2\nplain  ,")).toEqual([
      { name: "alice", token: "a1" },
      { name: "bob", token: "b2" },
      { name: "admin", token: "plain" },
    ]);
  });

  it("nothing configured: no tokens; a name with no token is no token", () => {
    expect(adminTokens(undefined)).toEqual([]);
    expect(adminTokens("  ")).toEqual([]);
    expect(adminTokens("alice:")).toEqual([]);
  });

  it("a prefix that is not a plain name is part of the token", () => {
    expect(adminTokens("a b:c")).toEqual([
      { name: "admin", token: "a" },
      { name: "b", token: "c" },
    ]);
    expect(adminTokens("x/y:z")).toEqual([{ name: "admin", token: "x/y:z" }]);
  });

  it("findToken finds the one presented, and nothing for a near miss", async () => {
    const tokens = adminTokens("alice:a1,bob:b2");
    expect(await findToken(tokens, "b2")).toEqual({ name: "bob", token: "b2" });
    expect(await findToken(tokens, "b")).toBeUndefined();
    expect(await findToken(tokens, "bob:b2")).toBeUndefined();
  });
});

describe("the report API takes the same tokens", () => {
  it("a named token's secret is a valid bearer for /__edge-mirror/api/report; the name:secret text is not", async () => {
    const w = world();
    expect((await w.fetch("http://mirror.test/__edge-mirror/api/report", { headers: bearer() })).status).toBe(200);
    expect([400, 401]).toContain((await w.fetch("http://mirror.test/__edge-mirror/api/report", { headers: { authorization: "Bearer alice:3f9c0d1e-secret" } })).status);
  });
});
