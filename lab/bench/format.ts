// How the bench writes figures, in its progress lines and its report.
export function fmt(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits);
}

export function fmtMs(x: number | null | undefined): string {
  if (x === null || x === undefined) return "–";
  return x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`;
}

export function fmtRps(x: number | null): string {
  return x === null ? "–" : Math.round(x).toLocaleString("en-US");
}
