// Latency as a histogram of log-scale buckets: a count per bucket is all a Durable
// Object has to add up across isolates, and p50 / p99 come back from it within one
// bucket's width (a quarter of a doubling: ±9 %).

/** Buckets per doubling of the latency. */
const PER_DOUBLING = 4;

/** The bucket of a latency in ms: 0 for under 1 ms, then 4 per doubling (1 ms → 1, 2 ms → 5, 1 s → 40, 30 s → 60). */
export function latencyBucket(ms: number): number {
  return ms < 1 ? 0 : Math.floor(Math.log2(ms) * PER_DOUBLING) + 1;
}

/** The largest latency a bucket holds, in ms (its upper bound). */
export function bucketUpperMs(bucket: number): number {
  return bucket <= 0 ? 1 : 2 ** (bucket / PER_DOUBLING);
}

/**
 * The `q` quantile (0 < q ≤ 1) of a histogram (bucket → count) as its bucket's upper
 * bound in ms, rounded to 0.1 ms; null when it holds nothing.
 */
export function quantileMs(histogram: Readonly<Record<string, number>>, q: number): number | null {
  const buckets = Object.keys(histogram)
    .map(Number)
    .sort((a, b) => a - b);
  const total = buckets.reduce((n, b) => n + histogram[b]!, 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const b of buckets) {
    seen += histogram[b]!;
    if (seen >= rank) return Math.round(bucketUpperMs(b) * 10) / 10;
  }
  return Math.round(bucketUpperMs(buckets[buckets.length - 1]!) * 10) / 10;
}
