// Answers the worker gives without an upstream: Istio's redirect and
// directResponse, and the fault filter's abort (Envoy's body text).
import type { DirectResponse, Redirect } from "../routing/table";
import type { RequestFacts } from "../routing/match";

/**
 * HTTPRedirect as Envoy builds the Location: `authority` replaces host and port;
 * `scheme` keeps a non-default port (":80"/":443" are dropped); `port` replaces the
 * port; `uri` replaces the path; the query is kept.
 */
export function redirectResponse(redirect: Redirect, facts: RequestFacts): Response {
  const scheme = redirect.scheme ?? facts.scheme;
  const portMatch = /^(.*?)(?::(\d+))?$/.exec(redirect.authority ?? facts.authority)!;
  const host = portMatch[1]!;
  let port = redirect.port !== undefined ? String(redirect.port) : portMatch[2];
  if (redirect.port === undefined && redirect.scheme !== undefined && (port === "80" || port === "443")) port = undefined;
  const defaultPort = scheme === "https" ? "443" : "80";
  const authority = port === undefined || port === defaultPort ? host : `${host}:${port}`;
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
