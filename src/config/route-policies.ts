// The per-route policies of an Istio HTTPRoute beyond destinations and mirrors
// (istio/api networking/v1 virtual_service.proto): headers, rewrite, retries,
// fault, redirect, directResponse, corsPolicy. Each is read straight into the
// route table's shape; anything a Worker cannot honour is refused with the reason.
import type { Field, KeyRules } from "./field";
import { parseDuration } from "./duration";
import { checkRegex, readStringMatch } from "./match-spec";
import type { CorsPolicy, DirectResponse, FaultPolicy, HeaderOps, HeadersPolicy, Redirect, RetryPolicy, Rewrite, StringMatch } from "../routing/table";

export function readDurationMs(f: Field, what = "duration"): number | undefined {
  const text = f.string();
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) {
    f.error(`"${text}" is not a ${what}`, "write it like 5s, 1.5s, 250ms or 1m");
    return undefined;
  }
  if (ms < 1) {
    f.error("must be at least 1ms (Istio validation)");
    return undefined;
  }
  return ms;
}

/** Istio Percent {value} in millionths: absent → `absent` (callers pass Istio's default for the field). */
export function readPerMillion(f: Field, absent: number): number | undefined {
  if (!f.present) return absent;
  const percent = f.percent();
  return percent === undefined ? undefined : Math.round(percent * 10_000);
}

function readStringMap(f: Field): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of f.entries()) {
    const v = value.string();
    if (v !== undefined) out[name.toLowerCase()] = v;
  }
  return out;
}

export const HEADER_OPERATIONS: KeyRules = { known: ["set", "add", "remove"] };
export const HEADERS: KeyRules = { known: ["request", "response"] };

function readHeaderOps(f: Field): HeaderOps | undefined {
  if (!f.checkMap(HEADER_OPERATIONS)) return undefined;
  const ops: HeaderOps = {};
  const set = readStringMap(f.get("set"));
  const add = readStringMap(f.get("add"));
  const remove = f.get("remove").strings().map((h) => h.toLowerCase());
  for (const [field, names] of [["set", Object.keys(set)], ["add", Object.keys(add)], ["remove", remove]] as const) {
    if (names.some((n) => n === "host" || n === ":authority"))
      f.get(field).error("a Worker cannot set Host on a request to its origin", "use rewrite.authority, which edge-mirror sends as X-Forwarded-Host");
  }
  if (Object.keys(set).length) ops.set = set;
  if (Object.keys(add).length) ops.add = add;
  if (remove.length) ops.remove = remove;
  return ops;
}

export function readHeadersPolicy(f: Field): HeadersPolicy | undefined {
  if (!f.checkMap(HEADERS)) return undefined;
  const policy: HeadersPolicy = {};
  const request = f.get("request").present ? readHeaderOps(f.get("request")) : undefined;
  const response = f.get("response").present ? readHeaderOps(f.get("response")) : undefined;
  if (request) policy.request = request;
  if (response) policy.response = response;
  return policy;
}

export const HTTP_REWRITE: KeyRules = { known: ["uri", "uriRegexRewrite", "authority"] };
/** rewrite.uriRegexRewrite, Istio's RegexRewrite. */
export const REGEX_REWRITE: KeyRules = { known: ["match", "rewrite"] };

export function readRewrite(f: Field): Rewrite | undefined {
  if (!f.checkMap(HTTP_REWRITE)) return undefined;
  const rewrite: Rewrite = {};
  const uri = f.get("uri").string();
  if (uri !== undefined) rewrite.uri = uri;
  const regex = f.get("uriRegexRewrite");
  if (regex.checkMap(REGEX_REWRITE)) {
    regex.get("match").require("the RE2 pattern to replace, e.g. match: ^/v1/(.*)");
    regex.get("rewrite").require("the replacement, e.g. rewrite: /v2/\\1");
    const match = regex.get("match").string();
    const replacement = regex.get("rewrite").string();
    if (match !== undefined && replacement !== undefined && checkRegex(regex.get("match"), match)) rewrite.uriRegex = { match, rewrite: replacement };
  }
  if (uri !== undefined && regex.present) f.error("may contain uri or uriRegexRewrite, not both (Istio)", "keep one of them");
  const authority = f.get("authority").string();
  if (authority !== undefined) rewrite.authority = authority;
  return rewrite;
}

