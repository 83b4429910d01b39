// The route's Durable Object (src/observe/compare-store.ts) inside workerd: it adds
// tallies up, keeps the tally's limits (paths, path sets, examples per path) however
// many isolates send, and forgets on reset.
import { env, runInDurableObject } from "cloudflare:test";
import type { CompareStore } from "../../src/observe/compare-store";
import { describe, expect, it } from "vitest";
import { EXAMPLES_PER_PATH, MAX_PATHS, MAX_SIGNATURES, OVERFLOW, emptyTally, type Tally } from "../../src/compare/tally";

const identity = { virtualService: "api", route: "users", mirror: "api/v2" };
const store = (name: string) => env.COMPARE_STORE.get(env.COMPARE_STORE.idFromName(name));

function tally(over: Partial<Tally>): Tally {
  return { ...emptyTally(), ...over };
}

describe("CompareStore", () => {
  it("adds tallies from several isolates: counts, statuses, latency, fields (most structural kind wins)", async () => {
    const s = store("adds-up");
    await s.record(identity, tally({ mirrored: 3, compared: 2, statuses: { v1: { "200": 2 }, v2: { "200": 1, "500": 1 } }, latency: { v1: { "9": 2 }, v2: { "12": 2 } }, latencyShift: { "50": 2 }, fields: { "/body/a": { kind: "value", divergent: 2, noise: 0 } }, signatures: { '["/body/a"]': 2 } }));
    await s.record(identity, tally({ mirrored: 1, compared: 1, noiseSamples: 1, statuses: { v1: { "200": 1 }, v2: { "200": 1 } }, skipped: { body_too_large: 1 }, latencyShift: { "50": 1, "-3": 1 }, fields: { "/body/a": { kind: "type", divergent: 1, noise: 1 } }, signatures: { '["/body/a"]': 1 } }));
    const { identity: id, since, tally: t } = await s.snapshot();
    expect(id).toEqual(identity);
    expect(since).toBeGreaterThan(0);
    expect(t).toMatchObject({
      mirrored: 4,
      compared: 3,
      noiseSamples: 1,
      statuses: { v1: { "200": 3 }, v2: { "200": 2, "500": 1 } },
      latency: { v1: { "9": 2 }, v2: { "12": 2 } },
      latencyShift: { "50": 3, "-3": 1 },
      skipped: { body_too_large: 1 },
      fields: { "/body/a": { kind: "type", divergent: 3, noise: 1 } },
      signatures: { '["/body/a"]': 3 },
    });
  });

  it("keeps at most MAX_PATHS paths and MAX_SIGNATURES path sets: the rest are counted, not stored", async () => {
    const s = store("limits");
    const fields: Tally["fields"] = {};
    const signatures: Tally["signatures"] = {};
    for (let i = 0; i < MAX_PATHS + 10; i++) fields[`/body/f${i}`] = { kind: "value", divergent: 1, noise: 0 };
    for (let i = 0; i < MAX_SIGNATURES + 7; i++) signatures[JSON.stringify([`/body/f${i}`])] = 1;
    await s.record(identity, tally({ compared: MAX_SIGNATURES + 7, fields, signatures }));
    const { tally: t } = await s.snapshot();
    expect(Object.keys(t.fields)).toHaveLength(MAX_PATHS);
    expect(t.droppedPaths).toBe(10);
    expect(Object.keys(t.signatures)).toHaveLength(MAX_SIGNATURES + 1);
    expect(t.signatures[OVERFLOW]).toBe(7);
  });

  it("keeps a few examples per path, across calls: the latest (issue 21 item 6)", async () => {
    const s = store("examples");
    const example = (i: number) => ({ requestId: `r${i}`, method: "GET", path: "/x", at: i, differences: [{ path: "/body/a", kind: "value" as const, v1: "1", v2: "2" }] });
    for (let i = 0; i < 5; i++) await s.record(identity, tally({ examples: [example(i)] }));
    expect((await s.snapshot()).tally.examples.map((e) => e.requestId)).toEqual(["r2", "r3", "r4"].slice(-EXAMPLES_PER_PATH));
  });

  it("deletes an evicted example by its row, not by its text: an identical one stays stored", async () => {
    const s = store("duplicate-examples");
    const stub = s as unknown as DurableObjectStub<CompareStore>;
    const same = { requestId: "same", method: "GET", path: "/x", at: 1, differences: [{ path: "/body/a", kind: "value" as const, v1: "1", v2: "2" }] };
    await s.record(identity, tally({ examples: [{ ...same }, { ...same }] }));
    // A third example, identical too, and later ones push the first out, one at a time.
    for (let i = 2; i <= 3; i++) await s.record(identity, tally({ examples: [{ ...same, requestId: `later${i}`, at: 1 + i }] }));
    const kept = (await s.snapshot()).tally.examples.map((e) => e.requestId);
    expect(kept).toEqual(["same", "later2", "later3"]);
    const rows = await runInDurableObject(stub, (_, state) => state.storage.sql.exec<{ example: string }>("SELECT example FROM examples ORDER BY id").toArray());
    expect(rows.map((r) => (JSON.parse(r.example) as { requestId: string }).requestId)).toEqual(kept);
  });

  it("reset forgets everything", async () => {
    const s = store("reset");
    await s.record(identity, tally({ mirrored: 5, fields: { "/status": { kind: "value", divergent: 1, noise: 0 } } }));
    await s.reset();
    expect(await s.snapshot()).toEqual({ tally: emptyTally() });
  });
});
