// A compared route's report, built from its Tally (what its Durable Object added up)
// and its compare settings: each field judged (divergent, noise by Diffy's rule, or
// ignored), the requests that diverged counted once each, the divergence with its
// 95 % interval, the verdict, and two flags canary judges raise (Kayenta, Flagger):
// v2 answering 5xx more often than v1, and v2's p99 far above v1's; and the paired
// latency shift (v2 − v1 per request) with its interval, judged when the gate asks.
import { quantileMs } from "./histogram";
import { latencyBuckets, type LatencyBucket } from "./latency-buckets";
import { divergenceTimeline, fieldTrend, hoursWithMinutes, setKey, type TimelinePoint } from "./timeline";
import { classifyField } from "./noise";
import { pathMatches } from "./path";
import { OVERFLOW, type Example, type Tally } from "./tally";
import type { DiffKind } from "./types";
import { routeVerdict, wilsonInterval, type Gate, type Verdict } from "./verdict";
import { latencyShift, type LatencyShift } from "./latency-shift";
import { whereReport, type WhereReport } from "./where-report";
import { endpointReports, withEndpoints, type EndpointReport } from "./endpoint-report";

export interface FieldReport {
  path: string;
  kind: DiffKind;
  divergent: number;
  noise: number;
  status: "divergent" | "noise" | "ignored";
}

export interface Flag {
  flag: "v2_5xx_rate" | "v2_p99_latency";
  detail: string;
}

export interface RouteReport {
  virtualService: string;
  route: string;
  mirror: string;
  mirrored: number;
  compared: number;
  divergent: number;
  noiseSamples: number;
  /** divergent / compared, in percent; null before anything was compared */
  divergencePercent: number | null;
  /** Wilson's 95 % interval of the divergence, in percent */
  confidenceInterval: { low: number; high: number };
  verdict: Verdict;
  gate: Gate;
  flags: Flag[];
  fields: FieldReport[];
  statuses: Tally["statuses"];
  latencyMs: { v1: { p50: number | null; p99: number | null }; v2: { p50: number | null; p99: number | null } };
  /**
   * v2's time to headers minus v1's over the compared requests: the Hodges–Lehmann
   * estimate and its 95 % Wilcoxon interval, ms (latency-shift.ts); null ends before anything was compared
   */
  latencyShiftMs: LatencyShift;
  skipped: Record<string, number>;
  shadowErrors: Record<string, number>;
  /** paths not kept past the Durable Object's limit (their requests count as divergent) */
  droppedPaths: number;
  /** v1's and v2's latency histograms, bucket by bucket: the dashboard's chart */
  latencyHistogram: LatencyBucket[];
  /** per minute, the last 180 (timeline.ts), oldest first: divergence, volume, errors, skips and the mean shift; the dashboard's charts */
  timeline: TimelinePoint[];
  /** the same per hour, the last week (the minutes included): the page's day and week */
  history: TimelinePoint[];
  /** the top FIELD_TRENDS divergent fields: requests that differed there, per minute and per hour (same buckets as timeline and history) */
  fieldTrends: { path: string; minutes: number[]; hours: number[] }[];
  examples: Example[];
  /** the top 10 colos, countries and HTTP protocols by compared requests, each judged like the route (where.ts) */
  where: WhereReport;
  /**
   * Per endpoint (method and path template, endpoint.ts), failing first: its own noise,
   * interval, shift and verdict (endpoint-report.ts). Any failing endpoint fails the route.
   */
  endpoints: EndpointReport[];
}

export interface RouteIdentity {
  virtualService: string;
  route: string;
  mirror: string;
}

/** p99 latencies need this many compared requests on each side before they are judged. */
export const MIN_LATENCY_SAMPLES = 20;
/** v2's p99 is flagged above this multiple of v1's … */
export const P99_RATIO = 2;
/** … and when it is at least this much slower (ms), so 2 ms against 1 ms is not a regression. */
export const P99_MARGIN_MS = 50;
/** How many fields get a trend in the report (the most divergent first). */
export const FIELD_TRENDS = 5;

