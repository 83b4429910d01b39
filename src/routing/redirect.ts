// HTTPRedirect's Location, as Envoy builds it: `authority` replaces host and port;
// `scheme` keeps a non-default port (":80"/":443" are dropped); `port` replaces
// the port; `uri` replaces the path; the query is kept.
import type { Redirect } from "./table";
import type { RequestFacts } from "./request-facts";

export function redirectLocation(redirect: Redirect, facts: Pick<RequestFacts, "scheme" | "authority" | "path" | "query">): string {
  const scheme = redirect.scheme ?? facts.scheme;
  const portMatch = /^(.*?)(?::(\d+))?$/.exec(redirect.authority ?? facts.authority)!;
  const host = portMatch[1]!;
  let port = redirect.port !== undefined ? String(redirect.port) : portMatch[2];
  if (redirect.port === undefined && redirect.scheme !== undefined && (port === "80" || port === "443")) port = undefined;
  const defaultPort = scheme === "https" ? "443" : "80";
  const authority = port === undefined || port === defaultPort ? host : `${host}:${port}`;
  const path = redirect.uri ?? facts.path;
  return `${scheme}://${authority}${path}${facts.query ? `?${facts.query}` : ""}`;
}
