import { describe, expect, it } from "vitest";
import { compareAnswers } from "../../src/compare/compare-answers";
import type { Answer } from "../../src/compare/types";

const json = (value: unknown, status = 200, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: new TextEncoder().encode(JSON.stringify(value)),
});
const settings = { headers: ["content-type", "set-cookie"], ignore: [] as string[], redact: [] as string[] };

describe("compareAnswers: one request", () => {
  it("identical answers: no differences", () => {
    const a = json({ user: { id: 7, name: "Ada" } });
    expect(compareAnswers(a, json({ user: { id: 7, name: "Ada" } }), undefined, settings)).toEqual({
      v1Status: 200,
      v2Status: 200,
      differences: [],
      reported: [],
      example: [],
    });
  });

  it("the same bytes but another status or a header only one side sent: still differences (the equal-answer shortcut must not hide them)", () => {
    const body = { user: { id: 7 } };
    expect(compareAnswers(json(body, 200), json(body, 201), undefined, settings).differences).toEqual([{ path: "/status", kind: "value" }]);
    expect(compareAnswers(json(body), json(body, 200, { "set-cookie": "a=1" }), undefined, settings).differences).toEqual([{ path: "/headers/set-cookie", kind: "added" }]);
    expect(compareAnswers(json(body, 200, { "set-cookie": "a=1" }), json(body), undefined, settings).differences).toEqual([{ path: "/headers/set-cookie", kind: "missing" }]);
  });

  it("a changed field is named, with its kind, and shown in the example", () => {
    const out = compareAnswers(json({ user: { plan: "free" } }), json({ user: { plan: "Free" } }), undefined, settings);
    expect(out.differences).toEqual([{ path: "/body/user/plan", kind: "value" }]);
    expect(out.reported).toEqual(["/body/user/plan"]);
    expect(out.example).toEqual([expect.objectContaining({ path: "/body/user/plan", kind: "value", v1: '"free"', v2: '"Free"' })]);
  });

  it("status and header differences", () => {
    const out = compareAnswers(json({}, 200), { status: 404, headers: { "content-type": "text/plain" }, body: new TextEncoder().encode("nope") }, undefined, settings);
    expect(out.differences.map((d) => [d.path, d.kind])).toEqual([
      ["/status", "value"],
      ["/headers/content-type", "value"],
      ["/body", "type"],
    ]);
    expect([out.v1Status, out.v2Status]).toEqual([200, 404]);
  });

  it("ignored paths are counted but neither reported nor shown", () => {
    const out = compareAnswers(json({ meta: { servedAt: 1 }, a: 1 }), json({ meta: { servedAt: 2 }, a: 2 }), undefined, { ...settings, ignore: ["/body/meta"] });
    expect(out.differences.map((d) => d.path)).toEqual(["/body/meta/servedAt", "/body/a"]);
    expect(out.reported).toEqual(["/body/a"]);
    expect(out.example.map((d) => d.path)).toEqual(["/body/a"]);
  });

  it("a noise sample compares v1 with v1's second answer", () => {
    const out = compareAnswers(json({ at: 1, a: 1 }), json({ at: 2, a: 2 }), json({ at: 3, a: 1 }), settings);
    expect(out.noise).toEqual([{ path: "/body/at", kind: "value" }]);
  });

  it("never lets a secret into the example: set-cookie always, redact paths on request", () => {
    const out = compareAnswers(
      json({ session: { token: "tok-v1-SECRET" } }, 200, { "set-cookie": "sid=SECRET1" }),
      json({ session: { token: "tok-v2-SECRET" } }, 200, { "set-cookie": "sid=SECRET2" }),
      undefined,
      { ...settings, redact: ["/body/session/token"] },
    );
    expect(out.reported).toEqual(["/headers/set-cookie", "/body/session/token"]);
    expect(JSON.stringify(out)).not.toContain("SECRET");
  });

  it("keeps at most 8 differences in an example, every one in the counts", () => {
    const many = (n: number) => Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, n]));
    const out = compareAnswers(json(many(1)), json(many(2)), undefined, settings);
    expect(out.differences).toHaveLength(20);
    expect(out.example).toHaveLength(8);
  });
});

describe("compareAnswers: bodies with the same bytes are not parsed", () => {
  it("equal bytes: no body difference, headers and status still compared", () => {
    const v1 = json({ a: 1 }, 200, { "content-type": "application/json" });
    const v2 = { ...json({ a: 1 }, 201), headers: { "content-type": "application/json; charset=utf-8" } };
    expect(compareAnswers(v1, v2, undefined, settings).differences.map((d) => d.path)).toEqual(["/status", "/headers/content-type"]);
  });

  it("a body that is not even JSON compares equal when the bytes are (nothing to parse)", () => {
    const bytes = new TextEncoder().encode("{not json");
    const a: Answer = { status: 200, headers: { "content-type": "application/json" }, body: bytes };
    const b: Answer = { status: 200, headers: { "content-type": "application/json" }, body: new Uint8Array(bytes) };
    expect(compareAnswers(a, b, undefined, settings).differences).toEqual([]);
  });

  it("v1 equal to v2 but not to its second answer: the noise diff still walks the bodies", () => {
    const out = compareAnswers(json({ at: 1, a: 1 }), json({ at: 1, a: 1 }), json({ at: 2, a: 1 }), settings);
    expect(out.differences).toEqual([]);
    expect(out.noise).toEqual([{ path: "/body/at", kind: "value" }]);
  });

  it("sameBytes: every length and alignment", async () => {
    const { sameBytes } = await import("../../src/compare/compare-answers");
    for (const n of [0, 1, 3, 4, 5, 8, 1023, 1024]) {
      const buf = new Uint8Array(n + 3).map((_, i) => i % 251);
      for (const offset of [0, 1, 2, 3]) {
        const a = buf.subarray(offset, offset + Math.min(n, buf.length - offset));
        const b = new Uint8Array(a);
        expect(sameBytes(a, b)).toBe(true);
        if (a.length > 0) {
          b[a.length - 1]! ^= 1;
          expect(sameBytes(a, b)).toBe(false);
        }
      }
    }
  });
});
