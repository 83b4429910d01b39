// Istio HTTPFaultInjection as Envoy's fault filter applies it: before the router,
// so an aborted request reaches no origin and is never mirrored; a delayed one is
// forwarded (and mirrored) after the delay. Percentages are exact through the
// injected random source (send's `random`), and statistical with Math.random.
import { describe, expect, it } from "vitest";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { createApp } from "../../src/app";
import type { RequestLog } from "../../src/observe/log";
import { mirrorCount, records, recordsAt, requestLog, send, shadowLogs, table, type SendOptions } from "../support/harness";

async function sendOnce(url: string, init: SendOptions = {}) {
  const headers = new Headers(init.headers);
  headers.set("x-request-id", `ft-${crypto.randomUUID()}`);
  const started = Date.now();
  const sent = await send(url, { ...init, headers });
  const text = await sent.response.text();
  const elapsed = Date.now() - started;
  await sent.settled();
  return { sent, text, elapsed };
}

describe("istio virtual_service.proto HTTPFaultInjection.Abort", () => {
  it('abort {httpStatus: 418, percentage: 100} → 418 "fault filter abort"; nothing reaches any origin, no shadow', async () => {
    const { sent, text } = await sendOnce("http://fault.test/abort/x");
    expect(sent.response.status).toBe(418);
    expect(text).toBe("fault filter abort");
    expect((await records(sent.requestId)).records).toEqual([]);
    expect(shadowLogs(sent)).toEqual([]);
    expect(requestLog(sent)).toMatchObject({ status: 418, error: "fault_abort", route: "faults-injected/abort" });
    expect(mirrorCount(requestLog(sent))).toBe(0);
  });

  it("abort percentage 50: a draw of 0.4 is aborted (no origin, no shadow)", async () => {
    const { sent } = await sendOnce("http://fault.test/half/x", { random: 0.4 });
    expect(sent.response.status).toBe(503);
    expect((await records(sent.requestId)).records).toEqual([]);
  });

  it("abort percentage 50: a draw of 0.6 is not aborted: v1 answers and the shadow goes out", async () => {
    const { sent } = await sendOnce("http://fault.test/half/x", { random: 0.6 });
    expect(sent.response.status).toBe(200);
    expect(sent.response.headers.get("x-origin")).toBe("v1");
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(1);
  });
});

describe("istio virtual_service.proto HTTPFaultInjection.Delay", () => {
  it("delay {fixedDelay: 200ms, percentage: 100}: the answer comes after ≥ 200 ms, and the shadow is still sent", async () => {
    const { sent, elapsed } = await sendOnce("http://fault.test/delay/x");
    expect(sent.response.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(requestLog(sent).faultDelayMs).toBe(200);
    expect(await recordsAt("v1", sent.requestId)).toHaveLength(1);
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(1);
    expect(shadowLogs(sent)).toEqual([expect.objectContaining({ status: 200 })]);
  });
});

describe("istio virtual_service.proto HTTPFaultInjection without percentage", () => {
  it("a delay and an abort without percentage inject nothing (Istio: absent percentage = no request)", async () => {
    // Even the lowest draw is not faulted.
    const { sent, elapsed } = await sendOnce("http://fault.test/unset/x", { random: 0 });
    expect(sent.response.status).toBe(200);
    expect(sent.response.headers.get("x-origin")).toBe("v1");
    expect(elapsed).toBeLessThan(1000);
    expect(requestLog(sent).faultDelayMs).toBeUndefined();
    expect(requestLog(sent).error).toBeUndefined();
    expect(await recordsAt("v2", sent.requestId)).toHaveLength(1);
  });
});

describe("statistical, with the real Math.random", () => {
  it("abort percentage 30 aborts about 30 % of 400 requests (±3 binomial σ)", async () => {
    const lines: RequestLog[] = [];
    const app = createApp(table, { logger: (line) => void lines.push(line) });
    for (let i = 0; i < 400; i++) {
      const ctx = createExecutionContext();
      const res = await app.fetch(new Request("http://fault.test/stat"), {}, ctx);
      await res.arrayBuffer();
      await waitOnExecutionContext(ctx);
    }
    const aborted = lines.filter((l) => l.error === "fault_abort" && l.status === 503).length;
    expect(lines.filter((l) => l.status !== 503 && l.status !== 200)).toEqual([]);
    // mean 120, σ = √(400·0.3·0.7) ≈ 9.2
    expect(aborted).toBeGreaterThanOrEqual(93);
    expect(aborted).toBeLessThanOrEqual(147);
  });
});
