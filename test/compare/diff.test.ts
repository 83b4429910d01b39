import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_DEPTH, MAP_KEY_LIMIT, diffAnswers, isIdKey } from "../../src/compare/diff";
import { hashJson } from "../../src/compare/hash";
import { lift } from "../../src/compare/lift";
import type { Json, Lifted, LiftedBody } from "../../src/compare/types";

const json = (value: Json, rest: Partial<Lifted> = {}): Lifted => ({ status: 200, headers: {}, body: { kind: "json", value }, ...rest });
const withBody = (body: LiftedBody | undefined): Lifted => (body ? { status: 200, headers: {}, body } : { status: 200, headers: {} });
/** path → kind, in the order the diff reports them */
const kinds = (a: Lifted, b: Lifted) => diffAnswers(a, b).differences.map((d) => [d.path, d.kind]);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe("diffAnswers: each kind of difference", () => {
  it("reports nothing for identical answers", () => {
    const a = json({ user: { name: "Ada", tags: ["x", "y"] }, n: 1.5, ok: true, none: null });
    const b = json({ user: { name: "Ada", tags: ["x", "y"] }, n: 1.5, ok: true, none: null });
    expect(diffAnswers(a, b)).toEqual({ differences: [], truncated: false });
  });

  it("reports a changed value with both raw values and their hashes", () => {
    const [d, ...rest] = diffAnswers(json({ user: { name: "Ada" } }), json({ user: { name: "Grace" } })).differences;
    expect(rest).toEqual([]);
    expect(d).toEqual({ path: "/body/user/name", kind: "value", v1: "Ada", v2: "Grace", v1Hash: hashJson("Ada"), v2Hash: hashJson("Grace") });
  });

  it("reports a changed JSON type: number to string, object to array, value to null", () => {
    expect(kinds(json({ id: 1, user: {}, note: "x" }), json({ id: "1", user: [], note: null }))).toEqual([
      ["/body/id", "type"],
      ["/body/user", "type"],
      ["/body/note", "type"],
    ]);
  });

  it("reports a field missing from v2 with v1's value only, and a field added by v2 with v2's only", () => {
    const { differences } = diffAnswers(json({ a: 1, gone: "x" }), json({ a: 1, fresh: [1] }));
    expect(differences).toEqual([
      { path: "/body/gone", kind: "missing", v1: "x", v1Hash: hashJson("x") },
      { path: "/body/fresh", kind: "added", v2: [1], v2Hash: hashJson([1]) },
    ]);
  });

  it("reports an array whose length changed once, at the array, not at every shifted element", () => {
    expect(kinds(json({ items: [1, 2, 3] }), json({ items: [0, 1, 2, 3] }))).toEqual([["/body/items", "length"]]);
  });

  it("reports an array holding the same elements in another order as an order difference", () => {
    expect(kinds(json({ items: [{ id: 1 }, { id: 2 }, 2] }), json({ items: [2, { id: 2 }, { id: 1 }] }))).toEqual([["/body/items", "order"]]);
  });

  it("does not take a different multiset of the same length for a reordering", () => {
    expect(kinds(json([1, 1, 2]), json([1, 2, 2]))).toEqual([["/body/*", "value"]]);
  });

  it("sees no difference in objects whose keys come in another order", () => {
    expect(kinds(json([{ a: 1, b: 2 }]), json([{ b: 2, a: 1 }]))).toEqual([]);
  });
});

describe("diffAnswers: paths", () => {
  it("writes array elements as * and reports one difference per path however many elements differ", () => {
    const a = json({ items: [{ price: 1 }, { price: 2 }, { price: 3 }] });
    const b = json({ items: [{ price: 1 }, { price: 20 }, { price: 30 }] });
    const { differences } = diffAnswers(a, b);
    expect(differences.map((d) => [d.path, d.kind])).toEqual([["/body/items/*/price", "value"]]);
    // the first differing element is the example
    expect(differences[0]).toMatchObject({ v1: 2, v2: 20 });
  });

  it("follows nested arrays element by element", () => {
    const a = json({ matrix: [[1, 2], [3, 4]], groups: [{ members: [{ email: "a@x" }] }] });
    const b = json({ matrix: [[1, 2], [3, 5]], groups: [{ members: [{ email: "b@x" }] }] });
    expect(kinds(a, b)).toEqual([
      ["/body/matrix/*/*", "value"],
      ["/body/groups/*/members/*/email", "value"],
    ]);
  });

  it("keeps the most structural kind when several fold into one path in one request", () => {
    const a = json({ items: [{ price: 1 }, { price: 2 }, { price: 3 }] });
    const b = json({ items: [{ price: 9 }, {}, { price: "3" }] });
    expect(kinds(a, b)).toEqual([["/body/items/*/price", "type"]]);
    expect(kinds(json([{ p: 1 }, { p: 2 }]), json([{ p: 5 }, {}]))).toEqual([["/body/*/p", "missing"]]);
  });

  it("escapes ~ and / in keys as RFC 6901 does", () => {
    expect(kinds(json({ "a/b": 1, "m~n": 1, "~1": 1 }), json({ "a/b": 2, "m~n": 2, "~1": 2 }))).toEqual([
      ["/body/a~1b", "value"],
      ["/body/m~0n", "value"],
      ["/body/~01", "value"],
    ]);
  });

  it("writes the body as /body when it is not JSON", () => {
    expect(kinds(withBody({ kind: "text", value: "a" }), withBody({ kind: "text", value: "b" }))).toEqual([["/body", "value"]]);
  });

  it("compares a top-level JSON primitive at /body", () => {
    expect(kinds(json(1), json(2))).toEqual([["/body", "value"]]);
  });
});

