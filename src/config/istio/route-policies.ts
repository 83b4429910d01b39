// The per-route policies of an Istio HTTPRoute beyond destinations and mirrors
// (istio/api networking/v1 virtual_service.proto): headers, rewrite, retries,
// fault, redirect, directResponse, corsPolicy. Each is read straight into the
// route table's shape; anything a Worker cannot honour is refused with the reason.
import type { Field, KeyRules } from "../field";
import { parseDuration } from "../duration";
import { readStringMatch } from "../string-match";
import { headerNames } from "../header-names";
import { readHeaderValues } from "../header-values";
import { readRegexRewrite } from "./regex-rewrite";
import { warnFinerThanStep } from "../per-million";
import { DEFAULT_RETRY_BACKOFF_MS } from "../defaults";
import { perMillion, PERCENT_STEP } from "../../routing/per-million";
import type { CorsPolicy, DirectResponse, FaultPolicy, HeaderOps, HeadersPolicy, Redirect, RetryPolicy, Rewrite, StringMatch } from "../../routing/table";

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
  // Go durations are exact nanoseconds; the tolerance absorbs binary floating point (1.001s).
  const whole = Math.round(ms);
  if (Math.abs(ms - whole) > 1e-6) {
    f.error(`"${text}" is finer than a millisecond: Istio accepts durations to ms precision only`, `round it, e.g. ${whole}ms`);
    return undefined;
  }
  return whole;
}

/**
 * Istio Percent {value} in millionths: absent → `absent` (callers pass Istio's default
 * for the field). `fault`: Istio refuses a fault percentage between 0 and 0.0001.
 */
export function readPerMillion(f: Field, absent: number, { fault = false } = {}): number | undefined {
  if (!f.present) return absent;
  const percent = f.percent();
  if (percent === undefined) return undefined;
  if (fault && percent > 0 && percent < PERCENT_STEP) {
    f.get("value").error(`must be 0 or at least ${PERCENT_STEP}, found ${percent} (Istio: "percentage is neither 0.0, nor in range [0.0001, 100.0]")`, `use value: ${PERCENT_STEP}, one request in a million`);
    return undefined;
  }
  warnFinerThanStep(f.get("value"), percent);
  return perMillion(percent);
}

export const HEADER_OPERATIONS: KeyRules = { known: ["set", "add", "remove"] };
export const HEADERS: KeyRules = { known: ["request", "response"] };

/** Names are tokens the runtime accepts, values ones fetch() can send; Envoy %VARIABLE%s are compiled (header-values.ts). */
function readHeaderOps(f: Field): HeaderOps | undefined {
  if (!f.checkMap(HEADER_OPERATIONS)) return undefined;
  const ops: HeaderOps = {};
  const { values: set, formats: setFormats } = readHeaderValues(f.get("set"));
  const { values: add, formats: addFormats } = readHeaderValues(f.get("add"));
  const remove = headerNames(f.get("remove"));
  for (const [field, names] of [["set", Object.keys(set)], ["add", Object.keys(add)], ["remove", remove]] as const) {
    if (names.some((n) => n === "host" || n === ":authority"))
      f.get(field).error("a Worker cannot set Host on a request to its origin", "use rewrite.authority, which edge-mirror sends as X-Forwarded-Host");
  }
  if (Object.keys(set).length) ops.set = set;
  if (Object.keys(add).length) ops.add = add;
  if (remove.length) ops.remove = remove;
  if (Object.keys(setFormats).length || Object.keys(addFormats).length) {
    ops.formats = {};
    if (Object.keys(setFormats).length) ops.formats.set = setFormats;
    if (Object.keys(addFormats).length) ops.formats.add = addFormats;
  }
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
  // An empty string is proto3's "not set", as Istio reads it.
  const uri = nonEmpty(f.get("uri").string());
  if (uri !== undefined) rewrite.uri = uri;
  const regex = f.get("uriRegexRewrite");
  if (regex.checkMap(REGEX_REWRITE)) {
    const match = nonEmpty(regex.get("match").string());
    const replacement = nonEmpty(regex.get("rewrite").string());
    if (match === undefined) regex.get("match").error("is required and must not be empty (Istio)", "the RE2 pattern to replace, e.g. match: ^/v1/(.*)");
    if (replacement === undefined) regex.get("rewrite").error("is required and must not be empty (Istio)", "the replacement, e.g. rewrite: /v2/\\1");
    if (match !== undefined && replacement !== undefined) {
      const uriRegex = readRegexRewrite(regex, match, replacement);
      if (uriRegex) rewrite.uriRegex = uriRegex;
    }
  }
  if (uri !== undefined && regex.present) f.error("may contain uri or uriRegexRewrite, not both (Istio)", "keep one of them");
  const authority = nonEmpty(f.get("authority").string());
  if (authority !== undefined) rewrite.authority = authority;
  if (uri === undefined && !regex.present && authority === undefined)
    f.error("rewrites nothing: it needs uri, uriRegexRewrite or authority (Istio)", "add what to rewrite, e.g. uri: /v2, or remove rewrite");
  return rewrite;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === "" ? undefined : value;
}

