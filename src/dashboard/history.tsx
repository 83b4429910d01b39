// A route's history on its page (issue 21 item 6): over the range picked with plain
// links (?range=hour|day|week, no script), per bucket — a minute for the last hour, an
// hour for the day and the week — the shadows mirrored, compared, their errors and
// skips, the divergence against the gate, and the mean latency shift v2 − v1; then the
// most divergent fields' trends as sparklines. Drawn on the server as inline SVG, like
// charts.tsx; the buckets come from the report's timeline and history (timeline.ts).
import { DivergenceChart, niceMax } from "./charts";
import { count, percent, utc } from "./format";
import type { ReportRoute } from "./view-model";
import type { TimelinePoint } from "../compare/timeline";
import type { Child } from "hono/jsx";

export type Range = "hour" | "day" | "week";
const HOUR = 3_600_000;
export const RANGES: Record<Range, { label: string; ms: number; bucket: string }> = {
  hour: { label: "Last hour", ms: HOUR, bucket: "minute" },
  day: { label: "Last day", ms: 24 * HOUR, bucket: "hour" },
  week: { label: "Last week", ms: 7 * 24 * HOUR, bucket: "hour" },
};

export function parseRange(value: string | null): Range {
  return value === "day" || value === "week" ? value : "hour";
}

/** The range picker: three links, the current one marked (aria-current). */
export function RangePicker({ href, range }: { href: (range: Range) => string; range: Range }) {
  return (
    <nav aria-label="Time range" class="range">
      {(Object.keys(RANGES) as Range[]).map((r) => (
        <a href={href(r)} aria-current={r === range ? "page" : undefined}>
          {RANGES[r].label}
        </a>
      ))}
    </nav>
  );
}

/** The buckets of the range, and the field trends' values in the same buckets. */
export function rangeBuckets(r: ReportRoute, range: Range, now: number): { points: TimelinePoint[]; trends: { path: string; values: number[] }[] } {
  const minutes = range === "hour";
  const source = (minutes ? r.timeline : r.history) ?? [];
  const from = now - RANGES[range].ms;
  const keep = source.map((p) => p.at >= from);
  return {
    points: source.filter((_, i) => keep[i]),
    trends: (r.fieldTrends ?? []).map((t) => ({ path: t.path, values: (minutes ? t.minutes : t.hours).filter((_, i) => keep[i]) })),
  };
}