describe("diffAnswers: id-keyed objects fold like arrays", () => {
  it("folds numeric keys into *", () => {
    const a = json({ users: { "17": { name: "a" }, "42": { name: "b" } } });
    const b = json({ users: { "17": { name: "a" }, "42": { name: "c" }, "99": { name: "d" } } });
    expect(kinds(a, b)).toEqual([
      ["/body/users/*/name", "value"],
      ["/body/users/*", "added"],
    ]);
  });

  it("folds UUID keys and long hex ids into *", () => {
    const u1 = "3f2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
    const u2 = "Ab2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
    expect(kinds(json({ byId: { [u1]: 1, [u2]: 2 } }), json({ byId: { [u1]: 1, [u2]: 3 } }))).toEqual([["/body/byId/*", "value"]]);
    const oid = "a5a1f0c2e4b0a1b2c3d4e5f6";
    expect(kinds(json({ docs: { [oid]: 1 } }), json({ docs: { [oid]: 2 } }))).toEqual([["/body/docs/*", "value"]]);
  });

  it("folds an object with more than 50 keys (Diffy's limit), whatever they look like", () => {
    expect(MAP_KEY_LIMIT).toBe(50);
    const entries = (n: number, changed: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`user${String.fromCharCode(97 + (i % 26))}${i}`, i === changed ? -1 : i]));
    expect(kinds(json({ m: entries(51, -1) }), json({ m: entries(51, 3) }))).toEqual([["/body/m/*", "value"]]);
    // at the limit it is still a record: the field is named
    expect(kinds(json({ m: entries(50, -1) }), json({ m: entries(50, 3) }))).toEqual([["/body/m/userd3", "value"]]);
  });

  it("decides on both sides' keys, so an empty map on one side still folds", () => {
    expect(kinds(json({ m: {} }), json({ m: { "1": "x", "2": "y" } }))).toEqual([["/body/m/*", "added"]]);
  });

  it("does not fold a record with one id-like key among field names", () => {
    expect(kinds(json({ name: "a", "2fa": true }), json({ name: "b", "2fa": false }))).toEqual([
      ["/body/name", "value"],
      ["/body/2fa", "value"],
    ]);
  });

  it("tells id keys from field names", () => {
    for (const key of ["0", "42", "2024-05-01", "3f2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "deadbeefdeadbeef", "k".repeat(101)]) {
      expect(isIdKey(key), key).toBe(true);
    }
    for (const key of ["name", "user_id", "x-request-id", "deadbeef", "", "k".repeat(100)]) {
      expect(isIdKey(key), key).toBe(false);
    }
  });
});

