// Host names as Istio validates them (pkg/config/validation/agent ValidateWildcardDomain,
// pkg/config/labels, pkg/config/host): what VirtualService and ServiceEntry hosts,
// DestinationRule hosts and destinations may be, and when two hosts overlap.

/** RFC 1123 label as Istio checks it: letters of either case, digits, inner hyphens, at most 63. */
const DNS_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
/** A first label may also be `*`, or a label led by `*` or `*-` (`*.example.com`, `*foo.example.com`). */
const WILDCARD_LABEL = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS_LABEL.test(value);
}

/** Why `host` is not a (wildcard) domain Istio accepts, or undefined when it is one. */
export function domainProblem(host: string): string | undefined {
  if (host.length === 0) return "an empty host name is not allowed";
  if (host.length > 255) return `"${host.slice(0, 20)}…" is longer than 255 characters`;
  const [first, rest] = splitFirst(host);
  if (first.length > 63 || !WILDCARD_LABEL.test(first)) return `"${host}" is not a host name (label "${first}" is invalid)`;
  return rest === undefined ? undefined : labelsProblem(host, rest);
}

/** Why `host` is not a fully qualified name (no wildcard), or undefined. */
export function fqdnProblem(host: string): string | undefined {
  if (host.length === 0) return "an empty host name is not allowed";
  if (host.length > 255) return `"${host.slice(0, 20)}…" is longer than 255 characters`;
  return labelsProblem(host, host);
}

function labelsProblem(host: string, labels: string): string | undefined {
  const parts = labels.split(".");
  if (/^\d+$/.test(parts[parts.length - 1]!)) return `"${host}" is not a host name (its top-level domain is all digits)`;
  for (const [i, label] of parts.entries()) {
    // A trailing dot (`istio.io.`) is allowed.
    if (i === parts.length - 1 && label === "") return undefined;
    if (!isDnsLabel(label)) return `"${host}" is not a host name (label "${label}" is invalid)`;
  }
  return undefined;
}

function splitFirst(host: string): [string, string | undefined] {
  const dot = host.indexOf(".");
  return dot < 0 ? [host, undefined] : [host.slice(0, dot), host.slice(dot + 1)];
}

export function isIpAddress(value: string): boolean {
  return IPV4.test(value) || (value.includes(":") && /^[0-9a-fA-F:.]+$/.test(value));
}

/**
 * Istio's host.Name.Matches, which refuses two hosts of one VirtualService that can
 * name the same request: equal names, or a wildcard whose suffix the other ends with
 * (`*.bar` and `foo.bar`, `*.foo.bar` and `*.bar`). Compared case-insensitively,
 * as requests are matched.
 */
export function hostsOverlap(a: string, b: string): boolean {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  const xWild = x.startsWith("*");
  const yWild = y.startsWith("*");
  if (xWild && yWild) return x.length < y.length ? y.slice(1).endsWith(x.slice(1)) : x.slice(1).endsWith(y.slice(1));
  if (xWild) return y.endsWith(x.slice(1));
  if (yWild) return x.endsWith(y.slice(1));
  return x === y;
}
