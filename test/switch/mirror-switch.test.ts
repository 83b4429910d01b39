// The pause switch's Durable Object: what it stores, how much history it keeps, and
// that a new instance (a restart, a deploy) reads back the same state from SQLite.
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SWITCH_OBJECT } from "../../src/switch/mirror-switch";
import { SWITCH_HISTORY, type SwitchState } from "../../src/switch/switch-state";
import { scopedSwitch } from "../support/switch-world";

const stubOf = () => {
  const ns = scopedSwitch(crypto.randomUUID());
  return () => ns.get(ns.idFromName(SWITCH_OBJECT));
};

describe("MirrorSwitch", () => {
  it("sets, replaces and removes the global cap and route caps", async () => {
    const stub = stubOf()();
    await stub.apply({ percentCap: 40 }, "alice");
    await stub.apply({ route: "vs/a", percentCap: 0 }, "alice");
    await stub.apply({ route: "vs/b", percentCap: 5 }, "bob");
    await stub.apply({ route: "vs/b", percentCap: 7 }, "bob");
    let state = (await stub.read()) as SwitchState;
    expect(state.percentCap).toBe(40);
    expect(state.routes).toEqual({ "vs/a": 0, "vs/b": 7 });
    await stub.apply({ percentCap: null }, "carol");
    await stub.apply({ route: "vs/a", percentCap: null }, "carol");
    state = (await stub.read()) as SwitchState;
    expect(state.percentCap).toBeUndefined();
    expect(state.routes).toEqual({ "vs/b": 7 });
    expect(state.changes.map((c) => c.who)).toEqual(["carol", "carol", "bob", "bob", "alice", "alice"]);
  });

  it("keeps the newest SWITCH_HISTORY changes", async () => {
    const stub = stubOf()();
    for (let i = 0; i < SWITCH_HISTORY + 5; i++) await stub.apply({ percentCap: i % 101 }, `op${i}`);
    const state = (await stub.read()) as SwitchState;
    expect(state.changes).toHaveLength(SWITCH_HISTORY);
    expect(state.changes[0]).toMatchObject({ who: `op${SWITCH_HISTORY + 4}`, percentCap: SWITCH_HISTORY + 4 });
    expect(state.changes[SWITCH_HISTORY - 1]).toMatchObject({ who: "op5" });
  });

  it("a new instance of the object reads the same state back from its SQLite storage", async () => {
    const stub = stubOf();
    await stub().apply({ percentCap: 0 }, "alice");
    await stub().apply({ route: "vs/a", percentCap: 12.5 }, "bob");
    const before = (await stub().read()) as SwitchState;
    await abortAllDurableObjects();
    const after = (await stub().read()) as SwitchState;
    expect(after).toEqual(before);
    expect(after).toMatchObject({ percentCap: 0, routes: { "vs/a": 12.5 } });
    expect(after.changes).toHaveLength(2);
  });
});
