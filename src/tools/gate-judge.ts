// What `npm run gate` decides from a report (GET /__edge-mirror/api/report): each
// route's verdict, recomputed when the command line overrides the gate
// (--max-divergence, --min-compared) with the same rule the worker uses, and failed
// when a canary flag is raised (v2's 5xx rate, v2's p99), as Kayenta and Flagger
// fail a canary on them; then one verdict for the run: any fail fails, else any
// inconclusive, else pass. No Workers or Node API: the CLI (gate.ts) does the I/O.
import { overallVerdict, type RouteReport } from "../compare/report";
import { verdict, wilsonInterval, type Verdict } from "../compare/verdict";

export interface GateOptions {
  maxDivergencePercent?: number;
  minCompared?: number;
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
  gate: { maxDivergencePercent: number; minCompared: number };
  flags: string[];
  divergentFields: string[];
}

export interface GateResult {
  verdict: Verdict;
  routes: JudgedRoute[];
}

export function judge(routes: readonly RouteReport[], options: GateOptions = {}): GateResult {
  const judged = routes.map((r): JudgedRoute => {
    const gate = {
      maxDivergencePercent: options.maxDivergencePercent ?? r.gate.maxDivergencePercent,
      minCompared: options.minCompared ?? r.gate.minCompared,
    };
    const byDivergence = verdict(r.compared, r.divergent, gate);
    const { low, high } = wilsonInterval(r.divergent, r.compared);
    const flags = options.ignoreFlags ? [] : r.flags.map((f) => f.detail);
    const failedByFlag = byDivergence !== "fail" && flags.length > 0;
    return {
      virtualService: r.virtualService,
      route: r.route,
      mirror: r.mirror,
      verdict: failedByFlag ? "fail" : byDivergence,
      reason: failedByFlag ? flags.join("; ") : reasonFor(byDivergence, r.compared, gate),
      compared: r.compared,
      divergent: r.divergent,
      divergencePercent: r.divergencePercent,
      confidenceInterval: { low: round(low * 100), high: round(high * 100) },
      gate,
      flags,
      divergentFields: r.fields.filter((f) => f.status === "divergent").map((f) => f.path),
    };
  });
  return { verdict: overallVerdict(judged.map((r) => r.verdict)), routes: judged };
}

function reasonFor(v: Verdict, compared: number, gate: { maxDivergencePercent: number; minCompared: number }): string {
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
    const fields = r.divergentFields.length ? `; divergent: ${r.divergentFields.slice(0, 5).join(", ")}${r.divergentFields.length > 5 ? ", …" : ""}` : "";
    return `${r.verdict.toUpperCase().padEnd(12)} ${r.virtualService}/${r.route} → ${r.mirror}: ${rate}${fields} — ${r.reason}`;
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
