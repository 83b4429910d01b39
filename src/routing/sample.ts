// Weighted destination choice and mirror sampling. Randomness is passed in, so
// tests are exact (as Envoy's shouldShadow takes its stable_random).
import type { Cluster, MirrorPolicy, Route, WeightedDestination } from "./table";

/** Returns a number in [0, 1). */
export type Random = () => number;

/** Istio weights: each destination gets weight / sum of weights. */
export function pickDestination(route: Route, random: Random): WeightedDestination | undefined {
  const { destinations } = route;
  if (destinations.length <= 1) return destinations[0];
  let point = random() * route.totalWeight;
  for (const d of destinations) {
    if (point < d.weight) return d;
    point -= d.weight;
  }
  return destinations[destinations.length - 1];
}

/** One of a cluster's origins, uniformly. */
export function pickOrigin(cluster: Cluster, random: Random): string {
  const { origins } = cluster;
  return origins.length === 1 ? origins[0]! : origins[Math.floor(random() * origins.length)]!;
}

/**
 * Envoy's sampling: one draw per request (0..999 999), compared with every
 * mirror policy's threshold, so a 5 % mirror gets a subset of what a 10 % mirror gets.
 * `capPerMillion` is the operator's kill switch (MIRROR_PERCENT_CAP), applied on top.
 */
export function selectMirrors(route: Route, draw: number, capPerMillion = 1_000_000): MirrorPolicy[] {
  return route.mirrors.filter((m) => draw < Math.min(m.perMillion, capPerMillion));
}

export function drawPerMillion(random: Random): number {
  return Math.floor(random() * 1_000_000);
}
