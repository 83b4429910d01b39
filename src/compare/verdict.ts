// The rollout gate: a route's divergence rate with a 95 % confidence interval, and
// a verdict that only says pass or fail when the interval is clear of the limit.
// Like Argo Rollouts' analysis, "inconclusive" is an answer: too few requests, or
// an interval that straddles the limit. One rule for two criteria: the divergence
// (Wilson's interval) and, when the gate sets maxLatencyShiftMs, the paired latency
// shift (latency-shift.ts's Wilcoxon interval). The worker's report and `npm run gate`
// both judge with routeVerdict.
import type { LatencyShift } from "./latency-shift";
import { Z_95 } from "./normal";

/** Re-exported: callers that judge by Wilson's interval read it here. */
export { Z_95 };

export interface Interval {
  /** proportions in [0, 1] */
  low: number;
  high: number;
}

/**
 * Wilson's score interval for `successes` of `trials` (E. B. Wilson, "Probable
 * inference, the law of succession, and statistical inference", JASA 22, 1927;
 * method 3 in R. G. Newcombe, Statistics in Medicine 17:857–872, 1998). Unlike the
 * normal (Wald) interval it stays inside [0, 1] and is not empty at 0 of n or n of n,
 * which is where a healthy v2 sits: 0 divergent of 200 gives [0, 1.88 %].
 * No trials: [0, 1] (nothing is known).
 */
export function wilsonInterval(successes: number, trials: number, z: number = Z_95): Interval {
  if (!(trials >= 0) || !(successes >= 0) || successes > trials) {
    throw new RangeError(`wilsonInterval: need 0 ≤ successes ≤ trials, got ${successes} of ${trials}`);
  }
  if (trials === 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  // At 0 of n and n of n the bound is exactly 0 or 1; rounding must not move it.
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === trials ? 1 : Math.min(1, centre + half),
  };
}

export interface Gate {
  /** percent: the divergence the rollout tolerates */
  maxDivergencePercent: number;
  /** requests compared before a pass can be given */
  minCompared: number;
  /** ms: the latency shift (v2 − v1, Hodges–Lehmann) the rollout tolerates; absent: not judged */
  maxLatencyShiftMs?: number;
}

export type Verdict = "pass" | "fail" | "inconclusive";

/**
 * fail: even the interval's lower bound is above the limit (no more traffic will
 * rescue v2). pass: enough requests, and even the upper bound is at or below the
 * limit. Otherwise inconclusive. A fail needs no minimum: 50 of 60 divergent is
 * already certain.
 */
export function verdict(compared: number, divergent: number, gate: Gate): Verdict {
  const { low, high } = wilsonInterval(divergent, compared);
  if (low * 100 > gate.maxDivergencePercent) return "fail";
  if (compared >= gate.minCompared && high * 100 <= gate.maxDivergencePercent) return "pass";
  return "inconclusive";
}

/**
 * The latency criterion: fail when even the shift interval's low end is above the
 * limit (v2 is slower by more than it, with 95 % confidence); pass when its high end
 * is at or below it; otherwise (or with nothing measured) inconclusive.
 */
export function latencyVerdict(shift: Pick<LatencyShift, "low" | "high">, maxMs: number): Verdict {
  if (shift.low === null || shift.high === null) return "inconclusive";
  if (shift.low > maxMs) return "fail";
  return shift.high <= maxMs ? "pass" : "inconclusive";
}

/** A route's verdict: the divergence's, and the latency shift's when the gate has a limit; any fail fails, then any inconclusive. */
export function routeVerdict(compared: number, divergent: number, shift: Pick<LatencyShift, "low" | "high">, gate: Gate): Verdict {
  const verdicts = [verdict(compared, divergent, gate)];
  if (gate.maxLatencyShiftMs !== undefined) verdicts.push(latencyVerdict(shift, gate.maxLatencyShiftMs));
  if (verdicts.includes("fail")) return "fail";
  return verdicts.includes("inconclusive") ? "inconclusive" : "pass";
}
