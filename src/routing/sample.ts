// Weighted destination choice and mirror sampling. Randomness is passed in, so
// tests are exact (as Envoy's shouldShadow takes its stable_random).
import { hashKeyValue, hashPerMillion } from "./hash";
import type { HashKey, Route, WeightedDestination } from "./table";
import { ONE_MILLION } from "./per-million";

/** Returns a number in [0, 1). */
export type Random = () => number;

/** Istio weights: each destination gets weight / sum of weights. */
export function pickDestination(route: Pick<Route, "destinations" | "totalWeight">, random: Random): WeightedDestination | undefined {
  const { destinations } = route;
  if (destinations.length <= 1) return destinations[0];
  let point = random() * route.totalWeight;
  for (const d of destinations) {
    if (point < d.weight) return d;
    point -= d.weight;
  }
  return destinations[destinations.length - 1];
}


export function drawPerMillion(random: Random): number {
  return Math.floor(random() * ONE_MILLION);
}

export interface MirrorDraw {
  /** 0..999 999, compared with each mirror's threshold */
  draw: number;
  /** the sample key's value, when the draw is its hash rather than random */
  keyValue?: string;
}

/**
 * The request's mirror draw: a hash of the MirrorPolicy's sampleKey when the request
 * carries it (the same user is consistently mirrored or not), else a random draw.
 */
export function mirrorDraw(sampleKey: HashKey | undefined, headers: Headers, query: string, random: Random): MirrorDraw {
  const keyValue = sampleKey ? hashKeyValue(sampleKey, headers, query) : undefined;
  return keyValue === undefined ? { draw: drawPerMillion(random) } : { draw: hashPerMillion(keyValue), keyValue };
}
