// The worker's own headers are never compared. It marks what it sends with them
// (x-edge-mirror-shadow on a shadow whose -shadow authority is turned off,
// x-edge-mirror-noise on v1's second call, src/routing/host.ts), and origins that echo
// the request (httpbin's /headers, /anything, /get; Postman Echo; most echo servers)
// send them back. Compared, they showed up as findings: `/body/headers/X-Edge-Mirror-Noise
// added` as noise, and the shadow marker as a divergence of v2.
//
// Precisely: a header whose name starts with `x-edge-mirror-` (any case; the prefix is
// the worker's namespace, so a marker added later is covered) is
//   - never lifted as a response header, even when compare.headers names it;
//   - never compared as a key of a JSON object that is the value of a key named
//     `headers` (any case), at any depth: `/body/headers/X-Edge-Mirror-Noise`,
//     `/body/request/headers/x-edge-mirror-shadow`.
// Elsewhere in a body (a key of another name, text bodies) it is data like any other.
//
// The W3C trace headers the worker writes per leg (src/proxy/trace-context.ts: the
// shadow's own span id in `traceparent`, `edge-mirror.role=shadow` in `baggage`, no
// `tracestate` when the trace was restarted) differ between v1 and v2 on purpose, so
// they are not compared where an origin echoes them either (isLegHeader).

export const OWN_HEADER_PREFIX = "x-edge-mirror-";

/** Whether `name` is one of the worker's own headers (case-insensitive). */
export function isOwnHeader(name: string): boolean {
  return name.length > OWN_HEADER_PREFIX.length && name.slice(0, OWN_HEADER_PREFIX.length).toLowerCase() === OWN_HEADER_PREFIX;
}

/** Whether a field path's last segment is `headers` (any case): an object of echoed request headers. */
export function isEchoedHeaders(path: string): boolean {
  return path.length >= 8 && path.slice(-8).toLowerCase() === "/headers";
}

const TRACE_HEADERS = new Set(["traceparent", "tracestate", "baggage"]);

/** Whether an echoed request header differs between the legs by the worker's design: its own, or a W3C trace header. */
export function isLegHeader(name: string): boolean {
  return isOwnHeader(name) || (name.length <= 11 && TRACE_HEADERS.has(name.toLowerCase()));
}
