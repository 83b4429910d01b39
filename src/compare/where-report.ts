// The report's "where" (issue 21 item 3): for each of request.cf's colo, country and
// HTTP protocol, the WHERE_TOP values with the most compared requests, each with its
// divergence judged by the route's rule and its paired latency shift. Built only
// when a report is (the statistics stay off the proxy's bundle: where.ts is the
// recording side).
import { latencyShift, type LatencyShift } from "./latency-shift";
import { wilsonInterval } from "./verdict";
import { DIMENSIONS, signatureHash, WHERE_TOP, type Dimension, type WhereTally } from "./where";

export interface WhereRow {
  value: string;
  compared: number;
  divergent: number;
  /** divergent / compared, in percent */
  divergencePercent: number | null;
  /** Wilson's 95 % interval, in percent */
  confidenceInterval: { low: number; high: number };
  latencyShiftMs: LatencyShift;
}

export type WhereReport = Record<Dimension, WhereRow[]>;

/**
 * The top WHERE_TOP values of each dimension by compared requests (`other` among
 * them when it is that large). `signatures` are the route's kept path sets and
 * `divergentSignature` the route's rule for them (report.ts).
 */
export function whereReport(w: WhereTally | undefined, signatures: Readonly<Record<string, number>>, divergentSignature: (paths: string[]) => boolean): WhereReport {
  const judged = new Map<string, boolean>();
  const divergentHash = (hash: string): boolean => {
    if (judged.size === 0) for (const key of Object.keys(signatures)) if (key.startsWith("[")) judged.set(signatureHash(key), divergentSignature(JSON.parse(key) as string[]));
    // Not kept by the route (its overflow), or this value's overflow: divergent, as there.
    return judged.get(hash) ?? true;
  };
  const out = {} as WhereReport;
  for (const d of DIMENSIONS) {
    out[d] = Object.entries(w?.[d] ?? {})
      .sort((a, b) => b[1].compared - a[1].compared || (a[0] < b[0] ? -1 : 1))
      .slice(0, WHERE_TOP)
      .map(([value, c]) => {
        let divergent = 0;
        for (const [hash, n] of Object.entries(c.signatures)) if (divergentHash(hash)) divergent += n;
        divergent = Math.min(divergent, c.compared);
        const ci = wilsonInterval(divergent, c.compared);
        return {
          value,
          compared: c.compared,
          divergent,
          divergencePercent: c.compared > 0 ? round((divergent / c.compared) * 100) : null,
          confidenceInterval: { low: round(ci.low * 100), high: round(ci.high * 100) },
          latencyShiftMs: latencyShift(c.shift),
        };
      });
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
