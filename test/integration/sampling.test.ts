// Mirror percentages and weights, exact through the injected random source.
// Istio: absent mirrorPercentage = 100 %, 0 = never; Envoy: one draw per request
// compared with every mirror policy (nested sampling); weights are weight / sum.
import { describe, expect, it } from "vitest";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { createApp } from "../../src/app";
import type { RequestLog } from "../../src/observe/log";
import { mirrorCount, recordsAt, requestLog, send, table } from "../support/harness";

/** Sends `count` requests through one app with the real Math.random; returns the request log lines. */
async function sendMany(url: string, count: number): Promise<{ lines: RequestLog[]; origins: (string | null)[] }> {
  const lines: RequestLog[] = [];
  const origins: (string | null)[] = [];
  const app = createApp(table, { logger: (line) => void lines.push(line) });
  for (let i = 0; i < count; i++) {
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(url), {}, ctx);
    origins.push(res.headers.get("x-origin"));
    await res.arrayBuffer();
    await waitOnExecutionContext(ctx);
  }
  return { lines, origins };
}

async function mirroredTo(origin: string, url: string, random: number): Promise<number> {
  const sent = await send(url, { random });
  await sent.settled();
  expect(sent.response.headers.get("x-origin")).toBe("v1");
  return (await recordsAt(origin, sent.requestId)).length;
}

describe("mirrorPercentage", () => {
  it("absent means 100 %: mirrored even at the highest draw", async () => {
    expect(await mirroredTo("v2", "http://absent.test/", 0.999999)).toBe(1);
  });

  it("0 means never: not mirrored even at the lowest draw", async () => {
    expect(await mirroredTo("v2", "http://zero.test/", 0)).toBe(0);
  });

  it("50 mirrors draws below 500 000 per million and no others", async () => {
    expect(await mirroredTo("v2", "http://half.test/", 0.499999)).toBe(1);
    expect(await mirroredTo("v2", "http://half.test/", 0.5)).toBe(0);
  });

  it("50 mirrors about half of 300 requests with the real random source", async () => {
    const { lines } = await sendMany("http://half.test/stat", 300);
    const mirrored = lines.reduce((n, l) => n + mirrorCount(l), 0);
    // 3 binomial standard deviations around 150 (as the Gateway API conformance tests accept).
    expect(mirrored).toBeGreaterThanOrEqual(124);
    expect(mirrored).toBeLessThanOrEqual(176);
  });
});

describe("mirrors (several targets)", () => {
  it("sends to every target whose percentage admits the draw, nested as in Envoy", async () => {
    const low = await send("http://two.test/both", { random: 0.2 });
    await low.settled();
    expect(await recordsAt("v2", low.requestId)).toHaveLength(1);
    expect(await recordsAt("v3", low.requestId)).toHaveLength(1);
    expect(mirrorCount(requestLog(low))).toBe(2);

    const high = await send("http://two.test/one", { random: 0.7 });
    await high.settled();
    expect(await recordsAt("v2", high.requestId)).toHaveLength(1);
    expect(await recordsAt("v3", high.requestId)).toHaveLength(0);
  });
});

describe("route weights", () => {
  it("sends draws below 30 % to v1 and the rest to v2 (weights 30/70)", async () => {
    const a = await send("http://weights.test/", { random: 0.29 });
    const b = await send("http://weights.test/", { random: 0.31 });
    expect(a.response.headers.get("x-origin")).toBe("v1");
    expect(b.response.headers.get("x-origin")).toBe("v2");
    expect(requestLog(b).destination).toBe("httpbin/v2");
  });

  it("splits 400 real-random requests near 30/70", async () => {
    const { origins } = await sendMany("http://weights.test/", 400);
    const v1 = origins.filter((o) => o === "v1").length;
    // mean 120, σ ≈ 9.2: accept ±3σ
    expect(v1).toBeGreaterThanOrEqual(93);
    expect(v1).toBeLessThanOrEqual(147);
  });
});
