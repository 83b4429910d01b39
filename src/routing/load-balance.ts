// DestinationRule loadBalancer across a cluster's origins. RANDOM (the default)
// and consistent hashing are exact in every isolate; ROUND_ROBIN rotates per
// isolate (a Worker has no cluster-wide counter), which spreads load the same way.
import { fnv1a, hashKeyValue } from "./hash";
import type { Random } from "./sample";
import type { Cluster } from "./table";

const rotation = new Map<string, number>();

export function pickOrigin(cluster: Cluster, random: Random, headers?: Headers, query = ""): string {
  const { origins, lb } = cluster;
  if (origins.length === 1) return origins[0]!;
  if (lb && "hash" in lb && headers) {
    const value = hashKeyValue(lb.hash, headers, query);
    // Envoy: without the hash key, a consistent-hash cluster picks at random.
    if (value !== undefined) return origins[fnv1a(`lb:${value}`) % origins.length]!;
  }
  if (lb && "simple" in lb && lb.simple === "ROUND_ROBIN") {
    const next = rotation.get(cluster.name) ?? 0;
    rotation.set(cluster.name, next + 1);
    return origins[next % origins.length]!;
  }
  return origins[Math.floor(random() * origins.length)]!;
}