function isZero(f: Field): boolean {
  return f.node !== null && f.node !== undefined && "value" in f.node && f.node.value === 0;
}

/** Istio's supportedRetryOnPolicies (pkg/config/validation/agent) the worker can observe in a fetch() result. */
const RETRY_ON = ["5xx", "gateway-error", "reset", "connect-failure", "retriable-4xx", "retriable-status-codes", "envoy-ratelimited"];
const GRPC = "gRPC status conditions read grpc-status from a gRPC answer, which needs HTTP/2 with trailers to the origin; a Worker's fetch() gives none";
/** The rest of supportedRetryOnPolicies: accepted as Istio accepts them, each never triggering for its reason. */
const RETRY_ON_UNOBSERVABLE: Readonly<Record<string, string>> = {
  "reset-before-request": "fetch() does not say whether the request had been sent when the connection failed, so a retry that is safe cannot be told from one that is not",
  "refused-stream": "an HTTP/2 REFUSED_STREAM is not visible through fetch()",
  "http3-post-connect-failure": "the worker does not reach origins over HTTP/3",
  "retriable-headers": "Istio configures no retriable headers, and an edge proxy ignores a client's x-envoy-retriable-header-names",
  cancelled: GRPC,
  "deadline-exceeded": GRPC,
  internal: GRPC,
  "resource-exhausted": GRPC,
  unavailable: GRPC,
};
// Istio's default when retryOn is absent: connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes
const RETRY_ON_DEFAULT = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
/** The status codes Go's http.StatusText knows: Istio accepts a number in retryOn only if it is one of them. */
const KNOWN_STATUS_CODES = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  ...Array.from({ length: 19 }, (_, i) => 400 + i), 421, 422, 423, 424, 425, 426, 428, 429, 431, 451,
  ...Array.from({ length: 9 }, (_, i) => 500 + i), 510, 511,
]);

export const HTTP_RETRY: KeyRules = {
  known: ["attempts", "perTryTimeout", "retryOn", "backoff"],
  notYet: { retryRemoteLocalities: "planned", retryIgnorePreviousHosts: "Istio 1.26" },
};
/** Each retry is one more subrequest of the invocation (Free plan: 50 in all). */
export const MAX_RETRY_ATTEMPTS = 10;

export function readRetries(f: Field): RetryPolicy | undefined {
  if (!f.checkMap(HTTP_RETRY)) return undefined;
  // Istio: absent attempts is 0, and attempts 0 turns retries off (`retries: {}` included).
  const attemptsField = f.get("attempts");
  const attempts = attemptsField.present ? attemptsField.wholeNumber({ max: MAX_RETRY_ATTEMPTS, fix: "each retry is one more subrequest of the invocation" }) : 0;
  const retryOnField = f.get("retryOn");
  if (attempts === 0) {
    const zero = attemptsField.present ? "attempts is 0" : "attempts is absent (0)";
    for (const key of ["perTryTimeout", "retryOn"]) {
      const field = f.get(key);
      if (field.present)
        field.error(`is set, but ${zero}, which turns retries off (Istio: "http retry policy configured when attempts are set to 0 (disabled)")`, "set attempts: N (retries after the first try), or remove it", field.keyAt);
    }
    if (f.get("backoff").present) f.get("backoff").warn(`has no effect: ${zero}, which turns retries off`, undefined, f.get("backoff").keyAt);
  }
  const written = retryOnField.string();
  const on: string[] = [];
  const statusCodes: number[] = [];
  if (written !== undefined && /\s/.test(written))
    retryOnField.error(`"${written}" contains spaces: Istio splits retryOn on commas only and refuses a condition like " 503"`, `write it as "${written.split(",").map((c) => c.trim()).join(",")}"`);
  if (written !== undefined && written.split(",").some((c) => c.trim() === ""))
    retryOnField.error(`"${written}" has an empty condition (Istio refuses it)`, "remove the extra comma");
  for (const raw of (written ?? RETRY_ON_DEFAULT).split(",").map((c) => c.trim()).filter(Boolean)) {
    if (/^[+-]?\d+$/.test(raw)) {
      if (KNOWN_STATUS_CODES.has(Number(raw))) statusCodes.push(Number(raw));
      else retryOnField.error(`retryOn "${raw}" is not an HTTP status code Istio knows`, "use a status code such as 503");
    } else if (RETRY_ON.includes(raw)) on.push(raw);
    else if (RETRY_ON_UNOBSERVABLE[raw] !== undefined) {
      if (written !== undefined) retryOnField.warn(`retryOn "${raw}" never triggers a retry here: ${RETRY_ON_UNOBSERVABLE[raw]}`);
    } else {
      retryOnField.error(`unknown retryOn condition "${raw}"`, `use ${RETRY_ON.join(", ")}, status codes like 503, or one of Istio's other conditions (${Object.keys(RETRY_ON_UNOBSERVABLE).join(", ")})`);
    }
  }
  if (statusCodes.length && !on.includes("retriable-status-codes")) on.push("retriable-status-codes");
  // Without retryOn, Istio keeps its default conditions, whose retriable status codes are
  // empty since Istio 1.24 (istio/istio#52111: 503 is no longer retried by default).
  const policy: RetryPolicy = { source: "route", attempts: attempts ?? 0, on, statusCodes, backoffMs: DEFAULT_RETRY_BACKOFF_MS };
  const perTry = f.get("perTryTimeout").present ? readDurationMs(f.get("perTryTimeout")) : undefined;
  if (perTry !== undefined) policy.perTryTimeoutMs = perTry;
  const backoff = f.get("backoff").present ? readDurationMs(f.get("backoff")) : undefined;
  if (backoff !== undefined) policy.backoffMs = backoff;
  return policy;
}

