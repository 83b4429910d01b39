// One request through the worker, in Envoy's filter order: Host → VirtualService →
// route; CORS; fault injection; redirect / directResponse; rewrite and headers; the
// primary forwarded (with retries) and answered; the sampled mirrors sent as shadows
// in ctx.waitUntil, where nothing they do can reach the client.
import type { RouteTable, ShadowSettings } from "../routing/table";
import { findVirtualHost, hostOf, isShadowAuthority, shadowAuthority } from "../routing/host";
import { findRoute, type RequestFacts } from "../routing/match";
import { drawPerMillion, mirrorDraw, pickDestination, selectMirrors, type Random } from "../routing/sample";
import { pickOrigin } from "../routing/load-balance";
import { mirrorCap, type KillSwitchEnv } from "../routing/kill-switch";
import { forwardHeaders, hasHopByHop, isWebSocketUpgrade, stripHopByHop } from "./headers";
import { applyHeaderOps, withResponseOps } from "./header-ops";
import { shortAnswer } from "./forward";
import { forwardWithRetries, ISTIO_DEFAULT_RETRIES } from "./retry";
import { tapBody, type BodyCopy } from "./body-tap";
import { sendShadows } from "./shadow";
import { rewriteTarget } from "./rewrite";
import { allowedOrigin, isPreflight, preflightResponse, withCorsHeaders } from "./cors";
import { directResponse, faultAbortResponse, redirectResponse } from "./local-answers";
import type { Logger, RequestLog } from "../observe/log";

/** Marks a shadow when the `-shadow` suffix is turned off, so loops are still caught. */
export const SHADOW_MARKER = "x-edge-mirror-shadow";

export interface PipelineContext {
  table: RouteTable;
  random: Random;
  log: Logger;
  env: KillSwitchEnv | undefined;
  waitUntil: (promise: Promise<unknown>) => void;
}

