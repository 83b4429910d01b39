// The compiled route table: the only thing the build-time compiler (src/config)
// hands to the worker. Plain JSON data, validated once at build time, so the
// request path has no special cases and no YAML parser.

/** Istio StringMatch, already validated. `regex` is an RE2-compatible source, matched in full. */
export type StringMatch =
  | { exact: string; ignoreCase?: boolean }
  | { prefix: string; ignoreCase?: boolean }
  | { regex: string };

/** A header / query parameter condition. `present` is Istio's `{}` value. */
export type ValueMatch = StringMatch | { present: true };

export interface NamedMatch {
  name: string;
  match: ValueMatch;
}

/** One HTTPMatchRequest block: every condition set must hold (AND). */
export interface MatchBlock {
  name?: string;
  uri?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  headers: NamedMatch[];
  withoutHeaders: NamedMatch[];
  queryParams: NamedMatch[];
}

/** Where a destination's requests go: one or more origins (`scheme://host:port`). */
export interface Cluster {
  /** `host` or `host/subset`, as written in routes.yaml; used in logs. */
  name: string;
  origins: string[];
}

export interface WeightedDestination {
  cluster: Cluster;
  weight: number;
}

export interface MirrorPolicy {
  cluster: Cluster;
  /** Sampling threshold in millionths, as Istio converts `value * 10000` (0..1_000_000). */
  perMillion: number;
}

export interface Route {
  /** `VirtualService/http[i]` or the route's own name. */
  name: string;
  /** Empty = match everything. Blocks are ORed. */
  match: MatchBlock[];
  destinations: WeightedDestination[];
  totalWeight: number;
  /** `mirror` first, then `mirrors` in order, as Istio emits them. */
  mirrors: MirrorPolicy[];
  /** Route timeout in ms (Istio default: none). */
  timeoutMs?: number;
}

export interface VirtualHost {
  /** VirtualService metadata.name */
  name: string;
  routes: Route[];
}

/** Host lookup, compiled so the request path does one map lookup in the common case. */
export interface HostIndex {
  /** lowercase host (no port) → index into virtualHosts */
  exact: Record<string, number>;
  /** `*.example.com` entries as suffixes (`.example.com`), longest first */
  wildcards: { suffix: string; vhost: number }[];
  /** index of the VirtualService that lists `*`, if any */
  catchAll?: number;
}

export interface Settings {
  /** Request bodies up to this size are copied to the shadow; larger ones are not mirrored. */
  shadowBodyCapBytes: number;
  /** Shadow timeout when the route has none (Workers cancels waitUntil work ~30 s after the response). */
  shadowTimeoutMs: number;
}

export interface RouteTable {
  version: 1;
  /** Which file the table was compiled from, for logs. */
  source: string;
  virtualHosts: VirtualHost[];
  hosts: HostIndex;
  settings: Settings;
}

export const DEFAULT_SETTINGS: Settings = {
  shadowBodyCapBytes: 1024 * 1024,
  shadowTimeoutMs: 25_000,
};
