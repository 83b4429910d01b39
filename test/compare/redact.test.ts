import { describe, expect, it } from "vitest";
import { diffAnswers } from "../../src/compare/diff";
import { hashJson } from "../../src/compare/hash";
import { PREVIEW_CHARS, REDACTED, preview, redactDifference, redactLifted } from "../../src/compare/redact";
import type { Difference, Json, JsonObject, Lifted } from "../../src/compare/types";

const json = (value: Json, headers: Record<string, string> = {}): Lifted => ({ status: 200, headers, body: { kind: "json", value } });

function jsonBody(lifted: Lifted): JsonObject {
  if (lifted.body?.kind !== "json") throw new Error("expected a JSON body");
  return lifted.body.value as JsonObject;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe("redactLifted: headers", () => {
  it("always replaces authorization, cookie and set-cookie, and leaves other headers alone", () => {
    const lifted = deepFreeze(json(null, { authorization: "Bearer s3cret", cookie: "sid=1", "set-cookie": "sid=2", "content-type": "application/json" }));
    expect(redactLifted(lifted, []).headers).toEqual({
      authorization: REDACTED,
      cookie: REDACTED,
      "set-cookie": REDACTED,
      "content-type": "application/json",
    });
    expect(lifted.headers.authorization).toBe("Bearer s3cret");
  });

  it("replaces configured headers, named in any case", () => {
    expect(redactLifted(json(null, { "x-api-key": "k", etag: "1" }), ["/headers/X-Api-Key"]).headers).toEqual({ "x-api-key": REDACTED, etag: "1" });
  });
});

describe("redactLifted: body paths", () => {
  it("replaces a field, and a whole subtree when the path names its root", () => {
    const lifted = json({ user: { name: "Ada", ssn: "123" }, secret: { a: 1, b: [2] }, keep: 1 });
    expect(redactLifted(lifted, ["/body/user/ssn", "/body/secret"]).body).toEqual({
      kind: "json",
      value: { user: { name: "Ada", ssn: REDACTED }, secret: REDACTED, keep: 1 },
    });
  });

  it("reaches into arrays with *, nested arrays included", () => {
    const lifted = json({
      users: [{ name: "a", ssn: "1" }, { name: "b" }, { name: "c", ssn: "3" }],
      groups: [{ members: [{ email: "x@y", id: 1 }] }, { members: [{ email: "z@y", id: 2 }] }],
    });
    expect(redactLifted(lifted, ["/body/users/*/ssn", "/body/groups/*/members/*/email"]).body).toEqual({
      kind: "json",
      value: {
        users: [{ name: "a", ssn: REDACTED }, { name: "b" }, { name: "c", ssn: REDACTED }],
        groups: [{ members: [{ email: REDACTED, id: 1 }] }, { members: [{ email: REDACTED, id: 2 }] }],
      },
    });
  });

  it("reaches every key of a map with *", () => {
    const lifted = json({ accounts: { "17": { token: "t1", n: 1 }, "42": { token: "t2", n: 2 } } });
    expect(redactLifted(lifted, ["/body/accounts/*/token"]).body).toEqual({
      kind: "json",
      value: { accounts: { "17": { token: REDACTED, n: 1 }, "42": { token: REDACTED, n: 2 } } },
    });
  });

  it("reads escaped keys in patterns as RFC 6901 does", () => {
    expect(redactLifted(json({ "a/b": 1, "m~n": 2, c: 3 }), ["/body/a~1b", "/body/m~0n"]).body).toEqual({
      kind: "json",
      value: { "a/b": REDACTED, "m~n": REDACTED, c: 3 },
    });
  });

  it("replaces the whole body for /body, whatever its kind", () => {
    expect(redactLifted(json({ a: 1 }), ["/body"]).body).toEqual({ kind: "json", value: REDACTED });
    expect(redactLifted({ status: 200, headers: {}, body: { kind: "text", value: "pin=1234" } }, ["/body"]).body).toEqual({ kind: "text", value: REDACTED });
    expect(redactLifted({ status: 200, headers: {}, body: { kind: "digest", value: "fnv64:01", overCap: false } }, ["/body"]).body).toEqual({
      kind: "digest",
      value: REDACTED,
      overCap: false,
    });
  });

  it("copies only what it changes and never modifies its input", () => {
    const lifted = deepFreeze(json({ user: { ssn: "1" }, big: { untouched: [1, 2, 3] } }));
    const out = redactLifted(lifted, ["/body/user/ssn", "/body/absent/x", "/body/big/untouched/0"]);
    expect(jsonBody(out).user).toEqual({ ssn: REDACTED });
    // an index is not a path segment: arrays are only reached with *
    expect(jsonBody(out).big).toBe(jsonBody(lifted).big);
    expect(redactLifted(lifted, []).body).toBe(lifted.body);
  });
});

describe("redactDifference", () => {
  it("replaces a credential header's values and hashes the replacement, never the secret", () => {
    const [d] = diffAnswers(json(null, { authorization: "Bearer a" }), json(null, { authorization: "Bearer b" })).differences;
    const stored = redactDifference(d!, []);
    expect(stored).toEqual({ path: "/headers/authorization", kind: "value", v1: `"${REDACTED}"`, v2: `"${REDACTED}"`, v1Hash: hashJson(REDACTED), v2Hash: hashJson(REDACTED) });
    expect(JSON.stringify(stored)).not.toContain("Bearer");
  });

  it("redacts a configured field inside arrays where the diff folded the elements", () => {
    const [d] = diffAnswers(json({ users: [{ ssn: "111-11" }] }), json({ users: [{ ssn: "222-22" }] })).differences;
    expect(d!.path).toBe("/body/users/*/ssn");
    const stored = redactDifference(d!, ["/body/users/*/ssn"]);
    expect(stored.v1).toBe(`"${REDACTED}"`);
    expect(JSON.stringify(stored)).not.toMatch(/111|222/);
  });

  it("redacts on the safe side when a concrete pattern meets a folded path", () => {
    const d: Difference = { path: "/body/accounts/*/token", kind: "value", v1: "t1", v2: "t2" };
    expect(redactDifference(d, ["/body/accounts/42/token"]).v2).toBe(`"${REDACTED}"`);
  });

  it("redacts inside the value of a difference found higher up the tree", () => {
    const a = json({ user: { name: "Ada", ssn: "123-45" } });
    const b = json({ user: [{ name: "Ada", ssn: "123-45" }] });
    const [d] = diffAnswers(a, b).differences;
    expect(d).toMatchObject({ path: "/body/user", kind: "type" });
    const stored = redactDifference(d!, ["/body/user/ssn", "/body/user/*/ssn"]);
    expect(stored.v1).toBe(`{"name":"Ada","ssn":"${REDACTED}"}`);
    expect(stored.v2).toBe(`[{"name":"Ada","ssn":"${REDACTED}"}]`);
    expect(stored.v1Hash).toBe(hashJson({ name: "Ada", ssn: REDACTED }));
    expect(stored.v1Hash).not.toBe(d!.v1Hash);
  });

  it("keeps the kind and the side a value is missing from", () => {
    const [d] = diffAnswers(json({ gone: 1 }), json({})).differences;
    expect(redactDifference(d!, [])).toEqual({ path: "/body/gone", kind: "missing", v1: "1", v1Hash: hashJson(1) });
  });

  it(`cuts previews to ${PREVIEW_CHARS} characters, and hashes the whole redacted value`, () => {
    const long = (tail: string): string => `${"x".repeat(300)}${tail}`;
    const stored = redactDifference({ path: "/body/note", kind: "value", v1: long("a"), v2: long("b") }, []);
    expect(stored.v1!.length).toBe(PREVIEW_CHARS);
    expect(stored.v1!.endsWith("…")).toBe(true);
    expect(stored.v1).toBe(stored.v2);
    expect(stored.v1Hash).not.toBe(stored.v2Hash);
  });
});

describe("preview", () => {
  it("writes short values as their JSON text", () => {
    expect(preview({ a: [1, "x", null, true] })).toBe('{"a":[1,"x",null,true]}');
  });

  it("stops early on a value 100,000 levels deep", () => {
    let deep: Json = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const text = preview(deep, 32);
    expect(text).toBe(`${"[".repeat(31)}…`);
  });

  it("does not end on half of a surrogate pair", () => {
    const faces = "😀".repeat(10); // two UTF-16 code units each
    expect(preview(faces, 6)).toBe('"😀😀…');
    expect(preview(faces, 5)).toBe('"😀…');
  });
});