export const HTTP_FAULT_INJECTION: KeyRules = { known: ["delay", "abort"] };
export const FAULT_DELAY: KeyRules = { known: ["fixedDelay", "percentage", "percent"], notYet: { exponentialDelay: "planned" } };
/** Abort has no `percent`: istio/api reserves it (only Delay keeps the deprecated integer form). */
export const FAULT_ABORT: KeyRules = {
  known: ["httpStatus", "percentage"],
  refused: { grpcStatus: "a Worker answers HTTP, not gRPC status", http2Error: "a Worker cannot reset an HTTP/2 stream" },
};

export function readFault(f: Field): FaultPolicy | undefined {
  if (!f.checkMap(HTTP_FAULT_INJECTION)) return undefined;
  const fault: FaultPolicy = {};
  const delay = f.get("delay");
  if (!delay.present && !f.get("abort").present) {
    f.error("injects nothing: it needs an abort and/or a delay (Istio)", "add abort: {httpStatus: 503, percentage: {value: 10}} or delay: {fixedDelay: 2s, percentage: {value: 10}}, or remove fault");
    return undefined;
  }
  if (delay.checkMap(FAULT_DELAY)) {
    delay.get("fixedDelay").require("add fixedDelay: 2s");
    const ms = readDurationMs(delay.get("fixedDelay"));
    const perMillion = readFaultPercent(delay, true);
    if (ms !== undefined && perMillion !== undefined) fault.delay = { ms, perMillion };
  }
  const abort = f.get("abort");
  if (abort.checkMap(FAULT_ABORT)) {
    abort.get("httpStatus").require("add httpStatus: 503");
    const status = abort.get("httpStatus").httpStatus();
    const perMillion = readFaultPercent(abort, false);
    if (status !== undefined && perMillion !== undefined) fault.abort = { status, perMillion };
  }
  return fault;
}

/** Istio: a fault without percentage is injected into no request; a delay's `percent` is the deprecated integer form. */
function readFaultPercent(f: Field, legacyAllowed: boolean): number | undefined {
  const percentage = f.get("percentage");
  const legacy = f.get("percent");
  if (percentage.present) return readPerMillion(percentage, 0, { fault: true });
  if (legacyAllowed && legacy.present) {
    const n = legacy.deprecatedPercent("percentage");
    return n === undefined ? undefined : perMillion(n);
  }
  f.warn("has no percentage: Istio injects this fault into no request", "add percentage: {value: 100} to inject it into every request");
  return 0;
}

export const HTTP_REDIRECT: KeyRules = { known: ["uri", "prefixRewrite", "authority", "scheme", "port", "redirectCode"], notYet: { derivePort: "planned" } };

