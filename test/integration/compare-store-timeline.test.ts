// The compare store keeps divergence over time: each isolate's per-minute counts are
// added up, at most MAX_MINUTE_SIGNATURES path sets a minute are kept, and minutes
// older than TIMELINE_MINUTES are forgotten.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { emptyTally, type Tally } from "../../src/compare/tally";
import { COMPARED, HISTORY_HOURS, HOUR_MS, MAX_MINUTE_SIGNATURES, MINUTE_MS, MINUTE_OVERFLOW, MIRRORED, SHIFT_SUM, TIMELINE_MINUTES, minuteOf, setKey } from "../../src/compare/timeline";
import { routeReport } from "../../src/compare/report";
import type { CompareStore } from "../../src/observe/compare-store";

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

  it("adds a forgotten minute into its hour, stored: the route page's day and week (issue 21 item 6)", async () => {
    const s = store();
    const now = Number(minuteOf(Date.now()));
    const old = now - (TIMELINE_MINUTES + 5) * MINUTE_MS;
    const hour = String(Math.floor(old / HOUR_MS) * HOUR_MS);
    const week = String(Math.floor((now - (HISTORY_HOURS + 2) * HOUR_MS) / HOUR_MS) * HOUR_MS);
    const plan = JSON.stringify(["/body/plan"]);
    await s.record(identity, { ...tallyWith({ [old]: { [COMPARED]: 4, [MIRRORED]: 5, [SHIFT_SUM]: 200, [plan]: 1 }, [String(now)]: { [COMPARED]: 1, [MIRRORED]: 1 } }), compared: 5, fields: { "/body/plan": { kind: "value", divergent: 1, noise: 0 } }, signatures: { [plan]: 1 }, hours: { [week]: { [COMPARED]: 1 } } });
    const { tally } = await s.snapshot();
    expect(Object.keys(tally.timeline)).toEqual([String(now)]);
    // older than a week: forgotten; the old minute: in its hour
    // a path set is named by its hash in an hour (a week of hours fits whatever the sets' length)
    expect(tally.hours).toEqual({ [hour]: { [COMPARED]: 4, [MIRRORED]: 5, [SHIFT_SUM]: 200, [setKey(plan)]: 1 } });
    expect(setKey(plan)).toMatch(/^#[0-9a-f]{14}$/);
    // stored as rows, not only in memory
    const rows = await runInDurableObject(s as unknown as DurableObjectStub<CompareStore>, (_, state) => state.storage.sql.exec<{ hour: string; counts: string }>("SELECT hour, counts FROM hours").toArray());
    expect(rows.map((r) => [r.hour, JSON.parse(r.counts)])).toEqual([[hour, { [COMPARED]: 4, [MIRRORED]: 5, [SHIFT_SUM]: 200, [setKey(plan)]: 1 }]]);
    // the report's history has the hour (and the current minutes' hour), with its mean shift
    const report = routeReport(identity, tally, { gate: { maxDivergencePercent: 1, minCompared: 1 }, ignore: [] });
    expect(report.history.find((p) => p.at === Number(hour))).toEqual({ at: Number(hour), compared: 4, divergent: 1, mirrored: 5, errors: 0, skipped: 0, shiftMs: 50 });
    expect(report.history.at(-1)).toMatchObject({ at: Math.floor(now / HOUR_MS) * HOUR_MS, mirrored: 1 });
    expect(report.fieldTrends).toEqual([{ path: "/body/plan", minutes: [0], hours: report.history.map((p) => (p.at === Number(hour) ? 1 : 0)) }]);
  });
});