export async function handleRequest(request: Request, ctx: PipelineContext): Promise<Response> {
  const { table, random, log } = ctx;
  const started = Date.now();
  const url = request.url;
  // Every getter and Headers call crosses into the runtime: read each once.
  const incoming = request.headers;
  const method = request.method;
  // The raw path and query, byte for byte: sliced from the URL, never re-serialised.
  const authorityStart = url.indexOf("//") + 2;
  const pathStart = url.indexOf("/", authorityStart);
  const target = pathStart < 0 ? "/" : url.slice(pathStart);
  const queryStart = target.indexOf("?");
  const authority = incoming.get("host") ?? url.slice(authorityStart, pathStart < 0 ? undefined : pathStart);
  const facts: RequestFacts = {
    method,
    path: queryStart < 0 ? target : target.slice(0, queryStart),
    query: queryStart < 0 ? "" : target.slice(queryStart + 1),
    authority,
    scheme: url.startsWith("https:") ? "https" : "http",
    headers: incoming,
  };
  const requestId = incoming.get("x-request-id") || crypto.randomUUID();
  const line: RequestLog = { event: "request", requestId, method: facts.method, host: authority, path: facts.path, status: 0, durationMs: 0, mirrors: 0 };
  const finish = (response: Response, error?: string) => {
    line.status = response.status;
    line.durationMs = Date.now() - started;
    if (error) line.error = error;
    log(line);
    return response;
  };

  // Not an open proxy: a host no VirtualService lists is refused without contacting anything.
  const vhost = findVirtualHost(table, authority);
  if (!vhost) return finish(shortAnswer(404, `no VirtualService for host "${hostOf(authority)}"`), "no_virtual_service");
  line.virtualService = vhost.name;
  const found = findRoute(vhost, facts);
  if (!found) return finish(shortAnswer(404, "no route matched"), "no_route");
  const { route } = found;
  line.route = route.name;

  // Envoy's filter order: CORS, then fault injection, then the router.
  const origin = route.cors ? allowedOrigin(route.cors, request) : undefined;
  const cors = (response: Response) => (origin && route.cors ? withCorsHeaders(response, route.cors, origin) : response);
  if (origin && route.cors && isPreflight(request)) return finish(preflightResponse(route.cors, origin));
  if (route.fault?.delay && drawPerMillion(random) < route.fault.delay.perMillion) {
    line.faultDelayMs = route.fault.delay.ms;
    await new Promise((resolve) => setTimeout(resolve, route.fault!.delay!.ms));
  }
  if (route.fault?.abort && drawPerMillion(random) < route.fault.abort.perMillion) {
    return finish(cors(faultAbortResponse(route.fault.abort.status)), "fault_abort");
  }
  // Envoy applies the route's response headers to its direct responses and redirects too.
  if (route.redirect) return finish(cors(withResponseOps(redirectResponse(route.redirect, facts), route.headers?.response)));
  if (route.directResponse) return finish(cors(withResponseOps(directResponse(route.directResponse), route.headers?.response)));

  const destination = pickDestination(route, random);
  if (!destination) return finish(shortAnswer(503, "no healthy upstream"), "no_destination");
  line.destination = destination.cluster.name;

  // The shadow is a copy of the rewritten request (Istio).
  const forwardedTarget = route.rewrite ? rewriteTarget(route.rewrite, found.block, facts.path, facts.query) : target;
  const primaryAuthority = route.rewrite?.authority ?? authority;

  // A request already marked as a shadow is one coming back through the worker:
  // forward it (keeping that authority) but never mirror it again.
  const incomingForwardedHost = incoming.get("x-forwarded-host");
  const returningShadow = isShadowAuthority(incomingForwardedHost) || isShadowAuthority(authority) || incoming.has(SHADOW_MARKER);
  if (returningShadow) line.returningShadow = true;
  const upgradeHeader = incoming.get("upgrade");
  const upgrade = isWebSocketUpgrade(upgradeHeader);
  const shadow: ShadowSettings = route.shadow ?? { hostSuffix: true, bodyCapBytes: table.settings.shadowBodyCapBytes, removeHeaders: [], setHeaders: {} };
  // Envoy never shadows CONNECT or upgrade requests; a MirrorPolicy may narrow the methods.
  const mirrorable =
    route.mirrors.length > 0 && !returningShadow && upgradeHeader === null && method !== "CONNECT" && (!shadow.methods || shadow.methods.includes(method));
  const cap = mirrorCap(ctx.env);
  if (cap.invalid) line.error = cap.invalid;
  const mirrors = mirrorable ? selectMirrors(route, mirrorDraw(route, incoming, facts.query, random).draw, cap.perMillion) : [];
  line.mirrors = mirrors.length;

  const headers = forwardHeaders(incoming, {
    forwardedHost: returningShadow && incomingForwardedHost ? incomingForwardedHost : primaryAuthority,
    proto: facts.scheme,
    clientIp: incoming.get("cf-connecting-ip"),
    requestId,
    upgrade,
  });
  // Route-level request headers reach the shadow too; destination-level ones do not (Istio).
  applyHeaderOps(headers, route.headers?.request);
  // A copy: fetch() may read the headers it is given after it returns.
  const shadowHeaders = mirrors.length > 0 ? shadowHeadersFrom(new Headers(headers), primaryAuthority, shadow) : undefined;
  applyHeaderOps(headers, destination.headers?.request);

  // fetch() cannot send a body with GET or HEAD; RFC 9110 gives one no meaning, so it is dropped.
  let body: ReadableStream | Uint8Array | null = method === "GET" || method === "HEAD" ? null : request.body;
  const declared = body === null ? null : incoming.get("content-length");
  const length = declared === null ? undefined : Number(declared);
  let copy: Promise<BodyCopy> | undefined;
  let abandon: (() => void) | undefined;
  if (body instanceof ReadableStream && route.retries && route.retries.attempts > 0 && length !== undefined && length <= shadow.bodyCapBytes) {
    // A retried request needs its body again: buffer it (bounded by the cap) instead of streaming.
    const bytes = new Uint8Array(await request.arrayBuffer());
    body = bytes;
    copy = Promise.resolve({ ok: true, bytes });
  } else if (body instanceof ReadableStream && mirrors.length > 0) {
    if (length !== undefined && length > shadow.bodyCapBytes) copy = Promise.resolve({ ok: false, reason: "body_too_large" });
    else {
      const tap = tapBody(body, length, shadow.bodyCapBytes);
      body = tap.body;
      copy = tap.copy;
      abandon = tap.abandon;
    }
  }

  const primary = forwardWithRetries(
    () => pickOrigin(destination.cluster, random, incoming, facts.query) + forwardedTarget,
    { method, headers, body },
    route.retries ?? ISTIO_DEFAULT_RETRIES,
    route.timeoutMs,
  );

  if (shadowHeaders) {
    const targets = mirrors.map((m) => ({ url: pickOrigin(m.cluster, random, incoming, facts.query) + forwardedTarget, destination: m.cluster.name }));
    const shadowRequest = {
      requestId,
      method,
      path: facts.path,
      headers: shadowHeaders,
      body: copy,
      timeoutMs: route.timeoutMs ?? table.settings.shadowTimeoutMs,
    };
    ctx.waitUntil(sendShadows(shadowRequest, targets, log));
  }

  const { result, tries } = await primary;
  if (tries > 1) line.tries = tries;
  if (!result.ok) {
    abandon?.();
    return finish(cors(result.response), result.error);
  }
  // A 101 carries the WebSocket itself and must be returned as it is.
  if (upgrade) return finish(result.response);
  const response = withResponseOps(passThrough(result.response), route.headers?.response, destination.headers?.response);
  return finish(cors(response));
}

/** Turns a copy of the primary's headers into the shadow's (in place). */
function shadowHeadersFrom(out: Headers, authority: string, shadow: ShadowSettings): Headers {
  if (shadow.hostSuffix) out.set("x-forwarded-host", shadowAuthority(authority));
  else {
    out.set("x-forwarded-host", authority);
    out.set(SHADOW_MARKER, "1");
  }
  for (const name of shadow.removeHeaders) out.delete(name);
  for (const name in shadow.setHeaders) out.set(name, shadow.setHeaders[name]!);
  return out;
}

/** The origin's response, streamed unchanged except for hop-by-hop headers. */
function passThrough(response: Response): Response {
  const original = response.headers;
  if (!hasHopByHop(original)) return response;
  const headers = new Headers(original);
  stripHopByHop(headers);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
