// What the dashboard shows, gathered in one place: every mirrored route of the
// compiled table (so the pause switch works on routes that compare nothing), the
// mirror percentage in force after both caps, the pause switch's state, and each
// mirror's comparison report (GET /__edge-mirror/api/report) when the route has one.
import type { RouteTable, Route } from "../routing/table";
import { capFor } from "../routing/plan";
import { lowerCap, percentOf } from "../routing/per-million";
import type { MirrorCap } from "../routing/kill-switch";
import { switchCaps, type SwitchState } from "../switch/switch-state";
import type { RouteReport } from "../compare/report";
import { latencyVerdict, verdict, type Verdict } from "../compare/verdict";
import { count, percent } from "./format";
import type { Example } from "../compare/tally";
import type { Report } from "../admin/compare-report";
import type { CaptureReport } from "../admin/captures-api";

/** A compared route's report, as GET /__edge-mirror/api/report gives it (src/compare/report.ts). */
export type ReportRoute = RouteReport;
export type ReportExample = Example;

/** One row of the routes table: one mirror of one route. */
export interface MirrorRow {
  /** `<virtualService>/<route>`, the pause switch's and the logs' name */
  route: string;
  virtualService: string;
  destinations: { name: string; percent: number }[];
  mirror: string;
  /** routes.yaml's mirror percentage */
  configuredPercent: number;
  /** after MIRROR_PERCENT_CAP and the pause switch */
  inForcePercent: number;
  /** the pause switch's cap on this route, percent */
  routeCap?: number;
  report?: ReportRoute;
}

export interface DashboardView {
  rows: MirrorRow[];
  switch: SwitchState;
  /** MIRROR_PERCENT_CAP as the worker reads it */
  varCap: MirrorCap;
  generatedAt: number;
  /** who is signed in (the token's name) */
  who: string;
  /** every captured route, `<virtualService>/<route>`, with its counts when the report has them */
  captures?: { route: string; percent: number; counts?: CaptureReport }[];
}

export function dashboardView(table: RouteTable, report: Omit<Report, "verdict">, state: SwitchState, varCap: MirrorCap, who: string, now: number): DashboardView {
  const caps = switchCaps(state);
  const global = lowerCap(varCap.perMillion, caps.perMillion);
  const rows: MirrorRow[] = [];
  for (const vhost of table.virtualHosts) {
    for (const route of vhost.routes) {
      const cap = capFor(route, { capPerMillion: global, routeCaps: caps.routes });
      for (const m of route.mirrors) {
        const row: MirrorRow = {
          route: route.name,
          virtualService: vhost.name,
          destinations: destinations(route),
          mirror: m.cluster.name,
          configuredPercent: percentOf(m.perMillion),
          inForcePercent: percentOf(lowerCap(m.perMillion, cap)),
        };
        const routeCap = state.routes[route.name];
        if (routeCap !== undefined) row.routeCap = routeCap;
        const compared = report.routes.find((r) => reportRouteName(r) === route.name && r.mirror === m.cluster.name);
        if (compared) row.report = compared;
        rows.push(row);
      }
    }
  }
  const captures: NonNullable<DashboardView["captures"]> = [];
  for (const vhost of table.virtualHosts) {
    for (const route of vhost.routes) {
      const capture = route.shadow.capture;
      if (!capture) continue;
      const counts = report.captures?.find((c) => `${c.virtualService}/${c.route}` === route.name);
      captures.push(counts ? { route: route.name, percent: percentOf(capture.perMillion), counts } : { route: route.name, percent: percentOf(capture.perMillion) });
    }
  }
  return { rows, switch: state, varCap, generatedAt: now, who, captures };
}

/** A report names a route by the two parts of its compiled identity (Route.identity): joined, they are Route.name. */
function reportRouteName(r: ReportRoute): string {
  return `${r.virtualService}/${r.route}`;
}

function destinations(route: Route): { name: string; percent: number }[] {
  return route.destinations
    .filter((d) => d.weight > 0 || route.destinations.length === 1)
    .map((d) => ({ name: d.cluster.name, percent: route.destinations.length === 1 ? 100 : Math.round((d.weight / route.totalWeight) * 1000) / 10 }));
}

/**
 * Why a report has its verdict, in words, one phrase per criterion that decided it
 * (src/compare/verdict.ts): the divergence against the gate's limit (Wilson's 95 %
 * interval) or the requests still needed, and the latency shift against
 * maxLatencyShiftMs (its Wilcoxon interval) when the gate sets one.
 */
export function verdictReasons(r: Pick<ReportRoute, "compared" | "divergent" | "confidenceInterval" | "gate" | "latencyShiftMs" | "verdict"> & { endpoints?: ReportRoute["endpoints"] }): string[] {
  const { gate } = r;
  const limit = percent(gate.maxDivergencePercent);
  const [low, high] = [percent(r.confidenceInterval.low), percent(r.confidenceInterval.high)];
  const d = verdict(r.compared, r.divergent, gate);
  const reasons: [Verdict, string][] = [
    [
      d,
      d === "fail"
        ? `divergence above the ${limit} limit (at least ${low})`
        : d === "pass"
          ? `divergence within the ${limit} limit (at most ${high})`
          : r.compared < gate.minCompared && r.confidenceInterval.high <= gate.maxDivergencePercent
            ? `${r.compared} of ${gate.minCompared} compared requests needed`
            : `divergence ${low}–${high} straddles the ${limit} limit${r.compared < gate.minCompared ? `; ${r.compared} of ${gate.minCompared} needed` : ""}`,
    ],
  ];
  const max = gate.maxLatencyShiftMs;
  const s = r.latencyShiftMs;
  if (max !== undefined) {
    const l = latencyVerdict(s ?? { low: null, high: null }, max);
    reasons.push([
      l,
      !s || s.low === null
        ? "no latency shift measured yet"
        : l === "fail"
          ? `latency shift above ${max} ms (at least ${s.low} ms)`
          : l === "pass"
            ? `latency shift within ${max} ms (at most ${s.high} ms)`
            : `latency shift ${s.low} – ${s.high} ms straddles ${max} ms`,
    ]);
  }
  // A failing endpoint fails the route; an inconclusive one with enough requests holds a pass back
  // (report.ts withEndpoints). Named when that, not the route's own figures, decided the verdict.
  const failing = (r.endpoints ?? []).filter((e) => e.verdict === "fail");
  const decided = reasons.some(([v]) => v === r.verdict);
  if (decided) {
    // the route's own divergence or shift says it
  } else if (failing.length > 0) {
    const [first] = failing;
    const more = failing.length > 1 ? ` and ${failing.length - 1} more endpoint${failing.length > 2 ? "s" : ""}` : "";
    reasons.push(["fail", `endpoint ${first!.endpoint} fails (${percent(first!.divergencePercent ?? 0)} of ${count(first!.compared)})${more}`]);
  } else {
    const waiting = (r.endpoints ?? []).filter((e) => e.verdict === "inconclusive" && e.compared >= gate.minCompared);
    if (waiting.length > 0) reasons.push(["inconclusive", `endpoint ${waiting[0]!.endpoint} is not decided yet (${percent(waiting[0]!.confidenceInterval.low)}–${percent(waiting[0]!.confidenceInterval.high)})`]);
  }
  const deciding = reasons.filter(([v]) => v === r.verdict);
  return (deciding.length > 0 ? deciding : reasons).map(([, text]) => text);
}
