// How the soak writes sizes and durations, in its progress lines and its report.
import { KiB, MiB } from "./mix";

export const mib = (kib: number | null | undefined): string => (kib === null || kib === undefined ? "–" : `${(kib / 1024).toFixed(1)} MiB`);

export const ms = (x: number | null): string => (x === null ? "–" : x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);

export function fmtBytes(n: number): string {
  if (n >= MiB) return `${(n / MiB).toFixed(2)} MiB`;
  if (n >= KiB) return `${(n / KiB).toFixed(1)} KiB`;
  return `${n} B`;
}

/** `{ body_too_large: 3 }` → "3 body_too_large"; "none" when empty. */
export const fmtCounts = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ") || "none";
