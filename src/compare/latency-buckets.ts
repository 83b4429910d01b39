// The latency histograms of v1 and v2 as the dashboard draws them: one row per
// bucket (histogram.ts), from the fastest to the slowest bucket either side used,
// with no gaps, so the chart's x axis is the latency scale and not a list of labels.
import { bucketUpperMs } from "./histogram";

export interface LatencyBucket {
  /** the bucket's upper bound, ms (rounded to 0.1) */
  upperMs: number;
  v1: number;
  v2: number;
}

export function latencyBuckets(v1: Readonly<Record<string, number>>, v2: Readonly<Record<string, number>>): LatencyBucket[] {
  const used = [...Object.keys(v1), ...Object.keys(v2)].map(Number).filter((b) => (v1[b] ?? 0) + (v2[b] ?? 0) > 0);
  if (used.length === 0) return [];
  const out: LatencyBucket[] = [];
  for (let b = Math.min(...used); b <= Math.max(...used); b++) out.push({ upperMs: Math.round(bucketUpperMs(b) * 10) / 10, v1: v1[b] ?? 0, v2: v2[b] ?? 0 });
  return out;
}
