// Isolate budgets (issue 17 item 1), end to end inside workerd against the loopback
// origins: every byte held for the experiment is reserved in the isolate's memory
// ledger and given back on every path (success, v2 timing out, the client hanging up
// on v1, an upload failing, the pause switch dropping the shadow); work the ledger
// has no room for is skipped with reason memory_budget and the client never notices;
// comparisons past their CPU budget are compared as bytes (kind too_complex) or, past
// the isolate's second, skipped (cpu_budget). Scientist's rule: the experiment can
// never hurt the caller (github/scientist README, "raised").
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { env as bindings } from "cloudflare:test";
import type { Report } from "../../src/admin/compare-report";
import { MemoryLedger } from "../../src/proxy/memory-budget";
import { WorkWindow } from "../../src/compare/work-budget";
import type { IsolateBudgets } from "../../src/proxy/budgets";
import { recordsAt, release, requestLog, send, sha256, shadowLogs, type SendOptions } from "../support/harness";
import { setCaps, world } from "../support/switch-world";

const TOKEN = "test-admin-token";
const v1Url = `http://127.0.0.1:${Object.entries(JSON.parse(inject("originNames")) as Record<string, string>).find(([, name]) => name === "v1")![0]}`;

afterAll(release);

function budgets(limitBytes?: number, cpuUsPerSecond?: number): IsolateBudgets {
  return { memory: new MemoryLedger(limitBytes), cpu: new WorkWindow(cpuUsPerSecond) };
}

/** MIRROR_MEMORY_BUDGET_MIB for `bytes` (the ledger's limit is set from the variable on every request). */
const mib = (bytes: number) => ({ MIRROR_MEMORY_BUDGET_MIB: String(bytes / 1024 / 1024) });

async function through(url: string, init: SendOptions & { budgets: IsolateBudgets }) {
  const sent = await send(url, init);
  const bytes = new Uint8Array(await sent.response.arrayBuffer());
  await sent.settled();
  return { ...sent, bytes };
}

async function direct(path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(`${v1Url}${path}`)).arrayBuffer());
}

