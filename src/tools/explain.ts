// `npm run explain`: what the worker would do with one request, without sending
// anything. It asks the worker's own decision step (src/routing/plan.ts) and
// describes the plan — as lines for people, or as one JSON object for scripts and
// CI — so the explanation cannot drift from what the worker does.
import { planRequest, type ForwardedPlan, type Plan } from "../routing/plan";
import { requestFacts, trustedRequestId, withRequestId, type RequestFacts } from "../routing/request-facts";
import { hashKeyValue } from "../routing/hash";
import { NO_CAP, ONE_MILLION, perMillion, percentOf } from "../routing/per-million";
import { hostOf, NOISE_MARKER, SHADOW_MARKER } from "../routing/host";
import { ALWAYS_REDACTED_HEADERS } from "../compare/redact";
import type { Cluster, HashKey, HeaderOps, MatchBlock, RetryPolicy, Route, RouteTable, StringMatch, ValueMatch } from "../routing/table";

/** Bad input (not the routes file): the CLI reports it as a usage error. */
export class ExplainInputError extends Error {
  override name = "ExplainInputError";
}

/** fetch() normalises these methods to upper case (case-insensitively); others are kept as sent. */
const NORMALISED_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface ExplainOptions {
  /**
   * The value of every random draw, in [0, 1) (default 0). 0 takes the first weighted
   * destination and mirrors and injects every fault whose percentage is above 0; the
   * worker run with the same fixed random source does exactly what the plan says.
   */
  random?: number;
  /** MIRROR_PERCENT_CAP, as the worker would read it (default: unset) */
  mirrorPercentCap?: number;
  /** the pause switch's per-route caps, `<virtualService>/<route>` → percent (default: none) */
  routeCaps?: Record<string, number>;
}

export interface ExplainedRequest {
  method: string;
  /** the URL as the worker sees it (parsed and normalised like the runtime does) */
  url: string;
  facts: RequestFacts;
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
  // Without Host, the runtime's Host is the URL's.
  if (!requestHeaders.has("host")) requestHeaders.set("host", parsed.host);
  // A request of any method but GET/HEAD is taken to carry a body, as a client's usually does.
  // As the worker does (src/proxy/pipeline.ts): the id is set before routing, like Envoy's.
  const sent = requestHeaders.get("x-request-id");
  const withId = withRequestId(requestHeaders, sent, trustedRequestId(sent) ?? crypto.randomUUID());
  const facts = requestFacts(normalisedMethod, parsed.href, withId, true);
  return { method: normalisedMethod, url: parsed.href, facts };
}

/** The worker's plan for this request, under the given random draw and cap. */
export function planFor(table: RouteTable, request: ExplainedRequest, options: ExplainOptions = {}): Plan {
  const random = options.random ?? 0;
  if (!(random >= 0 && random < 1)) throw new ExplainInputError(`--random ${random}: must be a number from 0 up to (not including) 1`);
  const cap = options.mirrorPercentCap;
  if (cap !== undefined && !(cap >= 0 && cap <= 100)) throw new ExplainInputError(`--cap ${cap}: must be a percentage from 0 to 100`);
  const routeCaps: Record<string, number> = {};
  const names = table.virtualHosts.flatMap((v) => v.routes.map((r) => r.name));
  for (const [route, percent] of Object.entries(options.routeCaps ?? {})) {
    // A cap on a route the file does not have would change nothing, silently: refuse it.
    if (!names.includes(route)) {
      const listed = names.slice(0, 10).join(", ") + (names.length > 10 ? `, … (${names.length} routes)` : "");
      throw new ExplainInputError(`--route-cap ${route}=${percent}: this routes file has no route "${route}"; its routes, as the dashboard names them: ${listed}`);
    }
    if (!(percent >= 0 && percent <= 100)) throw new ExplainInputError(`--route-cap ${route}=${percent}: must be a percentage from 0 to 100`);
    routeCaps[route] = perMillion(percent);
  }
  return planRequest(table, request.facts, { random: () => random, capPerMillion: cap === undefined ? NO_CAP : perMillion(cap), routeCaps });
}

