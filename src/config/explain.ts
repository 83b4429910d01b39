// `npm run explain`: what the worker would do with one request, without sending
// anything. It follows the pipeline (src/proxy/pipeline.ts) step by step: Host →
// VirtualService → route (and match block) → CORS → fault → redirect/directResponse
// → destination → rewrite → mirrors → headers, using the same routing functions,
// and says where randomness decides (weights, random mirror sampling, faults).
import { findVirtualHost, hostOf, isShadowAuthority, shadowAuthority } from "../routing/host";
import { findRoute, matchString, type RequestFacts } from "../routing/match";
import { hashKeyValue, hashPerMillion } from "../routing/hash";
import { pickOrigin } from "../routing/load-balance";
import { rewriteTarget } from "../proxy/rewrite";
import { redirectResponse } from "../proxy/local-answers";
import { SHADOW_MARKER } from "../proxy/pipeline";
import type { Cluster, HashKey, HeaderOps, MatchBlock, Route, RouteTable, ShadowSettings, StringMatch, ValueMatch } from "../routing/table";

/** Bad input (not the routes file): the CLI reports it as a usage error. */
export class ExplainInputError extends Error {
  override name = "ExplainInputError";
}

/** fetch() normalises these methods to upper case (case-insensitively); others are kept as sent. */
const NORMALISED_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface ExplainedRequest {
  method: string;
  /** the URL as the worker sees it (parsed and normalised like the runtime does) */
  url: string;
  facts: RequestFacts;
  /** the request target: raw path and query */
  target: string;
}

