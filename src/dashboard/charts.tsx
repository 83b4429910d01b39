// The two plots, drawn on the server as inline SVG (no chart library, no script):
// divergence over time against the gate, and the latency distributions of v1 and
// v2 on one chart. Each point and bar has a <title>, so hovering or a screen reader
// gives its exact figure; the series differ in dash as well as colour.
import type { LatencyBucket } from "../compare/latency-buckets";
import type { TimelinePoint } from "../compare/timeline";
import { ms, percent, utc } from "./format";

// Narrow enough that the labels stay legible when a phone scales the chart down.
const W = 480;
const H = 220;
const M = { left: 42, right: 12, top: 14, bottom: 34 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;

/** A round upper bound for an axis: 1, 2, 5 × 10^n at or above `value`. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function YAxis({ max, unit }: { max: number; unit: string }) {
  const ticks = [0, max / 2, max];
  return (
    <g>
      {ticks.map((t) => {
        const y = round1(M.top + PLOT_H - (t / max) * PLOT_H);
        return (
          <g>
            <line x1={M.left} x2={W - M.right} y1={y} y2={y} stroke="#d0d7de" />
            <text x={M.left - 6} y={y + 4} text-anchor="end" fill="#4d5661">{`${round1(t)}${unit}`}</text>
          </g>
        );
      })}
    </g>
  );
}

/** Divergence (divergent ÷ compared, %) per time bucket, with the gate's limit as a dashed line. */
export function DivergenceChart({ timeline, gatePercent }: { timeline: readonly TimelinePoint[]; gatePercent: number }) {
  const points = timeline.filter((p) => p.compared > 0).map((p) => ({ ...p, rate: (p.divergent / p.compared) * 100 }));
  if (points.length === 0) return <p class="muted">Nothing compared yet.</p>;
  // A rate: never above 100 %, however the rounding goes.
  const max = Math.min(100, niceMax(Math.max(gatePercent * 1.5, ...points.map((p) => p.rate)) * 1.05));
  const first = points[0]!.at;
  const span = points[points.length - 1]!.at - first;
  const x = (at: number) => round1(M.left + (span === 0 ? PLOT_W / 2 : ((at - first) / span) * PLOT_W));
  const y = (rate: number) => round1(M.top + PLOT_H - (rate / max) * PLOT_H);
  const gateY = y(gatePercent);
  const label = `Divergence over time: ${points.length} time buckets from ${utc(first)}; the latest ${percent(points[points.length - 1]!.rate)}, the gate ${percent(gatePercent)}.`;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <YAxis max={max} unit="%" />
      <line x1={M.left} x2={W - M.right} y1={gateY} y2={gateY} stroke="#b3261e" stroke-dasharray="6 4" />
      <text x={W - M.right} y={gateY - 4} text-anchor="end" fill="#b3261e">{`gate ${percent(gatePercent)}`}</text>
      <polyline fill="none" stroke="#0b5cad" stroke-width="2" points={points.map((p) => `${x(p.at)},${y(p.rate)}`).join(" ")} />
      {points.map((p) => (
        <circle cx={x(p.at)} cy={y(p.rate)} r="4" fill="#0b5cad">
          <title>{`${utc(p.at)}: ${p.divergent} of ${p.compared} divergent (${percent(p.rate)})`}</title>
        </circle>
      ))}
      <text x={M.left} y={H - 10} fill="#4d5661">{utc(first).slice(11)}</text>
      {span > 0 && <text x={W - M.right} y={H - 10} text-anchor="end" fill="#4d5661">{utc(first + span).slice(11)}</text>}
    </svg>
  );
}

// In each bucket v1's bar is on the left and v2's on the right, as everywhere on the page.
const SIDES = [
  { key: "v1", label: "v1 (primary)", colour: "#0b5cad", offset: 0.18 },
  { key: "v2", label: "v2 (mirror)", colour: "#b34700", offset: 0.52 },
] as const;

/** Share of each side's compared requests per latency bucket: v1 and v2 as paired bars. */
export function LatencyChart({ buckets, latencyMs }: { buckets: readonly LatencyBucket[]; latencyMs: { v1: { p50: number | null; p99: number | null }; v2: { p50: number | null; p99: number | null } } }) {
  const totals = { v1: buckets.reduce((n, b) => n + b.v1, 0), v2: buckets.reduce((n, b) => n + b.v2, 0) };
  if (buckets.length === 0 || (totals.v1 === 0 && totals.v2 === 0)) return <p class="muted">No latencies yet.</p>;
  const share = (n: number, side: "v1" | "v2") => (totals[side] === 0 ? 0 : (n / totals[side]) * 100);
  const max = niceMax(Math.max(...buckets.flatMap((b) => [share(b.v1, "v1"), share(b.v2, "v2")])) * 1.05);
  const slot = PLOT_W / buckets.length;
  const every = Math.ceil(buckets.length / 8);
  const label =
    `Latency distributions of v1 and v2 over ${buckets.length} buckets from ${ms(buckets[0]!.upperMs)} to ${ms(buckets[buckets.length - 1]!.upperMs)}: ` +
    `v1 p50 ${ms(latencyMs.v1.p50)}, p99 ${ms(latencyMs.v1.p99)}; v2 p50 ${ms(latencyMs.v2.p50)}, p99 ${ms(latencyMs.v2.p99)}.`;
  return (
    <>
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <YAxis max={max} unit="%" />
      {buckets.map((b, i) =>
        SIDES.map((side) => {
          const value = share(b[side.key], side.key);
          const h = round1((value / max) * PLOT_H);
          return (
            <rect x={round1(M.left + i * slot + slot * side.offset)} y={round1(M.top + PLOT_H - h)} width={round1(slot * 0.3)} height={h} fill={side.colour}>
              <title>{`${side.label}, up to ${ms(b.upperMs)}: ${b[side.key]} requests (${percent(value)})`}</title>
            </rect>
          );
        }),
      )}
      {buckets.map((b, i) =>
        i % every === 0 ? (
          <text x={round1(M.left + (i + 0.5) * slot)} y={M.top + PLOT_H + 14} text-anchor="middle" fill="#4d5661">
            {ms(b.upperMs)}
          </text>
        ) : null,
      )}
    </svg>
    <ul class="legend">
      {SIDES.map((side) => (
        <li>
          <svg viewBox="0 0 10 10" aria-hidden="true">
            <rect width="10" height="10" fill={side.colour} />
          </svg>
          {`${side.label}: p50 ${ms(latencyMs[side.key].p50)}, p99 ${ms(latencyMs[side.key].p99)}`}
        </li>
      ))}
    </ul>
    </>
  );
}
