// Istio's Percent in Envoy's unit. Istio hands Envoy fractions of a million,
// converted as uint32(value × 10 000) (pilot route.go translatePercentToFractionalPercent):
// 0.0001 % is the finest step, and anything finer is cut off, not rounded.
import type { Field } from "./field";

/** The finest percentage Istio can express (one request in a million). */
export const PERCENT_STEP = 0.0001;

/**
 * `percent` in millionths, truncated as Istio truncates it. The epsilon absorbs
 * binary floating point (0.29 × 10 000 is 2899.9999…), which Go's conversion would
 * turn into 2899: the user wrote 0.29 %, and no one can measure one request in a million.
 */
export function perMillion(percent: number): number {
  return Math.floor(percent * 10_000 + 1e-6);
}

/** Warns on `f` (a Percent's value) when `percent` is finer than 0.0001 %, saying what is applied instead. */
export function warnFinerThanStep(f: Field, percent: number): void {
  const applied = perMillion(percent);
  if (percent * 10_000 - applied > 1e-6) {
    f.warn(
      `${percent} % is finer than Istio's precision (${PERCENT_STEP} %, one request in a million): it is applied as ${applied / 10_000} %, as Istio truncates it`,
      `write it with at most 4 decimals, e.g. value: ${applied / 10_000}`,
    );
  }
}