async function report(route: string) {
  const sent = await send(`http://budget.test/__edge-mirror/api/report?route=${encodeURIComponent(route)}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
    env: { EDGE_MIRROR_ADMIN_TOKEN: TOKEN, COMPARE_STORE: bindings.COMPARE_STORE },
  });
  expect(sent.response.status).toBe(200);
  return ((await sent.response.json()) as Report).routes[0]!;
}

/** A body of `size` bytes in 16 KiB chunks, without Content-Length (an unsized upload). */
function chunked(size: number, failAfter?: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (failAfter !== undefined && sent >= failAfter) return controller.error(new Error("client went away"));
      if (sent >= size) return controller.close();
      const n = Math.min(16 * 1024, size - sent);
      controller.enqueue(new Uint8Array(n).fill(sent / 1024));
      sent += n;
    },
  });
}

describe("the memory ledger gives every byte back", () => {
  it("a compared request that succeeds: v1's branch, v2's answer and the noise answer held, then released", async () => {
    const b = budgets();
    const sent = await through("http://budget.test/compare/big/20000", { budgets: b });
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ compared: true, noise: true })]);
    // v1, its noise twin and v2: three answers of ~20 KB each were in the ledger at once.
    expect(b.memory.peak).toBeGreaterThanOrEqual(3 * 20_000);
    expect(b.memory.held).toBe(0);
  });

  it("a sized POST body copied for the shadow: held until the shadow is sent, then released", async () => {
    const b = budgets();
    const body = new Uint8Array(64 * 1024).fill(7);
    const sent = await through("http://budget.test/plain/upload", { method: "POST", body, headers: { "content-length": String(body.byteLength) }, budgets: b });
    expect(sent.response.status).toBe(200);
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ status: 200 })]);
    expect(b.memory.peak).toBe(body.byteLength);
    expect(b.memory.held).toBe(0);
  });

  it("an unsized upload, reserved chunk by chunk: released", async () => {
    const b = budgets();
    const sent = await through("http://budget.test/plain/chunked", { method: "POST", body: chunked(100 * 1024), duplex: "half", budgets: b } as SendOptions & { budgets: IsolateBudgets });
    expect(sent.response.status).toBe(200);
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ status: 200 })]);
    expect(b.memory.peak).toBe(100 * 1024);
    expect(b.memory.held).toBe(0);
  });

  it("v2 never answers (shadow deadline, Envoy's route timeout): released", async () => {
    const b = budgets();
    const sent = await through("http://budget.test/hang", { budgets: b });
    expect(sent.response.status).toBe(200);
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ error: "timeout" })]);
    expect(b.memory.peak).toBeGreaterThan(0);
    expect(b.memory.held).toBe(0);
  });

  it("the client hangs up on v1 at once: the worker's branch is still released", async () => {
    const b = budgets();
    const sent = await send("http://budget.test/compare/big/200000", { budgets: b });
    await sent.response.body!.cancel();
    await sent.settled();
    expect(b.memory.peak).toBeGreaterThan(200_000);
    expect(b.memory.held).toBe(0);
  });

  it("the client's upload fails half way: the copy is dropped and released, nothing is mirrored", async () => {
    const b = budgets();
    const sent = await send("http://budget.test/plain/broken", {
      method: "POST",
      body: chunked(256 * 1024, 64 * 1024),
      duplex: "half",
      budgets: b,
    } as SendOptions);
    await sent.response.arrayBuffer().catch(() => {});
    await sent.settled();
    expect(shadowLogs(sent).every((l) => l.skipped === "body_incomplete")).toBe(true);
    expect(b.memory.held).toBe(0);
  });

  it("a fresh isolate's shadow dropped by the pause switch's first read: its body copy is released", async () => {
    const scope = crypto.randomUUID();
    await setCaps(world({ scope }), { percentCap: 0 });
    const b = budgets();
    const fresh = world({ scope, budgets: b });
    const body = "z".repeat(10_000);
    const answer = await fresh.fetch("http://mirror.test/paused-upload", { method: "POST", body, headers: { "content-length": String(body.length) } });
    expect(answer.status).toBe(200);
    expect(fresh.logs.flatMap((l) => l.shadows ?? [])).toEqual([expect.objectContaining({ skipped: "kill_switch" })]);
    // The plan was made before the switch was read: the body was copied, then dropped.
    expect(b.memory.peak).toBe(10_000);
    expect(b.memory.held).toBe(0);
  });

  it("capped out by MIRROR_PERCENT_CAP: nothing is copied at all", async () => {
    const b = budgets();
    const body = new Uint8Array(10_000).fill(1);
    const capped = await through("http://budget.test/plain/capped", { method: "POST", body, env: { MIRROR_PERCENT_CAP: "0" }, budgets: b });
    expect(shadowLogs(capped)).toEqual([]);
    expect(b.memory.peak).toBe(0);
  });
});

describe("past the memory budget the experiment is skipped, the client untouched (reason memory_budget)", () => {
  it("a sized upload larger than the room left: not teed, v1 gets every byte, the shadow is skipped", async () => {
    const b = budgets();
    const body = new Uint8Array(64 * 1024).map((_, i) => i % 251);
    const sent = await through("http://budget.test/plain/sized-over", { method: "POST", body, headers: { "content-length": String(body.byteLength) }, env: mib(32 * 1024), budgets: b });
    expect(sent.response.status).toBe(200);
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ skipped: "memory_budget" })]);
    const [v1] = await recordsAt("v1", sent.requestId);
    expect(v1!.bodySha256).toBe(await sha256(body));
    expect(await recordsAt("v2", sent.requestId)).toEqual([]);
    expect(b.memory.peak).toBe(0);
    expect(b.memory.held).toBe(0);
  });

  it("an unsized upload that outgrows the room: the copy stops, v1 gets every byte", async () => {
    const b = budgets();
    const sent = await through("http://budget.test/plain/unsized-over", { method: "POST", body: chunked(128 * 1024), duplex: "half", env: mib(48 * 1024), budgets: b } as SendOptions & { budgets: IsolateBudgets });
    expect(sent.response.status).toBe(200);
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ skipped: "memory_budget" })]);
    const [v1] = await recordsAt("v1", sent.requestId);
    expect(v1!.bodyBytes).toBe(128 * 1024);
    expect(b.memory.peak).toBeLessThanOrEqual(48 * 1024);
    expect(b.memory.held).toBe(0);
  });

  it("a comparison with no room: skipped, counted in the report's skipped, the client's answer is v1's byte for byte", async () => {
    const b = budgets();
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await through("http://budget.test/tight", { env: { MIRROR_MEMORY_BUDGET_MIB: "0" }, budgets: b }));
    for (const s of runs) {
      expect(s.response.status).toBe(200);
      expect(shadowLogs(s)).toEqual([expect.objectContaining({ status: 200, compareSkipped: "memory_budget" })]);
      expect(JSON.parse(new TextDecoder().decode(s.bytes))).toMatchObject({ origin: "v1" });
    }
    expect(b.memory.peak).toBe(0);
    const r = await report("budget/tight");
    expect(r.skipped.memory_budget).toBe(3);
    expect(r.compared).toBe(0);
  });

  it("room for one answer of three: the comparison is skipped (memory_budget), all released", async () => {
    const b = budgets();
    // ~25 KB answers (v1's, its noise twin's, v2's): 30 KiB holds one, so v1's or v2's is refused.
    const sent = await through("http://budget.test/compare/big/20000", { env: mib(30 * 1024), budgets: b });
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ compareSkipped: "memory_budget" })]);
    expect(sent.bytes).toEqual(await direct("/compare/big/20000"));
    expect(b.memory.held).toBe(0);
  });
});

describe("MIRROR_MEMORY_BUDGET_MIB", () => {
  it("unset: 32 MiB; a value from 0 to 96 is used as it is", async () => {
    const b = budgets(1);
    await through("http://budget.test/plain/", { budgets: b });
    expect(b.memory.limit).toBe(32 * 1024 * 1024);
    await through("http://budget.test/plain/", { env: { MIRROR_MEMORY_BUDGET_MIB: "8.5" }, budgets: b });
    expect(b.memory.limit).toBe(8.5 * 1024 * 1024);
  });

  it("not a number: the default applies and the request's log line says why", async () => {
    const b = budgets(1);
    const sent = await through("http://budget.test/plain/", { env: { MIRROR_MEMORY_BUDGET_MIB: "lots" }, budgets: b });
    expect(b.memory.limit).toBe(32 * 1024 * 1024);
    expect(requestLog(sent).memoryBudget).toBe('MIRROR_MEMORY_BUDGET_MIB="lots" is not a number from 0 to 96: 32 MiB applies');
    expect(sent.response.status).toBe(200);
  });

  it("over 96: 96 applies, with the reason", async () => {
    const b = budgets(1);
    const sent = await through("http://budget.test/plain/", { env: { MIRROR_MEMORY_BUDGET_MIB: "128" }, budgets: b });
    expect(b.memory.limit).toBe(96 * 1024 * 1024);
    expect(requestLog(sent).memoryBudget).toBe('MIRROR_MEMORY_BUDGET_MIB="128" is not a number from 0 to 96: 96 MiB applies');
  });
});

describe("comparison CPU budget", () => {
  it("answers too large to compare field by field within one comparison's budget: compared as bytes, kind too_complex", async () => {
    const b = budgets();
    // ~200 KB each side: parsing both would be estimated past 8 ms (src/compare/work-budget.ts).
    const sent = await through("http://budget.test/complex/200000", { budgets: b });
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ compared: true, divergent: ["/body"] })]);
    expect(sent.bytes).toEqual(await direct("/compare/big/200000"));
    const r = await report("budget/complex");
    expect(r.fields).toEqual([expect.objectContaining({ path: "/body", kind: "too_complex", divergent: 1 })]);
    expect(r.examples[0]!.differences).toEqual([expect.objectContaining({ path: "/body", kind: "too_complex" })]);
    expect(b.cpu.spentUs(Date.now())).toBeLessThan(8_000);
  });

  it("the isolate's second used up: skipped (cpu_budget), v1 not even teed, and counted", async () => {
    const b = budgets(undefined, 1_000);
    // Ten seconds' worth: the bucket is still full while this request runs.
    b.cpu.charge(Date.now(), 10_000);
    const sent = await through("http://budget.test/compare/big/20000", { budgets: b });
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ status: 200, compareSkipped: "cpu_budget" })]);
    expect(sent.bytes).toEqual(await direct("/compare/big/20000"));
    expect(b.memory.peak).toBe(0);
    const r = await report("budget/big");
    expect(r.skipped.cpu_budget).toBeGreaterThanOrEqual(1);
  });

  it("the window refills after a second", async () => {
    const b = budgets(undefined, 1_000);
    b.cpu.charge(Date.now() - 1_100, 1_000);
    const sent = await through("http://budget.test/compare/big/20000", { budgets: b });
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ compared: true })]);
    // What it compared was charged to the window.
    expect(b.cpu.spentUs(Date.now())).toBeGreaterThan(0);
  });
});
