// The compare store keeps divergence over time: each isolate's per-minute counts are
// added up, at most MAX_MINUTE_SIGNATURES path sets a minute are kept, and minutes
// older than TIMELINE_MINUTES are forgotten.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { emptyTally, type Tally } from "../../src/compare/tally";
import { COMPARED, MAX_MINUTE_SIGNATURES, MINUTE_MS, MINUTE_OVERFLOW, TIMELINE_MINUTES, minuteOf } from "../../src/compare/timeline";

const identity = { virtualService: "vs", route: "r", mirror: "svc/v2" };
const store = () => env.COMPARE_STORE.get(env.COMPARE_STORE.idFromName(`timeline-${crypto.randomUUID()}`));

function tallyWith(timeline: Tally["timeline"]): Tally {
  return { ...emptyTally(), timeline };
}

describe("CompareStore's timeline", () => {
  it("adds the minutes of every isolate's tallies", async () => {
    const s = store();
    const now = minuteOf(Date.now());
    const before = String(Number(now) - MINUTE_MS);
    const plan = JSON.stringify(["/body/plan"]);
    await s.record(identity, tallyWith({ [now]: { [COMPARED]: 3, [plan]: 1 }, [before]: { [COMPARED]: 2 } }));
    await s.record(identity, tallyWith({ [now]: { [COMPARED]: 4, [plan]: 2 } }));
    const { tally } = await s.snapshot();
    expect(tally.timeline).toEqual({ [now]: { [COMPARED]: 7, [plan]: 3 }, [before]: { [COMPARED]: 2 } });
  });

  it("keeps MAX_MINUTE_SIGNATURES path sets a minute across calls; the rest go to the overflow", async () => {
    const s = store();
    const now = minuteOf(Date.now());
    const many = (from: number, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [JSON.stringify([`/p/${from + i}`]), 1]));
    await s.record(identity, tallyWith({ [now]: many(0, MAX_MINUTE_SIGNATURES - 2) }));
    await s.record(identity, tallyWith({ [now]: many(100, 5) }));
    const minute = (await s.snapshot()).tally.timeline[now]!;
    expect(Object.keys(minute).filter((k) => k !== MINUTE_OVERFLOW)).toHaveLength(MAX_MINUTE_SIGNATURES);
    expect(minute[MINUTE_OVERFLOW]).toBe(3);
  });

  it("forgets minutes older than TIMELINE_MINUTES", async () => {
    const s = store();
    const now = minuteOf(Date.now());
    const old = String(Number(now) - (TIMELINE_MINUTES + 1) * MINUTE_MS);
    await s.record(identity, tallyWith({ [old]: { [COMPARED]: 9 }, [now]: { [COMPARED]: 1 } }));
    expect(Object.keys((await s.snapshot()).tally.timeline)).toEqual([now]);
  });
});
