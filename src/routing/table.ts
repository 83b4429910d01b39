// The compiled route table: the only thing the build-time compiler (src/config)
// hands to the worker. Plain JSON data, validated once at build time, with every
// default filled in (retries, shadow settings, shadow timeout), so the request path
// has no defaults of its own, no special cases and no YAML parser.

/** Istio StringMatch, already validated. `regex` is an RE2-compatible source, matched in full. */
export type StringMatch =
  | { exact: string; ignoreCase?: boolean }
  /** `wholeSegments`: Gateway API PathPrefix, element by element (`/v2` matches `/v2/x`, not `/v2x`; routing/path-prefix.ts) */
  | { prefix: string; ignoreCase?: boolean; wholeSegments?: boolean }
  | RegexMatch;

/**
 * An RE2 `regex` as written, and what the worker runs: `js`, its JavaScript equivalent
 * (src/config/re2.ts), when that is not `regex` itself; always with the `u` flag, plus
 * `i` when `ignoreCase` ((?i) over the whole pattern).
 */
export interface RegexMatch {
  regex: string;
  js?: string;
  ignoreCase?: boolean;
}

/**
 * Envoy's pseudo-headers, which an Istio header match may name: read from the request
 * facts, never from Headers (`:path` is the path with its query, `:authority` the Host
 * header; a request has no `:status`).
 */
export type PseudoHeader = ":path" | ":method" | ":authority" | ":scheme" | ":status";

/** A header / query parameter condition. `present` is Istio's `{}` value. */
export type ValueMatch = StringMatch | { present: true };

export interface NamedMatch {
  /** a lowercase header name (or query parameter), or a PseudoHeader */
  name: string;
  match: ValueMatch;
}

/** One HTTPMatchRequest block: every condition set must hold (AND). */
export interface MatchBlock {
  name?: string;
  uri?: StringMatch;
  scheme?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  /** the port the client connected to (from the Host header, else the scheme's default) */
  port?: number;
  headers: NamedMatch[];
  withoutHeaders: NamedMatch[];
  queryParams: NamedMatch[];
}

/** DestinationRule trafficPolicy.loadBalancer, across a cluster's origins. */
export type LoadBalancer =
  | { simple: "ROUND_ROBIN" | "RANDOM" }
  | { hash: HashKey };

/** What a consistent hash (load balancing, or key-based mirror sampling) is computed from. */
export type HashKey = { header: string } | { cookie: string } | { query: string };

/** Where a destination's requests go: one or more origins (`scheme://host:port`). */
export interface Cluster {
  /** `host` or `host/subset`, as written in routes.yaml; used in logs. */
  name: string;
  origins: string[];
  /** absent = RANDOM (one origin per request, uniformly) */
  lb?: LoadBalancer;
}

/** Istio Headers.HeaderOperations: `set` replaces, `add` appends, `remove` deletes (names lowercase). */
export interface HeaderOps {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
  /**
   * The values of set / add that hold Envoy `%VARIABLE%`s, split at build time
   * (src/config/header-format.ts); `set` / `add` keep their text for tools.
   */
  formats?: { set?: Record<string, HeaderFormat>; add?: Record<string, HeaderFormat> };
}

/** A header value as literal text and the variables the worker fills in per request. */
export type HeaderFormat = (string | HeaderVariable)[];

/** The Envoy header variables with a meaning at the edge (src/proxy/header-format.ts). */
export type HeaderVariable =
  /** %DOWNSTREAM_REMOTE_ADDRESS[_WITHOUT_PORT]%: the client IP (CF-Connecting-IP) */
  | { v: "client_ip" }
  /** %PROTOCOL%: HTTP/1.1, HTTP/2 or HTTP/3 as the client spoke it */
  | { v: "protocol" }
  /** %REQ(a?b):max%: the first of these request headers present (pseudo-headers from the request) */
  | { v: "req"; names: string[]; withoutQuery?: boolean; max?: number }
  /** %START_TIME%: Envoy's default format (ISO 8601, UTC, milliseconds), or these fields */
  | { v: "start_time"; format?: TimeField[] };

