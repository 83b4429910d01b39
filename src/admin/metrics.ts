// The comparison report as Prometheus metrics (text exposition format 0.0.4,
// prometheus.io/docs/instrumenting/exposition_formats/), for canary tools that read
// Prometheus: Flagger's metric templates, Kayenta, Argo Rollouts' prometheus provider.
// Built from the same RouteReport objects as GET /__edge-mirror/api/report, so the two
// always agree. One series per route and mirror, labelled virtual_service, route and
// mirror; then the same figures per endpoint (issue 21 item 2) in families of their own,
// edge_mirror_endpoint_*, with an `endpoint` label (`GET /users/{id}`, at most 50 and
// "other" per route), so that summing a route family never counts a request twice.
//
// Counters count since the route's counts were last reset (the report's DELETE);
// Prometheus reads a drop as a counter reset, which is what a reset is.
// edge_mirror_divergent_total is decided when the report is built (a field found to
// be noise stops counting), so it can fall without a reset: use rate() over windows
// shorter than the noise calibration, or the gauge edge_mirror_divergence_ratio.
import type { RouteReport } from "../compare/report";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

interface Family {
  name: string;
  type: "counter" | "gauge";
  help: string;
  samples: (r: RouteReport) => { labels?: Record<string, string>; value: number }[];
}

const ROUTE_FAMILIES: Family[] = [
  { name: "edge_mirror_mirrored_total", type: "counter", help: "Shadows sent or skipped for the route and mirror.", samples: (r) => [{ value: r.mirrored }] },
  { name: "edge_mirror_compared_total", type: "counter", help: "Requests whose v1 and v2 answers were both read and compared.", samples: (r) => [{ value: r.compared }] },
  {
    name: "edge_mirror_divergent_total",
    type: "counter",
    help: "Compared requests that differed at a field that is neither noise nor ignored (decided when the report is built).",
    samples: (r) => [{ value: r.divergent }],
  },
  {
    name: "edge_mirror_skipped_total",
    type: "counter",
    help: "Mirrored requests not compared, by reason (body_too_large, v1_failed, cpu_budget, ...).",
    samples: (r) => reasons(r.skipped),
  },
  {
    name: "edge_mirror_shadow_errors_total",
    type: "counter",
    help: "Shadows that got no answer, by reason (connect_failed, timeout, ...).",
    samples: (r) => reasons(r.shadowErrors),
  },
  {
    name: "edge_mirror_divergence_ratio",
    type: "gauge",
    help: "Divergent over compared requests (0 to 1), with the 95 % Wilson interval's ends as bound=low and bound=high.",
    samples: (r) =>
      r.divergencePercent === null
        ? []
        : [
            { labels: { bound: "estimate" }, value: r.divergencePercent / 100 },
            { labels: { bound: "low" }, value: r.confidenceInterval.low / 100 },
            { labels: { bound: "high" }, value: r.confidenceInterval.high / 100 },
          ],
  },
  {
    name: "edge_mirror_latency_shift_ms",
    type: "gauge",
    help: "v2's time to headers minus v1's over compared requests, ms: the Hodges-Lehmann estimate and its 95 % Wilcoxon interval's ends.",
    samples: (r) => {
      const s = r.latencyShiftMs;
      if (s.estimate === null || s.low === null || s.high === null) return [];
      return [
        { labels: { bound: "estimate" }, value: s.estimate },
        { labels: { bound: "low" }, value: s.low },
        { labels: { bound: "high" }, value: s.high },
      ];
    },
  },
  {
    name: "edge_mirror_verdict",
    type: "gauge",
    help: "1 for the route's current gate verdict (pass, fail or inconclusive), 0 for the others.",
    samples: (r) => (["pass", "fail", "inconclusive"] as const).map((v) => ({ labels: { verdict: v }, value: r.verdict === v ? 1 : 0 })),
  },
];

/** The families an endpoint has too: the report's EndpointReport carries the same figures under the same names. */
const PER_ENDPOINT = ["compared_total", "divergent_total", "divergence_ratio", "latency_shift_ms", "verdict"];
const FAMILIES: Family[] = [
  ...ROUTE_FAMILIES,
  ...ROUTE_FAMILIES.filter((f) => PER_ENDPOINT.includes(f.name.slice("edge_mirror_".length))).map(
    (f): Family => ({
      ...f,
      name: f.name.replace("edge_mirror_", "edge_mirror_endpoint_"),
      help: `Per endpoint (method and path template): ${f.help.replace(/the route's/g, "the endpoint's")}`,
      samples: (r) => (r.endpoints ?? []).flatMap((e) => f.samples(e as unknown as RouteReport).map((s) => ({ labels: { endpoint: e.endpoint, ...s.labels }, value: s.value }))),
    }),
  ),
];

/** Every family with its HELP and TYPE lines, then one sample per route and mirror (and label). */
export function metricsText(routes: readonly RouteReport[]): string {
  const lines: string[] = [];
  for (const f of FAMILIES) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const r of routes) {
      const identity = { virtual_service: r.virtualService, route: r.route, mirror: r.mirror };
      for (const s of f.samples(r)) lines.push(`${f.name}${labelSet({ ...identity, ...s.labels })} ${number(s.value)}`);
    }
  }
  return lines.join("\n") + "\n";
}

function reasons(counts: Readonly<Record<string, number>>): { labels: Record<string, string>; value: number }[] {
  return Object.entries(counts)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([reason, value]) => ({ labels: { reason }, value }));
}

function labelSet(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",")}}`;
}

/** Label values: backslash, double quote and line feed are escaped (format 0.0.4). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text: backslash and line feed are escaped. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Go's float syntax as Prometheus reads it: +Inf, -Inf, NaN, else the shortest round-trip decimal. */
function number(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  return String(x);
}