/** Parses method, URL and headers as the runtime would hand them to the worker. Throws ExplainInputError. */
export function parseRequest(method: string, url: string, headers: [string, string][]): ExplainedRequest {
  if (!TOKEN.test(method)) throw new ExplainInputError(`"${method}" is not an HTTP method`);
  const upper = method.toUpperCase();
  const normalisedMethod = NORMALISED_METHODS.includes(upper) ? upper : method;
  let parsed: URL | undefined;
  try {
    parsed = /^https?:\/\//i.test(url) ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed) throw new ExplainInputError(`"${url}" is not an http:// or https:// URL, e.g. http://httpbin:8000/headers`);
  const requestHeaders = new Headers();
  for (const [name, value] of headers) {
    try {
      requestHeaders.append(name, value);
    } catch {
      throw new ExplainInputError(`"${name}: ${value}" is not a valid header`);
    }
  }
  // Sliced from the serialised URL exactly as the pipeline does, so the path is the one it matches.
  const href = parsed.href;
  const authorityStart = href.indexOf("//") + 2;
  const pathStart = href.indexOf("/", authorityStart);
  const target = pathStart < 0 ? "/" : href.slice(pathStart);
  const queryStart = target.indexOf("?");
  const facts: RequestFacts = {
    method: normalisedMethod,
    path: queryStart < 0 ? target : target.slice(0, queryStart),
    query: queryStart < 0 ? "" : target.slice(queryStart + 1),
    authority: requestHeaders.get("host") ?? parsed.host,
    scheme: parsed.protocol === "https:" ? "https" : "http",
    headers: requestHeaders,
  };
  return { method: normalisedMethod, url: href, facts, target };
}

/** The explanation, one line per fact; detail lines are indented by two spaces. */
export function explainRequest(table: RouteTable, method: string, url: string, headers: [string, string][]): string[] {
  const request = parseRequest(method, url, headers);
  const { facts } = request;
  const out: string[] = [`${request.method} ${request.url}`];
  if (request.method !== method) out.push(`  (the runtime upper-cases the method: ${method} → ${request.method})`);

  const vhost = findVirtualHost(table, facts.authority);
  if (!vhost) {
    out.push(`host ${show(facts.authority)}: no VirtualService lists "${hostOf(facts.authority)}"`);
    out.push(`→ 404 no VirtualService for host "${hostOf(facts.authority)}"; nothing is contacted, nothing is mirrored`);
    return out;
  }
  out.push(`host ${show(facts.authority)} → VirtualService ${vhost.name}`);

  const found = findRoute(vhost, facts);
  const skipped = vhost.routes.slice(0, found ? vhost.routes.indexOf(found.route) : undefined).map((r) => r.name);
  if (skipped.length) out.push(`  not matched: ${skipped.join(", ")}`);
  if (!found) {
    out.push(`→ 404 no route matched; nothing is contacted, nothing is mirrored`);
    return out;
  }
  const { route, block } = found;
  if (!block) out.push(`route ${route.name}: no match conditions, so every request`);
  else {
    const index = route.match.indexOf(block);
    out.push(`route ${route.name}, match[${index}]${block.name ? ` (${block.name})` : ""}: ${describeBlock(block)}`);
  }

  // CORS, then fault injection, then the router: Envoy's filter order, as the pipeline.
  let corsOrigin: string | undefined;
  if (route.cors) {
    const cors = route.cors;
    const origin = facts.headers.get("origin");
    corsOrigin = origin !== null && cors.allowOrigins.some((m) => matchString(m, origin)) ? origin : undefined;
    const policy = [
      `origins ${cors.allowOrigins.map(describeMatch).join(", ") || "none"}`,
      cors.allowMethods.length ? `methods ${cors.allowMethods.join(", ")}` : undefined,
      cors.allowHeaders.length ? `headers ${cors.allowHeaders.join(", ")}` : undefined,
      cors.exposeHeaders.length ? `expose ${cors.exposeHeaders.join(", ")}` : undefined,
      cors.maxAgeSeconds !== undefined ? `max age ${cors.maxAgeSeconds} s` : undefined,
      cors.allowCredentials ? "credentials allowed" : undefined,
    ].filter(Boolean);
    out.push(`cors: ${policy.join("; ")}`);
    if (origin === null) out.push("  no Origin header: not a CORS request, no CORS headers added");
    else if (!corsOrigin) out.push(`  Origin ${show(origin)} is not allowed: the request passes through without CORS headers`);
    else if (facts.method === "OPTIONS" && facts.headers.has("access-control-request-method")) {
      out.push(`  Origin ${show(origin)} is allowed and this is a preflight: answered 200 at the edge; nothing is forwarded, nothing is mirrored`);
      return out;
    } else out.push(`  Origin ${show(origin)} is allowed: the response gets Access-Control-Allow-Origin: ${origin}`);
  }
  if (route.fault?.delay) {
    out.push(`fault delay: ${formatMs(route.fault.delay.ms)} for ${percent(route.fault.delay.perMillion)} of requests (random), before anything is forwarded`);
  }
  if (route.fault?.abort) {
    out.push(
      `fault abort: ${percent(route.fault.abort.perMillion)} of requests (random) are answered ${route.fault.abort.status} "fault filter abort"; those are not forwarded and not mirrored`,
    );
  }
  if (route.redirect) {
    const location = redirectResponse(route.redirect, facts).headers.get("location");
    out.push(`redirect: → ${route.redirect.status} Location: ${location}; nothing is forwarded, nothing is mirrored`);
  }
  if (route.directResponse) {
    const body = route.directResponse.body;
    out.push(`directResponse: → ${route.directResponse.status}${body !== undefined ? ` with body ${JSON.stringify(body)}` : " with no body"}; nothing is forwarded, nothing is mirrored`);
  }
  if (route.redirect || route.directResponse) {
    explainResponseHeaders(out, route, corsOrigin);
    return out;
  }

  // Destinations: one per request, by weight.
  if (route.destinations.length === 0) {
    out.push("→ 503 no healthy upstream (the route has no destination with weight > 0)");
    return out;
  }
  const several = route.destinations.length > 1;
  out.push(several ? "destination (one per request, at random by weight):" : "destination:");
  for (const d of route.destinations) {
    out.push(`  ${d.cluster.name} ${percent((d.weight / route.totalWeight) * 1_000_000)} → ${describeOrigins(d.cluster, facts)}`);
    if (d.headers?.request) out.push(`    request headers, this destination only (not the shadow): ${describeOps(d.headers.request)}`);
    if (d.headers?.response) out.push(`    response headers, this destination only: ${describeOps(d.headers.response)}`);
  }

  // The rewrite: the shadow is a copy of the rewritten request.
  const forwardedTarget = route.rewrite ? rewriteTarget(route.rewrite, block, facts.path, facts.query) : request.target;
  if (route.rewrite?.uri !== undefined || route.rewrite?.uriRegex) {
    const how =
      route.rewrite.uri !== undefined
        ? block?.uri && "prefix" in block.uri
          ? `uri: the matched prefix ${show(block.uri.prefix)} becomes ${show(route.rewrite.uri)}`
          : `uri: the whole path becomes ${show(route.rewrite.uri)}`
        : `uriRegexRewrite: ${show(route.rewrite.uriRegex!.match)} → ${show(route.rewrite.uriRegex!.rewrite)}`;
    out.push(`path: ${request.target} → ${forwardedTarget} (rewrite ${how}; the shadow gets the rewritten path too)`);
  } else out.push(`path: ${request.target} (no rewrite)`);
  const primaryAuthority = route.rewrite?.authority ?? facts.authority;
  if (route.rewrite?.authority !== undefined) out.push(`authority: ${show(facts.authority)} → ${show(route.rewrite.authority)} (rewrite.authority, sent as X-Forwarded-Host)`);

  // Mirrors.
  const incomingForwardedHost = facts.headers.get("x-forwarded-host");
  const returningShadow = isShadowAuthority(incomingForwardedHost) || isShadowAuthority(facts.authority) || facts.headers.has(SHADOW_MARKER);
  const shadow = route.shadow;
  const settings: ShadowSettings = shadow ?? { hostSuffix: true, bodyCapBytes: table.settings.shadowBodyCapBytes, removeHeaders: [], setHeaders: {} };
  let mirrored = false;
  let mirrorable = false;
  if (route.mirrors.length === 0) out.push("mirrors: none");
  else {
    const notMirrored = returningShadow
      ? `it is a shadow coming back through the worker (${incomingForwardedHost && isShadowAuthority(incomingForwardedHost) ? `X-Forwarded-Host ${incomingForwardedHost}` : isShadowAuthority(facts.authority) ? `Host ${facts.authority}` : SHADOW_MARKER}), never mirrored again`
      : facts.headers.has("upgrade")
        ? "an Upgrade request is never mirrored (Envoy)"
        : facts.method === "CONNECT"
          ? "CONNECT is never mirrored (Envoy)"
          : settings.methods && !settings.methods.includes(facts.method)
            ? `the MirrorPolicy mirrors only ${settings.methods.join(", ")}`
            : undefined;
    const key = settings.sampleKey;
    const keyValue = key ? hashKeyValue(key, facts.headers, facts.query) : undefined;
    const draw = keyValue === undefined ? undefined : hashPerMillion(keyValue);
    mirrorable = notMirrored === undefined;
    out.push(notMirrored ? `mirrors: none for this request: ${notMirrored}` : "mirrors:");
    if (!notMirrored && key && draw === undefined) out.push(`  sample key ${describeKey(key)} is not in the request: sampled at random`);
    if (!notMirrored && key && draw !== undefined) out.push(`  sample key ${describeKey(key)} = ${JSON.stringify(keyValue)}: hash ${draw} (of 1 000 000)`);
    for (const m of route.mirrors) {
      const share = percent(m.perMillion);
      const where = describeOrigins(m.cluster, facts);
      if (notMirrored) out.push(`  ${m.cluster.name} ${share} → ${where}: not mirrored`);
      else if (draw === undefined) {
        out.push(`  ${m.cluster.name} → ${where}: random, ${share}`);
        mirrored = true;
      } else {
        const yes = draw < m.perMillion;
        mirrored ||= yes;
        out.push(`  ${m.cluster.name} ${share} → ${where}: ${draw} ${yes ? "<" : "≥"} ${m.perMillion}, so ${yes ? "mirrored" : "not mirrored"} (the same for every request with this key)`);
      }
    }
    if (!notMirrored) {
      out.push("  MIRROR_PERCENT_CAP, when set on the worker, caps these percentages");
      const length = facts.headers.get("content-length");
      const hasBody = facts.method !== "GET" && facts.method !== "HEAD";
      if (hasBody && length !== null && Number(length) > settings.bodyCapBytes)
        out.push(`  Content-Length ${length} is over the ${settings.bodyCapBytes}-byte cap: the shadow would be skipped (body_too_large)`);
      else if (hasBody) out.push(`  a body over ${settings.bodyCapBytes} bytes is not mirrored`);
      if (shadow?.removeHeaders.length) out.push(`  shadow only: remove headers ${shadow.removeHeaders.join(", ")}`);
      if (shadow && Object.keys(shadow.setHeaders).length) out.push(`  shadow only: set ${describeMap(shadow.setHeaders)}`);
    }
  }

  // Route-level request headers reach the shadow too; destination-level ones do not (Istio).
  if (route.headers?.request) out.push(`request headers (primary and shadow): ${describeOps(route.headers.request)}`);
  explainResponseHeaders(out, route, corsOrigin);

  const primaryHost = returningShadow && incomingForwardedHost ? incomingForwardedHost : primaryAuthority;
  const shadowHost = settings.hostSuffix ? shadowAuthority(primaryAuthority) : primaryAuthority;
  const shadowPart = !mirrorable
    ? ""
    : settings.hostSuffix
      ? `, shadow ${shadowHost}${mirrored ? "" : " (when mirrored)"}`
      : `, shadow ${shadowHost}${mirrored ? "" : " (when mirrored)"}, without the -shadow suffix (hostSuffix: false), marked with ${SHADOW_MARKER}: 1 instead`;
  out.push(`X-Forwarded-Host: primary ${primaryHost}${shadowPart}`);

  out.push(
    route.timeoutMs !== undefined
      ? `timeout: ${formatMs(route.timeoutMs)} (the primary answers 504 past it${route.mirrors.length ? "; shadows are cut off at it" : ""})`
      : `timeout: none${route.mirrors.length ? ` (shadows are cut off after ${formatMs(table.settings.shadowTimeoutMs)})` : ""}`,
  );
  if (route.retries) {
    const r = route.retries;
    if (r.attempts === 0) out.push("retries: none (attempts: 0)");
    else {
      const on = [...r.on.filter((c) => c !== "retriable-status-codes"), ...(r.statusCodes.length ? [`status ${r.statusCodes.join(", ")}`] : [])];
      out.push(
        `retries: up to ${r.attempts} more ${r.attempts === 1 ? "try" : "tries"} on ${on.join(", ") || "nothing"}` +
          `${r.perTryTimeoutMs !== undefined ? `, ${formatMs(r.perTryTimeoutMs)} per try` : ""}` +
          ` (a streamed request body, without Content-Length or over ${settings.bodyCapBytes} bytes, is not retried)`,
      );
    }
  }
  return out;
}

function explainResponseHeaders(out: string[], route: Route, corsOrigin: string | undefined): void {
  if (route.headers?.response) out.push(`response headers: ${describeOps(route.headers.response)}`);
  if (corsOrigin && route.cors) {
    const extra = [
      route.cors.exposeHeaders.length ? `Access-Control-Expose-Headers: ${route.cors.exposeHeaders.join(",")}` : undefined,
      route.cors.allowCredentials ? "Access-Control-Allow-Credentials: true" : undefined,
    ].filter(Boolean);
    out.push(`response CORS headers: Access-Control-Allow-Origin: ${corsOrigin}, Vary: Origin${extra.length ? `, ${extra.join(", ")}` : ""}`);
  }
}

function describeOrigins(cluster: Cluster, facts: RequestFacts): string {
  const { origins, lb } = cluster;
  if (origins.length === 1) return origins[0]!;
  const list = origins.join(", ");
  if (lb && "hash" in lb) {
    const value = hashKeyValue(lb.hash, facts.headers, facts.query);
    // Consistent hashing is deterministic: pickOrigin draws no random number and keeps no state here.
    return value === undefined
      ? `one of ${list} (consistent hash on ${describeKey(lb.hash)}, not in the request: at random)`
      : `${pickOrigin(cluster, () => 0, facts.headers, facts.query)} (consistent hash on ${describeKey(lb.hash)} = ${JSON.stringify(value)}; origins ${list})`;
  }
  if (lb && "simple" in lb && lb.simple === "ROUND_ROBIN") return `one of ${list} (round robin, per isolate)`;
  return `one of ${list} (at random)`;
}

function describeKey(key: HashKey): string {
  if ("header" in key) return `header ${key.header}`;
  if ("cookie" in key) return `cookie ${key.cookie}`;
  return `query parameter ${key.query}`;
}

function describeBlock(block: MatchBlock): string {
  const parts: string[] = [];
  if (block.uri) parts.push(`uri ${describeMatch(block.uri)}`);
  if (block.scheme) parts.push(`scheme ${describeMatch(block.scheme)}`);
  if (block.method) parts.push(`method ${describeMatch(block.method)}`);
  if (block.authority) parts.push(`authority ${describeMatch(block.authority)}`);
  if (block.port !== undefined) parts.push(`port ${block.port}`);
  for (const h of block.headers) parts.push(`header ${h.name} ${describeValue(h.match)}`);
  for (const h of block.withoutHeaders) parts.push(`without header ${h.name} ${describeValue(h.match)}`);
  for (const q of block.queryParams) parts.push(`query ${q.name} ${describeValue(q.match)}`);
  return parts.join(", ") || "no conditions";
}

function describeValue(m: ValueMatch): string {
  return "present" in m ? "present" : describeMatch(m);
}

function describeMatch(m: StringMatch): string {
  const ignoreCase = "ignoreCase" in m && m.ignoreCase ? " (ignoring case)" : "";
  if ("exact" in m) return `exact ${show(m.exact)}${ignoreCase}`;
  if ("prefix" in m) return `prefix ${show(m.prefix)}${ignoreCase}`;
  return `regex ${show(m.regex)}`;
}

function describeOps(ops: HeaderOps): string {
  const parts: string[] = [];
  if (ops.remove?.length) parts.push(`remove ${ops.remove.join(", ")}`);
  if (ops.set && Object.keys(ops.set).length) parts.push(`set ${describeMap(ops.set)}`);
  if (ops.add && Object.keys(ops.add).length) parts.push(`add ${describeMap(ops.add)}`);
  return parts.join("; ") || "none";
}

function describeMap(map: Record<string, string>): string {
  return Object.entries(map)
    .map(([name, value]) => `${name}: ${value}`)
    .join(", ");
}

/** A fraction of a million as a percentage: 1_000_000 → "100 %", 1 → "0.0001 %". */
function percent(perMillion: number): string {
  return `${Number((perMillion / 10_000).toFixed(4))} %`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Number(ms.toFixed(3))} ms` : `${Number((ms / 1000).toFixed(3))} s`;
}

function show(text: string): string {
  return JSON.stringify(text);
}
