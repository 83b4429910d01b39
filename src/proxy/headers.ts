// Header handling for a forwarding proxy: RFC 9110 §7.6.1 hop-by-hop headers
// (and any header named in Connection) are not forwarded in either direction;
// X-Forwarded-* tell the origin what the client asked for, since a Worker
// cannot set Host on a subrequest.

// Hop-by-hop per RFC 9110 §7.6.1, plus the legacy names proxies still see (as hono/proxy).
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Whether a response needs stripping. workerd itself drops Connection, Keep-Alive, TE,
 * Trailer, Transfer-Encoding and Upgrade from the responses it serves, but not the
 * proxy-* headers nor headers named in Connection; `Connection: keep-alive`, which
 * nearly every origin sends, needs no copy of the response.
 */
export function hasHopByHop(headers: Headers): boolean {
  const connection = headers.get("connection");
  if (connection && connection.split(",").some((t) => !CONNECTION_OPTIONS.has(t.trim().toLowerCase()))) return true;
  return headers.has("proxy-connection") || headers.has("proxy-authenticate") || headers.has("proxy-authorization");
}

const CONNECTION_OPTIONS = new Set(["keep-alive", "close", "upgrade", ""]);

/**
 * Removes hop-by-hop headers in place: the nine names, then every header the
 * Connection header lists. Deletes by name, unconditionally (deleting an absent name
 * is a no-op), rather than walking the Headers with a JS iterator over the runtime's
 * object; A/B benchmark runs could not tell the two apart in cost, and this one is
 * shorter.
 */
export function stripHopByHop(headers: Headers): void {
  const listed = headers.get("connection");
  for (const name of HOP_BY_HOP) headers.delete(name);
  if (listed === null) return;
  for (const token of listed.split(",")) {
    const name = token.trim().toLowerCase();
    if (name) headers.delete(name);
  }
}

/** A WebSocket handshake (the request's Upgrade header): proxied with its Upgrade headers, never mirrored. */
export function isWebSocketUpgrade(upgradeHeader: string | null): boolean {
  return upgradeHeader?.toLowerCase() === "websocket";
}

export interface ForwardedFacts {
  /** X-Forwarded-Host to send: the client's authority (e.g. `httpbin:8000`) */
  forwardedHost: string;
  proto: string;
  clientIp: string | null;
  requestId: string;
  /** a WebSocket handshake: its Upgrade and Connection headers are kept */
  upgrade: boolean;
}

/**
 * The headers the origin receives. X-Forwarded-Host and -Proto are overwritten
 * (the worker is the edge; what a client claims there is not trusted), the
 * client IP is appended to X-Forwarded-For (as Envoy and nginx do), and the
 * x-request-id is kept or created so the primary and its shadow correlate.
 */
export function forwardHeaders(incoming: Headers, facts: ForwardedFacts): Headers {
  const headers = new Headers(incoming);
  stripHopByHop(headers);
  if (facts.upgrade) {
    headers.set("upgrade", "websocket");
    headers.set("connection", "Upgrade");
  }
  headers.delete("host");
  headers.set("x-forwarded-host", facts.forwardedHost);
  headers.set("x-forwarded-proto", facts.proto);
  if (facts.clientIp) {
    const prior = headers.get("x-forwarded-for");
    headers.set("x-forwarded-for", prior ? `${prior}, ${facts.clientIp}` : facts.clientIp);
  }
  headers.set("x-request-id", facts.requestId);
  return headers;
}
