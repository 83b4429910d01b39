// Percentages as the worker counts them, and the caps on them: one module, one
// rounding rule, for every percentage the project turns into a threshold —
// routes.yaml's mirror, fault and compare percentages, Gateway API's `percent` and
// `fraction`, MIRROR_PERCENT_CAP, the pause switch and `explain --cap`.
//
// The unit is Envoy's: a FractionalPercent over a MILLION (envoy/type/v3/percent.proto),
// which is what Istio hands Envoy for every Percent, as uint32(value × 10 000)
// (istio pilot/pkg/networking/core/route/route.go translatePercentToFractionalPercent),
// so the conversion truncates: 0.0001 % is the finest step and anything finer is cut
// off, never rounded up. Istio converts Gateway API's fraction the same way, through
// a percent: (100 × numerator) / denominator (pilot/pkg/config/kube/gateway/conversion.go).
// A request is in when its draw (0..999 999) is below the threshold (Envoy
// source/common/protobuf/utility.cc evaluateFractionalPercent:
// random_value % denominator < numerator). Truncation is also the safe direction for
// a cap: it never lets more requests through than the operator wrote.

/** 100 %, in millionths: a threshold every draw is below. */
export const ONE_MILLION = 1_000_000;

/** A cap that caps nothing. */
export const NO_CAP = ONE_MILLION;

/** The finest percentage Istio can express (one request in a million). */
export const PERCENT_STEP = 0.0001;

/**
 * `percent` (0..100) in millionths, truncated as Istio truncates it. The epsilon
 * absorbs binary floating point (0.29 × 10 000 is 2899.9999…, which Go's conversion
 * would turn into 2899): the user wrote 0.29 %, and no one can measure one request
 * in a million.
 */
export function perMillion(percent: number): number {
  return Math.floor(percent * 10_000 + 1e-6);
}

/** A fraction (Gateway API `fraction: {numerator, denominator}`) in millionths, through a percent as Istio converts it. */
export function fractionPerMillion(numerator: number, denominator: number): number {
  return perMillion((100 * numerator) / denominator);
}

/** Millionths back to a percentage: 1_000_000 → 100, 1 → 0.0001. */
export function percentOf(perMillion: number): number {
  return perMillion / 10_000;
}

/**
 * The lower cap wins: MIRROR_PERCENT_CAP with the pause switch's global cap, the
 * global cap with a route's own, a mirror's percentage with the cap in force.
 * `b` absent = no cap from that side. (Two arguments, no array: this runs per request.)
 */
export function lowerCap(a: number, b: number | undefined): number {
  return b !== undefined && b < a ? b : a;
}