/** HTTPRedirect. Whether prefixRewrite fits the route's uri matches is checked with the route (virtual-service.ts). */
export function readRedirect(f: Field): Redirect | undefined {
  if (!f.checkMap(HTTP_REDIRECT)) return undefined;
  const redirect: Redirect = { status: 301 };
  // An empty string is proto3's "not set", as Istio reads it.
  const uri = nonEmpty(f.get("uri").string());
  if (uri !== undefined) redirect.uri = uri;
  const prefixRewrite = nonEmpty(f.get("prefixRewrite").string());
  if (prefixRewrite !== undefined) redirect.prefixRewrite = prefixRewrite;
  if (uri !== undefined && prefixRewrite !== undefined) f.error("may contain uri or prefixRewrite, not both (Istio)", "keep one of them");
  const authority = nonEmpty(f.get("authority").string());
  if (authority !== undefined) redirect.authority = authority;
  const scheme = nonEmpty(f.get("scheme").string());
  if (scheme !== undefined) {
    if (scheme !== "http" && scheme !== "https") f.get("scheme").error(`must be http or https, found "${scheme}"`);
    else redirect.scheme = scheme;
  }
  const port = f.get("port").port();
  if (port !== undefined) redirect.port = port;
  // 0 is proto3's "not set": Istio's default, 301.
  const codeField = f.get("redirectCode");
  const code = isZero(codeField) ? undefined : codeField.redirectStatus();
  if (code !== undefined) redirect.status = code;
  if ([uri, prefixRewrite, authority, scheme].every((v) => v === undefined) && !f.get("port").present && !f.get("derivePort").present)
    f.error("redirects to the very URL requested, a loop: it needs uri, prefixRewrite, authority, scheme or port (Istio)", "say where to redirect, e.g. uri: /new-path or authority: new.example.com");
  return redirect;
}

export const HTTP_DIRECT_RESPONSE: KeyRules = { known: ["status", "body"] };
const MAX_DIRECT_RESPONSE_BYTES = 1024 * 1024;
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
    // Istio's limits: the body travels in every proxy's configuration.
    const size = text === undefined ? 0 : new TextEncoder().encode(text).length;
    if (size > MAX_DIRECT_RESPONSE_BYTES) body.get("string").error(`is ${size} bytes; Istio refuses a direct response body over 1 MiB`, "serve large bodies from an origin");
    else if (size > 100 * 1024) body.get("string").warn(`is ${size} bytes; Istio warns above 100 KiB (the body is part of the compiled routes, in the worker bundle)`);
  }
  return response;
}

export const CORS_POLICY: KeyRules = {
  known: ["allowOrigins", "allowOrigin", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge", "allowCredentials"],
  notYet: { unmatchedPreflights: "Istio 1.23" },
};
/** Istio's supportedCORSMethods (Go's net/http method names, case-sensitive) and `*`. */
const CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*"];
/** RFC 9110 token characters, Istio's validHeaderNameRegex. */
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;

export function readCors(f: Field): CorsPolicy | undefined {
  if (!f.checkMap(CORS_POLICY)) return undefined;
  const allowOrigins: StringMatch[] = f.get("allowOrigins").items().flatMap((item) => {
    const m = readStringMatch(item, false);
    if (m && Object.values(m)[0] === "") {
      item.error("an empty origin matches no browser's Origin (Istio refuses it)", "write the origin, e.g. {exact: https://app.example.com}");
      return [];
    }
    return m ? [m] : [];
  });
  if (f.get("allowOrigin").present) {
    f.get("allowOrigin").warn("allowOrigin is deprecated in Istio", "use allowOrigins: [{exact: https://example.com}]", f.get("allowOrigin").keyAt);
    for (const origin of f.get("allowOrigin").strings()) allowOrigins.push(origin === "*" ? { regex: ".*" } : { exact: origin });
  }
  const cors: CorsPolicy = {
    allowOrigins,
    allowMethods: checked(f.get("allowMethods"), (m) => CORS_METHODS.includes(m), (m) => `"${m}" is not an HTTP method Istio accepts (names are case-sensitive)`, `use ${CORS_METHODS.join(", ")}`),
    allowHeaders: checked(f.get("allowHeaders"), isCorsHeaderName, (h) => `"${h}" is not a header name`, "write a header name like x-api-key, or *"),
    exposeHeaders: checked(f.get("exposeHeaders"), isCorsHeaderName, (h) => `"${h}" is not a header name`, "write a header name like x-request-id, or *"),
    allowCredentials: f.get("allowCredentials").boolean() ?? false,
  };
  const maxAgeField = f.get("maxAge");
  const maxAge = maxAgeField.present ? readDurationMs(maxAgeField) : undefined;
  if (maxAge !== undefined && maxAge % 1000 !== 0)
    maxAgeField.error("must be whole seconds: Access-Control-Max-Age counts seconds (Istio: \"max_age duration is accurate only to seconds precision\")", `use ${Math.max(1, Math.round(maxAge / 1000))}s`);
  else if (maxAge !== undefined) cors.maxAgeSeconds = maxAge / 1000;
  return cors;
}

/** Istio's ValidateCORSHTTPHeaderName: `*` or a non-empty token. */
function isCorsHeaderName(name: string): boolean {
  return name === "*" || HEADER_TOKEN.test(name);
}

/** The strings of a list that pass `ok`; the others are errors at their own position. */
function checked(f: Field, ok: (value: string) => boolean, message: (value: string) => string, fix: string): string[] {
  return f.items().flatMap((item) => {
    const value = item.string();
    if (value === undefined) return [];
    if (ok(value)) return [value];
    item.error(message(value), fix);
    return [];
  });
}