/** A START_TIME format: literal text, or a strftime field (`f`: fraction of a second with `digits` digits). */
export type TimeField = string | { t: "Y" | "y" | "m" | "d" | "H" | "M" | "S" | "s" | "j" | "z" | "Z" } | { t: "f"; digits: number };

export interface HeadersPolicy {
  request?: HeaderOps;
  response?: HeaderOps;
}

export interface WeightedDestination {
  cluster: Cluster;
  weight: number;
  /** destination-level headers: applied to the primary only, never to the shadow (Istio) */
  headers?: HeadersPolicy;
}

/** One mirror of a route (`mirror` or a `mirrors[]` entry): where copies go, and how often. */
export interface MirrorTarget {
  cluster: Cluster;
  /** Sampling threshold in millionths (0..1_000_000), truncated from the percentage as Istio converts it (routing/per-million.ts). */
  perMillion: number;
}

/** HTTPRewrite: the shadow is a copy of the rewritten request. */
export interface Rewrite {
  /** replaces the matched prefix (prefix match) or the whole path (other matches) */
  uri?: string;
  /** RE2 `match` and `rewrite` as written; `js` / `ignoreCase` as in RegexMatch */
  uriRegex?: { match: string; rewrite: string; js?: string; ignoreCase?: boolean };
  /** replaces the whole path, whatever matched (Gateway API ReplaceFullPath) */
  replaceFullPath?: string;
  /** replaces the matched path prefix element by element (Gateway API ReplacePrefixMatch; no uri match = prefix "/") */
  replacePrefixMatch?: string;
  /** becomes the X-Forwarded-Host of the primary (a Worker cannot set Host) */
  authority?: string;
}

export interface RetryPolicy {
  /**
   * "route": the route's own `retries`; "istio-default": Istio's default policy for
   * routes without one (filled in by the compiler). A route's own policy buffers a
   * request body up to the shadow body cap so it can be sent again; the default
   * streams bodies, so it retries bodiless requests only.
   */
  source: "route" | "istio-default";
  /** retries after the first try (Istio `attempts`) */
  attempts: number;
  perTryTimeoutMs?: number;
  /** base interval of the back-off between tries (Istio `backoff`, else Envoy's 25 ms, filled in by the compiler) */
  backoffMs: number;
  /** Envoy retry_on conditions: 5xx, gateway-error, connect-failure, reset, retriable-4xx, retriable-status-codes, envoy-ratelimited */
  on: string[];
  /** numbers from retryOn, for retriable-status-codes */
  statusCodes: number[];
}

export interface FaultPolicy {
  delay?: { ms: number; perMillion: number };
  abort?: { status: number; perMillion: number };
}

export interface Redirect {
  uri?: string;
  /** replaces the matched uri prefix (Istio `prefixRewrite`, Envoy's prefix_rewrite) */
  prefixRewrite?: string;
  /** replaces the matched path prefix element by element (Gateway API ReplacePrefixMatch; no uri match = prefix "/") */
  replacePrefixMatch?: string;
  authority?: string;
  /** replaces the host and keeps the request's port (Gateway API `hostname`); `authority` replaces both */
  host?: string;
  scheme?: string;
  port?: number;
  /** without `port`, a `scheme` change goes to that scheme's well-known port (Gateway API); else a non-default port is kept (Istio) */
  schemeDefaultPort?: boolean;
  /** 301 by default (Istio), 302 for Gateway API */
  status: number;
}

export interface DirectResponse {
  status: number;
  body?: string;
}