const RETRY_ON = ["5xx", "gateway-error", "connect-failure", "reset", "retriable-status-codes", "retriable-4xx"];
// gRPC and HTTP/2 conditions Istio's default retryOn lists; fetch() cannot observe them.
const RETRY_ON_UNOBSERVABLE = ["refused-stream", "unavailable", "cancelled", "deadline-exceeded", "resource-exhausted"];
// Istio's default when retryOn is absent: connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes
const RETRY_ON_DEFAULT = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

export const HTTP_RETRY: KeyRules = { known: ["attempts", "perTryTimeout", "retryOn"], notYet: { retryRemoteLocalities: "planned" } };
/** Each retry is one more subrequest of the invocation (Free plan: 50 in all). */
export const MAX_RETRY_ATTEMPTS = 10;

export function readRetries(f: Field): RetryPolicy | undefined {
  if (!f.checkMap(HTTP_RETRY)) return undefined;
  const attemptsField = f.get("attempts");
  attemptsField.require("say how many retries, e.g. attempts: 3 (0 disables retries)");
  const attempts = attemptsField.wholeNumber({ max: MAX_RETRY_ATTEMPTS, fix: "each retry is one more subrequest of the invocation" });
  const retryOnField = f.get("retryOn");
  const retryOn = retryOnField.string() ?? RETRY_ON_DEFAULT;
  const on: string[] = [];
  const statusCodes: number[] = [];
  for (const raw of retryOn.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (/^[1-5]\d\d$/.test(raw)) statusCodes.push(Number(raw));
    else if (RETRY_ON.includes(raw)) on.push(raw);
    else if (RETRY_ON_UNOBSERVABLE.includes(raw)) {
      if (retryOnField.present) retryOnField.warn(`retryOn "${raw}" is a gRPC/HTTP2 condition fetch() cannot observe; it never triggers a retry here`);
    } else retryOnField.error(`unknown retryOn condition "${raw}"`, `use ${RETRY_ON.join(", ")} or status codes like 503`);
  }
  if (statusCodes.length && !on.includes("retriable-status-codes")) on.push("retriable-status-codes");
  // Istio's default policy (pilot networking/core/route/retry) retries 503 as a retriable status code.
  if (!retryOnField.present) statusCodes.push(503);
  const policy: RetryPolicy = { source: "route", attempts: attempts ?? 0, on, statusCodes };
  const perTry = f.get("perTryTimeout").present ? readDurationMs(f.get("perTryTimeout")) : undefined;
  if (perTry !== undefined) policy.perTryTimeoutMs = perTry;
  return policy;
}

export const HTTP_FAULT_INJECTION: KeyRules = { known: ["delay", "abort"] };
export const FAULT_DELAY: KeyRules = { known: ["fixedDelay", "percentage", "percent"], notYet: { exponentialDelay: "planned" } };
export const FAULT_ABORT: KeyRules = {
  known: ["httpStatus", "percentage", "percent"],
  refused: { grpcStatus: "a Worker answers HTTP, not gRPC status", http2Error: "a Worker cannot reset an HTTP/2 stream" },
};

export function readFault(f: Field): FaultPolicy | undefined {
  if (!f.checkMap(HTTP_FAULT_INJECTION)) return undefined;
  const fault: FaultPolicy = {};
  const delay = f.get("delay");
  if (delay.checkMap(FAULT_DELAY)) {
    delay.get("fixedDelay").require("add fixedDelay: 2s");
    const ms = readDurationMs(delay.get("fixedDelay"));
    const perMillion = readFaultPercent(delay);
    if (ms !== undefined && perMillion !== undefined) fault.delay = { ms, perMillion };
  }
  const abort = f.get("abort");
  if (abort.checkMap(FAULT_ABORT)) {
    abort.get("httpStatus").require("add httpStatus: 503");
    const status = abort.get("httpStatus").httpStatus();
    const perMillion = readFaultPercent(abort);
    if (status !== undefined && perMillion !== undefined) fault.abort = { status, perMillion };
  }
  return fault;
}

