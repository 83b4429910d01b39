// How an isolate reads the pause switch: never per request; at most every
// SWITCH_REFRESH_MS, in waitUntil; a fresh isolate hands out its pending first read;
// a failed read keeps what was known, and stops mirroring when nothing was.
import { describe, expect, it } from "vitest";
import { SWITCH_REFRESH_MS, SwitchCache } from "../../src/switch/switch-cache";
import type { SwitchState } from "../../src/switch/switch-state";
import type { SwitchLog } from "../../src/observe/log";

function harness(states: (SwitchState | Error)[]) {
  let now = 1_000_000;
  let reads = 0;
  const waited: Promise<unknown>[] = [];
  const logged: SwitchLog[] = [];
  const cache = new SwitchCache(() => now, (line) => logged.push(line));
  const read = async () => {
    const next = states[Math.min(reads++, states.length - 1)]!;
    if (next instanceof Error) throw next;
    return next;
  };
  return {
    lookup: () => cache.lookup(read, (p) => waited.push(p)),
    advance: (ms: number) => (now += ms),
    reads: () => reads,
    logged,
    settle: () => Promise.all(waited),
  };
}

const open: SwitchState = { routes: {}, changes: [] };
const paused: SwitchState = { percentCap: 0, routes: { "vs/a": 10 }, changes: [] };

describe("SwitchCache", () => {
  it("a fresh isolate: the first lookup starts one read (in waitUntil) and hands it out as pending", async () => {
    const h = harness([paused]);
    const first = h.lookup();
    const second = h.lookup();
    expect(first.caps).toBeUndefined();
    expect(second.pending).toBe(first.pending);
    expect(h.reads()).toBe(1);
    expect(await first.pending).toEqual({ perMillion: 0, routes: { "vs/a": 100_000 } });
    await h.settle();
  });

  it("after the first read, lookups are answered from memory until SWITCH_REFRESH_MS has passed", async () => {
    const h = harness([open, paused]);
    await h.lookup().pending;
    for (let i = 0; i < 1000; i++) expect(h.lookup()).toEqual({ caps: { perMillion: 1_000_000, routes: {} } });
    h.advance(SWITCH_REFRESH_MS - 1);
    expect(h.lookup().caps?.perMillion).toBe(1_000_000);
    expect(h.reads()).toBe(1);
  });

  it("stale caps are still used for the request that finds them stale; the read runs in waitUntil and the next request sees it", async () => {
    const h = harness([open, paused]);
    await h.lookup().pending;
    h.advance(SWITCH_REFRESH_MS);
    const stale = h.lookup();
    expect(stale).toEqual({ caps: { perMillion: 1_000_000, routes: {} } });
    expect(h.lookup().caps?.perMillion).toBe(1_000_000);
    expect(h.reads()).toBe(2);
    await h.settle();
    expect(h.lookup().caps).toEqual({ perMillion: 0, routes: { "vs/a": 100_000 } });
  });

  it("a failed read keeps the caps known before, and retries within a second", async () => {
    const h = harness([paused, new Error("overloaded"), open]);
    await h.lookup().pending;
    h.advance(SWITCH_REFRESH_MS);
    h.lookup();
    await h.settle();
    expect(h.lookup().caps?.perMillion).toBe(0);
    expect(h.reads()).toBe(2);
    expect(h.logged).toEqual([{ event: "switch", error: "read_failed", detail: "overloaded" }]);
    h.advance(1_000);
    h.lookup();
    await h.settle();
    expect(h.lookup().caps?.perMillion).toBe(1_000_000);
  });

  it("a fresh isolate whose read fails stops mirroring (fail safe) until a read succeeds", async () => {
    const h = harness([new Error("unreachable"), open]);
    expect(await h.lookup().pending).toEqual({ perMillion: 0, routes: {} });
    expect(h.lookup().caps?.perMillion).toBe(0);
    h.advance(1_000);
    h.lookup();
    await h.settle();
    expect(h.lookup().caps?.perMillion).toBe(1_000_000);
  });
});
