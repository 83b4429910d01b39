// Reads Prometheus text (format 0.0.4) with a real parser (parse-prometheus-text-format,
// a port of Prometheus' expfmt TextParser), then checks what that parser lets through
// but Prometheus refuses: metric and label names outside the data model's grammar
// (prometheus.io/docs/concepts/data_model/), sample values that are not floats, a family
// without HELP and TYPE, and the same series twice.
import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^(?:[+-]?Inf|NaN|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/;

export interface Series {
  name: string;
  type: PrometheusFamily["type"];
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): { families: PrometheusFamily[]; series: Series[] } {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a line feed");
  const families = parsePrometheusTextFormat(text);
  const series: Series[] = [];
  const seen = new Set<string>();
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`metric name ${JSON.stringify(f.name)}`);
    if (f.type === "UNTYPED" || f.help === "") throw new Error(`${f.name} has no TYPE or HELP line`);
    for (const m of f.metrics) {
      const labels = m.labels ?? {};
      for (const name of Object.keys(labels)) if (!LABEL_NAME.test(name) || name.startsWith("__")) throw new Error(`label name ${JSON.stringify(name)} on ${f.name}`);
      if (m.value === undefined || !FLOAT.test(m.value)) throw new Error(`${f.name} value ${JSON.stringify(m.value)}`);
      const key = `${f.name}${JSON.stringify(Object.entries(labels).sort())}`;
      if (seen.has(key)) throw new Error(`series ${key} twice`);
      seen.add(key);
      series.push({ name: f.name, type: f.type, labels, value: Number(m.value.replace("Inf", "Infinity")) });
    }
  }
  return { families, series };
}

/** The one series of `name` whose labels include `labels`; throws when there is not exactly one. */
export function sample(series: readonly Series[], name: string, labels: Record<string, string>): number {
  const found = series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`${found.length} series ${name}${JSON.stringify(labels)}`);
  return found[0]!.value;
}