/** The explanation, one line per fact; detail lines are indented by two spaces. */
export function explainRequest(table: RouteTable, method: string, url: string, headers: [string, string][], options: ExplainOptions = {}): string[] {
  const request = parseRequest(method, url, headers);
  const plan = planFor(table, request, options);
  const { facts } = request;
  const out: string[] = [`${request.method} ${request.url}`];
  if (request.method !== method) out.push(`  (the runtime upper-cases the method: ${method} → ${request.method})`);

  if (plan.action === "refuse" && plan.error === "no_virtual_service") {
    out.push(`host ${show(facts.authority)}: no VirtualService lists "${hostOf(facts.authority)}"`);
    out.push(`→ 404 ${plan.message}; nothing is contacted, nothing is mirrored`);
    return out;
  }
  // The plan's own virtual host: a VirtualService and an HTTPRoute hostname may share a name.
  const vhost = plan.virtualHost!;
  out.push(
    vhost.httpRoutes
      ? `host ${show(facts.authority)} → hostname ${vhost.name} of HTTPRoute ${vhost.httpRoutes.join(", ")} (rules in Gateway API precedence order)`
      : `host ${show(facts.authority)} → VirtualService ${vhost.name}`,
  );
  const skipped = vhost.routes.slice(0, plan.action === "refuse" ? undefined : vhost.routes.indexOf(plan.route)).map((r) => r.name);
  if (skipped.length) out.push(`  not matched: ${skipped.join(", ")}`);
  if (plan.action === "refuse") {
    out.push(`→ 404 ${plan.message}; nothing is contacted, nothing is mirrored`);
    return out;
  }
  const { route, block } = plan;
  if (!block) out.push(`route ${route.name}: no match conditions, so every request`);
  else out.push(`route ${route.name}, match[${plan.matchIndex}]${block.name ? ` (${block.name})` : ""}: ${describeBlock(block)}`);

  // CORS, then fault injection, then the router: Envoy's filter order, as the plan.
  if (route.cors) {
    const cors = route.cors;
    const origin = facts.headers.get("origin");
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
    else if (plan.corsOrigin === undefined) out.push(`  Origin ${show(origin)} is not allowed: the request passes through without CORS headers`);
    else if (plan.action === "answer" && plan.answer.kind === "preflight") {
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
  if (plan.action === "answer" && plan.answer.kind === "redirect") {
    out.push(`redirect: → ${plan.answer.status} Location: ${plan.answer.location}; nothing is forwarded, nothing is mirrored`);
  }
  if (plan.action === "answer" && plan.answer.kind === "direct_response") {
    const body = plan.answer.body;
    out.push(`directResponse: → ${plan.answer.status}${body !== undefined ? ` with body ${JSON.stringify(body)}` : " with no body"}; nothing is forwarded, nothing is mirrored`);
  }
  if (route.redirect || route.directResponse) {
    explainResponseHeaders(out, route, plan.corsOrigin);
    return out;
  }
  if (plan.action === "answer" && plan.answer.kind === "no_destination") {
    out.push("→ 503 no healthy upstream (the route has no destination with weight > 0)");
    return out;
  }

  // Destinations: one per request, by weight.
  const several = route.destinations.length > 1;
  out.push(several ? "destination (one per request, at random by weight):" : "destination:");
  for (const d of route.destinations) {
    // The origin is the plan's for the destination it picked; another destination's is only described.
    const picked = plan.action === "forward" && plan.destination === d ? plan.origin : undefined;
    out.push(`  ${d.cluster.name} ${percent((d.weight / route.totalWeight) * ONE_MILLION)} → ${describeOrigins(d.cluster, facts, picked)}`);
    if (d.headers?.request) out.push(`    request headers, this destination only (not the shadow): ${describeOps(d.headers.request)}`);
    if (d.headers?.response) out.push(`    response headers, this destination only: ${describeOps(d.headers.response)}`);
  }
  if (plan.action !== "forward") {
    // The fault abort fired for this draw: the request is answered at the edge.
    const threshold = (route.fault?.abort?.perMillion ?? 0) / ONE_MILLION;
    out.push(`→ ${plan.answer.status} "fault filter abort" for the random draw ${options.random ?? 0}; with --random ${threshold} or above, the request is forwarded`);
    return out;
  }

  // The rewrite: the shadow is a copy of the rewritten request.
  const rewrite = route.rewrite;
  if (rewrite?.uri !== undefined || rewrite?.uriRegex || rewrite?.replaceFullPath !== undefined || rewrite?.replacePrefixMatch !== undefined) {
    const matchedPrefix = block?.uri && "prefix" in block.uri ? block.uri.prefix : "/";
    const how =
      rewrite.uri !== undefined
        ? block?.uri && "prefix" in block.uri
          ? `uri: the matched prefix ${show(block.uri.prefix)} becomes ${show(rewrite.uri)}`
          : `uri: the whole path becomes ${show(rewrite.uri)}`
        : rewrite.replaceFullPath !== undefined
          ? `ReplaceFullPath: the whole path becomes ${show(rewrite.replaceFullPath)}`
          : rewrite.replacePrefixMatch !== undefined
            ? `ReplacePrefixMatch: the matched path prefix ${show(matchedPrefix)} becomes ${show(rewrite.replacePrefixMatch)}, element by element`
            : `uriRegexRewrite: ${show(rewrite.uriRegex!.match)} → ${show(rewrite.uriRegex!.rewrite)}`;
    out.push(`path: ${facts.target} → ${plan.target} (rewrite ${how}; the shadow gets the rewritten path too)`);
  } else out.push(`path: ${facts.target} (no rewrite)`);
  if (route.rewrite?.authority !== undefined) out.push(`authority: ${show(facts.authority)} → ${show(route.rewrite.authority)} (rewrite.authority, sent as X-Forwarded-Host)`);

  explainMirrors(out, plan, facts);
  explainCompare(out, plan);
  explainCapture(out, plan);
  // Route-level request headers reach the shadow too; destination-level ones do not (Istio).
  if (route.headers?.request) out.push(`request headers (primary and shadow): ${describeOps(route.headers.request)}`);
  explainResponseHeaders(out, route, plan.corsOrigin);

  const mirrorable = plan.draw !== undefined;
  const sampled = plan.mirrors.some((m) => m.reason === "sampled" || m.reason === "kill_switch") || (mirrorable && plan.draw?.keyValue === undefined);
  const when = sampled ? "" : " (when mirrored)";
  const shadowPart = !mirrorable
    ? ""
    : plan.shadow.marker
      ? `, shadow ${plan.shadow.forwardedHost}${when}, without the -shadow suffix (hostSuffix: false), marked with ${SHADOW_MARKER}: 1 instead`
      : `, shadow ${plan.shadow.forwardedHost}${when}`;
  out.push(`X-Forwarded-Host: primary ${plan.forwardedHost}${shadowPart}`);
  out.push(
    plan.timeoutMs !== undefined
      ? `timeout: ${formatMs(plan.timeoutMs)} (the primary answers 504 past it${route.mirrors.length ? "; shadows are cut off at it" : ""})`
      : `timeout: none${route.mirrors.length ? ` (shadows are cut off after ${formatMs(plan.shadow.settings.timeoutMs)})` : ""}`,
  );
  out.push(describeRetries(route.retries, plan));
  return out;
}

function explainMirrors(out: string[], plan: ForwardedPlan, facts: RequestFacts): void {
  const { route, draw } = plan;
  const settings = plan.shadow.settings;
  if (route.mirrors.length === 0) {
    out.push("mirrors: none");
    return;
  }
  const reason = plan.mirrors[0]!.reason;
  if (!draw) {
    const forwardedHost = facts.headers.get("x-forwarded-host");
    const why =
      reason === "returning_shadow"
        ? `it is a shadow coming back through the worker (${plan.returningShadow === "x-forwarded-host" ? `X-Forwarded-Host ${forwardedHost}` : plan.returningShadow === "host" ? `Host ${facts.authority}` : SHADOW_MARKER}), never mirrored again`
        : reason === "upgrade"
          ? "an Upgrade request is never mirrored (Envoy)"
          : reason === "connect"
            ? "CONNECT is never mirrored (Envoy)"
            : `the MirrorPolicy mirrors only ${settings.methods?.join(", ")}`;
    out.push(`mirrors: none for this request: ${why}`);
    for (const m of route.mirrors) out.push(`  ${m.cluster.name} ${percent(m.perMillion)} → ${describeOrigins(m.cluster, facts)}: not mirrored`);
    return;
  }
  out.push("mirrors:");
  const key = settings.sampleKey;
  if (key && draw.keyValue === undefined) out.push(`  sample key ${describeKey(key)} is not in the request: sampled at random`);
  if (key && draw.keyValue !== undefined) out.push(`  sample key ${describeKey(key)} = ${JSON.stringify(draw.keyValue)}: hash ${draw.draw} (of 1 000 000)`);
  // Every verdict below is the plan's (decision.reason); the draw and thresholds only say why.
  for (const decision of plan.mirrors) {
    const m = decision.target;
    const share = percent(m.perMillion);
    const where = describeOrigins(m.cluster, facts, decision.origin);
    if (draw.keyValue === undefined) out.push(`  ${m.cluster.name} → ${where}: random, ${share}`);
    else if (decision.reason === "sampled") out.push(`  ${m.cluster.name} ${share} → ${where}: ${draw.draw} < ${m.perMillion}, so mirrored (the same for every request with this key)`);
    else if (decision.reason === "kill_switch") out.push(`  ${m.cluster.name} ${share} → ${where}: ${draw.draw} < ${m.perMillion}, but capped out: not mirrored (the same for every request with this key)`);
    else out.push(`  ${m.cluster.name} ${share} → ${where}: ${draw.draw} ≥ ${m.perMillion}, so not mirrored (the same for every request with this key)`);
  }
  out.push("  MIRROR_PERCENT_CAP, when set on the worker, caps these percentages");
  if (plan.mirrors.some((d) => d.reason === "kill_switch")) out.push("  capped out for this draw (MIRROR_PERCENT_CAP, or the pause switch of /__edge-mirror/): not mirrored, reason kill_switch");
  if (plan.body === "too_large") out.push(`  Content-Length ${facts.contentLength} is over the ${settings.bodyCapBytes}-byte cap: the shadow would be skipped (body_too_large)`);
  else if (facts.hasBody) out.push(`  a body over ${settings.bodyCapBytes} bytes is not mirrored`);
  if (settings.removeHeaders.length) out.push(`  shadow only: remove headers ${settings.removeHeaders.join(", ")}`);
  if (Object.keys(settings.setHeaders).length) out.push(`  shadow only: set ${describeMap(settings.setHeaders)}`);
}

function explainCapture(out: string[], plan: ForwardedPlan): void {
  const capture = plan.shadow.settings.capture;
  if (!capture || plan.capture === undefined) return;
  out.push(
    `capture: ${percent(capture.perMillion)} of the route's requests recorded to R2 (CAPTURES) with v1's answer, ` +
      `bodies up to ${capture.maxBodyBytes} bytes, kept ${capture.ttlDays} day(s); authorization, proxy-authorization, cookie, set-cookie` +
      `${capture.redact.length ? `, ${capture.redact.join(", ")}` : ""} redacted`,
  );
  out.push(`  this request: ${plan.capture ? "captured" : "not captured"}${plan.capture ? "" : plan.returningShadow || plan.upgrade ? " (never: a returning shadow or an upgrade)" : " (not drawn)"}`);
}

function explainCompare(out: string[], plan: ForwardedPlan): void {
  const compare = plan.shadow.settings.compare;
  if (!compare || !plan.compare) return;
  const headers = compare.headers.length ? `, headers ${compare.headers.join(", ")}` : "";
  out.push(
    `compare: ${percent(compare.perMillion)} of mirrored requests: v1's answer with each mirror's (status${headers}, ` +
      `bodies up to ${compare.maxBodyBytes} bytes field by field), after the client has v1's answer`,
  );
  const { compared, noise } = plan.compare;
  const why = plan.mirrored === 0 ? " (nothing is mirrored)" : plan.body === "too_large" ? " (the body is not copied: over the cap)" : compared ? "" : " (not drawn)";
  out.push(`  this request: ${compared ? "compared" : "not compared"}${why}`);
  if (compared && compare.noisePerMillion > 0) {
    out.push(
      `  noise: a second call to v1 (${NOISE_MARKER}: 1) for ${percent(compare.noisePerMillion)} of compared GET/HEAD requests: ` +
        `${noise ? "this one gets it" : "not this one"}`,
    );
  }
  if (compare.ignore.length) out.push(`  never reported: ${compare.ignore.join(", ")}`);
  const redacted = [...ALWAYS_REDACTED_HEADERS.map((name) => `/headers/${name}`), ...compare.redact];
  out.push(`  redacted before anything is stored: ${redacted.join(", ")}`);
}

function describeRetries(policy: RetryPolicy, plan: ForwardedPlan): string {
  if (policy.attempts === 0) return policy.source === "route" ? "retries: none (attempts: 0)" : "retries: none";
  const on = [...policy.on.filter((c) => c !== "retriable-status-codes"), ...(policy.statusCodes.length ? [`status ${policy.statusCodes.join(", ")}`] : [])];
  const what =
    `up to ${policy.attempts} more ${policy.attempts === 1 ? "try" : "tries"} on ${on.join(", ") || "nothing"}` +
    `${policy.perTryTimeoutMs !== undefined ? `, ${formatMs(policy.perTryTimeoutMs)} per try` : ""}`;
  if (policy.source === "istio-default") {
    return `retries: Istio's default (the route has no retries): ${what} (a request with a body is streamed, so it is not retried${plan.retriesOff ? ": this one" : ""})`;
  }
  return `retries: ${what} (a streamed request body, without Content-Length or over ${plan.shadow.settings.bodyCapBytes} bytes, is not retried${plan.retriesOff ? ": this one is streamed" : ""})`;
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

/** A cluster's origins; `picked`, the plan's origin for it, when the plan sends there (a consistent hash names it). */
function describeOrigins(cluster: Cluster, facts: RequestFacts, picked?: string): string {
  const { origins, lb } = cluster;
  if (origins.length === 1) return origins[0]!;
  const list = origins.join(", ");
  if (lb && "hash" in lb) {
    const value = hashKeyValue(lb.hash, facts.headers, facts.query);
    if (value === undefined) return `one of ${list} (consistent hash on ${describeKey(lb.hash)}, not in the request: at random)`;
    const on = `consistent hash on ${describeKey(lb.hash)} = ${JSON.stringify(value)}`;
    return picked === undefined ? `one of ${list} (${on})` : `${picked} (${on}; origins ${list})`;
  }
  if (lb && "simple" in lb && lb.simple === "ROUND_ROBIN") return `one of ${list} (round robin, per isolate)`;
  return `one of ${list} (at random)`;
}

export function describeKey(key: HashKey): string {
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
  if ("prefix" in m) return `prefix ${show(m.prefix)}${ignoreCase}${m.wholeSegments ? " (whole path elements)" : ""}`;
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
  return `${Number(percentOf(perMillion).toFixed(4))} %`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Number(ms.toFixed(3))} ms` : `${Number((ms / 1000).toFixed(3))} s`;
}

function show(text: string): string {
  return JSON.stringify(text);
}
