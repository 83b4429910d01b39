// How the dashboard writes numbers, times and count maps: one place, so every page
// says "12.5 %" and "2026-11-25 02:04:05 UTC" the same way.

/** 0.5 → "0.5 %", 12.3456 → "12.35 %", null → "–". */
export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return `${Math.round(value * 100) / 100} %`;
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return value >= 1000 ? `${Math.round(value / 100) / 10} s` : `${Math.round(value * 10) / 10} ms`;
}

export function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** UTC, to the second: the page is read from anywhere. */
export function utc(at: number | string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? String(at) : `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** `{"200": 98, "503": 2}` → [["200", 98], ["503", 2]], largest first; [] for none. */
export function entries(counts: Readonly<Record<string, number>> | undefined): [string, number][] {
  return Object.entries(counts ?? {})
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** A status mix as shares: `200 98 % · 503 2 %`. */
export function statusMix(counts: Readonly<Record<string, number>> | undefined): string {
  const list = entries(counts);
  const total = list.reduce((n, [, c]) => n + c, 0);
  if (total === 0) return "–";
  return list.map(([status, n]) => `${status} ${Math.round((n / total) * 1000) / 10} %`).join(" · ");
}

/** A cap as a person says it: "paused", "capped at 5 %", "no cap". */
export function capText(percentCap: number | undefined): string {
  if (percentCap === undefined || percentCap >= 100) return "no cap";
  return percentCap === 0 ? "paused" : `capped at ${percentCap} %`;
}
