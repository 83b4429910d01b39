// Where a batch of records lives in R2 (the shared contract, docs/capture.md):
//   captures/<virtualService>/<route>/<yyyy-mm-dd>/<hh>/<epoch ms, 13 digits>-<isolate>-<seq>.ndjson.gz
// A time range maps to key prefixes (keys sort by time), and two isolates, or two
// batches of one isolate, never write the same key (R2: about one write per second per key).

export const CAPTURE_PREFIX = "captures/";

/** captures/<vs>/<route>/ — every object of a route (`route` is `<virtualService>/<route>`). */
export function routePrefix(route: string): string {
  return `${CAPTURE_PREFIX}${route}/`;
}

/** captures/<vs>/<route>/<yyyy-mm-dd>/<hh>/ — the hour `ms` falls in. */
export function hourPrefix(route: string, ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${routePrefix(route)}${iso.slice(0, 10)}/${iso.slice(11, 13)}/`;
}

export function batchKey(route: string, firstMs: number, isolate: string, seq: number): string {
  return `${hourPrefix(route, firstMs)}${String(firstMs).padStart(13, "0")}-${isolate}-${seq}.ndjson.gz`;
}

/** The epoch ms of a key's first record; undefined for a key not written by batchKey. */
export function keyTime(key: string): number | undefined {
  const m = /\/(\d{13})-[0-9a-f]{8}-\d+\.ndjson\.gz$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** 8 random hex digits: this isolate's part of every key it writes. */
export function isolateId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
