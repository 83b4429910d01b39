// What `npm run gate` decides from a report (GET /__edge-mirror/api/report): each
// route's verdict, recomputed when the command line overrides the gate
// (--max-divergence, --min-compared, --max-latency-shift) with the same rule the worker
// uses (verdict.ts's routeVerdict), and failed
// when a canary flag is raised (v2's 5xx rate, v2's p99), as Kayenta and Flagger
// fail a canary on them; then one verdict for the run: any fail fails, else any
// inconclusive, else pass. No Workers or Node API: the CLI (gate.ts) does the I/O.
import { overallVerdict, type RouteReport } from "../compare/report";
import { latencyVerdict, routeVerdict, verdict, wilsonInterval, type Gate, type Verdict } from "../compare/verdict";
import type { LatencyShift } from "../compare/latency-shift";
import { endpointsReason, withEndpoints } from "../compare/endpoint-report";

export interface GateOptions {
  maxDivergencePercent?: number;
  minCompared?: number;
  /** ms: judge the paired latency shift against this limit (else the route's compare.gate.maxLatencyShiftMs, if any) */
  maxLatencyShiftMs?: number;
  /** judge by divergence only, whatever the flags say */
  ignoreFlags?: boolean;
}

export interface JudgedRoute {
  virtualService: string;
  route: string;
  mirror: string;
  verdict: Verdict;
  /** why, in a few words (for the line) */
  reason: string;
  compared: number;
  divergent: number;
  divergencePercent: number | null;
  confidenceInterval: { low: number; high: number };
  gate: Gate;
  /** v2 − v1 per compared request, ms: Hodges–Lehmann and its 95 % interval (absent in a report from an older worker) */
  latencyShiftMs?: LatencyShift;
  flags: string[];
  divergentFields: string[];
  /** the endpoints (method and path template) that fail under this gate: any fails the route */
  failingEndpoints: string[];
}

export interface GateResult {
  verdict: Verdict;
  routes: JudgedRoute[];
}

export function judge(routes: readonly RouteReport[], options: GateOptions = {}): GateResult {
  const judged = routes.map((r): JudgedRoute => {
    const gate: Gate = {
      maxDivergencePercent: options.maxDivergencePercent ?? r.gate.maxDivergencePercent,
      minCompared: options.minCompared ?? r.gate.minCompared,
    };
    const maxShift = options.maxLatencyShiftMs ?? r.gate.maxLatencyShiftMs;
    if (maxShift !== undefined) gate.maxLatencyShiftMs = maxShift;
    const shift = r.latencyShiftMs ?? { estimate: null, low: null, high: null, n: 0 };
    // Each endpoint judged again under this gate (a report from an older worker has none).
    const endpoints = (r.endpoints ?? []).map((e) => ({ ...e, verdict: routeVerdict(e.compared, e.divergent, e.latencyShiftMs, gate) }));
    const byGate = withEndpoints(routeVerdict(r.compared, r.divergent, shift, gate), endpoints, gate);
    const byEndpoints = endpointsReason(endpoints, gate);
    const { low, high } = wilsonInterval(r.divergent, r.compared);
    const flags = options.ignoreFlags ? [] : r.flags.map((f) => f.detail);
    const failedByFlag = byGate !== "fail" && flags.length > 0;
    const judgedRoute: JudgedRoute = {
      virtualService: r.virtualService,
      route: r.route,
      mirror: r.mirror,
      verdict: failedByFlag ? "fail" : byGate,
      reason: failedByFlag ? flags.join("; ") : byEndpoints ? `${byEndpoints} (the route as a whole: ${reasonsFor(r.compared, r.divergent, shift, gate)})` : reasonsFor(r.compared, r.divergent, shift, gate),
      compared: r.compared,
      divergent: r.divergent,
      divergencePercent: r.divergencePercent,
      confidenceInterval: { low: round(low * 100), high: round(high * 100) },
      gate,
      flags,
      divergentFields: r.fields.filter((f) => f.status === "divergent").map((f) => f.path),
      failingEndpoints: endpoints.filter((e) => e.verdict === "fail").map((e) => e.endpoint),
    };
    if (r.latencyShiftMs) judgedRoute.latencyShiftMs = r.latencyShiftMs;
    return judgedRoute;
  });
  return { verdict: overallVerdict(judged.map((r) => r.verdict)), routes: judged };
}

/** The divergence's reason, then the latency shift's when the gate judges it. */
function reasonsFor(compared: number, divergent: number, shift: LatencyShift, gate: Gate): string {
  const reasons = [reasonFor(verdict(compared, divergent, gate), compared, gate)];
  if (gate.maxLatencyShiftMs !== undefined) reasons.push(shiftReason(latencyVerdict(shift, gate.maxLatencyShiftMs), shift, gate.maxLatencyShiftMs));
  return reasons.join("; ");
}

function shiftReason(v: Verdict, shift: LatencyShift, maxMs: number): string {
  if (shift.low === null || shift.high === null) return "no latency shift measured yet";
  if (v === "fail") return `v2 slower by more than ${maxMs} ms even at the shift interval's low end (${shift.low} ms)`;
  if (v === "pass") return `latency shift at most ${maxMs} ms at the interval's high end (${shift.high} ms)`;
  return `the latency shift's interval ${shift.low}–${shift.high} ms still spans ${maxMs} ms`;
}

function reasonFor(v: Verdict, compared: number, gate: Gate): string {
  if (v === "fail") return `divergence above ${gate.maxDivergencePercent} % even at the interval's lower bound`;
  if (v === "pass") return `divergence at most ${gate.maxDivergencePercent} % at the interval's upper bound`;
  if (compared < gate.minCompared) return `${compared} of the ${gate.minCompared} compared requests needed`;
  return `the interval still spans ${gate.maxDivergencePercent} %: more requests will tell`;
}

/** One line per route, then the run's verdict. */
export function gateLines(result: GateResult): string[] {
  const lines = result.routes.map((r) => {
    const ci = `95 % CI ${r.confidenceInterval.low}–${r.confidenceInterval.high} %`;
    const rate = r.divergencePercent === null ? "nothing compared yet" : `${r.divergent} of ${r.compared} compared diverge (${r.divergencePercent} %, ${ci}, limit ${r.gate.maxDivergencePercent} %)`;
    const s = r.latencyShiftMs;
    const shift = s && s.estimate !== null ? `; latency shift ${s.estimate} ms (95 % CI ${s.low}–${s.high} ms, n ${s.n}${r.gate.maxLatencyShiftMs !== undefined ? `, limit ${r.gate.maxLatencyShiftMs} ms` : ""})` : "";
    const fields = r.divergentFields.length ? `; divergent: ${r.divergentFields.slice(0, 5).join(", ")}${r.divergentFields.length > 5 ? ", …" : ""}` : "";
    return `${r.verdict.toUpperCase().padEnd(12)} ${r.virtualService}/${r.route} → ${r.mirror}: ${rate}${shift}${fields} — ${r.reason}`;
  });
  const count = (v: Verdict) => result.routes.filter((r) => r.verdict === v).length;
  lines.push(
    result.routes.length === 0
      ? "gate: inconclusive: the worker compares no route (add compare to a MirrorPolicy)"
      : `gate: ${result.verdict} (${count("pass")} pass, ${count("fail")} fail, ${count("inconclusive")} inconclusive)`,
  );
  return lines;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
