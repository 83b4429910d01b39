// Stable hashing for key-based mirror sampling and consistent-hash load balancing:
// the same key always lands on the same side of a percentage, in every isolate.
import type { HashKey } from "./table";
import { ONE_MILLION } from "./per-million";

/** FNV-1a (32-bit) over the key's UTF-16 code units; fast and stable, not cryptographic. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A key's position in 0..999 999: compared with a mirror's threshold like Envoy's random draw. */
export function hashPerMillion(key: string): number {
  return fnv1a(`mirror:${key}`) % ONE_MILLION;
}

/** The value a HashKey names in a request, or undefined when the request does not carry it. */
export function hashKeyValue(key: HashKey, headers: Headers, query: string): string | undefined {
  if ("header" in key) return headers.get(key.header) ?? undefined;
  if ("query" in key) return new URLSearchParams(query).get(key.query) ?? undefined;
  const cookies = headers.get("cookie");
  if (!cookies) return undefined;
  for (const part of cookies.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === key.cookie) return part.slice(eq + 1).trim();
  }
  return undefined;
}
