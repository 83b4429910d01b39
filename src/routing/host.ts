// Authority handling: which VirtualService serves a Host, and Envoy's `-shadow`
// authority for mirrored requests (envoy source/common/router/shadow_writer_impl.cc
// inserts the suffix before the port: httpbin:8000 → httpbin-shadow:8000).
import type { RouteTable, VirtualHost } from "./table";

/** Marks a shadow when the `-shadow` suffix is turned off (MirrorPolicy hostSuffix: false), so loops are still caught. */
export const SHADOW_MARKER = "x-edge-mirror-shadow";

/**
 * Marks the second call to v1 a compared request may get (MirrorPolicy compare
 * noisePercent), so v1's logs can tell the duplicate from the client's request.
 */
export const NOISE_MARKER = "x-edge-mirror-noise";

/** Index of the port separator in an authority, or -1 (IPv6 literals are bracketed). */
function portStart(authority: string): number {
  const colon = authority.lastIndexOf(":");
  if (colon < 0) return -1;
  const bracket = authority.lastIndexOf("]");
  return bracket > colon ? -1 : colon;
}

/** `HTTPBin.Example.:8000` → `httpbin.example` (Istio matches hosts without port, case-insensitively). */
export function hostOf(authority: string): string {
  const end = portStart(authority);
  const host = (end < 0 ? authority : authority.slice(0, end)).toLowerCase();
  return host.endsWith(".") ? host.slice(0, -1) : host;
}

export function findVirtualHost(table: RouteTable, authority: string): VirtualHost | undefined {
  const host = hostOf(authority);
  const index = table.hosts;
  let i = index.exact[host];
  if (i === undefined) {
    // Istio: the most specific wildcard wins; `*.example.com` does not match `example.com`.
    i = index.wildcards.find((w) => host.endsWith(w.suffix) && host.length > w.suffix.length)?.vhost ?? index.catchAll;
  }
  return i === undefined ? undefined : table.virtualHosts[i];
}

const SUFFIX = "-shadow";

/** Envoy's shadow authority: `[::1]:80` → `[::1]-shadow:80`, `httpbin` → `httpbin-shadow`. */
export function shadowAuthority(authority: string): string {
  const end = portStart(authority);
  return end < 0 ? authority + SUFFIX : authority.slice(0, end) + SUFFIX + authority.slice(end);
}

/** True for an authority that already carries the `-shadow` suffix: a mirrored request coming back. */
export function isShadowAuthority(authority: string | null): boolean {
  if (!authority) return false;
  const end = portStart(authority);
  return (end < 0 ? authority : authority.slice(0, end)).toLowerCase().endsWith(SUFFIX);
}

/**
 * An authority as the worker itself writes one: a DNS name (letters, digits, `.`, `-`,
 * `_`) or a bracketed IP literal (`[::1]-shadow`, as Envoy writes it), then an optional port. Anything else (a slash, a
 * space, a comma list, user info) is not an authority the worker ever sent.
 */
const AUTHORITY = /^(?:[a-z0-9_][a-z0-9._-]*|\[[0-9a-f:.]+\](?:-shadow)?)(?::[0-9]{1,5})?$/i;

/** Per table: the hosts of every route's `rewrite.authority` (the worker's shadows carry them + `-shadow` too). */
const rewrittenHosts = new WeakMap<RouteTable, Set<string>>();

function rewriteHostsOf(table: RouteTable): Set<string> {
  let hosts = rewrittenHosts.get(table);
  if (hosts === undefined) {
    hosts = new Set();
    for (const vhost of table.virtualHosts) for (const route of vhost.routes) if (route.rewrite?.authority) hosts.add(hostOf(route.rewrite.authority));
    rewrittenHosts.set(table, hosts);
  }
  return hosts;
}

/**
 * Whether `value` is exactly an X-Forwarded-Host this worker puts on its own shadows:
 * `<a host it serves>-shadow`, with that host's port if any (Envoy's shadow authority,
 * shadow_writer_impl.cc). "Serves": a VirtualService of the table matches the host
 * (exactly, by wildcard or catch-all, as routing does), or it is a route's
 * `rewrite.authority` (the shadow of a rewritten request carries that one). Anything
 * else a client sends in X-Forwarded-Host is overwritten: `evil.example/x-shadow`,
 * `other-shadow` for a host no VirtualService lists.
 */
export function isOwnShadowAuthority(table: RouteTable, value: string | null): boolean {
  if (!value || !AUTHORITY.test(value)) return false;
  const end = portStart(value);
  const host = (end < 0 ? value : value.slice(0, end)).toLowerCase();
  if (!host.endsWith(SUFFIX) || host.length === SUFFIX.length) return false;
  const served = host.slice(0, -SUFFIX.length);
  return findVirtualHost(table, served) !== undefined || rewriteHostsOf(table).has(hostOf(served));
}

/** How a request shows it is a shadow coming back through the worker, if it is one. */
export type ReturningShadowSign = "x-forwarded-host" | "host" | "marker";

/**
 * `forwardedHost`: the request's X-Forwarded-Host, when the caller has read it already.
 * Only the worker's own shadow authority counts (isOwnShadowAuthority); then, and only
 * then, the primary keeps it as its X-Forwarded-Host (plan.ts).
 */
export function returningShadowSign(table: RouteTable, headers: Headers, authority: string, forwardedHost = headers.get("x-forwarded-host")): ReturningShadowSign | undefined {
  if (isOwnShadowAuthority(table, forwardedHost)) return "x-forwarded-host";
  if (isShadowAuthority(authority)) return "host";
  return headers.has(SHADOW_MARKER) ? "marker" : undefined;
}