export interface CorsPolicy {
  allowOrigins: StringMatch[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
  allowCredentials: boolean;
}

/**
 * Mirror settings Istio has no field for (kind MirrorPolicy, edge-mirror.dev/v1alpha1).
 * Every default equals Istio's behaviour.
 */
export interface ShadowSettings {
  /** append Envoy's `-shadow` to the authority (default true, as the walkthrough shows) */
  hostSuffix: boolean;
  /** bodies larger than this are not mirrored (default 1 MiB) */
  bodyCapBytes: number;
  /** headers removed from / set on the shadow only */
  removeHeaders: string[];
  setHeaders: Record<string, string>;
  /** the setHeaders values with Envoy `%VARIABLE%`s, as HeaderOps.formats */
  setFormats?: Record<string, HeaderFormat>;
  /** methods that are mirrored (default: all) */
  methods?: string[];
  /** sample by a hash of this key instead of at random, so the same user is consistently in or out */
  sampleKey?: HashKey;
  /** shadows are cut off after this long: the route timeout, else 25 s (Workers cancels waitUntil work ~30 s after the response) */
  timeoutMs: number;
  /** compare v1's and v2's answers (MirrorPolicy `compare`); absent = off, as Istio */
  compare?: CompareSettings;
  /** record a sample of the route's exchanges to R2 (MirrorPolicy `capture`); absent = off */
  capture?: CaptureSettings;
  /**
   * MirrorPolicy `trace`: of the mirrored requests without a valid W3C traceparent, how
   * many start a sampled trace on both legs, in millionths (src/proxy/trace-context.ts); absent = off
   */
  trace?: { perMillion: number };
}

/** MirrorPolicy `capture` (src/config/capture-policy.ts), every default filled in. */
export interface CaptureSettings {
  /** of the route's requests, how many are captured, in millionths */
  perMillion: number;
  /** request and answer bodies are kept up to this size, marked truncated past it */
  maxBodyBytes: number;
  /** field paths whose values never leave the worker (besides authorization, proxy-authorization, cookie, set-cookie) */
  redact: string[];
  /** records older than this are never returned, and deleted when read */
  ttlDays: number;
}

/** MirrorPolicy `compare`, every default filled in (src/config/defaults.ts). */
export interface CompareSettings {
  /** of the mirrored requests, how many are compared, in millionths */
  perMillion: number;
  /** of the compared GET/HEAD requests, how many also get a second v1 call (noise), in millionths */
  noisePerMillion: number;
  /** response headers compared besides the status, lowercase */
  headers: string[];
  /** field paths never reported (`/body/meta/servedAt`, `/headers/date`) */
  ignore: string[];
  /** field paths whose values never leave the worker (besides authorization, cookie, set-cookie) */
  redact: string[];
  /** bodies up to this size are compared field by field; larger ones by digest */
  maxBodyBytes: number;
  /** maxLatencyShiftMs absent: the latency shift is reported, not judged */
  gate: { maxDivergencePercent: number; minCompared: number; maxLatencyShiftMs?: number };
}

export interface Route {
  /** `VirtualService/http[i]` or the route's own name: always `${identity.virtualService}/${identity.route}`. */
  name: string;
  /**
   * The two parts of `name`, compiled once: the VirtualService (for Gateway API the
   * HTTPRoute, `namespace/name` outside the default namespace) and the route within it
   * (`http[i]` or its name; `rules[i]` or the rule's name). The report, the comparison's
   * counts and the dashboard read these; nothing splits `name` again.
   */
  identity: { virtualService: string; route: string };
  /** Empty = match everything. Blocks are ORed. */
  match: MatchBlock[];
  /** empty for redirect and directResponse routes */
  destinations: WeightedDestination[];
  totalWeight: number;
  /** `mirror` first, then `mirrors` in order, as Istio emits them. */
  mirrors: MirrorTarget[];
  /** Route timeout in ms (Istio default: none). */
  timeoutMs?: number;
  /** route-level headers: the shadow gets the request part too (Istio) */
  headers?: HeadersPolicy;
  rewrite?: Rewrite;
  /** always set: the route's own, or Istio's default (see RetryPolicy.source) */
  retries: RetryPolicy;
  fault?: FaultPolicy;
  redirect?: Redirect;
  directResponse?: DirectResponse;
  cors?: CorsPolicy;
  /** always set: from a MirrorPolicy, else Istio's defaults (filled in by the compiler) */
  shadow: ShadowSettings;
}

export interface VirtualHost {
  /** VirtualService metadata.name, or the hostname HTTPRoutes share */
  name: string;
  routes: Route[];
  /** the HTTPRoutes whose rules were merged here, for tools (explain); the worker does not read it */
  httpRoutes?: string[];
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

export interface RouteTable {
  version: 1;
  /** Which file the table was compiled from, for logs. */
  source: string;
  virtualHosts: VirtualHost[];
  hosts: HostIndex;
}
