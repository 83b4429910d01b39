// corsPolicy's answers, as Envoy's CORS filter gives them: a preflight from an
// allowed origin is answered at the edge (never forwarded, never mirrored); an
// actual request's response gains the CORS headers. Which origin is allowed and what
// is a preflight is decided in src/routing/cors.ts.
import type { CorsPolicy } from "../routing/table";

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