/** Istio: a fault without percentage is injected into no request; `percent` is the deprecated integer form. */
function readFaultPercent(f: Field): number | undefined {
  const percentage = f.get("percentage");
  const legacy = f.get("percent");
  if (percentage.present) return readPerMillion(percentage, 0);
  if (legacy.present) {
    const n = legacy.deprecatedPercent("percentage");
    return n === undefined ? undefined : n * 10_000;
  }
  f.warn("has no percentage: Istio injects this fault into no request", "add percentage: {value: 100} to inject it into every request");
  return 0;
}

export const HTTP_REDIRECT: KeyRules = { known: ["uri", "authority", "scheme", "port", "redirectCode"], notYet: { derivePort: "planned" } };

export function readRedirect(f: Field): Redirect | undefined {
  if (!f.checkMap(HTTP_REDIRECT)) return undefined;
  const redirect: Redirect = { status: 301 };
  const uri = f.get("uri").string();
  if (uri !== undefined) redirect.uri = uri;
  const authority = f.get("authority").string();
  if (authority !== undefined) redirect.authority = authority;
  const scheme = f.get("scheme").string();
  if (scheme !== undefined) {
    if (scheme !== "http" && scheme !== "https") f.get("scheme").error(`must be http or https, found "${scheme}"`);
    else redirect.scheme = scheme;
  }
  const port = f.get("port").port();
  if (port !== undefined) redirect.port = port;
  const code = f.get("redirectCode").redirectStatus();
  if (code !== undefined) redirect.status = code;
  return redirect;
}

export const HTTP_DIRECT_RESPONSE: KeyRules = { known: ["status", "body"] };
/** directResponse.body, Istio's HTTPBody. */
export const HTTP_BODY: KeyRules = { known: ["string"], notYet: { bytes: "planned" } };

export function readDirectResponse(f: Field): DirectResponse | undefined {
  if (!f.checkMap(HTTP_DIRECT_RESPONSE)) return undefined;
  f.get("status").require("add status: 200");
  const status = f.get("status").httpStatus();
  if (status === undefined) return undefined;
  const response: DirectResponse = { status };
  const body = f.get("body");
  if (body.checkMap(HTTP_BODY)) {
    const text = body.get("string").string();
    if (text !== undefined) response.body = text;
  }
  return response;
}

export const CORS_POLICY: KeyRules = {
  known: ["allowOrigins", "allowOrigin", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge", "allowCredentials"],
  notYet: { unmatchedPreflights: "planned" },
};

export function readCors(f: Field): CorsPolicy | undefined {
  if (!f.checkMap(CORS_POLICY)) return undefined;
  const allowOrigins: StringMatch[] = f.get("allowOrigins").items().flatMap((item) => {
    const m = readStringMatch(item, false);
    return m ? [m] : [];
  });
  if (f.get("allowOrigin").present) {
    f.get("allowOrigin").warn("allowOrigin is deprecated in Istio", "use allowOrigins: [{exact: https://example.com}]", f.get("allowOrigin").keyAt);
    for (const origin of f.get("allowOrigin").strings()) allowOrigins.push(origin === "*" ? { regex: ".*" } : { exact: origin });
  }
  const cors: CorsPolicy = {
    allowOrigins,
    allowMethods: f.get("allowMethods").strings(),
    allowHeaders: f.get("allowHeaders").strings(),
    exposeHeaders: f.get("exposeHeaders").strings(),
    allowCredentials: f.get("allowCredentials").boolean() ?? false,
  };
  const maxAge = f.get("maxAge").present ? readDurationMs(f.get("maxAge")) : undefined;
  if (maxAge !== undefined) cors.maxAgeSeconds = Math.floor(maxAge / 1000);
  return cors;
}
