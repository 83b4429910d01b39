// Answers the worker gives without an upstream: Istio's redirect and
// directResponse, and the fault filter's abort (Envoy's body text).
import type { DirectResponse, Redirect } from "../routing/table";
import type { RequestFacts } from "../routing/match";

/** HTTPRedirect: each given part replaces that part of the request's URL; the query is kept. */
export function redirectResponse(redirect: Redirect, facts: RequestFacts): Response {
  const scheme = redirect.scheme ?? facts.scheme;
  const requestPort = /:(\d+)$/.exec(facts.authority)?.[1];
  const host = redirect.authority ?? facts.authority.replace(/:\d+$/, "");
  // Keep the request's explicit port unless the redirect changes scheme or names a port.
  const port = redirect.port ?? (redirect.scheme === undefined || redirect.scheme === facts.scheme ? requestPort : undefined);
  const defaultPort = scheme === "https" ? "443" : "80";
  const authority = port === undefined || String(port) === defaultPort || host.includes(":") && !host.endsWith("]") ? host : `${host}:${port}`;
  const path = redirect.uri ?? facts.path;
  const location = `${scheme}://${authority}${path}${facts.query ? `?${facts.query}` : ""}`;
  return new Response(null, { status: redirect.status, headers: { location } });
}

export function directResponse(direct: DirectResponse): Response {
  return new Response(direct.body ?? null, {
    status: direct.status,
    headers: direct.body !== undefined ? { "content-type": "text/plain; charset=utf-8" } : {},
  });
}

export function faultAbortResponse(status: number): Response {
  return new Response("fault filter abort", { status, headers: { "content-type": "text/plain" } });
}
