// The isolate's batching (src/observe/compare-recorder.ts): a route's Durable Object
// gets at most one call per interval from an isolate, however many requests; the
// first after a quiet interval goes at once; a failed call loses nothing.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CompareRecorder, compareKey, type CompareRoute, type CompareStoreNamespace } from "../../src/observe/compare-recorder";
import { addShadow, emptyTally, mergeTally, type Tally } from "../../src/compare/tally";
import type { CompareLog } from "../../src/observe/log";

const route = (name: string): CompareRoute => ({ key: compareKey(`api/${name}`, "api/v2"), virtualService: "api", route: name, mirror: "api/v2" });

/** A stand-in namespace: records every record() call per object name; `failing` makes calls reject. */
function fakeStore() {
  const calls: { name: string; tally: Tally }[] = [];
  const state = { failing: false };
  const ns = {
    idFromName: (name: string) => name,
    get: (id: string) => ({
      record: async (_identity: unknown, tally: Tally) => {
        if (state.failing) throw new Error("overloaded");
        calls.push({ name: id, tally: structuredClone(tally) });
      },
    }),
  } as unknown as CompareStoreNamespace;
  return { ns, calls, state };
}

const shadow = (t: Tally) => addShadow(t, {});

beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => vi.useRealTimers());

describe("CompareRecorder", () => {
  it("sends the first result at once, then gathers the rest of the second into one call", async () => {
    const { ns, calls } = fakeStore();
    const recorder = new CompareRecorder(() => {});
    const first = recorder.add(route("users"), ns, shadow);
    expect(first).toBeInstanceOf(Promise);
    await first;
    expect(calls.map((c) => c.tally.mirrored)).toEqual([1]);

    const timers: (Promise<void> | undefined)[] = [];
    for (let i = 0; i < 500; i++) {
      vi.advanceTimersByTime(1);
      timers.push(recorder.add(route("users"), ns, shadow));
    }
    // One timer kept alive by the request that started it; the others return nothing to wait for.
    expect(timers.filter(Boolean)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(timers);
    expect(calls.map((c) => c.tally.mirrored)).toEqual([1, 500]);
  });

  it("10,000 results over 10 s from one isolate: about one call per second", async () => {
    const { ns, calls } = fakeStore();
    const recorder = new CompareRecorder(() => {});
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 10_000; i++) {
      const p = recorder.add(route("users"), ns, shadow);
      if (p) pending.push(p);
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(pending);
    expect(calls.length).toBeGreaterThanOrEqual(10);
    expect(calls.length).toBeLessThanOrEqual(11);
    expect(calls.reduce((n, c) => n + c.tally.mirrored, 0)).toBe(10_000);
  });

  it("routes are batched apart, each to its own object", async () => {
    const { ns, calls } = fakeStore();
    const recorder = new CompareRecorder(() => {});
    await Promise.all([recorder.add(route("a"), ns, shadow), recorder.add(route("b"), ns, shadow)]);
    expect(calls.map((c) => c.name).sort()).toEqual(["api/a -> api/v2", "api/b -> api/v2"]);
  });

  it("a failed call keeps its counts for the next one, and is logged", async () => {
    const { ns, calls, state } = fakeStore();
    const logged: CompareLog[] = [];
    const recorder = new CompareRecorder((l) => logged.push(l));
    state.failing = true;
    await recorder.add(route("users"), ns, shadow);
    expect(logged).toEqual([{ event: "compare", route: "api/users -> api/v2", error: "store_failed", detail: "overloaded" }]);
    state.failing = false;
    const next = recorder.add(route("users"), ns, shadow);
    await vi.advanceTimersByTimeAsync(1000);
    await next;
    expect(calls.map((c) => c.tally.mirrored)).toEqual([2]);
  });

  it("flushAll sends what is pending now (the report reads right after)", async () => {
    const { ns, calls } = fakeStore();
    const recorder = new CompareRecorder(() => {});
    await recorder.add(route("users"), ns, shadow);
    void recorder.add(route("users"), ns, shadow);
    await recorder.flushAll();
    expect(calls.map((c) => c.tally.mirrored)).toEqual([1, 1]);
  });

  it("without a store binding nothing is kept or sent", () => {
    const recorder = new CompareRecorder(() => {});
    expect(recorder.add(route("users"), undefined, shadow)).toBeUndefined();
  });

  it("what it sends adds up to what was recorded (mergeTally is addition)", () => {
    const a = emptyTally();
    shadow(a);
    const b = emptyTally();
    addShadow(b, { error: "timeout" });
    mergeTally(a, b);
    expect(a).toMatchObject({ mirrored: 2, shadowErrors: { timeout: 1 } });
  });
});
