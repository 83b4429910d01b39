// What `npm run replay` prints: progress on stderr while it runs (a bar on a
// terminal: sent, total, rate, time left; otherwise a line per tenth of the run, so
// CI logs stay short), then the report on stdout, in the live comparison's shape
// (fields, examples, statuses, latency of both) and the gate's verdict lines.
import type { RouteReport } from "../compare/report";
import { gateLines, type GateResult } from "./gate-judge";

interface Stream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface Progress {
  update(done: number, total: number): void;
  /** a message between progress updates (on a terminal, the bar is redrawn below it) */
  note(line: string): void;
  end(): void;
}

export function progressReporter(out: Stream, total: number, now: () => number = () => performance.now()): Progress {
  const start = now();
  let tenth = 0;
  let last = 0;
  let drawn = false;
  const status = (done: number) => {
    const s = (now() - start) / 1000;
    const rate = s > 0 ? done / s : 0;
    const left = rate > 0 ? Math.ceil((total - done) / rate) : undefined;
    return { rate: rate.toFixed(1), left: left === undefined ? "?" : clock(left) };
  };
  return {
    update(done) {
      if (out.isTTY) {
        const t = now();
        if (done < total && t - last < 100) return;
        last = t;
        const { rate, left } = status(done);
        const width = 30;
        const filled = total > 0 ? Math.round((done / total) * width) : width;
        out.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} sent  ${rate}/s  ${left} left `);
        drawn = true;
        return;
      }
      const reached = total > 0 ? Math.floor((done * 10) / total) : 10;
      if (reached <= tenth) return;
      tenth = reached;
      const { rate, left } = status(done);
      out.write(`replay: ${done}/${total} done (${reached * 10} %), ${rate}/s, ${left} left\n`);
    },
    note(line) {
      if (drawn) out.write("\r\x1b[K");
      out.write(`${line}\n`);
    },
    end() {
      if (drawn) out.write("\n");
    },
  };
}

function clock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return `${String(m).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
}

export interface RunFacts {
  runId: string;
  source?: string | undefined;
  target: string;
  records: number;
  sent: number;
  answered: number;
  durationMs: number;
  v1: "capture" | "baseline" | "none";
  v1Latency: string;
  noise: string;
  compareSettings: string;
  droppedHeaders: Record<string, number>;
}

const EXAMPLES_SHOWN = 5;

export function reportLines(run: RunFacts, r: RouteReport, judged: GateResult): string[] {
  const lines: string[] = [];
  const rate = run.durationMs > 0 ? ((run.sent * 1000) / run.durationMs).toFixed(1) : "–";
  lines.push(`replay ${run.runId}: ${run.records} records from ${run.source ?? "?"}; ${run.sent} sent to ${run.target} in ${(run.durationMs / 1000).toFixed(1)} s (${rate}/s), ${run.answered} answered`);
  lines.push(`compared with: ${run.v1 === "capture" ? "the captured v1 answers" : run.v1 === "baseline" ? "the baseline's answers (the records hold none)" : "nothing (no captured answers, no --baseline)"}; ${run.compareSettings}`);
  lines.push(`noise: ${run.noise}${r.noiseSamples > 0 ? ` (${r.noiseSamples} samples)` : ""}`);
  const dropped = Object.entries(run.droppedHeaders);
  if (dropped.length) lines.push(`sent without (redacted at capture): ${dropped.map(([n, c]) => `${n} ×${c}`).join(", ")}`);
  const skipped = Object.entries(r.skipped);
  if (skipped.length) lines.push(`not compared: ${skipped.map(([k, n]) => `${k} ×${n}`).join(", ")}`);
  const errors = Object.entries(r.shadowErrors);
  if (errors.length) lines.push(`target errors: ${errors.map(([k, n]) => `${k} ×${n}`).join(", ")}`);
  lines.push(`statuses: v1 ${counts(r.statuses.v1)}; v2 ${counts(r.statuses.v2)}`);
  lines.push(`latency (ms): v1 p50 ${r.latencyMs.v1.p50 ?? "–"} p99 ${r.latencyMs.v1.p99 ?? "–"} (${run.v1Latency}); v2 p50 ${r.latencyMs.v2.p50 ?? "–"} p99 ${r.latencyMs.v2.p99 ?? "–"}`);
  if (r.fields.length) {
    lines.push("fields:");
    for (const f of r.fields) lines.push(`  ${f.status.padEnd(9)} ${f.path} (${f.kind}): ${f.divergent} of ${r.compared} differ, noise ${f.noise} of ${r.noiseSamples}`);
  } else if (r.compared > 0) lines.push("fields: every compared answer was the same");
  if (r.examples.length) {
    lines.push("examples:");
    for (const e of r.examples.slice(0, EXAMPLES_SHOWN)) {
      const d = e.differences.slice(0, 3).map((x) => `${x.path} ${x.v1 ?? "(absent)"} → ${x.v2 ?? "(absent)"}`);
      lines.push(`  ${e.method} ${e.path} [${e.requestId}]: ${d.join("; ")}`);
    }
  }
  lines.push(...gateLines(judged));
  return lines;
}

function counts(c: Record<string, number>): string {
  const entries = Object.entries(c).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([k, n]) => `${k} ×${n}`).join(", ") : "–";
}