describe("diffAnswers: status, headers and bodies that are not JSON", () => {
  it("reports a status difference at /status", () => {
    expect(diffAnswers({ status: 200, headers: {} }, { status: 503, headers: {} }).differences).toEqual([
      { path: "/status", kind: "value", v1: 200, v2: 503, v1Hash: hashJson(200), v2Hash: hashJson(503) },
    ]);
  });

  it("reports changed, missing and added headers under /headers", () => {
    const a: Lifted = { status: 200, headers: { "content-type": "application/json", etag: '"1"' } };
    const b: Lifted = { status: 200, headers: { "content-type": "text/plain", "x~y/z": "1" } };
    expect(kinds(a, b)).toEqual([
      ["/headers/content-type", "value"],
      ["/headers/etag", "missing"],
      ["/headers/x~0y~1z", "added"],
    ]);
  });

  it("compares lifted answers end to end: only the configured headers count", () => {
    const enc = new TextEncoder();
    const a = lift({ status: 200, headers: { "Content-Type": "application/json", Date: "Mon" }, body: enc.encode('{"a":1}') }, ["content-type"]);
    const b = lift({ status: 200, headers: { "content-type": "application/json", date: "Tue" }, body: enc.encode('{"a":1}') }, ["content-type"]);
    expect(kinds(a, b)).toEqual([]);
  });

  it("compares digests: different bytes differ at /body, equal digests do not", () => {
    const d = (value: string, overCap = false): LiftedBody => ({ kind: "digest", value, overCap });
    expect(kinds(withBody(d("fnv64:01")), withBody(d("fnv64:02")))).toEqual([["/body", "value"]]);
    expect(kinds(withBody(d("sha256:aa", true)), withBody(d("sha256:aa", true)))).toEqual([]);
    expect(kinds(withBody(d("sha256:aa", true)), withBody(d("sha256:bb", true)))).toEqual([["/body", "value"]]);
  });

  it("reports a body over the cap on one side only as a value difference, not a type change", () => {
    expect(kinds(json({ items: [] }), withBody({ kind: "digest", value: "sha256:aa", overCap: true }))).toEqual([["/body", "value"]]);
  });

  it("reports JSON turned into text (or binary) as a type difference at /body", () => {
    expect(kinds(json({ a: 1 }), withBody({ kind: "text", value: "a=1" }))).toEqual([["/body", "type"]]);
    expect(kinds(withBody({ kind: "text", value: "x" }), withBody({ kind: "digest", value: "fnv64:01", overCap: false }))).toEqual([["/body", "type"]]);
  });

  it("reports a body only one side has as missing or added", () => {
    expect(kinds(json({ a: 1 }), withBody(undefined))).toEqual([["/body", "missing"]]);
    expect(kinds(withBody(undefined), withBody({ kind: "text", value: "x" }))).toEqual([["/body", "added"]]);
    expect(kinds(withBody(undefined), withBody(undefined))).toEqual([]);
  });
});

describe("diffAnswers: bounded work", () => {
  it(`compares subtrees below depth ${DEFAULT_MAX_DEPTH} by hash and reports them where the limit was reached`, () => {
    const nest = (depth: number, leaf: Json): Json => {
      let v: Json = leaf;
      for (let i = 0; i < depth; i++) v = { k: v };
      return v;
    };
    const { differences } = diffAnswers(json(nest(100, 1)), json(nest(100, 2)));
    expect(differences.map((d) => d.kind)).toEqual(["value"]);
    expect(differences[0]!.path).toBe(`/body${"/k".repeat(DEFAULT_MAX_DEPTH)}`);
    expect(diffAnswers(json(nest(100, 1)), json(nest(100, 1))).differences).toEqual([]);
  });

  it("takes a 100,000-level nesting (it fits in 256 KiB) without overflowing the stack", () => {
    const enc = new TextEncoder();
    const deep = (leaf: string) => lift({ status: 200, headers: { "content-type": "application/json" }, body: enc.encode(`${"[".repeat(100_000)}${leaf}${"]".repeat(100_000)}`) }, []);
    const { differences } = diffAnswers(deep("1"), deep("2"));
    expect(differences.map((d) => [d.path, d.kind])).toEqual([[`/body${"/*".repeat(DEFAULT_MAX_DEPTH)}`, "value"]]);
  });

  it("keeps at most maxPaths paths and says it dropped the rest", () => {
    const wide = (v: number) => json(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, v])));
    const capped = diffAnswers(wide(1), wide(2), { maxPaths: 10 });
    expect(capped.differences).toHaveLength(10);
    expect(capped.truncated).toBe(true);
    expect(diffAnswers(wide(1), wide(2)).truncated).toBe(false);
  });

  it("finds the one changed field in a pair of 256 KiB bodies", () => {
    const enc = new TextEncoder();
    const body = (price: number) => {
      const items = Array.from({ length: 4200 }, (_, i) => ({ id: i, name: `item ${i}`, price: i === 1234 ? price : i, tags: ["a", String(i % 7)] }));
      return enc.encode(JSON.stringify({ items }));
    };
    const a = body(1234);
    expect(a.length).toBeGreaterThan(240 * 1024);
    expect(a.length).toBeLessThanOrEqual(256 * 1024);
    const lifted = (bytes: Uint8Array) => lift({ status: 200, headers: { "content-type": "application/json" }, body: bytes }, []);
    expect(kinds(lifted(a), lifted(body(-1)))).toEqual([["/body/items/*/price", "value"]]);
  });

  it("does not modify either answer", () => {
    const a = deepFreeze(json({ items: [{ p: 1 }, { p: 2 }], m: { "1": { x: 1 } } }, { headers: { etag: "1" } }));
    const b = deepFreeze(json({ items: [{ p: 2 }, {}], m: { "2": { x: 1 } } }, { headers: { etag: "2" } }));
    expect(() => diffAnswers(a, b)).not.toThrow();
    expect(kinds(a, b).length).toBeGreaterThan(0);
  });
});
