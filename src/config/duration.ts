// Istio durations (`5s`, `1.5s`, `250ms`, `1m30s`) in milliseconds, as Go's
// time.ParseDuration reads them; undefined when the text is not a duration.
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

export function parseDuration(text: string): number | undefined {
  const parts = text.trim().match(/(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)/g);
  if (!parts || parts.join("") !== text.trim()) return undefined;
  let ms = 0;
  for (const part of parts) {
    const [, value, unit] = /^([\d.]+)(\D+)$/.exec(part)!;
    ms += Number(value) * UNIT_MS[unit!]!;
  }
  return ms;
}
