import { describe, expect, it } from "vitest";
import { bucketUpperMs, latencyBucket, quantileMs } from "../../src/compare/histogram";

describe("latency histogram", () => {
  it("puts latencies in buckets of a quarter doubling, under 1 ms in bucket 0", () => {
    expect([0, 0.5, 1, 1.18, 1.19, 2, 4, 1000, 30_000].map(latencyBucket)).toEqual([0, 0, 1, 1, 2, 5, 9, 40, 60]);
  });

  it("every latency is at most its bucket's upper bound, and above the previous bucket's", () => {
    for (const ms of [1, 1.5, 3, 7, 12.5, 99, 250, 1234, 29_999]) {
      const b = latencyBucket(ms);
      expect(ms).toBeLessThanOrEqual(bucketUpperMs(b));
      expect(ms).toBeGreaterThan(bucketUpperMs(b - 1) - 1e-9);
    }
  });

  it("gives p50 and p99 as the upper bound of the bucket holding that rank", () => {
    const h: Record<string, number> = {};
    for (let i = 0; i < 98; i++) h[latencyBucket(10)] = (h[latencyBucket(10)] ?? 0) + 1;
    h[latencyBucket(400)] = 2;
    expect(quantileMs(h, 0.5)).toBe(Math.round(bucketUpperMs(latencyBucket(10)) * 10) / 10);
    expect(quantileMs(h, 0.99)).toBe(Math.round(bucketUpperMs(latencyBucket(400)) * 10) / 10);
    expect(quantileMs(h, 0.5)).toBeGreaterThanOrEqual(10);
    expect(quantileMs(h, 0.5)).toBeLessThan(10 * 1.2);
  });

  it("an empty histogram has no quantiles", () => {
    expect(quantileMs({}, 0.5)).toBeNull();
  });
});
