// Every default the worker relies on, filled into the route table by the compiler
// (compile.ts), so the runtime has none of its own to drift from (Nitro's
// normalise-at-build pattern). Each one equals Istio's or Envoy's behaviour.
import type { CompareSettings, RetryPolicy, ShadowSettings } from "../routing/table";
import { perMillion } from "../routing/per-million";

/**
 * Istio's default retry policy for routes without `retries` (pilot
 * networking/core/route/retry/retry.go DefaultPolicy): 2 retries on connect-failure,
 * refused-stream, unavailable, cancelled and retriable-status-codes — with no status
 * code listed since Istio 1.24 (istio/istio#52111 stopped retrying 503 by default;
 * istio/api#3416 updated the docs). refused-stream, unavailable and cancelled are
 * HTTP/2 and gRPC conditions fetch() cannot observe, so at the edge it retries
 * connection failures: among others an origin closing an idle keep-alive connection
 * just as it is reused. `retries: {attempts: 0}` turns it off. It streams request
 * bodies, so only bodiless requests are retried under it.
 */
export function istioDefaultRetries(): RetryPolicy {
  return { source: "istio-default", attempts: 2, on: ["connect-failure"], statusCodes: [], backoffMs: DEFAULT_RETRY_BACKOFF_MS };
}

/**
 * The back-off's base interval when a route's retries have no `backoff`: Envoy's
 * default (envoy config/route/v3 route_components.proto RetryPolicy.RetryBackOff
 * base_interval, "defaults to 25ms"), which applies because Istio sets no
 * retry_back_off when HTTPRetry.backoff is unset; Gateway API leaves an unset
 * HTTPRouteRetry.backoff to the implementation, and Istio maps it to the same field.
 */
export const DEFAULT_RETRY_BACKOFF_MS = 25;

/** Request bodies up to this size are copied to the shadow; larger ones are not mirrored (MirrorPolicy bodyCapBytes). */
export const DEFAULT_SHADOW_BODY_CAP_BYTES = 1024 * 1024;

/**
 * Shadows are cut off after the route timeout, else after this long: Workers
 * cancels waitUntil work about 30 s after the response.
 */
export const DEFAULT_SHADOW_TIMEOUT_MS = 25_000;

/** Istio's behaviour for a route without a MirrorPolicy; `timeoutMs` is set per route by the compiler. */
export function defaultShadowSettings(): ShadowSettings {
  return { hostSuffix: true, bodyCapBytes: DEFAULT_SHADOW_BODY_CAP_BYTES, removeHeaders: [], setHeaders: {}, timeoutMs: DEFAULT_SHADOW_TIMEOUT_MS };
}

/**
 * MirrorPolicy `compare: {}`: every mirrored request compared, 10 % of the GET/HEAD ones
 * also sent to v1 twice (Diffy's noise), bodies up to 256 KiB compared field by field,
 * and a gate that passes below 1 % divergence once 200 requests were compared.
 */
export function defaultCompareSettings(): CompareSettings {
  return {
    perMillion: perMillion(100),
    noisePerMillion: perMillion(10),
    headers: ["content-type"],
    ignore: [],
    redact: [],
    maxBodyBytes: 256 * 1024,
    gate: { maxDivergencePercent: 1, minCompared: 200 },
  };
}