/** The range's figures and charts; `children` (the latency chart) joins the charts' grid. */
export function History({ r, range, now, children }: { r: ReportRoute; range: Range; now: number; children?: Child }) {
  const { points, trends } = rangeBuckets(r, range, now);
  const sum = (k: "mirrored" | "compared" | "divergent" | "errors" | "skipped") => points.reduce((n, p) => n + p[k], 0);
  const compared = sum("compared");
  const shiftSum = points.reduce((n, p) => n + (p.shiftMs ?? 0) * p.compared, 0);
  const what = RANGES[range].label.toLowerCase();
  const bucket = RANGES[range].bucket;
  return (
    <>
      <p class="history-sum">
        {`In the ${what}: ${count(sum("mirrored"))} mirrored, ${count(compared)} compared, ${count(sum("errors"))} shadow errors, ${count(sum("skipped"))} skipped, ` +
          `${count(sum("divergent"))} divergent (${percent(compared > 0 ? (sum("divergent") / compared) * 100 : null)}), mean shift ${compared > 0 ? signed(Math.round((shiftSum / compared) * 10) / 10) : "–"}.`}
      </p>
      {points.length === 0 && <p class="muted">{`Nothing mirrored in the ${what}.`}</p>}
      <div class="charts">
        {points.length > 0 && (
          <>
          <figure>
            <figcaption>{`Shadows per ${bucket}: mirrored, compared, errors, skipped`}</figcaption>
            <LineChart
              ats={points.map((p) => p.at)}
              range={range}
              name={`Shadows per ${bucket}`}
              series={[
                { label: "mirrored", colour: "#0b5cad", values: points.map((p) => p.mirrored) },
                { label: "compared", colour: "#116329", dash: "6 3", values: points.map((p) => p.compared) },
                { label: "shadow errors", colour: "#b3261e", dash: "2 3", values: points.map((p) => p.errors) },
                { label: "skipped", colour: "#7a4e00", dash: "8 3 2 3", values: points.map((p) => p.skipped) },
              ]}
            />
          </figure>
          <figure>
            <figcaption>{`Divergence per ${bucket} (the dashed line is the gate)`}</figcaption>
            <DivergenceChart timeline={points} gatePercent={r.gate.maxDivergencePercent} />
          </figure>
          <figure>
            <figcaption>{`Latency shift v2 − v1 per ${bucket}: the mean of the paired differences, ms`}</figcaption>
            <LineChart
              ats={points.map((p) => p.at)}
              range={range}
              name={`Mean latency shift per ${bucket}`}
              unit=" ms"
              limit={r.gate.maxLatencyShiftMs}
              series={[{ label: "mean shift", colour: "#b34700", values: points.map((p) => p.shiftMs) }]}
            />
          </figure>
          </>
        )}
        {children}
      </div>
      {trends.length > 0 && (
        <table class="trends">
          <caption class="muted">{`The most divergent fields: requests that differed there, per ${bucket}`}</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Trend</th>
              <th scope="col" class="n">{`Divergent, ${what}`}</th>
            </tr>
          </thead>
          <tbody>
            {trends.map((t) => (
              <tr>
                <th scope="row">
                  <code>{t.path}</code>
                </th>
                <td>
                  <Sparkline values={t.values} name={t.path} />
                </td>
                <td class="n">{count(t.values.reduce((n, v) => n + v, 0))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const signed = (x: number) => `${x > 0 ? "+" : ""}${x} ms`;

const W = 480;
const H = 220;
const M = { left: 46, right: 12, top: 14, bottom: 34 };
const round1 = (x: number) => Math.round(x * 10) / 10;

interface Series {
  label: string;
  colour: string;
  dash?: string;
  values: (number | null)[];
}

/** Several series over time on one chart; a point per bucket gets a <title> while there are at most 60. */
function LineChart({ ats, series, range, name, unit = "", limit }: { ats: number[]; series: Series[]; range: Range; name: string; unit?: string; limit?: number | undefined }) {
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  if (values.length === 0) return <p class="muted">Nothing measured in this range.</p>;
  const top = niceMax(Math.max(...values, limit ?? 0, 0) * 1.05) || 1;
  const bottom = Math.min(...values, 0) < 0 ? -niceMax(-Math.min(...values) * 1.05) : 0;
  const first = ats[0]!;
  const span = ats[ats.length - 1]! - first;
  const x = (at: number) => round1(M.left + (span === 0 ? (W - M.left - M.right) / 2 : ((at - first) / span) * (W - M.left - M.right)));
  const y = (v: number) => round1(M.top + ((top - v) / (top - bottom)) * (H - M.top - M.bottom));
  const when = (at: number) => (range === "hour" ? utc(at).slice(11, 16) : utc(at).slice(5, 16));
  const titled = ats.length <= 60;
  const label = `${name}: ${ats.length} buckets from ${utc(first)}; ${series.map((s) => `${s.label} latest ${s.values.at(-1) ?? "–"}${unit}`).join(", ")}.`;
  return (
    <>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        {[bottom, (top + bottom) / 2, top].map((t) => (
          <g>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} stroke={t === 0 && bottom < 0 ? "#4d5661" : "#d0d7de"} />
            <text x={M.left - 6} y={y(t) + 4} text-anchor="end" fill="#4d5661">{`${Math.round(t * 100) / 100}${unit.trim()}`}</text>
          </g>
        ))}
        {limit !== undefined && limit <= top && (
          <>
            <line x1={M.left} x2={W - M.right} y1={y(limit)} y2={y(limit)} stroke="#b3261e" stroke-dasharray="6 4" />
            <text x={W - M.right} y={y(limit) - 4} text-anchor="end" fill="#b3261e">{`limit ${limit}${unit}`}</text>
          </>
        )}
        {series.map((s) => (
          <g>
            <polyline
              fill="none"
              stroke={s.colour}
              stroke-width="2"
              stroke-dasharray={s.dash}
              points={s.values.flatMap((v, i) => (v === null ? [] : [`${x(ats[i]!)},${y(v)}`])).join(" ")}
            />
            {titled &&
              s.values.map((v, i) =>
                v === null ? null : (
                  <circle cx={x(ats[i]!)} cy={y(v)} r="2.5" fill={s.colour}>
                    <title>{`${utc(ats[i]!)}: ${s.label} ${v}${unit}`}</title>
                  </circle>
                ),
              )}
          </g>
        ))}
        <text x={M.left} y={H - 10} fill="#4d5661">{when(first)}</text>
        {span > 0 && <text x={W - M.right} y={H - 10} text-anchor="end" fill="#4d5661">{when(first + span)}</text>}
      </svg>
      {series.length > 1 && (
        <ul class="legend">
          {series.map((s) => (
            <li>
              <svg viewBox="0 0 20 10" aria-hidden="true">
                <line x1="0" x2="20" y1="5" y2="5" stroke={s.colour} stroke-width="3" stroke-dasharray={s.dash} />
              </svg>
              {s.label}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** A field's divergent requests per bucket, as a small line (its exact figures in the <title>). */
function Sparkline({ values: given, name }: { values: number[]; name: string }) {
  // One bucket: a flat line at its height.
  const values = given.length === 1 ? [given[0]!, given[0]!] : given;
  const w = 160;
  const h = 28;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  return (
    <svg class="spark" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${name}: ${given.join(", ")}`}>
      <title>{`${name}, per bucket: ${given.join(", ")}`}</title>
      <polyline fill="none" stroke="#b3261e" stroke-width="1.5" points={values.map((v, i) => `${round1(i * step)},${round1(h - 2 - (v / max) * (h - 4))}`).join(" ")} />
    </svg>
  );
}
