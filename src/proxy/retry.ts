// HTTPRetry as Envoy applies it: up to `attempts` more tries while the answer
// meets a retryOn condition, each try bounded by perTryTimeout and all of them by
// the route timeout. The plan has already set attempts to 0 for a streamed body,
// which cannot be sent twice.
import type { RetryPolicy } from "../routing/table";
import type { Random } from "../routing/sample";
import { forward, shortAnswer, type ForwardResult } from "./forward";

export interface TryInit {
  method: string;
  headers: Headers;
  body: ReadableStream | Uint8Array | null;
}

export interface RetriedResult {
  result: ForwardResult;
  tries: number;
}

/**
 * Envoy retry_on: 5xx and gateway-error also retry when no answer came (reset, refused,
 * per-try timeout); reset retries "no response at all (disconnect/reset/read timeout)".
 */
function retriable(policy: RetryPolicy, result: ForwardResult): boolean {
  const on = policy.on;
  if (!result.ok) {
    if (result.error === "upstream_interim_response") return false;
    if (result.error === "upstream_timeout") return on.includes("5xx") || on.includes("gateway-error") || on.includes("reset");
    return on.some((c) => c === "5xx" || c === "gateway-error" || c === "connect-failure" || c === "reset");
  }
  const status = result.response.status;
  // Envoy: envoy-ratelimited retries an answer that carries x-envoy-ratelimited.
  if (on.includes("envoy-ratelimited") && result.response.headers.has("x-envoy-ratelimited")) return true;
  if (on.includes("5xx") && status >= 500) return true;
  if (on.includes("gateway-error") && (status === 502 || status === 503 || status === 504)) return true;
  // Envoy: retriable-4xx retries 409 Conflict only.
  if (on.includes("retriable-4xx") && status === 409) return true;
  return on.includes("retriable-status-codes") && policy.statusCodes.includes(status);
}

/**
 * The first try is sent at once, without an async layer (this runs on every
 * request); only a try that needs a retry enters the loop.
 */
export function forwardWithRetries(
  url: () => string,
  init: TryInit,
  policy: RetryPolicy,
  routeTimeoutMs: number | undefined,
  random: Random,
): Promise<RetriedResult> {
  const attempts = policy.attempts;
  const deadline = routeTimeoutMs === undefined ? undefined : Date.now() + routeTimeoutMs;
  const left = deadline === undefined ? undefined : deadline - Date.now();
  if (left !== undefined && left <= 0) {
    return Promise.resolve({ result: { ok: false, error: "upstream_timeout", response: shortAnswer(504, "upstream request timeout") }, tries: 0 });
  }
  const perTry = policy.perTryTimeoutMs;
  const timeout = perTry === undefined ? left : left === undefined ? perTry : Math.min(perTry, left);
  return forward(url(), { method: init.method, headers: init.headers, body: init.body }, timeout).then((result) =>
    attempts === 0 || !retriable(policy, result) ? { result, tries: 1 } : retryAfter(result, url, init, policy, deadline, random),
  );
}

async function retryAfter(
  first: ForwardResult,
  url: () => string,
  init: TryInit,
  policy: RetryPolicy,
  deadline: number | undefined,
  random: Random,
): Promise<RetriedResult> {
  const attempts = policy.attempts;
  let result = first;
  for (let tryIndex = 1; ; tryIndex++) {
    if (result.ok) await result.response.body?.cancel().catch(() => {});
    // Envoy's back-off: the route's base interval (Istio `backoff`; the compiler fills in Envoy's 25 ms), growing, with jitter.
    await new Promise((resolve) => setTimeout(resolve, policy.backoffMs * tryIndex * (0.5 + random())));
    const left = deadline === undefined ? undefined : deadline - Date.now();
    if (left !== undefined && left <= 0) {
      return { result: { ok: false, error: "upstream_timeout", response: shortAnswer(504, "upstream request timeout") }, tries: tryIndex };
    }
    const perTry = policy.perTryTimeoutMs;
    const timeout = perTry === undefined ? left : left === undefined ? perTry : Math.min(perTry, left);
    result = await forward(url(), { method: init.method, headers: init.headers, body: init.body }, timeout);
    if (tryIndex >= attempts || !retriable(policy, result)) return { result, tries: tryIndex + 1 };
  }
}
