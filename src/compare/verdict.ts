// The rollout gate: a route's divergence rate with a 95 % confidence interval, and
// a verdict that only says pass or fail when the interval is clear of the limit.
// Like Argo Rollouts' analysis, "inconclusive" is an answer: too few requests, or
// an interval that straddles the limit.

/** The 97.5th percentile of the standard normal distribution: two-sided 95 %. */
export const Z_95 = 1.959963984540054;

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
