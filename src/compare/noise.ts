// Noise cancellation, Diffy's rule: a field whose v1-vs-v1 divergence explains its
// v1-vs-v2 divergence (a timestamp, a random id) is noise, not a regression.
//
// opendiffy/diffy src/main/scala/ai/diffy/analysis/JoinedDifferences.scala:
//   DifferencesFilterFactory(relative, absolute) keeps a field when
//     raw.differences > noise.differences &&
//     relativeDifference > relative && absoluteDifference > absolute
//   absoluteDifference = abs(raw.differences - noise.differences) / endpoint.total * 100
//   relativeDifference = abs(raw.differences - noise.differences) / (raw.differences + noise.differences) * 100
// opendiffy/diffy src/main/scala/ai/diffy/Settings.scala:
//   threshold.relative = 20.0, threshold.absolute = 0.03 (both in percent)
//
// Diffy sends every request to v1 twice, so raw and noise counts share one
// denominator (endpoint.total). Here only a sample of requests gets a second v1
// call, so counts are turned into rates first — raw = divergent / compared,
// noise = noiseDivergent / noiseSamples — and the formulas above are applied to
// the rates: relative = |raw − noise| / (raw + noise) × 100, absolute =
// |raw − noise| × 100. With equal denominators this is exactly Diffy's rule.
// The comparisons are made on integers (cross-multiplied, BigInt) with the
// thresholds read as the decimals they are written as, so a field exactly at a
// threshold is never pushed over it by binary rounding.
import { STRUCTURAL_KINDS, type DiffKind } from "./types";

export interface NoiseThresholds {
  /** percent; a field is reported only when the relative difference is above it */
  relativePercent: number;
  /** percent of requests; a field is reported only when the absolute difference is above it */
  absolutePercent: number;
}

/** Diffy's defaults (Settings.scala). */
export const DIFFY_THRESHOLDS: NoiseThresholds = { relativePercent: 20, absolutePercent: 0.03 };

export interface FieldCounts {
  kind: DiffKind;
  /** requests where v1 and v2 differed at this path */
  divergent: number;
  /** noise samples where v1 and v1 differed at this path */
  noise: number;
}

export interface Totals {
  /** requests compared (v1 vs v2): the raw rate's denominator */
  compared: number;
  /** requests that also got a second v1 call (v1 vs v1): the noise rate's denominator */
  noiseSamples: number;
}

export interface FieldJudgement {
  status: "divergent" | "noise";
  /** divergent / compared × 100 (0 when nothing was compared) */
  rawPercent: number;
  /** noise / noiseSamples × 100 (0 without noise samples) */
  noisePercent: number;
  /** Diffy's relativeDifference over the rates, in percent (0 when both rates are 0) */
  relativeDifference: number;
  /** Diffy's absoluteDifference over the rates, in percent */
  absoluteDifference: number;
}

/**
 * Diffy's verdict on one field. Structural kinds (missing, added, type) seen between
 * v1 and v2 are always divergent: a field that v2 drops is a regression however often
 * v1 drops it too (Keploy refuses to hide structural changes as noise for the same
 * reason). A field never seen between v1 and v2 is noise whatever its kind.
 */
export function classifyField(
  field: FieldCounts,
  totals: Totals,
  thresholds: NoiseThresholds = DIFFY_THRESHOLDS,
): FieldJudgement {
  const a = count(field.divergent, "divergent");
  const b = count(field.noise, "noise");
  const A = count(totals.compared, "compared");
  // Without noise samples nothing is known to be noise: a rate of 0 (0 of 1).
  const B = totals.noiseSamples > 0 ? count(totals.noiseSamples, "noiseSamples") : 1n;
  if (a > A || (totals.noiseSamples > 0 && b > B)) throw new RangeError("classifyField: more divergent than compared");

  const raw = A > 0n ? Number(a) / Number(A) : 0;
  const noise = Number(b) / Number(B);
  const judgement = (status: FieldJudgement["status"]): FieldJudgement => ({
    status,
    rawPercent: raw * 100,
    noisePercent: noise * 100,
    relativeDifference: raw + noise > 0 ? (Math.abs(raw - noise) / (raw + noise)) * 100 : 0,
    absoluteDifference: Math.abs(raw - noise) * 100,
  });
  if (a === 0n) return judgement("noise");
  if (STRUCTURAL_KINDS.has(field.kind)) return judgement("divergent");

  // raw = a/A, noise = b/B; everything below is multiplied through by A·B (> 0).
  const rawScaled = a * B;
  const noiseScaled = b * A;
  const gap = rawScaled > noiseScaled ? rawScaled - noiseScaled : noiseScaled - rawScaled;
  const [relNum, relDen] = decimal(thresholds.relativePercent);
  const [absNum, absDen] = decimal(thresholds.absolutePercent);
  const reported =
    rawScaled > noiseScaled &&
    // |raw − noise| / (raw + noise) × 100 > relative
    gap * 100n * relDen > relNum * (rawScaled + noiseScaled) &&
    // |raw − noise| × 100 > absolute
    gap * 100n * absDen > absNum * A * B;
  return judgement(reported ? "divergent" : "noise");
}

function count(n: number, name: string): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`classifyField: ${name} must be a count, got ${n}`);
  return BigInt(n);
}

/** A threshold as the exact fraction its decimal text says: 0.03 → 3/100 (not 0.0299999…). */
function decimal(x: number): [bigint, bigint] {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`classifyField: threshold must be a non-negative number, got ${x}`);
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!m) throw new RangeError(`classifyField: cannot read threshold ${x}`);
  const fraction = m[2] ?? "";
  const exponent = Number(m[3] ?? 0) - fraction.length;
  const digits = BigInt(m[1]! + fraction);
  return exponent >= 0 ? [digits * 10n ** BigInt(exponent), 1n] : [digits, 10n ** BigInt(-exponent)];
}
