// DestinationRule connectionPool and outlierDetection (istio/api
// destination_rule.proto): accepted, so real DestinationRules build, with a warning
// that says what is not done at the edge. Cloudflare opens, pools and times out the
// worker's connections to origins, so there is nothing to size and no circuit
// breaker; a Worker keeps no state across requests, so no origin is ejected. Their
// fields are still checked, so a typo is caught as everywhere else.
import type { Field, KeyRules } from "../field";
import { readDurationMs } from "./route-policies";

export const CONNECTION_POOL: KeyRules = { known: ["tcp", "http"] };

export const TCP_SETTINGS: KeyRules = { known: ["maxConnections", "connectTimeout", "tcpKeepalive", "maxConnectionDuration", "idleTimeout"] };

export const HTTP_SETTINGS: KeyRules = {
  known: [
    "http1MaxPendingRequests", "http2MaxRequests", "maxRequestsPerConnection", "maxRetries", "idleTimeout",
    "h2UpgradePolicy", "useClientProtocol", "maxConcurrentStreams", "http2KeepAlive",
  ],
};

export const OUTLIER_DETECTION: KeyRules = {
  known: [
    "consecutiveErrors", "splitExternalLocalOriginErrors", "consecutiveLocalOriginFailures", "consecutiveGatewayErrors",
    "consecutive5xxErrors", "interval", "baseEjectionTime", "maxEjectionPercent", "minHealthPercent", "outlierDetectionHttpErrorCodes",
  ],
};

/** Counts (int32 ≥ 0 in Istio), durations, percentages and flags, checked as Istio checks them. */
const COUNTS = [
  "maxConnections", "http1MaxPendingRequests", "http2MaxRequests", "maxRequestsPerConnection", "maxRetries", "maxConcurrentStreams",
  "consecutiveErrors", "consecutiveLocalOriginFailures", "consecutiveGatewayErrors", "consecutive5xxErrors",
];
const DURATIONS = ["connectTimeout", "maxConnectionDuration", "idleTimeout", "interval", "baseEjectionTime"];
const PERCENTS = ["maxEjectionPercent", "minHealthPercent"];
const FLAGS = ["useClientProtocol", "splitExternalLocalOriginErrors"];
const H2_UPGRADE_POLICIES = ["DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"];

/** Checks the values of a checked mapping; returns the keys set, `prefix.` first. */
function setKeys(f: Field, rules: KeyRules, prefix = ""): string[] {
  const set = rules.known.filter((k) => f.get(k).present);
  for (const key of set) {
    const value = f.get(key);
    if (COUNTS.includes(key)) value.wholeNumber();
    else if (DURATIONS.includes(key)) readDurationMs(value);
    else if (PERCENTS.includes(key)) value.wholeNumber({ max: 100 });
    else if (FLAGS.includes(key)) value.boolean();
    else if (key === "outlierDetectionHttpErrorCodes") value.items().forEach((code) => code.httpStatus());
    else if (key === "h2UpgradePolicy") {
      const policy = value.string();
      if (policy !== undefined && !H2_UPGRADE_POLICIES.includes(policy)) value.error(`unknown h2UpgradePolicy "${policy}"`, `use one of ${H2_UPGRADE_POLICIES.join(", ")}`);
    }
  }
  return set.map((k) => `${prefix}${k}`);
}

export function warnConnectionPool(f: Field): void {
  if (!f.checkMap(CONNECTION_POOL)) return;
  const tcp = f.get("tcp");
  const http = f.get("http");
  const set = [
    ...(tcp.checkMap(TCP_SETTINGS) ? setKeys(tcp, TCP_SETTINGS, "tcp.") : []),
    ...(http.checkMap(HTTP_SETTINGS) ? setKeys(http, HTTP_SETTINGS, "http.") : []),
  ];
  f.warn(
    `is not applied at the edge${set.length ? ` (${set.join(", ")})` : ""}: Cloudflare opens, pools and times out the worker's connections to origins, so no limit is enforced: requests over it are forwarded, never queued or answered 503 as Envoy's circuit breaker would`,
    "bound slow origins with the route's timeout and retries",
    f.keyAt,
  );
}

export function warnOutlierDetection(f: Field): void {
  if (!f.checkMap(OUTLIER_DETECTION)) return;
  const set = setKeys(f, OUTLIER_DETECTION);
  f.warn(
    `is not applied at the edge${set.length ? ` (${set.join(", ")})` : ""}: a Worker keeps no state across requests, so an origin that answers errors is not ejected and keeps its share of requests`,
    "take a failing origin out of the ServiceEntry's endpoints (or its DNS)",
    f.keyAt,
  );
}