export function routeReport(identity: RouteIdentity, t: Tally, settings: { gate: Gate; ignore: readonly string[] }): RouteReport {
  const totals = { compared: t.compared, noiseSamples: t.noiseSamples };
  const fields: FieldReport[] = Object.entries(t.fields).map(([path, f]) => ({
    path,
    kind: f.kind,
    divergent: f.divergent,
    noise: f.noise,
    status: settings.ignore.some((p) => pathMatches(p, path)) ? "ignored" : classifyField(f, totals).status,
  }));
  const status = new Map(fields.map((f) => [f.path, f.status]));
  // A request counts once, however many fields differ, and only for a field that is
  // neither noise nor ignored; a path not kept (past the limits) counts against v2.
  const divergentSignature = (paths: string[]) => paths.some((p) => (status.get(p) ?? "divergent") === "divergent");
  let divergent = 0;
  for (const [key, n] of Object.entries(t.signatures)) {
    if (key === OVERFLOW || divergentSignature(JSON.parse(key) as string[])) divergent += n;
  }
  divergent = Math.min(divergent, t.compared);
  const interval = wilsonInterval(divergent, t.compared);
  const order = { divergent: 0, noise: 1, ignored: 2 };
  fields.sort((a, b) => order[a.status] - order[b.status] || b.divergent - a.divergent || a.path.localeCompare(b.path));
  const latencyMs = {
    v1: { p50: quantileMs(t.latency.v1, 0.5), p99: quantileMs(t.latency.v1, 0.99) },
    v2: { p50: quantileMs(t.latency.v2, 0.5), p99: quantileMs(t.latency.v2, 0.99) },
  };
  const shift = latencyShift(t.latencyShift ?? {});
  // A tally stored by an older version has no hours.
  const hours = hoursWithMinutes(t.hours ?? {}, t.timeline);
  // An hour names its path sets by hash: the route's kept sets say which paths they are.
  const named = new Map(Object.keys(t.signatures).flatMap((k) => (k === OVERFLOW ? [] : [[setKey(k), JSON.parse(k) as string[]] as const])));
  const endpoints = endpointReports(t.endpoints ?? {}, status, Object.keys(t.signatures), settings);
  return {
    ...identity,
    mirrored: t.mirrored,
    compared: t.compared,
    divergent,
    noiseSamples: t.noiseSamples,
    divergencePercent: t.compared > 0 ? round((divergent / t.compared) * 100) : null,
    confidenceInterval: { low: round(interval.low * 100), high: round(interval.high * 100) },
    verdict: withEndpoints(routeVerdict(t.compared, divergent, shift, settings.gate), endpoints, settings.gate),
    gate: settings.gate,
    flags: flags(t, latencyMs),
    fields,
    statuses: t.statuses,
    latencyMs,
    latencyShiftMs: shift,
    skipped: t.skipped,
    shadowErrors: t.shadowErrors,
    droppedPaths: t.droppedPaths,
    latencyHistogram: latencyBuckets(t.latency.v1, t.latency.v2),
    timeline: divergenceTimeline(t.timeline, divergentSignature),
    history: divergenceTimeline(hours, divergentSignature, named),
    fieldTrends: fields
      .filter((f) => f.status === "divergent" && f.divergent > 0)
      .slice(0, FIELD_TRENDS)
      .map((f) => ({ path: f.path, minutes: fieldTrend(t.timeline, f.path).map((p) => p.divergent), hours: fieldTrend(hours, f.path, named).map((p) => p.divergent) })),
    examples: [...t.examples].sort((a, b) => b.at - a.at),
    where: whereReport(t.where, t.signatures, divergentSignature),
    endpoints,
  };
}

function flags(t: Tally, latency: RouteReport["latencyMs"]): Flag[] {
  const out: Flag[] = [];
  // 5xx: flagged when the two rates' 95 % intervals do not overlap (v2's above v1's).
  const v1 = serverErrors(t.statuses.v1);
  const v2 = serverErrors(t.statuses.v2);
  if (t.compared > 0 && wilsonInterval(v2, t.compared).low > wilsonInterval(v1, t.compared).high) {
    out.push({ flag: "v2_5xx_rate", detail: `v2 answered 5xx to ${percent(v2, t.compared)} of compared requests, v1 to ${percent(v1, t.compared)}` });
  }
  const a = latency.v1.p99;
  const b = latency.v2.p99;
  if (t.compared >= MIN_LATENCY_SAMPLES && a !== null && b !== null && b > a * P99_RATIO && b - a >= P99_MARGIN_MS) {
    out.push({ flag: "v2_p99_latency", detail: `v2's p99 is ${b} ms, v1's ${a} ms` });
  }
  return out;
}

/** The worst of several verdicts: any fail fails; else any inconclusive; pass only when all pass (none: inconclusive). */
export function overallVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes("fail")) return "fail";
  return verdicts.length === 0 || verdicts.includes("inconclusive") ? "inconclusive" : "pass";
}

function serverErrors(statuses: Record<string, number>): number {
  return Object.entries(statuses).reduce((n, [s, count]) => (s.startsWith("5") ? n + count : n), 0);
}

function percent(n: number, of: number): string {
  return `${round((n / of) * 100)} %`;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
