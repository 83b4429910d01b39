// corsPolicy as Envoy's CORS filter applies it: a preflight from an allowed origin
// is answered at the edge (never forwarded, never mirrored); an actual request from
// an allowed origin goes upstream and its response gains the CORS headers. Requests
// from other origins pass through untouched.
import { matchString } from "../routing/match";
import type { CorsPolicy } from "../routing/table";

export function allowedOrigin(cors: CorsPolicy, request: Request): string | undefined {
  const origin = request.headers.get("origin");
  return origin !== null && cors.allowOrigins.some((m) => matchString(m, origin)) ? origin : undefined;
}

export function isPreflight(request: Request): boolean {
  return request.method === "OPTIONS" && request.headers.has("access-control-request-method");
}

export function preflightResponse(cors: CorsPolicy, origin: string): Response {
  const headers = new Headers({ "access-control-allow-origin": origin, vary: "Origin" });
  if (cors.allowMethods.length) headers.set("access-control-allow-methods", cors.allowMethods.join(","));
  if (cors.allowHeaders.length) headers.set("access-control-allow-headers", cors.allowHeaders.join(","));
  if (cors.maxAgeSeconds !== undefined) headers.set("access-control-max-age", String(cors.maxAgeSeconds));
  if (cors.allowCredentials) headers.set("access-control-allow-credentials", "true");
  return new Response(null, { status: 200, headers });
}

export function withCorsHeaders(response: Response, cors: CorsPolicy, origin: string): Response {
  if (response.webSocket) return response;
  const headers = new Headers(response.headers);
  headers.set("access-control-allow-origin", origin);
  headers.append("vary", "Origin");
  if (cors.exposeHeaders.length) headers.set("access-control-expose-headers", cors.exposeHeaders.join(","));
  if (cors.allowCredentials) headers.set("access-control-allow-credentials", "true");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
