// The isolate's memory ledger (src/proxy/memory-budget.ts) and its variable, alone.
import { describe, expect, it } from "vitest";
import { MemoryLedger, OVER_BUDGET, memoryBudget } from "../../src/proxy/memory-budget";
import { readAnswer } from "../../src/proxy/read-answer";
import { tapBody } from "../../src/proxy/body-tap";

const MIB = 1024 * 1024;

describe("MemoryLedger", () => {
  it("reserves up to the limit and refuses what would pass it, reserving nothing then", () => {
    const ledger = new MemoryLedger(100);
    const a = ledger.reserve(60)!;
    expect(ledger.reserve(41)).toBeUndefined();
    expect(ledger.held).toBe(60);
    const b = ledger.reserve(40)!;
    expect(ledger.held).toBe(100);
    a.release();
    b.release();
    expect(ledger.held).toBe(0);
    expect(ledger.peak).toBe(100);
  });

  it("a hold grows chunk by chunk; release gives back all of it, once, and refuses more afterwards", () => {
    const ledger = new MemoryLedger(100);
    const hold = ledger.hold();
    expect(hold.add(30)).toBe(true);
    expect(hold.add(30)).toBe(true);
    expect(hold.add(50)).toBe(false);
    expect(hold.bytes()).toBe(60);
    hold.release();
    hold.release();
    expect(ledger.held).toBe(0);
    expect(hold.add(1)).toBe(false);
    expect(ledger.held).toBe(0);
  });

  it("a lower limit set while bytes are held refuses new work until they are released", () => {
    const ledger = new MemoryLedger(100);
    const hold = ledger.reserve(80)!;
    ledger.limit = 50;
    expect(ledger.fits(1)).toBe(false);
    hold.release();
    expect(ledger.fits(50)).toBe(true);
  });
});

describe("MIRROR_MEMORY_BUDGET_MIB", () => {
  it("unset or blank: 32 MiB", () => {
    expect(memoryBudget(undefined)).toEqual({ bytes: 32 * MIB });
    expect(memoryBudget(" ")).toEqual({ bytes: 32 * MIB });
  });
  it("0 to 96, fractions too", () => {
    expect(memoryBudget("0")).toEqual({ bytes: 0 });
    expect(memoryBudget("0.5")).toEqual({ bytes: MIB / 2 });
    expect(memoryBudget("96")).toEqual({ bytes: 96 * MIB });
  });
  it("not a number or negative: the default, with the reason", () => {
    for (const raw of ["lots", "-1", "-Infinity", "NaN"]) {
      expect(memoryBudget(raw)).toEqual({ bytes: 32 * MIB, invalid: `MIRROR_MEMORY_BUDGET_MIB=${JSON.stringify(raw)} is not a number from 0 to 96: 32 MiB applies` });
    }
  });
  it("over 96: 96, with the reason", () => {
    expect(memoryBudget("Infinity").bytes).toBe(96 * MIB);
    expect(memoryBudget("200")).toEqual({ bytes: 96 * MIB, invalid: 'MIRROR_MEMORY_BUDGET_MIB="200" is not a number from 0 to 96: 96 MiB applies' });
  });
});

/** A stream that sends `chunks` chunks of 1 KiB, then fails. */
function failing(chunks: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ < chunks) controller.enqueue(new Uint8Array(1024));
      else controller.error(new Error("reset"));
    },
  });
}

describe("reads that fail give their bytes back (exceptions)", () => {
  it("an answer whose body fails half way: readAnswer rejects; its owner releases the hold", async () => {
    const ledger = new MemoryLedger(MIB);
    const hold = ledger.hold();
    await expect(readAnswer(new Response(failing(3)), [], 64 * 1024, hold)).rejects.toThrow();
    expect(hold.bytes()).toBe(3 * 1024);
    hold.release();
    expect(ledger.held).toBe(0);
  });

  it("an answer past the ledger: cancelled, OVER_BUDGET", async () => {
    const ledger = new MemoryLedger(2048);
    const hold = ledger.hold();
    await expect(readAnswer(new Response(failing(10)), [], 64 * 1024, hold)).rejects.toBe(OVER_BUDGET);
    expect(hold.bytes()).toBe(2048);
  });

  it("a body copy whose upload fails: body_incomplete, nothing left held", async () => {
    const ledger = new MemoryLedger(MIB);
    const tap = tapBody(failing(5), undefined, MIB, ledger);
    const primary = new Response(tap.body).arrayBuffer().catch(() => "failed");
    expect(await tap.copy).toEqual({ ok: false, reason: "body_incomplete" });
    expect(await primary).toBe("failed");
    expect(ledger.held).toBe(0);
  });

  it("a sized body the ledger has no room for is not teed: the primary gets the stream itself", async () => {
    const ledger = new MemoryLedger(10);
    const body = new Response("x".repeat(100)).body!;
    const tap = tapBody(body, 100, MIB, ledger);
    expect(tap.body).toBe(body);
    expect(await tap.copy).toEqual({ ok: false, reason: "memory_budget" });
  });

  it("abandoned (the primary failed): released at once", async () => {
    const ledger = new MemoryLedger(MIB);
    const tap = tapBody(new Response("y".repeat(5000)).body!, 5000, MIB, ledger);
    expect(ledger.held).toBe(5000);
    tap.abandon();
    expect(ledger.held).toBe(0);
    expect(await tap.copy).toEqual({ ok: false, reason: "body_incomplete" });
    await tap.body.cancel();
  });
});
