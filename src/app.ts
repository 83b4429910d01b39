// The worker: Host → VirtualService → route → destination, the primary forwarded
// and answered, the sampled mirrors sent as shadows in ctx.waitUntil. Built from a
// compiled RouteTable, so tests can run it on tables of their own.
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import type { RouteTable } from "./routing/table";
import { findVirtualHost, hostOf, isShadowAuthority, shadowAuthority } from "./routing/host";
import { matchRoute, type RequestFacts } from "./routing/match";
import { drawPerMillion, pickDestination, pickOrigin, selectMirrors, type Random } from "./routing/sample";
import { forwardHeaders, hasHopByHop, isUpgrade, stripHopByHop } from "./proxy/headers";
import { mirrorCap, type KillSwitchEnv } from "./routing/kill-switch";
import { forward, shortAnswer } from "./proxy/forward";
import { tapBody, type BodyTap } from "./proxy/body-tap";
import { sendShadows } from "./proxy/shadow";
import { jsonLogger, type Logger, type RequestLog } from "./observe/log";

export interface AppOptions {
  /** [0, 1) source for weights, origins and mirror sampling (Math.random by default) */
  random?: Random;
  logger?: Logger;
}

export function createApp(table: RouteTable, { random = Math.random, logger = jsonLogger }: AppOptions = {}) {
  const app = new Hono<{ Bindings: KillSwitchEnv }>();
  app.all("*", function mirror(c) {
    return handle(c, table, random, logger);
  });
  app.onError(function internalError(err) {
    logger({ event: "request", requestId: "", method: "", host: "", path: "", status: 500, durationMs: 0, error: `internal: ${err.message}`, mirrors: 0 });
    return shortAnswer(500, "internal error");
  });
  return app;
}

async function handle(c: Context<{ Bindings: KillSwitchEnv }>, table: RouteTable, random: Random, log: Logger): Promise<Response> {
  const started = Date.now();
  const request = c.req.raw;
  const url = request.url;
  // The raw path and query, byte for byte: sliced from the URL, never re-serialised.
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  const target = pathStart < 0 ? "/" : url.slice(pathStart);
  const queryStart = target.indexOf("?");
  const authority = request.headers.get("host") ?? url.slice(url.indexOf("//") + 2, pathStart < 0 ? undefined : pathStart);
  const facts: RequestFacts = {
    method: request.method,
    path: queryStart < 0 ? target : target.slice(0, queryStart),
    query: queryStart < 0 ? "" : target.slice(queryStart + 1),
    authority,
    scheme: url.startsWith("https:") ? "https" : "http",
    headers: request.headers,
  };
  const requestId = request.headers.get("x-request-id") || crypto.randomUUID();
  const line: RequestLog = {
    event: "request",
    requestId,
    method: facts.method,
    host: authority,
    path: facts.path,
    status: 0,
    durationMs: 0,
    mirrors: 0,
  };
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
  const route = matchRoute(vhost, facts);
  if (!route) return finish(shortAnswer(404, "no route matched"), "no_route");
  line.route = route.name;
  const destination = pickDestination(route, random);
  if (!destination) return finish(shortAnswer(503, "no healthy upstream"), "no_destination");
  line.destination = destination.cluster.name;

  // A request whose X-Forwarded-Host already has `-shadow` is a shadow coming back
  // through the worker: forward it (keeping that authority) but never mirror it again.
  const incomingForwardedHost = request.headers.get("x-forwarded-host");
  const returningShadow = isShadowAuthority(incomingForwardedHost) || isShadowAuthority(authority);
  if (returningShadow) line.returningShadow = true;
  // Envoy never shadows CONNECT or upgrade requests.
  const upgrade = isUpgrade(request.headers);
  const mirrorable = !returningShadow && !upgrade && request.method !== "CONNECT" && !request.headers.has("upgrade");
  const cap = mirrorCap(c.env);
  if (cap.invalid) line.error = cap.invalid;
  const mirrors = mirrorable && route.mirrors.length > 0 ? selectMirrors(route, drawPerMillion(random), cap.perMillion) : [];
  line.mirrors = mirrors.length;

  const forwardedHost = returningShadow && incomingForwardedHost ? incomingForwardedHost : authority;
  const headers = forwardHeaders(request.headers, {
    forwardedHost,
    proto: url.startsWith("https:") ? "https" : "http",
    clientIp: request.headers.get("cf-connecting-ip"),
    requestId,
  });

  // fetch() cannot send a body with GET or HEAD; RFC 9110 gives one no meaning, so it is dropped.
  let body = request.method === "GET" || request.method === "HEAD" ? null : request.body;
  let tap: BodyTap | undefined;
  let skipReason: "body_too_large" | undefined;
  if (mirrors.length > 0 && body) {
    const declared = request.headers.get("content-length");
    const length = declared === null ? undefined : Number(declared);
    if (length !== undefined && length > table.settings.shadowBodyCapBytes) skipReason = "body_too_large";
    else {
      tap = tapBody(body, length, table.settings.shadowBodyCapBytes);
      body = tap.body;
    }
  }

  const primary = forward(pickOrigin(destination.cluster, random) + target, { method: request.method, headers, body }, route.timeoutMs);

  if (mirrors.length > 0) {
    const shadowHeaders = new Headers(headers);
    shadowHeaders.set("x-forwarded-host", shadowAuthority(authority));
    const targets = mirrors.map((m) => ({ url: pickOrigin(m.cluster, random) + target, destination: m.cluster.name }));
    const copy = skipReason ? Promise.resolve({ ok: false as const, reason: skipReason }) : tap?.copy;
    const shadowRequest = {
      requestId,
      method: request.method,
      path: facts.path,
      headers: shadowHeaders,
      body: copy,
      timeoutMs: route.timeoutMs ?? table.settings.shadowTimeoutMs,
    };
    c.executionCtx.waitUntil(sendShadows(shadowRequest, targets, log));
  }

  const result = await primary;
  if (!result.ok) {
    tap?.abandon();
    return finish(result.response, result.error);
  }
  // A 101 carries the WebSocket itself and must be returned as it is.
  return finish(upgrade ? result.response : passThrough(result.response));
}

/** The origin's response, streamed unchanged except for hop-by-hop headers. */
function passThrough(response: Response): Response {
  if (!hasHopByHop(response.headers)) return response;
  const headers = new Headers(response.headers);
  stripHopByHop(headers);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
