// EDGE_MIRROR_ADMIN_TOKEN: several tokens, each optionally named (`alice:<token>`);
// the name is recorded, the part after the colon is what a client presents — to the
// dashboard and to issue 11's report API alike. Each token is an RFC 6750 b64token
// (§2.1) of at least 16 characters, or the whole secret is refused (issue 17).
import { describe, expect, it } from "vitest";
import { adminConfig, adminTokens, findToken } from "../../src/admin/tokens";
import { bearer, TOKEN, world } from "../support/switch-world";

const A = "a1-0123456789abcdef";
const B = "b2-0123456789abcdef";

describe("adminTokens", () => {
  it("reads named and unnamed tokens separated by commas or whitespace", () => {
    expect(adminTokens(`alice:${A}, bob:${B}\nplain-0123456789abcdef  ,`)).toEqual([
      { name: "alice", token: A },
      { name: "bob", token: B },
      { name: "admin", token: "plain-0123456789abcdef" },
    ]);
  });

  it("nothing configured: no tokens", () => {
    expect(adminTokens(undefined)).toEqual([]);
    expect(adminTokens("  ")).toEqual([]);
  });

  it("a prefix that is not a plain name is part of the token", () => {
    expect(adminTokens("x/y:z")).toEqual([{ name: "admin", token: "x/y:z" }]);
  });

  it("findToken finds the one presented, and nothing for a near miss", async () => {
    const tokens = adminTokens(`alice:${A},bob:${B}`);
    expect(await findToken(tokens, B)).toEqual({ name: "bob", token: B });
    expect(await findToken(tokens, B.slice(0, -1))).toBeUndefined();
    expect(await findToken(tokens, `bob:${B}`)).toBeUndefined();
  });
});

describe("adminConfig: the secret is accepted whole or refused whole", () => {
  it("unset or empty: off (the admin paths do not exist)", () => {
    expect(adminConfig(undefined)).toEqual({ kind: "off" });
    expect(adminConfig(" ")).toEqual({ kind: "off" });
  });

  it("RFC 6750 tokens of 16 characters or more: on", () => {
    expect(adminConfig(`alice:${A}, Zm9vYmFyYmF6cXV4cXV1eA==, a.b_c~d+e/f-g0123`)).toMatchObject({ kind: "on", tokens: [{ name: "alice" }, { name: "admin" }, { name: "admin" }] });
  });

  it.each([
    [`alice:${A}, bob:short-token`, ['token "bob" is 11 characters long; at least 16 are needed']],
    [`alice:${A}, carol:Carol!Tok#9$x-long`, ['token "carol" has characters outside RFC 6750\'s token set']],
    [`alice:${A}, dave:`, ['token "dave" is empty']],
    ["x", ["the token is 1 character long"]],
    [`${A}, x/y:z-0123456789abcdef`, ["token 2 (unnamed) has characters outside"]],
    ["alice:a, bob:b", ['token "alice" is 1', 'token "bob" is 1']],
  ])("%j is refused, naming the entry and never showing it", (raw, problems) => {
    const config = adminConfig(raw);
    expect(config.kind).toBe("refused");
    const listed = (config as { problems: string[] }).problems;
    expect(listed).toHaveLength(problems.length);
    problems.forEach((p, i) => expect(listed[i]).toContain(p));
    for (const line of listed) expect(line).not.toMatch(/short-token|Carol!|0123456789abcdef/);
  });
});

describe("the report API takes the same tokens", () => {
  it("a named token's secret is a valid bearer for /__edge-mirror/api/report; the name:secret text is not", async () => {
    const w = world();
    expect((await w.fetch("http://mirror.test/__edge-mirror/api/report", { headers: bearer() })).status).toBe(200);
    expect([400, 401]).toContain((await w.fetch("http://mirror.test/__edge-mirror/api/report", { headers: { authorization: `Bearer alice:${TOKEN}` } })).status);
  });
});
