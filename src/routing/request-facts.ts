// What the decision step knows about a request, read once from the runtime's
// Request (or, in `npm run explain`, from the command line) the same way.
import { hostOf } from "./host";
import type { RouteTable } from "./table";

export interface RequestFacts {
  method: string;
  /** the raw request target, path and query, byte for byte as the runtime serialised the URL */
  target: string;
  /** raw path, without the query */
  path: string;
  /** raw query without `?`, or "" */
  query: string;
  /** the Host header as the client sent it, port included */
  authority: string;
  /** "http" or "https" */
  scheme: string;
  headers: Headers;
  /** whether the request carries a body stream (never for GET and HEAD, whose body fetch() cannot send) */
  hasBody: boolean;
  /** the declared Content-Length of that body, when there is one */
  contentLength?: number;
}

/**
 * Facts from a URL as the runtime serialises it: the path and query are sliced from
 * the URL, never re-serialised, so the origin gets the target the client sent.
 */
export function requestFacts(method: string, url: string, headers: Headers, hasBody: boolean): RequestFacts {
  const authorityStart = url.indexOf("//") + 2;
  const pathStart = url.indexOf("/", authorityStart);
  const target = pathStart < 0 ? "/" : url.slice(pathStart);
  const queryStart = target.indexOf("?");
  // fetch() cannot send a body with GET or HEAD; RFC 9110 gives one no meaning, so it is dropped.
  const body = hasBody && method !== "GET" && method !== "HEAD";
  const declared = body ? headers.get("content-length") : null;
  const facts: RequestFacts = {
    method,
    target,
    path: queryStart < 0 ? target : target.slice(0, queryStart),
    query: queryStart < 0 ? "" : target.slice(queryStart + 1),
    authority: headers.get("host") ?? url.slice(authorityStart, pathStart < 0 ? undefined : pathStart),
    scheme: url.startsWith("https:") ? "https" : "http",
    headers,
    hasBody: body,
  };
  if (declared !== null) facts.contentLength = Number(declared);
  return facts;
}

/** The host part of the request's authority, lowercase, for logs and messages. */
export function requestHost(facts: RequestFacts): string {
  return hostOf(facts.authority);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,255}$/;

/**
 * An incoming x-request-id is kept (so a caller's tracing spans the mirror) only
 * when it is short and plain: anything else could forge log fields or bloat every
 * log line and both legs, so it is replaced by a fresh id.
 */
export function trustedRequestId(value: string | null): string | undefined {
  return value !== null && REQUEST_ID.test(value) ? value : undefined;
}

/**
 * The headers routing sees: the incoming ones when they already carry `id`, else a
 * copy carrying it (incoming request headers are immutable). Envoy sets x-request-id
 * in ConnectionManagerUtility::mutateRequestHeaders, before the route is chosen
 * (envoy source/common/http/conn_manager_utility.cc, conn_manager_impl.cc decodeHeaders).
 */
export function withRequestId(headers: Headers, sent: string | null, id: string, table?: RouteTable): Headers {
  // Only a table that reads x-request-id (a match, a hash or sample key, a %REQ()%) needs
  // the copy: the forwarded headers get the id anyway (proxy/headers.ts), and a copy of
  // the client's headers on every request is measurable on the hot path.
  if (sent === id || (table && !readsRequestId(table))) return headers;
  const copy = new Headers(headers);
  copy.set("x-request-id", id);
  return copy;
}

const readsId = new WeakMap<RouteTable, boolean>();

/** Whether anything in the table names the x-request-id header (any case): worked out once per table and isolate. */
export function readsRequestId(table: RouteTable): boolean {
  let reads = readsId.get(table);
  if (reads === undefined) readsId.set(table, (reads = JSON.stringify(table).toLowerCase().includes("x-request-id")));
  return reads;
}
