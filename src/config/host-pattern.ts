// Host patterns as Istio writes them in VirtualService and Gateway hosts: a name
// (`api.example.com`), a wildcard for its subdomains (`*.example.com`) or `*`.
// Comparison is case-insensitive and ignores a trailing dot; `*.example.com` does
// not cover `example.com` itself (Istio's host.Name.SubsetOf).

export const HOST_PATTERN = /^(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/;

/** `API.Example.com.` → `api.example.com`, or undefined when it is not a host pattern. */
export function normalizeHost(raw: string): string | undefined {
  const host = raw.toLowerCase().replace(/\.$/, "");
  return HOST_PATTERN.test(host) ? host : undefined;
}

/** Whether every name `inner` matches is matched by `outer` too. */
export function covers(outer: string, inner: string): boolean {
  if (outer === "*" || outer === inner) return true;
  if (!outer.startsWith("*.") || inner === "*") return false;
  const suffix = outer.slice(1);
  const names = inner.startsWith("*.") ? inner.slice(1) : inner;
  return names.length > suffix.length && names.endsWith(suffix);
}

/**
 * The names both patterns match, as one pattern (Istio's host.Names.Intersection):
 * `*` ∩ `api.example.com` = `api.example.com`, `*.example.com` ∩ `*.a.example.com` =
 * `*.a.example.com`; undefined when they share no name.
 */
export function intersect(a: string, b: string): string | undefined {
  if (covers(a, b)) return b;
  if (covers(b, a)) return a;
  return undefined;
}
